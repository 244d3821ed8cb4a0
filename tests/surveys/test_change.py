"""Rounds and change per enterprise (issue 18): bot/storage/rounds.py, bot/surveys/change.py.

The figures below are counted by hand from the table in `two_rounds`.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from bot.storage import clusters, contacts, rounds
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.surveys.change import MIN_PAIRS, change, comparable
from bot.surveys.export import export_csv, forms_of
from bot.surveys.loader import load_form

FORM = """
| survey |
| | type | name | label::English (en) |
| | integer | sales | Sales in a normal month? |
| | integer | workers | How many workers? |
| | select_multiple dyes | dyes | Which dyes do you use? |
| choices |
| | list_name | name | label::English (en) |
| | dyes | natural | Natural |
| | dyes | synthetic | Synthetic |
| settings |
| | form_title | form_id | version |
| | Enterprise | enterprise | {version} |
"""
# The follow-up uses a newer version that dropped `workers`.
FORM_V2 = FORM.replace("| | integer | workers | How many workers? |\n", "")

# person: (gender, role, baseline answers, follow-up answers); None: did not answer
PEOPLE = {
    "A": ("female", "artisan", ("1000", "3", "natural"), ("1500", "natural synthetic")),
    "B": ("female", "artisan", ("2000", "2", "synthetic"), ("2000", "natural")),
    "C": ("female", "artisan", ("3000", "1", "natural"), ("2500", "natural")),
    "D": ("female", "artisan", ("4000", "4", "synthetic"), ("5000", "synthetic")),
    "E": ("male", "entrepreneur", ("5000", "2", "synthetic"), ("5000", "natural")),
    "F": ("male", "entrepreneur", ("6000", "6", "natural synthetic"), ("9000", "synthetic")),
    "G": ("male", "entrepreneur", ("7000", "5", "synthetic"), ("6000", "natural")),
    "H": ("female", "artisan", ("8000", "2", "natural"), None),  # baseline only
    "I": ("male", "artisan", None, ("9999", "natural")),  # follow-up only
}
T0, T1 = "2026-01-10T09:00:00+00:00", "2026-12-01T09:00:00+00:00"


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect_sync(tmp_path / "change.db")
    migrate(connection)
    return connection


def form_file(tmp_path: Path, text: str, version: str) -> Path:
    path = tmp_path / f"enterprise_{version}.md"
    path.write_text(text.replace("{version}", version), encoding="utf-8")
    return path


def finish(conn: sqlite3.Connection, survey_id: int, contact: int, values: dict[str, str],
           when: str) -> int:  # fmt: skip
    response = store.start_response(conn, survey_id, contact, None, when)
    store.save_answers(conn, response.id, values, when)
    store.move(conn, response.id, None, "completed", when)
    return response.id


@pytest.fixture
def two_rounds(conn: sqlite3.Connection, tmp_path: Path) -> dict[str, object]:
    return fill_two_rounds(conn, tmp_path)


def fill_two_rounds(conn: sqlite3.Connection, tmp_path: Path) -> dict[str, object]:
    """The table above in the database: a baseline, then a midline under form version 2."""
    v1 = load_form(form_file(tmp_path, FORM, "1")).form
    v2 = load_form(form_file(tmp_path, FORM_V2, "2")).form

    def fill(c: sqlite3.Connection) -> dict[str, object]:
        bagru = clusters.add(c, "BAGRU", "Bagru", "Asia/Kolkata", "x")
        first, _ = store.import_form(c, v1, now=T0)
        ids = {}
        for uid, (gender, role, base, _follow) in PEOPLE.items():
            person = contacts.get_or_create(c, "test", uid, uid, T0)
            contacts.update(c, person.id, cluster_id=bagru.id, role=role, gender=gender,
                            status="registered", registered_at=T0)  # fmt: skip
            ids[uid] = person.id
            if base:
                finish(c, first.id, person.id,
                       {"sales": base[0], "workers": base[1], "dyes": base[2]}, T0)  # fmt: skip
        midline = rounds.open_round(c, "enterprise", "Midline 2027", T1)
        second, _ = store.import_form(c, v2, now=T1)
        for uid, (_g, _r, _base, follow) in PEOPLE.items():
            if follow:
                finish(c, second.id, ids[uid], {"sales": follow[0], "dyes": follow[1]}, T1)
        return {"ids": ids, "midline": midline, "cluster": bagru.id}

    return run_in_transaction(conn, fill)


def figures(conn: sqlite3.Connection, names: list[str], clusters_: frozenset[int] | None = None):  # type: ignore[no-untyped-def]
    baseline, midline = rounds.of_key(conn, "enterprise")
    nodes = comparable(forms_of(conn, "enterprise"))
    found = change(conn, "enterprise", baseline, midline, nodes, names, clusters_)
    return {c.name: c for c in found}


def test_the_answers_before_a_new_round_are_the_baseline(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    found = rounds.of_key(conn, "enterprise")
    assert [r.name for r in found] == ["Baseline", "Midline 2027"]
    assert found[0].closed_at == T1 and found[1].open
    assert rounds.current(conn, "enterprise") == found[1]
    ids = two_rounds["ids"]
    assert isinstance(ids, dict)
    assert rounds.completed_in(conn, ids["H"], "enterprise", found[0].id)
    assert not rounds.completed_in(conn, ids["H"], "enterprise", found[1].id)
    # who the new round asks again: everyone who finished the baseline, not I
    assert rounds.earlier_respondents(conn, "enterprise", found[1].id) == sorted(
        ids[u] for u in "ABCDEFGH"
    )
    assert rounds.by_name(conn, "enterprise", "midline 2027") == found[1]
    assert rounds.by_name(conn, "enterprise", "1") == found[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "needs a name"), ("Midline 2027", "already has"), ("x" * 61, "at most")],
)
def test_a_round_that_cannot_be_opened_changes_nothing(
    conn: sqlite3.Connection, two_rounds: dict[str, object], name: str, reason: str
) -> None:
    with pytest.raises(rounds.RoundError, match=reason):
        run_in_transaction(conn, lambda c: rounds.open_round(c, "enterprise", name, T1))
    assert [r.name for r in rounds.of_key(conn, "enterprise")] == ["Baseline", "Midline 2027"]
    with pytest.raises(rounds.RoundError, match="no survey"):
        run_in_transaction(conn, lambda c: rounds.open_round(c, "nosuch", "Endline", T1))


def test_number_change_counted_by_hand(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    sales = figures(conn, ["sales"])["sales"]
    # A..G answered both; H only the baseline, I only the follow-up
    assert sales.pairs == 7 and not sales.too_few
    n = sales.number
    assert n is not None
    # changes +500 0 -500 +1000 0 +3000 -1000 -> sorted -1000 -500 0 0 500 1000 3000
    assert n.median_change == 0
    assert (n.q1, n.q3) == (-250, 750)
    assert (n.rose, n.same, n.fell) == (3, 2, 2)
    assert (n.before_median, n.after_median) == (4000, 5000)


def test_choice_transitions_counted_by_hand(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    dyes = figures(conn, ["dyes"])["dyes"]
    rows = {r.choice: r for r in dyes.choices}
    assert [r.choice for r in dyes.choices] == ["natural", "synthetic"]  # the form's order
    assert (rows["natural"].before, rows["natural"].after) == (3, 5)
    assert (rows["natural"].started, rows["natural"].stopped) == (3, 1)
    assert (rows["synthetic"].before, rows["synthetic"].after) == (5, 3)
    assert (rows["synthetic"].started, rows["synthetic"].stopped) == (1, 3)


def test_a_question_the_newer_version_dropped_has_no_pairs(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    workers = figures(conn, ["workers"])["workers"]
    assert workers.pairs == 0 and workers.too_few and workers.number is None


def test_groups_of_fewer_than_five_are_too_few_to_say(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    sales = figures(conn, ["sales"])["sales"]
    assert MIN_PAIRS == 5
    women, men = sales.groups[("gender", "female")], sales.groups[("gender", "male")]
    assert (women.pairs, men.pairs) == (4, 3)
    assert women.too_few and women.number is None and men.number is None
    assert sales.groups[("role", "artisan")].number is None


def test_a_group_of_five_gets_figures(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    def one_more(c: sqlite3.Connection) -> None:
        person = contacts.get_or_create(c, "test", "J", "J", T0)
        contacts.update(c, person.id, cluster_id=two_rounds["cluster"], role="artisan",
                        gender="female", status="registered")  # fmt: skip
        baseline, _midline = rounds.of_key(c, "enterprise")
        first, second = store.versions(c, "enterprise")
        old = store.start_response(c, first.id, person.id, None, T0)
        c.execute("UPDATE responses SET round_id = ? WHERE id = ?", (baseline.id, old.id))
        store.save_answers(c, old.id, {"sales": "100"}, T0)
        store.move(c, old.id, None, "completed", T0)
        finish(c, second.id, person.id, {"sales": "300"}, T1)

    run_in_transaction(conn, one_more)
    women = figures(conn, ["sales"])["sales"].groups[("gender", "female")]
    assert women.pairs == 5 and women.number is not None
    # A +500, B 0, C -500, D +1000, J +200
    assert women.number.median_change == 200 and women.number.rose == 3


def test_only_the_clusters_asked_for(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    assert figures(conn, ["sales"], frozenset({999}))["sales"].pairs == 0
    cluster = two_rounds["cluster"]
    assert isinstance(cluster, int)
    assert figures(conn, ["sales"], frozenset({cluster}))["sales"].pairs == 7


def test_exports_say_which_round_each_response_belongs_to(
    conn: sqlite3.Connection, two_rounds: dict[str, object], tmp_path: Path
) -> None:
    written = export_csv(conn, "enterprise", tmp_path / "out.csv")
    with open(written[0], encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert [row["round"] for row in table].count("Baseline") == 8
    assert [row["round"] for row in table].count("Midline 2027") == 8


def test_indicators_are_marked_per_survey(
    conn: sqlite3.Connection, two_rounds: dict[str, object]
) -> None:
    run_in_transaction(conn, lambda c: rounds.set_indicators(c, "enterprise", ["sales", "dyes"]))
    assert rounds.indicators(conn, "enterprise") == ["dyes", "sales"]
    run_in_transaction(conn, lambda c: rounds.set_indicators(c, "enterprise", ["sales"]))
    assert rounds.indicators(conn, "enterprise") == ["sales"]


REPEAT_FORM = """
| survey |
| | type | name | label::English (en) | indicator |
| | integer | sales | Sales? | yes |
| | begin repeat | product | Product | yes |
| | text | pname | Product name? |  |
| | end repeat | | | |
| | integer | age | Age? |  |
| settings |
| | form_title | form_id | version |
| | Products | products | 1 |
"""


def test_the_indicator_column_marks_questions_and_a_repeats_count(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    """`indicator` marks at import; a repeat compares how many it has (`product@count`)."""
    path = tmp_path / "products.md"
    path.write_text(REPEAT_FORM, encoding="utf-8")
    form = load_form(path).form

    def fill(c: sqlite3.Connection) -> None:
        survey, _ = store.import_form(c, form, now=T0)
        counts = {"p1": (1, 2), "p2": (2, 2), "p3": (1, 3), "p4": (3, 1), "p5": (2, 4)}
        people = {uid: contacts.get_or_create(c, "test", uid, uid, T0).id for uid in counts}
        for uid, (before, _after) in counts.items():
            finish(c, survey.id, people[uid], {"sales": "10", "product@count": str(before)}, T0)
        rounds.open_round(c, "products", "Endline", T1)
        for uid, (_before, after) in counts.items():
            finish(c, survey.id, people[uid], {"sales": "10", "product@count": str(after)}, T1)

    run_in_transaction(conn, fill)
    assert rounds.indicators(conn, "products") == ["product", "sales"]
    baseline, endline = rounds.of_key(conn, "products")
    nodes = comparable(forms_of(conn, "products"))
    assert "pname" not in nodes  # inside a repeat: no single answer to compare
    found = {c.name: c for c in change(conn, "products", baseline, endline, nodes,
                                       ["product", "sales"])}  # fmt: skip
    products = found["product"].number
    assert products is not None and found["product"].pairs == 5
    # changes +1 0 +2 -2 +2 -> median +1; rose 3, same 1, fell 1
    assert (products.median_change, products.rose, products.same, products.fell) == (1, 3, 1, 1)
    sales = found["sales"].number
    assert sales is not None and (sales.rose, sales.same, sales.fell) == (0, 5, 0)
