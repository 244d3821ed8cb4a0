"""The demo's programme history (bot/demo_history.py, issue 7 "Done when"): after
`clusterbot demo --as cda`, /report answers how many women took part, how attendance is
trending and what share of the action plan is done. Expected figures are counted by hand
from the tables in bot/demo_history.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import seed_demo
from bot.clock import iso
from bot.config import Settings
from bot.demo_history import PROGRAMME_AGE, seed_history
from bot.reports import indicators
from bot.storage import broadcasts, clusters, contacts
from bot.storage.db import connect_sync, migrate
from handlers.events.meeting import invitation_payloads
from tests.cli_env import run_console

# A fixed day: the three meetings (80, 45 and 12 days before) fall in Sept, Oct and Nov.
NOW = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


def _seeded(tmp_path: Path) -> tuple[sqlite3.Connection, int]:
    conn = connect_sync(tmp_path / "history.db")
    migrate(conn)
    with conn:
        began = iso(NOW - PROGRAMME_AGE)  # as seed_demo creates it
        cluster = clusters.add(conn, "BAGRU", "Bagru printers", "Asia/Kolkata", began)
        seed_history(conn, cluster.id, NOW, invitation_payloads)
    with conn:
        seed_history(conn, cluster.id, NOW, invitation_payloads)  # every demo start: nothing twice
    return conn, cluster.id


def _all(conn: sqlite3.Connection, cluster_id: int) -> indicators.Report:
    period = indicators.period_for("all", NOW, ZoneInfo("Asia/Kolkata"))
    return indicators.build(conn, cluster_id, period)


def test_the_history_gives_the_report_its_answers(tmp_path: Path) -> None:
    conn, cluster_id = _seeded(tmp_path)
    report = _all(conn, cluster_id)

    scale, outreach = report.scale, report.outreach
    assert scale.registered == 24
    assert scale.by_role["artisan"] == 10 and scale.by_role["shg_member"] == 7
    assert (scale.by_role["entrepreneur"], scale.by_role["supplier"], scale.by_role["bank"]) == (
        4,
        1,
        1,
    )
    assert outreach.registered_by_gender == {
        "female": 13,
        "male": 10,
        "other": 0,
        "undisclosed": 1,
        "unknown": 0,
    }
    # How many women took part: 13 of the 19 who came to any meeting.
    assert outreach.women_participants == indicators.Share(13, 19)
    assert [g.women for g in outreach.events] == [
        indicators.Share(1, 4),
        indicators.Share(7, 11),
        indicators.Share(13, 17),
    ]

    # How attendance is trending: 40 % -> 55 % -> 71 %, one meeting a month.
    p = report.participation
    assert [(e.invited, e.said_yes, e.attended) for e in p.events] == [
        (10, 6, 4),
        (20, 13, 11),
        (24, 19, 17),
    ]
    assert [(m.month, m.invited, m.attended) for m in p.trend] == [
        ("2026-09", 10, 4),
        ("2026-10", 20, 11),
        ("2026-11", 24, 17),
    ]
    rates = [m.attendance_rate.rate or 0 for m in p.trend]
    assert rates[0] < rates[1] < rates[2]

    # The update reached everyone registered then except the one who blocked the bot.
    t = report.transparency
    # The answer published to /updates only (issue 15) was sent to nobody.
    assert [(u.recipients, u.delivered) for u in t.updates] == [(23, 22), (0, 0)]
    assert (t.opted_out, t.unreachable) == (2, 1)
    # No action plan in the history itself: seed_demo's stays as it is.
    assert report.action_plan.total == 0

    # This month holds the November meeting only.
    month = indicators.period_for("month", NOW, ZoneInfo("Asia/Kolkata"))
    recent = indicators.build(conn, cluster_id, month).participation
    assert [(m.month, m.invited, m.attended) for m in recent.trend] == [("2026-11", 24, 17)]
    conn.close()


def test_nothing_is_left_to_send_and_every_member_can_log_in(tmp_path: Path) -> None:
    conn, _ = _seeded(tmp_path)
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    assert statuses == {"sent": 74, "blocked": 2, "opted_out": 1}  # nothing queued
    member = contacts.find(conn, "console", "member01")
    assert member is not None and member.registered and member.chat_id == "member01"
    assert member.consent_at is not None and member.consent_at < (member.registered_at or "")
    assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 24
    conn.close()


def test_seed_demo_keeps_its_upcoming_events_and_action_plan(tmp_path: Path) -> None:
    conn = connect_sync(tmp_path / "demo.db")
    migrate(conn)
    with conn:
        seed_demo(conn, Settings())
    with conn:
        seed_demo(conn, Settings())
    kinds = conn.execute("SELECT kind, starts_at > ? FROM events ORDER BY id", (NOW.isoformat(),))
    assert [tuple(r) for r in kinds] == [
        ("meeting", 1),
        ("visit", 1),
        ("meeting", 0),
        ("meeting", 0),
        ("meeting", 0),
    ]
    assert conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == 4
    # The demo CDA and stakeholder register "now": the history never wrote to them.
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = 'cda'").fetchone()[0] == 0
    conn.close()


def test_the_demo_cda_reads_the_report_in_the_console(tmp_path: Path) -> None:
    """`clusterbot demo --as cda`, /report, 3 (Whole programme): the numbers above."""
    out = run_console(tmp_path, ["demo", "--as", "cda"], ["/report", "3", "/quit"], timeout=90)
    assert "Registered: 25" in out  # the 24 members and the demo CDA
    assert "Women among them: 13 of 19 (68%)" in out
    assert "3 events · invited 54 · said yes 38 of 54 (70%) · came 32 of 54 (59%)" in out
    # the monthly trend, counts next to the rates
    assert "4 of 10 (40%) ·" in out and "11 of 20 (55%) ·" in out and "17 of 24 (71%)" in out
    assert "done 1 of 3 (33%)" in out
    assert "delivered 22 of 23 (96%)" in out
    assert "[photo: report-BAGRU.png]" in out
    # Aggregates only: no member's name in the report.
    assert "Sunita" not in out and "Chhipa" not in out
    # Nobody of the history had anything waiting when the console opened.
    conn = sqlite3.connect(tmp_path / "clusterbot-demo.db")
    queued = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'queued'").fetchone()
    conn.close()
    assert queued == (0,)


def test_the_update_reads_in_gujarati_for_a_gujarati_reader(tmp_path: Path) -> None:
    conn, cluster_id = _seeded(tmp_path)
    [update] = broadcasts.recent(conn, [cluster_id])
    assert update.text_for("gu").startswith("ધિરાણ શિબિર પછી બેંક ઑફ બરોડાએ")
    assert update.text_for("en").startswith("After the credit camp")
    conn.close()


def test_the_history_has_items_sent_to_the_cda(tmp_path: Path) -> None:
    """The report's Listening section (issue 15) has figures in the demo; nothing queued."""
    conn, cluster_id = _seeded(tmp_path)
    li = _all(conn, cluster_id).listening
    assert li.total == 5 and li.received["privacy"] == 1
    assert (li.answered, li.published) == (3, 1) and li.median_hours == 26
    assert li.by_gender["anonymous"].received == 1
    queued = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'queued'").fetchone()[0]
    assert queued == 0
