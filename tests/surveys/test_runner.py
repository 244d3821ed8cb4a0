"""The survey state machine (bot/surveys/runner.py): walk order, skip logic, repeats,
back/skip semantics, calculations and relevance re-evaluation. Pure: no database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.surveys.loader import load_form
from bot.surveys.model import Form
from bot.surveys.navigation import SlotKind, index_of
from bot.surveys.runner import Refusal, Runner, Step

FORMS = Path(__file__).parent / "forms"
TODAY = date(2026, 11, 28)


def make(form: Form, answers: dict[str, str] | None = None, language: str = "en") -> Runner:
    return Runner(form, answers or {}, today=TODAY, now=datetime(2026, 11, 28, 14, 30),
                  language=language)  # fmt: skip


def yaml_form(tmp_path: Path, text: str) -> Form:
    path = tmp_path / "form.yaml"
    path.write_text(text, encoding="utf-8")
    return load_form(path).form


def step(result: Step | Refusal) -> Step:
    assert isinstance(result, Step), result
    return result


def walk(runner: Runner, answers: list[str]) -> list[str]:
    """Answer in order; returns the paths asked (the last one unanswered, or '' at the end)."""
    asked = []
    current = runner.start().slot
    for value in answers:
        assert current is not None
        asked.append(current.path)
        if current.kind is SlotKind.ANOTHER:
            current = runner.another(current, value == "yes").slot
        else:
            current = step(runner.submit(current, value)).slot
    asked.append(current.path if current else "")
    return asked


@pytest.fixture(scope="module")
def mini() -> Form:
    return load_form(FORMS / "diag_mini.yaml").form


@pytest.fixture(scope="module")
def all_types() -> Form:
    return load_form(FORMS / "all_types.md").form


FREE_REPEAT = """
key: free
questions:
  - {name: owner, type: text, label: "Owner?", required: true}
  - type: repeat
    name: product
    label: Product
    questions:
      - {name: pname, type: text, label: "Name?", required: true}
      - {name: kind, type: select_one, or_other: true, label: "Kind?",
         choices: [{name: cloth, label: Cloth}, {name: clay, label: Clay}]}
      - {name: price, type: decimal, label: "Price?", relevant: "${kind} = 'cloth'"}
  - {name: done_note, type: note, label: "Thanks ${owner}"}
"""


# ----------------------------------------------------------------------------- walking ---
def test_walk_order_and_skip_logic(mini: Form) -> None:
    runner = make(mini)
    asked = walk(runner, ["manufacturer", "yes", "2", "4", "cotton", "3", "silk", "5"])
    assert asked == [
        "enterprise_type", "registered", "n_products", "n_workers",
        "products[1]/material", "products[1]/satisfaction",
        "products[2]/material", "products[2]/satisfaction", "",
    ]  # fmt: skip
    trader = make(mini)
    # A trader skips the workers group; zero products skips the repeat entirely.
    assert walk(trader, ["trader", "no", "0"]) == [
        "enterprise_type",
        "registered",
        "n_products",
        "",
    ]


def test_constraint_refused_with_the_forms_message_and_nothing_stored(mini: Form) -> None:
    runner = make(mini, {"enterprise_type": "trader", "registered": "no"})
    slot = runner.resume("n_products").slot
    assert slot is not None
    refused = runner.submit(slot, "11")
    assert isinstance(refused, Refusal) and refused.code == "constraint"
    assert refused.message["hi"] == "0 से 10 के बीच"
    assert "n_products" not in runner.answers and runner.changes == {}


def test_required_cannot_be_skipped_optional_can(mini: Form) -> None:
    runner = make(mini)
    first = runner.start().slot
    assert first is not None and runner.required(first)
    assert isinstance(runner.skip(first), Refusal)
    runner.submit(first, "trader")
    registered = runner.at("registered")
    assert registered is not None and not runner.required(registered)
    runner.submit(registered, "yes")
    after = step(runner.skip(registered))  # skipping clears the old answer
    assert after.slot is not None and after.slot.path == "n_products"
    assert "registered" not in runner.answers and runner.changes["registered"] is None


def test_repeat_count_shrinking_drops_extra_rounds(mini: Form) -> None:
    runner = make(mini)
    walk(runner, ["manufacturer", "yes", "2", "4", "cotton", "3", "silk", "5"])
    n_products = runner.at("n_products")
    assert n_products is not None
    nxt = step(runner.submit(n_products, "1")).slot
    assert nxt is not None and nxt.path == "n_workers"  # walks on from the changed answer
    assert not any(p.startswith("products[2]") for p in runner.answers)
    assert runner.changes["products[2]/material"] is None
    assert runner.answers["products[1]/material"] == "cotton"


def test_free_repeat_asks_add_another(tmp_path: Path) -> None:
    form = yaml_form(tmp_path, FREE_REPEAT)
    runner = make(form)
    asked = walk(runner, ["Asha", "Saree", "cloth", "900", "yes", "Pot", "clay", "no"])
    assert asked == [
        "owner", "product[1]/pname", "product[1]/kind", "product[1]/price", "+product[2]",
        "product[2]/pname", "product[2]/kind", "+product[3]", "",
    ]  # fmt: skip
    assert runner.answers["product@count"] == "2"
    another = index_of(form).slot_at("+product[3]")
    assert another is not None and another.kind is SlotKind.ANOTHER and another.round == 3
    back = runner.back(another)
    assert back is not None and back.path == "product[2]/kind"


def test_or_other_and_relevance_re_evaluation(tmp_path: Path) -> None:
    form = yaml_form(tmp_path, FREE_REPEAT)
    runner = make(form)
    walk(runner, ["Asha", "Saree", "other", "Jute", "no"])
    assert runner.answers["product[1]/kind_other"] == "Jute"
    kind = runner.at("product[1]/kind")
    assert kind is not None
    nxt = step(runner.submit(kind, "cloth")).slot  # no longer "other": its text goes
    assert nxt is not None and nxt.path == "product[1]/price"
    assert "product[1]/kind_other" not in runner.answers
    runner.submit(nxt, "100")
    step(runner.submit(kind, "clay"))  # price is relevant for cloth only
    assert "product[1]/price" not in runner.answers


def test_notes_are_passed_on_the_way_and_filled_in(tmp_path: Path) -> None:
    form = yaml_form(tmp_path, FREE_REPEAT)
    runner = make(form)
    walk(runner, ["Asha", "Saree", "clay"])
    slot = runner.at("+product[2]")
    assert slot is not None
    done = runner.another(slot, yes=False)
    assert done.slot is None and [n.path for n in done.notes] == ["done_note"]
    assert runner.text(done.notes[0].question.labels, done.notes[0]) == "Thanks Asha"


def test_back_goes_to_previous_answered_question(mini: Form) -> None:
    runner = make(mini)
    walk(runner, ["trader", "no", "1", "wool"])
    satisfaction = runner.at("products[1]/satisfaction")
    previous = runner.back(satisfaction)
    assert previous is not None and previous.path == "products[1]/material"
    previous = runner.back(previous)
    assert previous is not None and previous.path == "n_products"  # n_workers never asked
    assert runner.back(runner.at("enterprise_type")) is None


def test_skip_then_back_skips_unanswered(mini: Form) -> None:
    runner = make(mini)
    first = runner.start().slot
    assert first is not None
    registered = step(runner.submit(first, "trader")).slot
    assert registered is not None
    n_products = step(runner.skip(registered)).slot
    back = runner.back(n_products)
    assert back is not None and back.path == "enterprise_type"


def test_calculation_on_the_way_and_when_its_input_changes(all_types: Form) -> None:
    runner = make(all_types)
    walk(runner, ["Asha", "30"])
    assert "age_months" not in runner.answers  # calculated when the walk passes it
    runner.answers.update({"income": "1", "district": "d1"})
    rating = runner.at("rating")
    assert rating is not None
    nxt = step(runner.submit(rating, "4")).slot
    assert nxt is not None and nxt.path == "worker_count"
    assert runner.answers["age_months"] == "360"
    age = runner.at("age")
    assert age is not None
    step(runner.submit(age, "40"))  # later answers exist: everything is recomputed
    assert runner.answers["age_months"] == "480"


def test_choice_filter_and_group_relevance(all_types: Form) -> None:
    runner = make(all_types, {"name": "A", "age": "16", "district": "d2"})
    village = runner.at("village")
    assert village is not None
    assert [c.name for _, c in runner.choices(village)] == ["v2"]
    assert [i for i, _ in runner.choices(village)] == [1]  # indexes stay the form's
    rating = runner.at("rating")
    assert rating is not None
    # Under 18: the workers group is skipped, and the repeat counted by it has no rounds.
    assert step(runner.submit(rating, "3")).slot is None


def test_default_literal_and_keep(all_types: Form) -> None:
    runner = make(all_types)
    opens = runner.at("opens")
    assert opens is not None
    assert runner.default(opens) == "09:00:00"
    runner.keep(opens)
    assert runner.answers["opens"] == "09:00:00"
    runner.answers["name"] = "Old"
    name = runner.at("name")
    assert name is not None
    nxt = step(runner.keep(name)).slot
    assert nxt is not None and nxt.path == "age" and runner.answers["name"] == "Old"


def test_default_expression_and_required_if(tmp_path: Path) -> None:
    form = yaml_form(
        tmp_path,
        """
questions:
  - {name: a, type: integer, label: "A?"}
  - {name: b, type: integer, label: "B?", default: "${a} * 2"}
  - {name: c, type: text, label: "C?", required: "${a} > 5"}
""",
    )
    runner = make(form, {"a": "7"})
    b, c = runner.at("b"), runner.at("c")
    assert b is not None and c is not None
    assert runner.default(b) == "14"
    assert runner.required(c)
    runner.answers["a"] = "1"
    assert not runner.required(c)


def test_labels_in_the_persons_language_with_fallback(mini: Form) -> None:
    runner = make(mini, language="te")
    slot = runner.start().slot
    assert slot is not None
    assert runner.text(slot.question.labels, slot) == "ఇది ఏ రకమైన సంస్థ?"
    assert make(mini, language="ta").text(slot.question.labels, slot).startswith("What kind")
    repeat_q = runner.at("products[2]/material")
    assert repeat_q is not None
    assert runner.sections(repeat_q) == [(mini.children[4].labels, 2)]


@pytest.mark.parametrize(
    "path",
    ["material", "products/material", "products[1]", "+n_products[1]", "nosuch", "x[1]/y",
     "products[1]/n_workers", "workers[1]/n_workers", "+products", "products[a]/material"],
)  # fmt: skip
def test_paths_that_do_not_fit_the_form_are_refused(mini: Form, path: str) -> None:
    assert index_of(mini).slot_at(path) is None


def test_resume_from_a_stored_position(mini: Form) -> None:
    runner = make(mini, {"enterprise_type": "manufacturer", "n_products": "2"})
    slot = runner.resume("products[2]/satisfaction").slot
    assert slot is not None and slot.path == "products[2]/satisfaction"
    assert slot.context == (("products", 2),)
    assert make(mini).resume("bogus/path").slot.path == "enterprise_type"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- property ---
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_answers_walk_forward_and_paths_round_trip(tmp_path: Path, data: st.DataObject) -> None:
    """Whatever is answered, skipped or added, the walk moves strictly forward, ends, and
    every stored path names the slot it came from."""
    form = yaml_form(tmp_path, FREE_REPEAT)
    runner = make(form)
    index = index_of(form)
    current = runner.start().slot
    last_key: tuple[int, ...] = ()
    rounds = 1
    for _ in range(100):
        if current is None:
            break
        assert current.key > last_key
        assert index.slot_at(current.path) == current
        last_key = current.key
        if current.kind is SlotKind.ANOTHER:
            again = rounds < 5 and data.draw(st.booleans())  # bounded, so the walk must end
            rounds += again
            current = runner.another(current, again).slot
            continue
        if current.question.type == "select_one":
            value = data.draw(st.sampled_from(["cloth", "clay", "other"]))
        elif current.question.type == "decimal":
            value = str(data.draw(st.integers(0, 1000)))
        else:
            value = data.draw(st.text(min_size=1, max_size=5))
        result = runner.submit(current, value) if data.draw(st.booleans()) else runner.skip(current)
        if isinstance(result, Refusal):
            result = runner.submit(current, value)
        current = step(result).slot
    assert current is None, current  # it ended: at most 5 rounds of 5 slots, far below 100
    for path in runner.answers:
        if "@" not in path:
            found = index.slot_at(path)
            assert found is not None and found.path == path
