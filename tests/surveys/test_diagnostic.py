"""The shipped cluster diagnostic survey (locales/forms/diagnostic*.md, SPEC §6): a core of
at most 12 questions and four modules, each a survey of its own (issue 14)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.i18n import SHIPPED_LANGUAGES
from bot.surveys.loader import load_form
from bot.surveys.model import Form, Group, Question, Repeat
from bot.surveys.navigation import SlotKind
from bot.surveys.runner import Refusal, Runner, Step
from bot.surveys.shipped import SHIPPED_FORMS, family, modules_of, offered_after, shipped_form

LANGUAGES = ("en", "hi", "te")
MODULES = ("diagnostic_products", "diagnostic_money", "diagnostic_skills", "diagnostic_workers")
# The outcome questions (the seed's economic gains: output, income, employment; credit),
# and where each one is asked.
OUTCOMES = {"sales_month": "diagnostic", "workers_total": "diagnostic",
            "workers_women": "diagnostic", "workers_hired": "diagnostic",
            "main_product": "diagnostic", "product_pieces": "diagnostic_products",
            "craft_income": "diagnostic_money", "loan": "diagnostic_money",
            "loan_amount": "diagnostic_money", "turnover": "diagnostic_money"}  # fmt: skip
# Every question of the 49-question form (version 2026.2) is still asked, under its name,
# except the four "would you join …?" questions, merged into join_interest.
OLD_NAMES = {
    "ent_type", "ent_name", "registrations", "years", "woman_led", "workers_total",
    "workers_women", "workers_hired", "turnover", "workshop_location", "product_name",
    "product_method", "product_pieces", "product_price", "stages", "rm_main", "rm_sources",
    "rm_problems", "markets_sold", "buyers", "main_buyer", "export_share", "market_problems",
    "electricity", "equipment", "upgrade", "upgrade_what", "bank_account", "loan",
    "loan_sources", "loan_amount", "credit_problems", "working_capital", "trained",
    "trained_by", "training_needs", "hard_to_hire", "member_of", "worked_with",
    "support_rating", "top_problem", "top_problem_detail", "will_pay", "products_photo",
    "suggestion", "women_share", "size_class",
}  # fmt: skip


def load(name: str) -> Form:
    path = shipped_form(name)
    assert path is not None and path.is_file()
    report = load_form(path)
    assert report.warnings == []  # import gives no refusal and no warning
    return report.form


@pytest.fixture(scope="module")
def diagnostic() -> Form:
    return load("diagnostic")


@pytest.fixture(scope="module")
def forms() -> dict[str, Form]:
    return {name: load(name) for name in SHIPPED_FORMS}


def asked(form: Form) -> list[str]:
    return [q.name for _, q in form.walk() if q.type not in ("calculate", "note")]


def test_a_core_of_at_most_12_questions_and_four_modules(forms: dict[str, Form]) -> None:
    assert ("diagnostic", *MODULES) == SHIPPED_FORMS and family("diagnostic") == SHIPPED_FORMS
    assert [key for key, _ in modules_of("diagnostic")] == list(MODULES)
    assert [key for key, _ in offered_after("diagnostic_money")] == [
        "diagnostic_products", "diagnostic_skills", "diagnostic_workers"]  # fmt: skip
    assert offered_after("diag_mini") == ()
    counts = {name: len(asked(form)) for name, form in forms.items()}
    assert counts == {"diagnostic": 9, "diagnostic_products": 17, "diagnostic_money": 11,
                      "diagnostic_skills": 10, "diagnostic_workers": 7}  # fmt: skip
    for name, form in forms.items():
        assert form.key == name and form.version == "2026.6"
    where = {q: name for name, form in forms.items() for q in asked(form)}
    assert len(where) == sum(counts.values())  # no question asked twice
    assert {q: where.get(q) for q in OUTCOMES} == OUTCOMES
    names = {q.name for form in forms.values() for _, q in form.walk()}
    assert names >= OLD_NAMES


def test_the_intro_says_how_long(forms: dict[str, Form]) -> None:
    # The core's figure is the timed walk-through's (test_diagnostic_timing.py); the
    # modules' is 20 s a question (docs/surveys.md §7).
    intro = forms["diagnostic"].question("intro").labels
    assert "About 4 minutes" in intro["en"] and "लगभग 4 मिनट" in intro["hi"]
    assert "సుమారు 4 నిమిషాలు" in intro["te"]
    assert "ഏകദേശം 4 മിനിറ്റ്" in intro["ml"]
    for name, minutes in (("diagnostic_products", 6), ("diagnostic_money", 4),
                          ("diagnostic_skills", 4), ("diagnostic_workers", 3)):  # fmt: skip
        assert f"about {minutes} minutes" in forms[name].question("intro").labels["en"]
        assert f"ഏകദേശം {minutes} മിനിറ്റ്" in forms[name].question("intro").labels["ml"]


@pytest.mark.parametrize("name", SHIPPED_FORMS)
def test_complete_in_every_shipped_language(forms: dict[str, Form], name: str) -> None:
    diagnostic = forms[name]
    # Every shipped catalogue's language has the survey. A new language's columns may land
    # before its catalogue (each language is added by its own commit), and are complete too.
    assert diagnostic.languages[: len(LANGUAGES)] == LANGUAGES
    assert set(SHIPPED_LANGUAGES) <= set(diagnostic.languages)
    languages = set(diagnostic.languages)
    assert set(diagnostic.titles) == languages
    for _, node in diagnostic.nodes():
        if isinstance(node, Question) and node.type == "calculate":
            continue
        assert set(node.labels) == languages, node.name
        if isinstance(node, Question):
            for texts in (node.hints, node.constraint_message):
                assert not texts or set(texts) == languages, node.name
            for choice in node.choices:
                assert set(choice.labels) == languages, (node.name, choice.name)
                assert all(len(label) <= 24 for label in choice.labels.values()), choice


def test_covers_the_diagnostic_study(forms: dict[str, Form]) -> None:
    groups = [n.name for f in forms.values() for n in f.children if isinstance(n, Group)]
    assert groups == ["enterprise", "problems", "together", "production", "raw_materials",
                      "markets", "enterprise", "finance", "technology", "skills", "linkages",
                      "workforce"]  # fmt: skip
    production = forms["diagnostic_products"].children[1]
    assert isinstance(production, Group)
    assert any(isinstance(n, Repeat) for n in production.children)  # one round per product


def run(form: Form, language: str = "en") -> Runner:
    return Runner(form, {}, today=date(2026, 11, 28), now=datetime(2026, 11, 28),
                  language=language)  # fmt: skip


def test_constraints_that_make_sense(forms: dict[str, Form]) -> None:
    runner = run(forms["diagnostic"], "hi")
    total, women = (runner.at(n) for n in ("workers_total", "workers_women"))
    assert total and women
    runner.submit(total, "6")
    refused = runner.submit(women, "7")
    assert isinstance(refused, Refusal)
    assert runner.text(refused.message, women) == "यह कुल कामगारों (6) से ज़्यादा नहीं हो सकता।"
    hired = runner.submit(women, "4")
    assert isinstance(hired, Step) and hired.slot is not None
    assert isinstance(runner.submit(hired.slot, "9"), Refusal)  # more than the 6 workers
    runner.submit(hired.slot, "2")
    assert runner.answers["women_share"] == "67"  # calculated on the way
    together = runner.at("join_interest")
    assert together is not None
    assert isinstance(runner.submit(together, "visit none"), Refusal)
    money = run(forms["diagnostic_money"])
    registrations, years = money.at("registrations"), money.at("years")
    assert registrations is not None and years is not None
    assert isinstance(money.submit(years, "120"), Refusal)
    assert isinstance(money.submit(registrations, "gst none"), Refusal)


def interview(form: Form, answers: dict[str, str]) -> list[str]:
    """Answer a whole form (skip what `answers` does not name); the paths asked."""
    runner = run(form)
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
    return asked


def test_a_whole_interview_with_skip_logic(forms: dict[str, Form]) -> None:
    answers = {
        "ent_type": "home", "years": "12", "woman_led": "yes", "main_product": "Saree",
        "workers_total": "1", "workers_women": "1", "sales_month": "25000",
        "top_problem": "markets", "join_interest": "none",
        "product_name": "Dabu print saree", "product_method": "hand", "product_pieces": "40",
        "product_price": "850", "stages": "design production", "rm_main": "Cotton",
        "rm_sources": "local_trader", "rm_problems": "price", "markets_sold": "local",
        "buyers": "customers", "market_problems": "low_price middlemen",
        "registrations": "none", "turnover": "below_1l", "craft_income": "8000",
        "bank_account": "yes", "loan": "no", "credit_problems": "collateral",
        "working_capital": "yes", "electricity": "yes", "equipment": "hand_tools",
        "upgrade": "no", "trained": "no", "training_needs": "design online",
        "member_of": "shg", "worked_with": "none", "hard_to_hire": "no",
        "worker_wage": "400", "safety": "first_aid water", "work_injury": "no",
        "health_problem": "yes", "social_security": "eshram",
    }  # fmt: skip
    asked = [p for name in SHIPPED_FORMS for p in interview(forms[name], answers)]
    # One worker: no "hired workers"; joins nothing: no "would you pay"; one buyer type:
    # no "main buyer"; no loan: no loan questions; worked with nobody: no rating.
    skipped = {"workers_hired", "will_pay", "main_buyer", "export_share", "loan_sources",
               "loan_amount", "trained_by", "support_rating", "upgrade_what"}  # fmt: skip
    assert not skipped & {p.rsplit("/", 1)[-1] for p in asked}
    assert "product[1]/product_name" in asked and "+product[2]" in asked
    assert asked[:3] == ["ent_type", "main_product", "workers_total"]  # paths of the core


def test_an_answer_that_is_not_listed_can_be_typed(diagnostic: Form) -> None:
    # Enterprise type, raw material source and the biggest problem cannot be complete
    # lists for every cluster: each offers "Other (type it)".
    assert {q.name for _, q in diagnostic.walk() if q.or_other} == {
        "ent_type", "top_problem"}  # fmt: skip
    products = load("diagnostic_products")
    assert {q.name for _, q in products.walk() if q.or_other} == {"rm_sources"}
    runner = run(diagnostic, "te")
    top = runner.at("top_problem")
    assert top is not None
    other = runner.submit(top, "other")
    assert isinstance(other, Step) and other.slot is not None
    assert other.slot.kind is SlotKind.OTHER
    runner.submit(other.slot, "నకిలీ సరుకులు")
    assert runner.answers["top_problem_other"] == "నకిలీ సరుకులు"
