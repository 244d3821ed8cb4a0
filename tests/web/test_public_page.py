"""The public page of a cluster (issue 16): /c/<CODE> in the reader's language — updates,
the action plan and its budget split, upcoming meetings in the cluster's time zone, the
indicators of /report (the same numbers) with groups of fewer than 5 hidden — its links,
and its data kept for a minute (bot/web/public_cache.py)."""

from __future__ import annotations

import html
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.config import Settings
from bot.reports import indicators
from bot.storage import activities, attendance, events, updates
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.web.public import PAGE_CACHE
from bot.web.public_data import hide_small
from bot.web.state import JoinLinks
from tests.driver import FakeClock
from tests.web.site import client_for, page_on, person

T0 = "2026-01-01T00:00:00+00:00"


def _invite(conn: sqlite3.Connection, event_id: int, contact_id: int) -> None:
    conn.execute("INSERT OR IGNORE INTO outbox_payloads (id, body) VALUES (1, '{}')")
    conn.execute(
        "INSERT INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id, status,"
        " next_attempt_at, created_at) VALUES ('test', ?, ?, 'invitation', ?, 1, 'sent', ?, ?)",
        (contact_id, str(contact_id), f"event:{event_id}", T0, T0),
    )


def _fill(conn: sqlite3.Connection, cluster: Cluster) -> None:
    """Twelve people: nine women and three men; eight artisans, one banker and three from
    NGOs. A September meeting with all twelve invited and six present, an October one with
    three present; two activities; a meeting to come with a Hindi title; an update in
    English and Hindi."""
    roles = ["artisan"] * 8 + ["bank"] + ["ngo"] * 3
    people = [
        person(conn, f"p{i}", cluster.id, gender="female" if i < 9 else "male", role=role)
        for i, role in enumerate(roles)
    ]
    for starts, present in (("2026-09-10T06:00:00+00:00", 6), ("2026-10-10T06:00:00+00:00", 3)):
        held = events.create(conn, cluster_id=cluster.id, kind="meeting", title="Held",
                             starts_at=starts, created_by="test:cda", now=T0)  # fmt: skip
        for n, contact in enumerate(people):
            _invite(conn, held.id, contact)
            attendance.mark_attendance(conn, held.id, contact, n < present, "test:cda", T0)
    activities.add(
        conn, cluster_id=cluster.id, by="test:cda", now=T0, title="Dye workshop",
        category="trust_building", status="done", starts_on="2026-03-01", ends_on="2026-03-05",
        beneficiaries_paise=10_000_000, agency_paise=30_000_000, others_paise=0,
        responsible="Ramesh Secretperson", versions={"hi": {"title": "रंगाई कार्यशाला"}},
    )  # fmt: skip
    activities.add(
        conn, cluster_id=cluster.id, by="test:cda", now=T0, title="Common facility",
        category="pilot", status="ongoing", beneficiaries_paise=0, agency_paise=0,
        others_paise=10_000_000,
    )  # fmt: skip
    events.create(
        conn, cluster_id=cluster.id, kind="meeting", title="Dye meeting",
        starts_at="2026-12-05T05:00:00+00:00", created_by="test:cda", now=T0,
        place="Community hall", versions={"hi": {"title": "रंगाई बैठक"}},
    )  # fmt: skip
    updates.publish(
        conn, cluster_id=cluster.id, broadcast_id=None,
        texts={"en": "Dye workshop on Friday", "hi": "शुक्रवार को रंगाई कार्यशाला"},
        default_language="en", now="2026-11-22T00:00:00+00:00",
    )  # fmt: skip


def _figure(body: str, key: str) -> str:
    found = re.search(rf'data-figure="{key}"><span class="value">(.*?)</span>', body)
    assert found, key
    return found.group(1)


def _rows(body: str, section: str) -> list[list[str]]:
    found = re.search(rf'<section class="card" id="{section}">(.*?)</section>', body, re.S)
    assert found, section
    return [[html.unescape(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]  # fmt: skip


async def test_the_page_shows_the_cluster_in_the_readers_language(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(lambda conn: _fill(conn, one_cluster))
    await page_on(db, one_cluster.id)
    links = JoinLinks("bagru_cluster_bot", "")
    async with client_for(db, settings, clock, links) as client:
        response = await client.get("/c/BAGRU", headers={"Accept-Language": "hi-IN,hi;q=0.9"})
        body = await response.text()
        assert response.status == 200 and '<html lang="hi">' in body
        assert "शुक्रवार को रंगाई कार्यशाला" in body and "रंगाई बैठक" in body
        assert "रंगाई कार्यशाला</td>" in body  # the activity's Hindi title
        en = await (await client.get("/c/BAGRU?lang=en")).text()
    assert '<link rel="alternate" type="application/atom+xml"' in en
    assert 'href="/c/BAGRU/updates.atom?lang=en"' in en
    assert 'href="/c/BAGRU/poster?lang=en"' in en
    assert 'href="https://t.me/bagru_cluster_bot?start=BAGRU"' in en
    assert "Dye workshop on Friday" in en and "Ramesh Secretperson" not in en
    # the meeting to come: 05:00 UTC is 10:30 in Asia/Kolkata
    assert re.search(r'<time datetime="2026-12-05T05:00:00\+00:00">[^<]*10:30', en)
    plan = _rows(en, "plan")
    assert plan[1][0] == "Dye workshop" and "Done" in plan[1][1]
    assert plan[1][3] == "₹4,00,000" and plan[2][3] == "₹1,00,000"
    # the budget split: beneficiaries ₹1,00,000 (20 %), agency ₹3,00,000, others ₹1,00,000
    split = [r for r in plan if r and r[0] in ("Beneficiaries' share", "Agency's share",
                                                "Other institutions", "Total")]  # fmt: skip
    assert [r[1:] for r in split] == [
        ["₹1,00,000", "20%"], ["₹3,00,000", "60%"], ["₹1,00,000", "20%"], ["₹5,00,000", ""]
    ]
    assert "<svg" in en and "chart-split" in en and "chart-line" in en
    assert "<script" not in en and "style=" not in en  # the CSP allows neither


async def test_the_numbers_are_reports_and_groups_under_5_are_hidden(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(lambda conn: _fill(conn, one_cluster))
    await page_on(db, one_cluster.id)
    report = await db.read(lambda conn: indicators.build(
        conn, one_cluster.id, indicators.period_for("all", clock(), ZoneInfo("Asia/Kolkata"))
    ))  # fmt: skip
    async with client_for(db, settings, clock) as client:
        body = await (await client.get("/c/BAGRU?lang=en")).text()
    assert _figure(body, "registered") == str(report.scale.registered) == "12"
    assert _figure(body, "meetings") == "2"
    assert _figure(body, "participants") == str(report.outreach.participants) == "6"
    people = _rows(body, "people")
    # artisans 8 shown; the banker (1) and the NGO people (3) not
    assert ["Artisan", "8"] in people and not any(r[0] in ("NGO", "Bank / financial institution")
                                                  for r in people)  # fmt: skip
    # the three men alone would be 12 − 9: the nine women are left out with them
    assert not any(r[0] in ("Woman", "Man") for r in people)
    trend = _rows(body, "attendance")
    # September: 6 of 12 came; October: 3 came, too few to show
    assert trend[1] == ["Sept 2026", "1", "6 of 12 (50%)"]  # Babel's English
    assert trend[2][:2] == ["Oct 2026", "1"] and "3" not in trend[2][2]
    assert "Fewer than 5" in trend[2][2]


async def test_the_data_is_kept_for_a_minute_then_read_again(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(lambda conn: _fill(conn, one_cluster))
    await page_on(db, one_cluster.id)
    async with client_for(db, settings, clock) as client:
        assert "Dye workshop on Friday" in await (await client.get("/c/BAGRU?lang=en")).text()
        await db.write(lambda conn: updates.publish(
            conn, cluster_id=one_cluster.id, broadcast_id=None, texts={"en": "Second news"},
            default_language="en", now="2026-11-23T00:00:00+00:00",
        ))  # fmt: skip
        await db.write(lambda conn: person(conn, "late", one_cluster.id))
        clock.advance(seconds=59)
        body = await (await client.get("/c/BAGRU?lang=en")).text()
        assert "Second news" not in body and _figure(body, "registered") == "12"
        clock.advance(seconds=2)
        # the old page once more while it is read again, then the new one, numbers included
        assert "Second news" not in await (await client.get("/c/BAGRU?lang=en")).text()
        await client.app[PAGE_CACHE].settled()
        body = await (await client.get("/c/BAGRU?lang=en")).text()
        assert "Second news" in body and _figure(body, "registered") == "13"


def test_small_groups_are_hidden_and_one_more_when_one_alone_would_show() -> None:
    assert hide_small({"a": 10, "b": 6, "c": 5}) == {"a": 10, "b": 6, "c": 5}
    assert hide_small({"a": 10, "b": 4, "c": 2}) == {"a": 10}
    # one small group: the smallest shown goes too, or total − shown would give it away
    assert hide_small({"a": 10, "b": 3, "c": 7}) == {"a": 10}
    assert hide_small({"a": 10, "b": 0, "c": 7}) == {"a": 10, "c": 7}  # a zero names nobody
    assert hide_small({"a": 4}) == {}
    assert hide_small({"a": 3, "b": 0}) == {}


async def test_the_html_of_the_kept_data_is_kept_with_it(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Drawing a page costs the event loop milliseconds the chat shares: while the data is
    the same, the page is drawn once per language and address, and drawn again with new
    data."""
    from bot.web import public, render

    await db.write(lambda conn: _fill(conn, one_cluster))
    await page_on(db, one_cluster.id)
    drawn: list[str] = []
    original = render.html

    def counting(request: web.Request, template: str, **context: object) -> str:
        drawn.append(request.path_qs)
        return original(request, template, **context)

    monkeypatch.setattr(public.render, "html", counting)
    async with client_for(db, settings, clock) as client:
        first = await (await client.get("/c/BAGRU?lang=en")).text()
        assert await (await client.get("/c/BAGRU?lang=en")).text() == first
        hindi = await (await client.get("/c/BAGRU?lang=hi")).text()
        assert hindi != first and '<html lang="hi">' in hindi
        assert drawn == ["/c/BAGRU?lang=en", "/c/BAGRU?lang=hi"]
        # a changed cluster: new data after the minute, so a new page
        await db.write(lambda conn: updates.publish(
            conn, cluster_id=one_cluster.id, broadcast_id=None, texts={"en": "Fresh news"},
            default_language="en", now="2026-11-23T00:00:00+00:00",
        ))  # fmt: skip
        clock.advance(seconds=61)
        await client.get("/c/BAGRU?lang=en")
        await client.app[PAGE_CACHE].settled()
        assert "Fresh news" in await (await client.get("/c/BAGRU?lang=en")).text()
        assert drawn.count("/c/BAGRU?lang=en") == 2  # the stale page was not drawn again


async def test_browsers_may_keep_the_page_for_the_minute_per_language(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    from bot.web.public import CACHE_SECONDS

    await page_on(db, one_cluster.id)
    async with client_for(db, settings, clock) as client:
        for _ in range(2):  # drawn, then from memory
            answer = await client.get("/c/BAGRU")
            assert answer.headers["Cache-Control"] == f"public, max-age={CACHE_SECONDS}"
            assert answer.headers["Vary"] == "Accept-Language, Cookie"
        # the dashboard's pages never are
        assert (await client.get("/dashboard")).headers["Cache-Control"] == "no-store"
