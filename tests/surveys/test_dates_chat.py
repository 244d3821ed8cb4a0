"""A date typed by chat with a Hindi or Telugu month name, in the person's digits, is
understood, confirmed back in their language, checked against the form's constraint
and stored as YYYY-MM-DD (issue 3: date questions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register

SURVEY = [
    ("type", "name", "label::English (en)", "label::Hindi (hi)", "label::Telugu (te)",
     "appearance", "required", "constraint", "constraint_message::English (en)",
     "constraint_message::Hindi (hi)", "constraint_message::Telugu (te)"),
    ("date", "since", "Since when?", "कब से?", "ఎప్పటి నుండి?", "", "yes", ". <= today()",
     "Not in the future", "भविष्य की तारीख नहीं", "భవిష్యత్తు తేదీ కాదు"),
    ("date", "month", "Which month?", "कौन-सा महीना?", "ఏ నెల?", "month-year", "yes", "", "", "",
     ""),
]  # fmt: skip


def markdown() -> str:
    """The form as pyxform's markdown tables."""
    lines = ["| survey |", *("| | " + " | ".join(row) + " |" for row in SURVEY)]
    lines += ["| settings |", "| | form_id | version |", "| | dates | 1 |"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("language", "future", "refused", "typed", "confirmed", "month"),
    [
        ("hi", "३१ दिसंबर २०३०", "भविष्य की तारीख नहीं", "५ मार्च २०१९", "5 मार्च 2019", "अप्रैल 2024"),
        ("te", "31 డిసెంబరు 2030", "భవిష్యత్తు తేదీ కాదు", "5 మార్చి 2019", "5 మార్చి, 2019", "ఏప్రిల్ 2024"),
    ],
)  # fmt: skip
async def test_a_date_with_a_month_name_in_my_language(
    chat: ChatDriver,
    db: Database,
    one_cluster: clusters.Cluster,
    tmp_path: Path,
    language: str,
    future: str,
    refused: str,
    typed: str,
    confirmed: str,
    month: str,
) -> None:
    path = tmp_path / "dates.md"
    path.write_text(markdown(), encoding="utf-8")
    form = load_form(path).form
    await db.write(lambda conn: store.import_form(conn, form, now="x"))
    await register(chat, language=f"lang:{language}")
    await chat.say("/survey dates")
    await chat.say("कल शाम")  # not a date at all
    assert "25-12-2024" in chat.text  # the example of what is expected
    await chat.say(future)
    assert refused in chat.text  # parsed, then refused by the constraint
    await chat.say(typed)
    assert f"✓ {confirmed}" in chat.text
    await chat.say(month)  # month-year appearance: a month name and a year
    answers = await db.read(lambda conn: dict(conn.execute("SELECT path, value FROM answers")))
    assert answers == {"since": "2019-03-05", "month": "2024-04-01"}
