"""The shipped cluster diagnostic survey (locales/forms/diagnostic.md, SPEC §6)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.surveys.loader import load_form
from bot.surveys.model import Form, Group, Question, Repeat
from bot.surveys.navigation import SlotKind
from bot.surveys.runner import Refusal, Runner, Step
from bot.surveys.shipped import shipped_form

LANGUAGES = ("en", "hi", "te")


@pytest.fixture(scope="module")
def diagnostic() -> Form:
    path = shipped_form("diagnostic")
    assert path is not None and path.is_file()
    report = load_form(path)
    assert report.warnings == []
    return report.form


def test_complete_in_every_shipped_language(diagnostic: Form) -> None:
    assert diagnostic.key == "diagnostic" and diagnostic.languages == LANGUAGES
    for _, node in diagnostic.nodes():
        if isinstance(node, Question) and node.type == "calculate":
            continue
        assert set(node.labels) == set(LANGUAGES), node.name
        if isinstance(node, Question):
            for texts in (node.hints, node.constraint_message):
                assert not texts or set(texts) == set(LANGUAGES), node.name
            for choice in node.choices:
                assert set(choice.labels) == set(LANGUAGES), (node.name, choice.name)
                assert all(len(label) <= 24 for label in choice.labels.values()), choice


def test_covers_the_diagnostic_study(diagnostic: Form) -> None:
    groups = [n.name for n in diagnostic.children if isinstance(n, Group)]
    assert groups == ["enterprise", "production", "raw_materials", "markets", "technology",
                      "finance", "skills", "linkages", "problems", "together"]  # fmt: skip
    assert isinstance(diagnostic.children[2].children[0], Repeat)  # one round per product
    names = {q.name for _, q in diagnostic.walk()}
    assert {"workers_women", "years", "rm_problems", "buyers", "equipment", "loan",
            "training_needs", "member_of", "top_problem", "join_cfc"} <= names  # fmt: skip


def run(form: Form, language: str = "en") -> Runner:
    return Runner(form, {}, today=date(2026, 11, 28), now=datetime(2026, 11, 28),
                  language=language)  # fmt: skip


def test_constraints_that_make_sense(diagnostic: Form) -> None:
    runner = run(diagnostic, "hi")
    years, total, women = (runner.at(n) for n in ("years", "workers_total", "workers_women"))
    assert years and total and women
    assert isinstance(runner.submit(years, "120"), Refusal)
    runner.submit(total, "6")
    refused = runner.submit(women, "7")
    assert isinstance(refused, Refusal)
    assert runner.text(refused.message, women) == "यह कुल कामगारों (6) से ज़्यादा नहीं हो सकता।"
    hired = runner.submit(women, "4")
    assert isinstance(hired, Step) and hired.slot is not None
    assert isinstance(runner.submit(hired.slot, "9"), Refusal)  # more than the 6 workers
    runner.submit(hired.slot, "2")
    assert runner.answers["women_share"] == "67"  # calculated on the way
    registrations = runner.at("registrations")
    assert registrations is not None
    assert isinstance(runner.submit(registrations, "gst none"), Refusal)


def test_a_whole_interview_with_skip_logic(diagnostic: Form) -> None:
    runner = run(diagnostic)
    answers = {
        "ent_type": "home", "registrations": "none", "years": "12", "woman_led": "yes",
        "workers_total": "1", "workers_women": "1", "turnover": "below_1l",
        "product_name": "Dabu print saree", "product_method": "hand", "product_pieces": "40",
        "product_price": "850", "stages": "design production", "rm_main": "Cotton",
        "rm_sources": "local_trader", "rm_problems": "price", "markets_sold": "local",
        "buyers": "customers", "market_problems": "low_price middlemen", "electricity": "yes",
        "equipment": "hand_tools", "upgrade": "no", "bank_account": "yes", "loan": "no",
        "credit_problems": "collateral", "working_capital": "yes", "trained": "no",
        "training_needs": "design online", "hard_to_hire": "no", "member_of": "shg",
        "worked_with": "none", "top_problem": "markets", "join_visit": "yes",
        "join_bulk": "maybe", "join_cfc": "no", "join_fair": "yes", "will_pay": "small",
    }  # fmt: skip
    asked = []
    current = runner.start().slot
    while current is not None:
        asked.append(current.path)
        if current.kind is SlotKind.ANOTHER:
            current = runner.another(current, yes=False).slot
            continue
        name = current.question.name
        result = runner.submit(current, answers[name]) if name in answers else runner.skip(current)
        assert isinstance(result, Step), (name, result)
        current = result.slot
    # One worker: no "hired workers"; one buyer type: no "main buyer"; no loan: no loan
    # questions; worked with nobody: no rating.
    skipped = {"workers_hired", "main_buyer", "export_share", "loan_sources", "loan_amount",
               "trained_by", "support_rating", "upgrade_what"}  # fmt: skip
    assert not skipped & {p.rsplit("/", 1)[-1] for p in asked}
    assert "product[1]/product_name" in asked and "+product[2]" in asked
    assert runner.answers["size_class"] == "micro"


def test_an_answer_that_is_not_listed_can_be_typed(diagnostic: Form) -> None:
    # Enterprise type, raw material source and the biggest problem cannot be complete
    # lists for every cluster: each offers "Other (type it)".
    assert {q.name for _, q in diagnostic.walk() if q.or_other} == {
        "ent_type", "rm_sources", "top_problem"}  # fmt: skip
    runner = run(diagnostic, "te")
    top = runner.at("top_problem")
    assert top is not None
    other = runner.submit(top, "other")
    assert isinstance(other, Step) and other.slot is not None
    assert other.slot.kind is SlotKind.OTHER
    runner.submit(other.slot, "నకిలీ సరుకులు")
    assert runner.answers["top_problem_other"] == "నకిలీ సరుకులు"
