"""Issue 7 "indicator definitions ... each with a unit test on a known fixture database":
every expected number below is counted by hand from tests/reports/fixture.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.reports import indicators as ind
from bot.reports.indicators import MonthPoint, Period, Share
from bot.storage.db import connect_sync, migrate
from tests.reports.fixture import ALLEPPEY, BAGRU, populate

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
IST = ZoneInfo("Asia/Kolkata")
QUARTER = Period("quarter", "2026-08-31T18:30:00+00:00", "2026-11-28T09:00:01+00:00")
MONTH = Period("month", "2026-10-31T18:30:00+00:00", "2026-11-28T09:00:01+00:00")
ALL = Period("all", None, "2026-11-28T09:00:01+00:00")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "report.db")
    migrate(connection)
    populate(connection)
    connection.commit()
    yield connection
    connection.close()


def test_periods_are_months_of_the_cluster_zone() -> None:
    assert ind.period_for("quarter", NOW, IST) == QUARTER
    assert ind.period_for("month", NOW, IST) == MONTH
    assert ind.period_for("all", NOW, IST) == ALL
    january = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    assert ind.period_for("quarter", january, IST).start == "2026-10-31T18:30:00+00:00"
    with pytest.raises(ValueError):
        ind.period_for("year", NOW, IST)


def test_share_keeps_the_count_and_has_no_rate_without_a_total() -> None:
    assert Share(3, 7).rate == pytest.approx(3 / 7)
    assert Share(0, 0).rate is None


def test_scale(conn: sqlite3.Connection) -> None:
    quarter = ind.scale(conn, BAGRU, QUARTER)
    # registered: people 1-6 (7 erased, 8 never registered, 9 another cluster)
    assert quarter.registered == 6
    assert quarter.by_role["artisan"] == 3 and quarter.by_role["shg_member"] == 2
    assert quarter.by_role["entrepreneur"] == 1 and quarter.by_role["bank"] == 0
    assert len(quarter.by_role) == 11  # every role, zeros included
    assert quarter.new_in_period == 2  # 3 (15 Sep) and 4 (5 Nov)
    # active: 1 (message, RSVP...), 2 (RSVP, attended), 3, 4, 5 (RSVP maybe); 6 did nothing
    assert quarter.active == 5
    assert quarter.erased == 1
    month = ind.scale(conn, BAGRU, MONTH)
    assert (month.registered, month.new_in_period, month.active) == (6, 1, 4)
    other = ind.scale(conn, ALLEPPEY, ALL)
    assert (other.registered, other.active) == (1, 1)


def test_outreach(conn: sqlite3.Connection) -> None:
    o = ind.outreach(conn, BAGRU, QUARTER)
    assert o.registered_by_gender == {
        "female": 2, "male": 1, "other": 1, "undisclosed": 1, "unknown": 1,
    }  # fmt: skip
    assert o.women_registered == Share(2, 6)
    # took part: present at meetings 1 and 2 {1, 2, 3, 4} or answered a survey {1, 2, 3, 4, 7}
    assert o.participants == 5
    assert o.participants_by_gender == {
        "female": 3, "male": 1, "other": 0, "undisclosed": 1, "unknown": 0,
    }  # fmt: skip
    assert o.women_participants == Share(3, 5)
    assert o.participants_by_role["artisan"] == 3  # 1, 2 and the erased 7
    assert o.participants_by_role["shg_member"] == 1
    assert o.participants_by_role["entrepreneur"] == 1
    # women among those present: meeting 1 {1 F, 2 M, 3 F}, visit 2 {1 F, 4 undisclosed}
    assert [(g.key, g.women) for g in o.events] == [
        ("event:1", Share(2, 3)),
        ("event:2", Share(1, 2)),
    ]
    assert [(g.key, g.women) for g in o.surveys] == [
        ("diag", Share(3, 5)),
        ("skills", Share(1, 1)),
    ]


def test_participation(conn: sqlite3.Connection) -> None:
    p = ind.participation(conn, BAGRU, QUARTER, IST)
    rows = [(e.event_id, e.kind, e.invited, e.said_yes, e.attended) for e in p.events]
    # meeting 1: 5 invited, 2 yes, 3 came (one walked in); visit 2: 2 seats confirmed of 4
    # invited, both came; the cancelled meeting 3 is left out
    assert rows == [(1, "meeting", 5, 2, 3), (2, "visit", 4, 2, 2)]
    assert p.events[0].yes_rate == Share(2, 5)
    assert p.events[0].attendance_rate == Share(3, 5)
    assert p.events[0].turnout == Share(3, 2)
    assert (p.invited, p.said_yes, p.attended) == (9, 4, 5)
    assert p.trend == [
        MonthPoint("2026-09", 1, 5, 3),
        MonthPoint("2026-10", 0, 0, 0),  # no month hidden
        MonthPoint("2026-11", 1, 4, 2),
    ]
    whole = ind.participation(conn, BAGRU, ALL, IST)
    assert next((e.event_id, e.invited, e.said_yes, e.attended) for e in whole.events) == (
        4, 2, 1, 1,
    )  # fmt: skip
    assert [m.month for m in whole.trend] == [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ]  # fmt: skip
    assert whole.trend[0] == MonthPoint("2026-06", 1, 2, 1)
    assert ind.participation(conn, BAGRU, Period("custom", T_EMPTY, T_EMPTY_END), IST).trend == []


T_EMPTY, T_EMPTY_END = "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"


def test_surveys(conn: sqlite3.Connection) -> None:
    quarter = {s.key: s for s in ind.surveys(conn, BAGRU, QUARTER)}
    assert list(quarter) == ["diag", "skills"]  # not the other cluster's 'coir'
    diag = quarter["diag"]
    assert diag.title == "Cluster diagnostic"  # the newest version's title
    # responses 1, 2, 3, 4, 8 (6 is July, 7 another cluster); completed in 12, 20, 30, 10 min
    assert (diag.responses, diag.completed) == (5, 4)
    assert diag.completion == Share(4, 5)
    assert diag.median_minutes == pytest.approx(16.0, abs=0.01)
    skills = quarter["skills"]
    assert (skills.responses, skills.completed, skills.median_minutes) == (1, 0, None)
    whole = {s.key: s for s in ind.surveys(conn, BAGRU, ALL)}["diag"]
    assert (whole.responses, whole.completed) == (6, 5)
    assert whole.median_minutes == pytest.approx(12.0, abs=0.01)
    month = {s.key: s for s in ind.surveys(conn, BAGRU, MONTH)}["diag"]
    assert (month.responses, month.completed) == (2, 1)
    assert month.median_minutes == pytest.approx(30.0, abs=0.01)


def test_transparency(conn: sqlite3.Connection) -> None:
    t = ind.transparency(conn, BAGRU, QUARTER)
    assert [(u.update_id, u.recipients, u.delivered) for u in t.updates] == [(1, 4, 2), (2, 3, 2)]
    assert t.reach == Share(4, 7)
    assert (t.opted_out, t.unreachable) == (1, 1)  # the erased person is not counted
    whole = ind.transparency(conn, BAGRU, ALL)
    assert [u.update_id for u in whole.updates] == [3, 1, 2]
    assert whole.reach == Share(5, 8)


def test_action_plan(conn: sqlite3.Connection) -> None:
    a = ind.action_plan(conn, BAGRU)
    assert a.by_category["trust_building"] == {"planned": 1, "ongoing": 0, "done": 1, "dropped": 0}
    assert a.by_category["pilot"]["ongoing"] == 1
    assert a.by_category["capacity_building"]["dropped"] == 1
    assert a.by_category["regular"] == {"planned": 0, "ongoing": 0, "done": 0, "dropped": 0}
    assert a.by_status == {"planned": 1, "ongoing": 1, "done": 2, "dropped": 1}
    assert a.total == 5
    assert a.done == Share(2, 4)  # the dropped activity is out of the plan
    assert (a.beneficiaries_paise, a.agency_paise, a.others_paise) == (
        15_000_000, 60_000_000, 15_000_000,
    )  # fmt: skip
    assert a.budget_paise == 90_000_000
    assert a.beneficiaries_share == Share(15_000_000, 90_000_000)


def test_build_reads_the_cluster(conn: sqlite3.Connection) -> None:
    report = ind.build(conn, BAGRU, QUARTER)
    assert (report.cluster_code, report.timezone) == ("BAGRU", "Asia/Kolkata")
    assert report.scale.registered == 6 and report.action_plan.total == 5
    with pytest.raises(LookupError):
        ind.build(conn, 99, QUARTER)
