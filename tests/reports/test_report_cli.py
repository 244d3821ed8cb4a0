"""`clusterbot report [--cluster CODE] --out PATH` (SPEC §4, issue 7)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.reports.workbook import RUPEES
from bot.storage.db import connect_sync, migrate
from tests.cli_env import isolated_cli
from tests.reports.fixture import populate


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = isolated_cli(tmp_path, monkeypatch)
    conn = connect_sync(db)
    migrate(conn)
    populate(conn)
    conn.commit()
    conn.close()
    return db


def _values(sheet: object) -> list[tuple[object, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def test_xlsx_has_one_sheet_per_indicator_group(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.xlsx"
    assert main(["report", "--cluster", "bagru", "--out", str(out)]) == 0
    assert f"Wrote the BAGRU report to {out}" in capsys.readouterr().out
    book = load_workbook(out)
    assert book.sheetnames == [
        "Scale", "Outreach", "Participation", "Surveys", "Transparency", "Listening", "Action plan",
        "Networks",
    ]  # fmt: skip
    scale = _values(book["Scale"])
    assert ("Registered", 6, None) in scale
    assert ("Active in the period", 6, 1) in scale  # whole programme: everyone wrote once
    assert ("Artisan", 3, pytest.approx(0.5)) in scale
    assert ("Bank / financial institution", 0, 0) in scale  # zeros are rows too
    participation = _values(book["Participation"])
    events = [r for r in participation if r[1] in ("Meeting", "Exposure visit")]
    assert [r[3:7] for r in events] == [(2, 1, 0.5, 1), (5, 2, 0.4, 3), (4, 2, 0.5, 2)]
    plan = book["Action plan"]
    rows = _values(plan)
    assert ("Total", 1, 1, 2, 1, 5) in rows  # planned, ongoing, done, dropped, all
    assert any(r[:3] == ("Total", 900_000, 1) for r in rows)  # rupees, 100%
    total_row = next(i for i, r in enumerate(rows, 1) if r[:2] == ("Total", 900_000))
    assert plan.cell(total_row, 2).number_format == RUPEES
    audited = sqlite3.connect(env).execute("SELECT actor, action, subject FROM audit_log")
    assert audited.fetchall() == [("cli", "report.export", "BAGRU")]


def test_png_and_period(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.png"
    assert main(["report", "--cluster", "BAGRU", "--out", str(out), "--language", "te"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    narrow = tmp_path / "autumn.xlsx"
    argv = ["report", "--cluster", "BAGRU", "--out", str(narrow)]
    assert main([*argv, "--since", "2026-09-01", "--until", "2026-11-30"]) == 0
    events = [r for r in _values(load_workbook(narrow)["Participation"]) if r[1] == "Meeting"]
    assert [r[0] for r in events] == ["Cluster meeting on dyes"]  # not June's


def test_cluster_choice_and_mistakes(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "r.xlsx")
    assert main(["report", "--out", out]) == 2
    assert "several clusters (ALLEPPEY, BAGRU): choose one with --cluster CODE" in (
        capsys.readouterr().err
    )
    assert main(["report", "--cluster", "NOPE", "--out", out]) == 2
    assert main(["report", "--cluster", "BAGRU", "--out", str(tmp_path / "r.pdf")]) == 2
    assert main(["report", "--cluster", "BAGRU", "--out", out, "--since", "1 Sept"]) == 2
    assert "expected a date" in capsys.readouterr().err
    argv = ["report", "--cluster", "BAGRU", "--out", out, "--since", "2026-10-01"]
    assert main([*argv, "--until", "2026-09-01"]) == 2
    assert not Path(out).exists()
    conn = sqlite3.connect(env)
    conn.execute("DELETE FROM activities WHERE cluster_id = 2")
    for table in ("outbox", "updates", "broadcasts", "rsvps", "attendance", "registrations",
                  "responses", "reminders"):  # fmt: skip
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM events")
    conn.execute("DELETE FROM surveys")
    conn.execute("DELETE FROM contacts WHERE cluster_id = 2")
    conn.execute("DELETE FROM clusters WHERE code = 'ALLEPPEY'")
    conn.commit()
    conn.close()
    assert main(["report", "--out", out]) == 0  # the only cluster
    assert load_workbook(out).sheetnames[0] == "Scale"
