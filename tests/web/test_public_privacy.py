"""No personal data on the public pages (issue 16): people with distinctive names, villages
and phone numbers register, answer a survey (free text and numbers included), say yes to a
meeting and write to the CDA; then every public URL in every language is fetched and none
of it may appear. The page is 404 — the same page as for no such cluster — until it is
turned on; a survey choice chosen by fewer than 5 people is not shown."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES
from bot.storage import events, inbox, updates
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.web.state import JoinLinks
from tests.driver import FakeClock
from tests.web.site import answer, client_for, import_form, page_on, person

NAME, VILLAGE, PHONE = "Zorawarsingh Qwerty", "Xylophonegaon", "+919812345678"
STORY = "Quagmirefrobnicate"  # a word of a free-text answer
INCOME = "473829"  # a number answer
ASKED = "Snorkelbazooka"  # a word of a message to the CDA
SECRETS = (NAME, "Zorawarsingh", "Qwerty", VILLAGE, PHONE, PHONE[1:], PHONE[3:], STORY, INCOME,
           ASKED)  # fmt: skip

FORM = """\
| survey |
| | type | name | label::English (en) | label::Hindi (hi) |
| | select_one material | material | Main material? | मुख्य कच्चा माल? |
| | text | story | Your story? | आपकी कहानी? |
| | integer | income | Monthly income? | मासिक आय? |
| choices |
| | list_name | name | label::English (en) | label::Hindi (hi) |
| | material | cotton | Cotton | सूती |
| | material | silk | Silkthread | रेशम |
| | material | wool | Woolyarn | ऊन |
| settings |
| | form_title | form_id | version | default_language |
| | Materials | materials | 1 | English (en) |
"""
# who chose what: cotton 6, silk 4, wool 2 (12 people)
CHOSEN = ["cotton"] * 6 + ["silk"] * 4 + ["wool"] * 2


def _fill(conn: sqlite3.Connection, cluster: Cluster, form: Path) -> None:
    survey = import_form(conn, form)
    people = []
    for i, material in enumerate(CHOSEN):
        contact = person(
            conn, f"p{i}", cluster.id,
            name=f"{NAME} {i}" if i else NAME, place=VILLAGE, phone=f"{PHONE[:-2]}{i:02d}",
            gender="female" if i % 2 else "male",
        )  # fmt: skip
        people.append(contact)
        answer(conn, survey, contact,
               {"material": material, "story": f"{STORY} {NAME}", "income": INCOME})  # fmt: skip
    meeting = events.create(
        conn, cluster_id=cluster.id, kind="meeting", title="Dye meeting",
        starts_at="2026-12-05T05:00:00+00:00", created_by="test:cda",
        now="2026-11-20T00:00:00+00:00", place="Community hall",
    )  # fmt: skip
    for contact in people[:3]:
        events.rsvp(conn, meeting.id, contact, "yes", "2026-11-21T00:00:00+00:00")
    inbox.add(
        conn, cluster_id=cluster.id, contact_id=people[0], kind="question", anonymous=False,
        text=f"{ASKED} from {NAME} of {VILLAGE}, call {PHONE}", media_kind=None,
        media_path=None, role="artisan", gender="male", now="2026-11-21T00:00:00+00:00",
    )  # fmt: skip
    updates.publish(
        conn, cluster_id=cluster.id, broadcast_id=None,
        texts={"en": "Dye workshop on Friday", "hi": "शुक्रवार को रंगाई कार्यशाला"},
        default_language="en", now="2026-11-22T00:00:00+00:00",
    )  # fmt: skip


@pytest.fixture
async def client(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster, tmp_path: Path
) -> AsyncIterator[TestClient]:
    form = tmp_path / "materials.md"
    form.write_text(FORM, encoding="utf-8")
    await db.write(lambda conn: _fill(conn, one_cluster, form))
    links = JoinLinks("bagru_cluster_bot", "919876543210")
    async with client_for(db, settings, clock, links) as found:
        yield found


def _urls(code: str) -> list[str]:
    found = []
    for lang in SHIPPED_LANGUAGES:
        found += [f"/c/{code}?lang={lang}", f"/c/{code}/updates.atom?lang={lang}",
                  f"/c/{code}/poster?lang={lang}"]  # fmt: skip
    return [*found, f"/c/{code}", f"/c/{code}/updates.atom", f"/c/{code}/poster"]


async def test_no_public_url_shows_anything_personal(
    client: TestClient, db: Database, one_cluster: Cluster
) -> None:
    await page_on(db, one_cluster.id)
    for url in _urls(one_cluster.code):
        response = await client.get(url)
        assert response.status == 200, url
        body = await response.text()
        for secret in SECRETS:
            assert secret not in body, (url, secret)
        assert "Woolyarn" not in body and "ऊन" not in body  # chosen by 2
    # the page is not empty: what it may show is there
    body = await (await client.get(f"/c/{one_cluster.code}?lang=hi")).text()
    assert "शुक्रवार को रंगाई कार्यशाला" in body and "Dye meeting" in body


async def test_the_page_is_404_until_turned_on_and_the_same_as_no_cluster(
    client: TestClient, db: Database, one_cluster: Cluster
) -> None:
    code = one_cluster.code
    for url in (f"/c/{code}", f"/c/{code}/updates.atom", f"/c/{code}/poster"):
        off = await client.get(url)
        missing = await client.get(url.replace(code, "NOSUCH"))
        assert off.status == missing.status == 404
        # the same page, but for the language links, which repeat the address asked for
        assert (await off.text()).replace(code, "X") == (await missing.text()).replace(
            "NOSUCH", "X"
        )
        assert off.content_type == missing.content_type
    await page_on(db, one_cluster.id)
    for url in (f"/c/{code}", f"/c/{code}/updates.atom", f"/c/{code}/poster"):
        assert (await client.get(url)).status == 200
        assert (await client.get(url.replace(code, "NOSUCH"))).status == 404
    await page_on(db, one_cluster.id, on=False)
    for url in (f"/c/{code}", f"/c/{code}/updates.atom", f"/c/{code}/poster"):
        assert (await client.get(url)).status == 404  # at once, whatever the page cache holds


async def test_a_choice_of_fewer_than_5_people_is_not_shown(
    client: TestClient, db: Database, one_cluster: Cluster
) -> None:
    await page_on(db, one_cluster.id)
    body = await (await client.get(f"/c/{one_cluster.code}?lang=en")).text()
    question = re.search(r"<caption>Main material\?</caption>(.*?)</table>", body, re.S)
    assert question, body
    rows = dict(re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td></tr>",
                           question.group(1)))  # fmt: skip
    assert rows == {"Cotton": "6"}  # silk (4) and wool (2) left out
    assert "Silkthread" not in body
    # the free-text and number questions are never shown
    assert "Your story?" not in body and "Monthly income?" not in body
