"""The shipped diagnostic survey answered by chat through the engine, as the issue's "Done
when" asks: the demo loads it, an artisan answers it in Hindi or Telugu (typed numbers in
her own script, a wrong answer, two products), every message fits WhatsApp's limits, and
the workbook holds what she answered (SPEC §6, §4 survey export)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import seed_demo
from bot.channels.whatsapp_render import render
from bot.channels.whatsapp_send import words_for
from bot.config import Settings
from bot.messages import InboundKind, Outbound
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.export import export_xlsx
from bot.surveys.model import Form
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register
from tests.whatsapp.test_render import accepted

# What she answers, by question name: choice names for selects, else what she types.
ANSWERS = {
    "ent_type": "workshop", "ent_name": {"hi": "सुनीता प्रिंट्स", "te": "సునీత ప్రింట్స్"},
    "registrations": "udyam artisan_card", "years": "१२", "woman_led": "yes",
    "workers_total": "6", "workers_women": "4", "workers_hired": "2", "turnover": "l1_5",
    "workshop_location": (26.82, 75.54),
    "product_name": {"hi": "दाबू साड़ी", "te": "కలంకారీ చీర"}, "product_method": "hand",
    "product_pieces": "४०", "product_price": "850.50", "stages": "design production",
    "rm_main": {"hi": "सूती कपड़ा", "te": "నూలు బట్ట"}, "rm_sources": "local_trader",
    "rm_problems": "price", "markets_sold": "local export", "buyers": "customers traders",
    "main_buyer": "traders", "export_share": "20", "market_problems": "middlemen",
    "electricity": "yes", "equipment": "hand_tools", "upgrade": "no", "bank_account": "yes",
    "loan": "yes", "loan_sources": "mudra", "loan_amount": "1,00,000",
    "credit_problems": "none", "working_capital": "yes", "trained": "no",
    "training_needs": "design online", "hard_to_hire": "no", "member_of": "shg",
    "worked_with": "dic", "support_rating": "4", "top_problem": "markets",
    "top_problem_detail": None, "join_visit": "yes", "join_bulk": "maybe", "join_cfc": "yes",
    "join_fair": "no", "will_pay": "small", "products_photo": None, "suggestion": None,
}  # fmt: skip
WRONG = {"workers_women": "9"}  # more women than workers: refused with the form's words
REFUSED = {"hi": "यह कुल कामगारों (6) से ज़्यादा नहीं हो सकता।",
           "te": "ఇది మొత్తం కార్మికుల సంఖ్య (6) కంటే ఎక్కువ ఉండకూడదు."}  # fmt: skip
ROUNDS = 2  # products


async def position(db: Database) -> str | None:
    row = await db.read(lambda conn: conn.execute(
        "SELECT position FROM responses ORDER BY id DESC LIMIT 1").fetchone())  # fmt: skip
    return row[0] if row else None


async def answer_one(chat: ChatDriver, form: Form, path: str, language: str) -> None:
    """Send the planned answer for the question at `path`, by button where there is one."""
    ids = [c.id for m in chat.last for c in m.choices]

    async def press(action: str) -> None:
        await chat.press(next(i for i in ids if i.endswith(f":{action}")))

    if path.startswith("+"):  # "add another product?"
        await press("yes" if f"[{ROUNDS}]" in path else "no")
        return
    question = form.question(path.rsplit("/", 1)[-1])
    planned = ANSWERS[question.name]
    names = [c.name for c in question.choices]
    if planned is None:
        await chat.say("/skip")
    elif isinstance(planned, tuple):
        lat, lon = planned
        await chat._send(kind=InboundKind.LOCATION, latitude=lat, longitude=lon)
    elif isinstance(planned, dict):
        await chat.say(planned[language])
    elif question.type == "select_one":
        await press(f"c{names.index(planned)}")
    elif question.type == "select_multiple":
        for name in planned.split():
            await press(f"t{names.index(name)}")
        await press("done")
    elif question.type == "range":
        await press(f"r{int(planned) - 1}")
    else:
        await chat.say(planned)


@pytest.mark.parametrize("language", ["hi", "te"])
async def test_the_diagnostic_answered_by_chat_and_exported(
    engine, db: Database, settings: Settings, tmp_path: Path, language: str
) -> None:
    await db.write(lambda conn: seed_demo(conn, settings))
    await db.write(lambda conn: seed_demo(conn, settings))  # every start: still one survey
    survey = await db.read(lambda conn: store.current(conn, "diagnostic"))
    assert survey is not None and survey.open and survey.cluster_id is None
    form = await db.read(survey.form)

    chat = ChatDriver(engine, user_id="artisan", profile_name="Sunita")
    await register(chat, language=f"lang:{language}")
    seen: list[Outbound] = list(await chat.say("/survey diagnostic"))
    asked: list[str] = []
    wrong = dict(WRONG)
    while (path := await position(db)) is not None and len(asked) < 80:
        asked.append(path)
        name = path.rsplit("/", 1)[-1]
        if name in wrong:
            seen += await chat.say(wrong.pop(name))
            assert REFUSED[language] in chat.text
        await answer_one(chat, form, path, language)
        seen += chat.last
        if "cmd:" in " ".join(c.id for c in chat.last[-1].choices):
            break  # the main menu: the survey is done
    assert not wrong  # the wrong answer was tried
    assert "product[2]/product_name" in asked and "+product[3]" in asked
    assert all(q in ANSWERS for q in {p.rsplit("/", 1)[-1] for p in asked if "+" not in p})
    words = words_for(language)
    for message in seen:
        accepted(render(message, words))  # every prompt fits WhatsApp too

    out = tmp_path / "diagnostic.xlsx"
    await db.read(lambda conn: export_xlsx(conn, "diagnostic", out))
    book = load_workbook(out, read_only=True)
    header, row = list(book["survey"].iter_rows(values_only=True))
    got = dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True))
    assert (got["status"], got["language"]) == ("completed", language)
    assert (got["years"], got["workers_women"], got["loan_amount"]) == (12, 4, 100000)
    assert (got["markets_sold"], got["registrations"]) == ("local export", "udyam artisan_card")
    assert (got["women_share"], got["size_class"], got["support_rating"]) == ("67", "micro", 4)
    assert got["ent_name"] == ANSWERS["ent_name"][language]  # type: ignore[index]
    assert got["workshop_location"] == "26.820000 75.540000 0 0"
    assert got["top_problem_detail"] is None
    products = list(book["product"].iter_rows(values_only=True))
    assert [r[1:4] for r in products[1:]] == [
        (1, ANSWERS["product_name"][language], "hand"),  # type: ignore[index]
        (2, ANSWERS["product_name"][language], "hand"),  # type: ignore[index]
    ]
    assert products[1][4:] == (40, 850.5)
