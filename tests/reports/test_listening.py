"""The report's "Listening" indicators (issue 15): items sent to the CDA by kind (privacy
complaints apart), the share answered, the median time to the first answer, the share
published, split by gender and role with anonymous items apart; one computation read by the
chat text and the workbook; an observer sees the counts and never a sender."""

from __future__ import annotations

import io
import sqlite3

from openpyxl import load_workbook

from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.reports import indicators as ind
from bot.reports.text import report_text
from bot.reports.workbook import report_workbook
from bot.storage import inbox
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.reports.fixture import BAGRU, NAMES, populate

T = "2026-11-{day:02d}T{hour:02d}:00:00+00:00"


def items(conn: sqlite3.Connection) -> None:
    """Five items in Bagru in November, one in Alleppey; answers after 2 h, 10 h and 3 days."""
    populate(conn)

    def add(contact: int, kind: str, day: int, *, anonymous: bool = False, role: str = "artisan",
            gender: str = "female") -> inbox.Item:  # fmt: skip
        return inbox.add(conn, cluster_id=BAGRU, contact_id=contact, kind=kind,
                         anonymous=anonymous, text=f"{NAMES[contact - 1]} wrote", media_kind=None,
                         media_path=None, role=role, gender=gender,
                         now=T.format(day=day, hour=8))  # fmt: skip

    a = add(1, "question", 2)
    inbox.answer(conn, a, 4, "ok", T.format(day=2, hour=10))  # 2 h
    b = add(2, "suggestion", 3, role="artisan", gender="male")
    inbox.answer(conn, b, 4, "ok", T.format(day=3, hour=18))  # 10 h
    inbox.published(conn, b, 4, _update(conn), T.format(day=4, hour=8))
    c = add(3, "complaint", 4, anonymous=True, role="shg_member")
    inbox.answer(conn, c, 4, "ok", T.format(day=7, hour=8))  # 3 days
    add(1, "privacy", 5)
    add(3, "question", 6, role="shg_member")
    inbox.add(conn, cluster_id=2, contact_id=9, kind="question", anonymous=False, text="x",
              media_kind=None, media_path=None, role="artisan", gender="male",
              now=T.format(day=6, hour=8))  # fmt: skip


def _update(conn: sqlite3.Connection) -> int:
    from bot.storage import updates

    return updates.publish(conn, cluster_id=BAGRU, broadcast_id=None, texts={"en": "Q and A"},
                           default_language="en", now=T.format(day=4, hour=8))  # fmt: skip


def report(conn: sqlite3.Connection) -> ind.Report:
    period = ind.Period("all", None, "2026-12-01T00:00:00+00:00")
    return ind.build(conn, BAGRU, period)


async def test_the_indicators(db: Database) -> None:
    await db.write(items)
    li = (await db.read(report)).listening
    assert li.received == {"question": 2, "suggestion": 1, "complaint": 1, "privacy": 1}
    assert li.answered_share == ind.Share(3, 5) and li.published_share == ind.Share(1, 5)
    assert li.median_hours == 10
    assert li.by_gender == {
        "female": ind.GroupListening(3, 1),
        "male": ind.GroupListening(1, 1),
        "anonymous": ind.GroupListening(1, 1),  # the complaint: neither a gender nor a role
    }
    assert li.by_role == {
        "artisan": ind.GroupListening(3, 2),
        "shg_member": ind.GroupListening(1, 0),
        "anonymous": ind.GroupListening(1, 1),
    }
    # A period that ends before the answers counts them as not answered yet.
    early = ind.Period("custom", None, T.format(day=3, hour=0))
    cut = await db.read(lambda c: ind.listening(c, BAGRU, early))
    assert cut.received["question"] == 1 and cut.answered == 1 and cut.published == 0


async def test_text_and_workbook_show_the_same_figures_in_every_language(db: Database) -> None:
    await db.write(items)
    found = await db.read(report)
    text = report_text(translator("en"), found)
    assert "💬 Listening" in text
    assert "Received: 5 (Questions 2 · Suggestions 1 · Complaints 1)" in text
    assert "About their data: 1 (counted apart)" in text
    assert "Answered: 3 of 5 (60%) · median time to the first answer: 10 h" in text
    assert "Published as public answers: 1 of 5 (20%)" in text
    assert "Anonymous 1 of 1 (100%)" in text
    buffer = io.BytesIO()
    report_workbook(translator("en"), found, buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book["Listening"]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert ("Answered", 3, 0.6) in [r[:3] for r in rows]
    assert ("Median hours to the first answer", 10) in [r[:2] for r in rows]
    assert any(r[:2] == ("About their data", 1) for r in rows)
    assert ("Anonymous", 1, 1, 1) in rows
    cells = " ".join(str(c) for r in rows for c in r)
    for name in NAMES:
        assert name not in cells and name not in text
    for language in SHIPPED_LANGUAGES:
        assert len(report_text(translator(language), found)) <= 4096


async def test_an_observer_gets_the_counts_in_report(db: Database, engine: Engine) -> None:
    await db.write(items)
    await db.write(
        lambda c: c.execute(
            "INSERT INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
            " VALUES ('test', 'obs', 1, 'observer', 'x')"
        )
    )
    observer = ChatDriver(engine, user_id="obs")
    await observer.say("/report")
    await observer.press("rep:p:all")
    assert "Answered: 3 of 5 (60%)" in observer.text
    for name in NAMES:
        assert name not in observer.text
    await observer.press("ib:o:1")
    assert "wrote" not in observer.text
