"""The log-frame (issue 18): import with whole-file validation, sources computed by the
report's and the survey's own code, values entered by hand, progress and traffic lights,
export that imports again unchanged, and the command line."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.logframe import files, sources
from bot.logframe.standing import expected_of, light_of, progress_of, standings
from bot.storage import logframe as store
from bot.storage.db import connect_sync, migrate, run_in_transaction
from tests.cli_env import isolated_cli
from tests.surveys.test_change import fill_two_rounds

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
HEADER = ["Ref", "Level", "Statement", "Indicator", "Baseline", "Target", "Target date",
          "Means of verification"]  # fmt: skip
GOOD = [
    ["1", "Development objective", "Incomes of the cluster's artisans grow",
     "Median monthly sales (₹)", "4,000", "₹6,000", "2027-12-31",
     "survey:enterprise.sales:median@Midline 2027"],
    ["1.1", "purpose", "Artisans use natural dyes", "% using natural dyes", 30, "60%",
     datetime(2027, 6, 30), "survey:enterprise.dyes:share=natural"],
    ["1.2", "purpose", "", "Change in sales per enterprise (₹)", None, 1000, None,
     "survey:enterprise.sales:change"],
    ["2", "output", "People take part", "People registered", 0, 10, None, "registered"],
    ["3", "activity", "Exposure visits", "Visits held", 0, 4, "31-03-2027", "manual"],
]  # fmt: skip


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect_sync(tmp_path / "logframe.db")
    migrate(connection)
    return connection


@pytest.fixture
def two_rounds(conn: sqlite3.Connection, tmp_path: Path) -> dict[str, object]:
    return fill_two_rounds(conn, tmp_path)


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def load(conn: sqlite3.Connection, cluster: int, rows: list[list[Any]]) -> None:
    def go(c: sqlite3.Connection) -> None:
        store.replace(c, cluster, files.read(c, xlsx(rows), TODAY), TODAY.isoformat())

    run_in_transaction(conn, go)


def test_a_good_file_is_read_with_people_s_numbers_and_dates(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    rows = files.read(conn, xlsx(GOOD), TODAY)
    assert [(r.ref, r.level) for r in rows] == [
        ("1", "goal"), ("1.1", "purpose"), ("1.2", "purpose"), ("2", "output"),
        ("3", "activity")]  # fmt: skip
    assert (rows[0].baseline, rows[0].target, rows[0].target_date) == (4000, 6000, "2027-12-31")
    assert (rows[1].target, rows[1].target_date) == (60, "2027-06-30")
    assert rows[2].statement == "Artisans use natural dyes"  # empty: the one above
    assert rows[2].baseline is None and rows[4].target_date == "2027-03-31"


def test_every_problem_of_a_bad_file_is_reported_and_nothing_changes(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    cluster = two_rounds["cluster"]
    assert isinstance(cluster, int)
    load(conn, cluster, GOOD)
    bad = [
        ["1", "vision", "Something", "An indicator", "", "", "", "manual"],
        ["1", "output", "Something", "", "lots", "10", "someday", "manual"],
        ["4", "output", "Something", "X", "", "", "", "survey:nosuch.q:median"],
        ["5", "output", "Something", "X", "", "", "", "survey:enterprise.nosuch:median"],
        ["6", "output", "Something", "X", "", "", "", "survey:enterprise.dyes:share=silk"],
        ["7", "output", "Something", "X", "", "", "", "survey:enterprise.sales:median@Endline"],
        ["8", "output", "Something", "X", "", "", "", "the bank's records"],
        ["9", "output", "Something", "X", "", "", "", "survey:enterprise.sales:average"],
    ]
    with pytest.raises(files.LogframeFileError) as caught:
        load(conn, cluster, bad)
    problems = caught.value.problems
    expected = [
        "row 2: level 'vision' is not one of goal, purpose, output, activity",
        "row 3: ref '1' is used again (first in row 2)",
        "row 3: the indicator is empty",
        "row 3: baseline 'lots' is not a number",
        "row 3: target date 'someday' is not a date",
        "row 4: source: there is no survey 'nosuch'",
        "row 5: source: survey enterprise has no question 'nosuch' outside a repeat",
        "row 6: source: question 'dyes' has no choice 'silk'",
        "row 7: source: survey enterprise has no round 'Endline' (rounds: Baseline, "
        "Midline 2027)",
        "row 8: source: unknown source \"the bank's records\"",
        "row 9: source: unknown aggregate 'average'",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), (line, problems)
    assert [r.ref for r in store.rows(conn, cluster)] == ["1", "1.1", "1.2", "2", "3"]
    for header, message in (
        (["Something", "Else"], "no header row"),
        (HEADER, "has no rows"),
    ):
        with pytest.raises(files.LogframeFileError, match=message):
            files.read(conn, xlsx([], header), TODAY)
    with pytest.raises(files.LogframeFileError, match=r"not an \.xlsx"):
        files.read(conn, io.BytesIO(b"ref,level\n1,goal\n"), TODAY)


def test_where_each_indicator_stands_counted_by_hand(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    cluster = two_rounds["cluster"]
    assert isinstance(cluster, int)
    load(conn, cluster, GOOD)
    visits = store.rows(conn, cluster)[4]
    run_in_transaction(conn, lambda c: store.enter(
        c, visits.id, 1, "2026-11-20", "Sanganer", None, NOW.isoformat()))  # fmt: skip
    run_in_transaction(conn, lambda c: store.enter(
        c, visits.id, 2, "2026-11-30", "Kaithoon", None, NOW.isoformat()))  # fmt: skip
    found = {s.row.ref: s for s in standings(conn, cluster, NOW, TODAY)}
    # Midline: A..G and I answered sales: 1500 2000 2500 5000 5000 6000 9000 9999 -> 5000
    assert found["1"].value == 5000
    assert found["1"].progress == pytest.approx((5000 - 4000) / (6000 - 4000))
    # natural dyes in the latest round: A B C E G I of 8 -> 75 %
    assert found["1.1"].value == 75.0
    assert found["1.2"].value == 0  # median change per person A..G: 0
    assert found["2"].value == 9  # A..I registered
    assert (found["3"].value, found["3"].measured_on, found["3"].note) == (2, "2026-11-30",
                                                                          "Kaithoon")  # fmt: skip
    assert found["3"].progress == 0.5
    assert found["2"].light == "green"  # 9 of 10, no target date: 0.9 >= 1 - 0.1
    assert found["3"].light == "green"  # half way, and no time has passed yet


def test_lights() -> None:
    row = store.Row("1", "output", "s", "i", 0, 10, "2027-12-02", "manual", since="2026-12-02")
    assert progress_of(row, 5) == 0.5
    assert progress_of(store.Row("1", "output", "s", "i", 20, 5, None, "manual"), 11) == 0.6
    assert expected_of(row, date(2027, 6, 2)) == pytest.approx(182 / 365)
    assert expected_of(row, date(2028, 1, 1)) == 1.0
    assert expected_of(store.Row("1", "output", "s", "i", 0, 10, None, "manual"), TODAY) == 1
    assert light_of(0.45, 0.5) == "green"
    assert light_of(0.3, 0.5) == "amber"
    assert light_of(0.2, 0.5) == "red"
    assert light_of(1.0, 1.0) == "green" and light_of(None, 0.5) == "none"
    assert light_of(0.9, 1.0) == "green" and light_of(0.89, 1.0) == "amber"


def test_reimport_keeps_values_of_rows_that_stay(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    cluster = two_rounds["cluster"]
    assert isinstance(cluster, int)
    load(conn, cluster, GOOD)
    visits = store.rows(conn, cluster)[4]
    run_in_transaction(conn, lambda c: store.enter(
        c, visits.id, 3, "2026-11-30", "", None, NOW.isoformat()))  # fmt: skip
    changed = [*GOOD[:3], [*GOOD[4][:5], 6, *GOOD[4][6:]]]  # 2 goes, 3's target changes
    load(conn, cluster, changed)
    assert [r.ref for r in store.rows(conn, cluster)] == ["1", "1.1", "1.2", "3"]
    assert store.latest_entered(conn, cluster)[visits.id].value == 3
    assert store.rows(conn, cluster)[3].target == 6


def test_export_imports_again_unchanged(
    conn: sqlite3.Connection, two_rounds: dict[str, object], tmp_path: Path
) -> None:
    cluster = two_rounds["cluster"]
    assert isinstance(cluster, int)
    load(conn, cluster, GOOD)
    before = store.rows(conn, cluster)
    out = tmp_path / "lf.xlsx"
    files.write(standings(conn, cluster, NOW, TODAY), out)
    again = files.read(conn, out, TODAY)
    strip = [(r.ref, r.level, r.statement, r.indicator, r.baseline, r.target, r.target_date,
              r.source) for r in before]  # fmt: skip
    assert [(r.ref, r.level, r.statement, r.indicator, r.baseline, r.target, r.target_date,
             r.source) for r in again] == strip  # fmt: skip
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[-4:] == ["latest value", "measured on", "% of the way", "status"]
    assert [c.value for c in sheet[2]][-4:] == [5000, "2026-12-02", 50, "green"]


def test_sources_parse() -> None:
    assert sources.parse("Manual") == sources.Source("manual")
    assert sources.parse(" registered ").figure == "registered"
    found = sources.parse("survey:diagnostic.sales_month:median@Midline 2027")
    assert (found.key, found.name, found.aggregate, found.round) == (
        "diagnostic", "sales_month", "median", "Midline 2027")  # fmt: skip
    assert sources.parse("survey:d.loan:share=yes").choice == "yes"
    with pytest.raises(sources.SourceError):
        sources.parse("survey:d.loan:share")


def test_command_line_import_export_and_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = isolated_cli(tmp_path, monkeypatch)
    assert main(["cluster", "add", "BAGRU", "--name", "Bagru"]) == 0
    good = tmp_path / "lf.xlsx"
    good.write_bytes(xlsx([GOOD[3], GOOD[4]]).getvalue())
    assert main(["logframe", "import", str(good), "--cluster", "BAGRU"]) == 0
    assert "2 indicators (2 new, 0 changed, 0 removed)" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["1", "vision", "s", "i"]]).getvalue())
    assert main(["logframe", "import", str(bad), "--cluster", "BAGRU"]) == 2
    err = capsys.readouterr().err
    assert "clusterbot: bad.xlsx: row 2: level 'vision'" in err and "Traceback" not in err
    assert main(["logframe", "import", str(good), "--cluster", "NOSUCH"]) == 2
    out = tmp_path / "out.xlsx"
    assert main(["logframe", "export", "--cluster", "BAGRU", "--out", str(out)]) == 0
    assert "Wrote 2 indicators" in capsys.readouterr().out
    conn = connect_sync(db)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions.count("logframe.import") == 1 and actions.count("logframe.export") == 1
    detail = conn.execute("SELECT detail FROM audit_log WHERE action = 'logframe.import'")
    assert json.loads(detail.fetchone()[0])["rows"] == 2
