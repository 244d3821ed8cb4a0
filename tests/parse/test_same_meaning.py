"""The same typed text means the same thing in every flow that takes it (issue 11): money in
/activity, /newvisit, a survey's number question and the action-plan spreadsheet; dates in
/activity, /newvisit, a survey's date question and the spreadsheet. Each flow is driven as a
person would drive it, through the engine."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from bot.activity_sheet import read_sheet
from bot.storage import activities
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.surveys.answers import Sent, parse
from bot.surveys.model import Question
from tests.driver import ChatDriver
from tests.handlers.events.test_visit import plan_visit

QUARTER_LAKH = ["25 వేలు", "₹25,000", "२५०००", "0.25 lakh", "25 हज़ार", "Rs. 25,000"]
TWO_AND_A_HALF_LAKH = ["2.5 lakh", "₹2,50,000", "२,५०,०००", "250 వేలు", "2.5 లక్షలు", "2,50,000"]
DEC_5 = ["05-12-2026", "5 Dec 2026", "5 दिसंबर 2026", "5 డిసెంబర్ 2026", "५-१२-२०२६"]
TODAY = date(2026, 11, 28)


async def _activity(cda: ChatDriver, *, start: str = "05-12-2026", money: str = "0") -> None:
    await cda.say("/activity")
    await cda.tap("Add an activity")
    await cda.say("Exposure visit to Sanganer")
    await cda.press("ac:cat:trust_building")
    await cda.say("Women block printers of Bagru")
    await cda.say("CDA with RUDA")
    await cda.say(start)
    await cda.say("31 Dec 2026")
    await cda.say(money)
    await cda.say("0")
    await cda.say("0")
    await cda.tap("Save")


def _survey_number(typed: str) -> object:
    question = Question(name="sales", type="integer", labels={}, row=1)
    return parse(question, Sent("text", typed), today=TODAY, language="en", default_language="en")


def _survey_date(typed: str) -> object:
    question = Question(name="started", type="date", labels={}, row=1)
    return parse(question, Sent("text", typed), today=TODAY, language="en", default_language="en")


def _sheet(tmp_path: Path, **cells: object) -> dict[str, object]:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "activities"
    row = {"title": "Dyeing training", "category": "pilot", **cells}
    sheet.append(list(row))
    sheet.append(list(row.values()))
    path = tmp_path / "plan.xlsx"
    book.save(path)
    return read_sheet(path)[0].fields


@pytest.mark.parametrize("typed", QUARTER_LAKH + TWO_AND_A_HALF_LAKH)
async def test_money_means_the_same_in_activity_survey_and_sheet(
    typed: str, cda_chat: ChatDriver, db: Database, one_cluster: Cluster, tmp_path: Path
) -> None:
    rupees = 25_000 if typed in QUARTER_LAKH else 2_50_000
    await _activity(cda_chat, money=typed)
    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.beneficiaries_paise == rupees * 100
    assert _survey_number(typed) == str(rupees)
    assert _sheet(tmp_path, beneficiaries_inr=typed)["beneficiaries_paise"] == rupees * 100


@pytest.mark.parametrize("typed", QUARTER_LAKH)
async def test_money_means_the_same_in_a_visit(
    typed: str, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await plan_visit(cda_chat, amount=typed)
    await cda_chat.tap("Yes, announce it")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.contribution_paise == 25_000 * 100


@pytest.mark.parametrize("typed", DEC_5)
async def test_dates_mean_the_same_in_activity_survey_sheet_and_meeting(
    typed: str, cda_chat: ChatDriver, db: Database, one_cluster: Cluster, tmp_path: Path
) -> None:
    await _activity(cda_chat, start=typed)
    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.starts_on == "2026-12-05"
    assert _survey_date(typed) == "2026-12-05"
    assert _sheet(tmp_path, starts_on=typed)["starts_on"] == "2026-12-05"
    await cda_chat.say("/newmeeting")
    await cda_chat.say("Natural dyes: first results")
    await cda_chat.say(f"{typed} 10:30")
    assert "5 Dec 2026, 10:30" in cda_chat.text


def test_no_flow_keeps_a_parser_of_its_own() -> None:
    """Numbers, money, dates and times are read only in bot/parse/: no other module defines
    a reader of them (the drift that made /newvisit refuse '2.5 lakh')."""
    root = Path(__file__).resolve().parents[2]
    readers = {"parse_rupees", "parse_date", "parse_time", "parse_when", "parse_number",
               "parse_offsets", "month_number", "ascii_digits", "read_date"}  # fmt: skip
    found = []
    for package in ("bot", "handlers"):
        for path in (root / package).rglob("*.py"):
            if path.parent.name == "parse":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef) and node.name in readers:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    assert found == []
