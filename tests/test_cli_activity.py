"""`clusterbot activity import | export` (issue 7): the action plan to and from .xlsx."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.activity_sheet import COLUMNS
from bot.cli import main
from bot.storage import activities
from bot.storage.db import connect_sync
from tests.cli_env import isolated_cli

HEADER = list(COLUMNS)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    path = isolated_cli(tmp_path, monkeypatch)
    assert main(["cluster", "add", "BAGRU", "--name", "Bagru"]) == 0
    assert main(["cluster", "add", "COIR", "--name", "Alleppey coir"]) == 0
    capsys.readouterr()
    return path


def sheet(
    path: Path, rows: list[list[object]], header: list[str] = HEADER, name: str = "activities"
) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = name
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def plan(db: Path, cluster_id: int = 1) -> list[activities.Activity]:
    conn = connect_sync(db)
    try:
        return activities.in_cluster(conn, cluster_id)
    finally:
        conn.close()


def audit_actions(db: Path) -> list[tuple[str, dict[str, object]]]:
    conn = connect_sync(db)
    try:
        return [
            (r["action"], json.loads(r["detail"]))
            for r in conn.execute("SELECT * FROM audit_log WHERE action LIKE 'activity.%'")
        ]
    finally:
        conn.close()


GOOD = [
    [None, "Exposure visit to Sanganer", "trust_building", "Women printers", "CDA",
     date(2026, 12, 5), date(2026, 12, 6), 10000, 80000, 10000, "ongoing"],
    [None, "Common dye-testing lab", "Pilot", "", "RUDA", "2027-01-10", None,
     "25,000", "1,00,000", 0, "Planned"],
    [None, "Natural dye training", "CAPACITY BUILDING", None, None, None, None,
     None, "2.5 lakh", 1500.5, None],
]  # fmt: skip


def test_import_adds_rows_without_id_and_is_audited(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sheet(tmp_path / "plan.xlsx", GOOD)
    assert main(["activity", "import", str(path), "--cluster", "BAGRU"]) == 0
    assert "3 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    found = {a.title: a for a in plan(db)}
    visit = found["Exposure visit to Sanganer"]
    assert (visit.category, visit.status, visit.starts_on, visit.ends_on) == (
        "trust_building", "ongoing", "2026-12-05", "2026-12-06",
    )  # fmt: skip
    assert visit.total_paise == 100_000_00 and visit.created_by == "cli"
    lab = found["Common dye-testing lab"]
    assert (lab.category, lab.status, lab.agency_paise, lab.beneficiaries_paise) == (
        "pilot", "planned", 100_000_00, 25_000_00,
    )  # fmt: skip
    training = found["Natural dye training"]
    assert training.category == "capacity_building" and training.status == "planned"
    assert (training.agency_paise, training.others_paise) == (250_000_00, 1500_50)
    assert plan(db, 2) == []  # the other cluster is untouched
    assert audit_actions(db) == [
        ("activity.import", {"file": "plan.xlsx", "added": 3, "updated": 0, "unchanged": 0})
    ]


def test_export_then_import_round_trips(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["activity", "import", str(sheet(tmp_path / "plan.xlsx", GOOD)), "--cluster", "BAGRU"])
    before = plan(db)
    out = tmp_path / "exported.xlsx"
    assert main(["activity", "export", "--cluster", "BAGRU", "--out", str(out)]) == 0
    assert "Wrote 3 activities of BAGRU" in capsys.readouterr().out
    ws = load_workbook(out)["activities"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][5] == datetime(2026, 12, 5)  # a real date cell
    assert rows[3][8] == 250000 and rows[3][9] == 1500.5  # rupees
    assert main(["activity", "import", str(out), "--cluster", "BAGRU"]) == 0
    assert "0 added, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert plan(db) == before


def test_import_updates_rows_by_id_and_logs_status_changes(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["activity", "import", str(sheet(tmp_path / "plan.xlsx", GOOD)), "--cluster", "BAGRU"])
    out = tmp_path / "exported.xlsx"
    main(["activity", "export", "--cluster", "BAGRU", "--out", str(out)])
    book = load_workbook(out)
    ws = book["activities"]
    ws["K2"] = "Done"  # the visit (row 2) took place
    ws["I3"] = 150000  # the lab's agency share went up
    ws.append([None, "Bulk purchase of cotton cloth", "strategic"])
    book.save(out)
    capsys.readouterr()
    assert main(["activity", "import", str(out), "--cluster", "BAGRU"]) == 0
    assert "1 added, 2 updated, 1 unchanged" in capsys.readouterr().out
    found = {a.title: a for a in plan(db)}
    assert found["Exposure visit to Sanganer"].status == "done"
    assert found["Common dye-testing lab"].agency_paise == 150_000_00
    assert found["Bulk purchase of cotton cloth"].category == "strategic"
    conn = connect_sync(db)
    try:
        notes = activities.notes(conn, found["Exposure visit to Sanganer"].id)
    finally:
        conn.close()
    assert [(n.status, n.by) for n in notes] == [("done", "cli")]


def test_a_bad_file_is_refused_with_rows_and_reasons_and_changes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["activity", "import", str(sheet(tmp_path / "plan.xlsx", GOOD)), "--cluster", "BAGRU"])
    before = plan(db)
    capsys.readouterr()
    bad = sheet(
        tmp_path / "bad.xlsx",
        [
            [1, "Visit renamed", "trust_building"],  # fine on its own
            [None, "", "pilot"],
            [None, "Lab", "laboratory"],
            [None, "Dyes", "pilot", None, None, "2027-02-10", "2027-02-01"],
            [None, "Cloth", "regular", None, None, "someday", None, "lots", -500],
            [None, "Visit", "pilot", None, None, None, None, None, None, None, "finished"],
            ["abc", "Typo id", "pilot"],
            [1, "Twice", "pilot"],
        ],
    )
    assert main(["activity", "import", str(bad), "--cluster", "BAGRU"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[0] == "clusterbot: bad.xlsx was not imported; nothing changed:"
    expected = [
        "row 3, column title: an activity needs a title",
        "row 4, column category: 'laboratory' is not one of trust_building",
        "row 5, column ends_on: the end (2027-02-01) is before the start (2027-02-10)",
        "row 6, column starts_on: 'someday' is not a date",
        "row 6, column beneficiaries_inr: 'lots' is not an amount",
        "row 6, column agency_inr: -500 cannot be negative",
        "row 7, column status: 'finished' is not one of planned, ongoing, done, dropped",
        "row 8, column id: 'abc' is not an activity id",
        "row 9, column id: id 1 is also on row 2",
    ]
    for text in expected:
        assert any(text in line for line in lines), text
    assert "Traceback" not in err
    assert plan(db) == before  # nothing changed, not even the good first row
    assert [a for a, _ in audit_actions(db)] == ["activity.import"]  # the first import only


def test_ids_of_another_cluster_are_refused_in_one_transaction(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["activity", "import", str(sheet(tmp_path / "plan.xlsx", GOOD)), "--cluster", "BAGRU"])
    capsys.readouterr()
    other = sheet(
        tmp_path / "coir.xlsx", [[None, "Coir mat design", "pilot"], [2, "Not ours", "pilot"]]
    )
    assert main(["activity", "import", str(other), "--cluster", "COIR"]) == 2
    assert "row 3, column id: no activity 2 in this cluster" in capsys.readouterr().err
    assert plan(db, 2) == []  # the valid first row was rolled back too
    assert plan(db)[1].title == "Common dye-testing lab"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: sheet(p, [], header=["id", "title", "category", "budget"]),
            "unknown column 'budget'",
        ),
        (lambda p: sheet(p, [], header=["id", "title"]), "column 'category' is missing"),
        (lambda p: sheet(p, [], name="Sheet1"), "no sheet named 'activities' (found: Sheet1)"),
        (lambda p: p.write_text("not a spreadsheet") and p, "cannot read 'in.xlsx' as .xlsx"),
    ],
)
def test_the_sheet_shape_is_checked(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    path = make(tmp_path / "in.xlsx")  # type: ignore[operator]
    assert main(["activity", "import", str(path), "--cluster", "BAGRU"]) == 2
    assert message in capsys.readouterr().err


def test_usage_errors(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sheet(tmp_path / "plan.xlsx", GOOD)
    assert main(["activity", "import", str(path), "--cluster", "NOPE"]) == 2
    assert "no cluster 'NOPE'" in capsys.readouterr().err
    assert main(["activity", "import", "missing.xlsx", "--cluster", "BAGRU"]) == 2
    assert "no file 'missing.xlsx'" in capsys.readouterr().err
    assert main(["activity", "export", "--cluster", "BAGRU", "--out", "plan.csv"]) == 2
    assert "--out must name an .xlsx file" in capsys.readouterr().err
    assert main(["activity", "export", "--cluster", "NOPE", "--out", "x.xlsx"]) == 2
    assert plan(db) == []


def test_the_plan_column_marks_unplanned_activities(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: whether an activity was in the agreed action plan travels in the sheet."""
    rows = [
        [*GOOD[0], "unplanned"],
        [*GOOD[1], "Planned"],
        [*GOOD[2], None],  # blank: a new activity is planned
    ]
    assert main(["activity", "import", str(sheet(tmp_path / "p.xlsx", rows)), "--cluster",
                 "BAGRU"]) == 0  # fmt: skip
    found = {a.title: a.plan for a in plan(db)}
    assert found == {
        "Exposure visit to Sanganer": "unplanned",
        "Common dye-testing lab": "planned",
        "Natural dye training": "planned",
    }
    out = tmp_path / "exported.xlsx"
    assert main(["activity", "export", "--cluster", "BAGRU", "--out", str(out)]) == 0
    ws = load_workbook(out)["activities"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "plan"
    assert sorted(r[-1] for r in ws.iter_rows(min_row=2, values_only=True)) == [
        "planned", "planned", "unplanned",
    ]  # fmt: skip
    capsys.readouterr()
    bad = sheet(tmp_path / "bad.xlsx", [[*GOOD[0], "maybe"]])
    assert main(["activity", "import", str(bad), "--cluster", "BAGRU"]) != 0
    assert "row 2, column plan: 'maybe' is not one of planned, unplanned" in capsys.readouterr().err
