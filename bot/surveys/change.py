"""Change per enterprise between two rounds of a survey (issue 18).

The seed's M&E asks whether client enterprises gained or lost (output, income, employment),
not how many people answered. So each outcome indicator is compared *per person*: only
people who finished the survey in both rounds count (their latest completed response in
each), and a question is matched by name, so a newer form version still compares.

- a number: the median change and its interquartile range, and how many rose, stayed the
  same, or fell. The direction is not judged: more loans is not better in itself, so the
  figures say "rose"/"fell", never "improved".
- a choice (select_one or select_multiple): for each choice, how many had it before and
  after, how many started and how many stopped ("natural dyes: 12 → 19; 3 stopped,
  10 started").

Never a figure from fewer than `MIN_PAIRS` people: a group that small is "too few to say"
(and could point at a person). Splits by gender and role follow the same rule.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from bot.storage.rounds import Round
from bot.surveys.model import Form, Question, Repeat

MIN_PAIRS = 5
NUMBER_TYPES = frozenset({"integer", "decimal", "range", "calculate"})
CHOICE_TYPES = frozenset({"select_one", "select_multiple"})
SPLITS = ("gender", "role")


@dataclass(frozen=True)
class NumberChange:
    before_median: float | None  # None in a gender or role group (not shown there)
    after_median: float | None
    median_change: float
    q1: float  # of the changes
    q3: float
    rose: int
    same: int
    fell: int


@dataclass(frozen=True)
class ChoiceChange:
    choice: str
    before: int
    after: int
    started: int
    stopped: int


@dataclass
class IndicatorChange:
    name: str
    question: Question | Repeat | None
    pairs: int
    number: NumberChange | None = None
    choices: list[ChoiceChange] = field(default_factory=list)
    # ("gender", "female") -> the same figures for that group only
    groups: dict[tuple[str, str], IndicatorChange] = field(default_factory=dict)

    @property
    def too_few(self) -> bool:
        return self.pairs < MIN_PAIRS


Pair: TypeAlias = tuple[int, str, str, str, str]  # contact, gender, role, before, after


def comparable(forms: list[Form]) -> dict[str, Question | Repeat]:
    """What can be compared, over every version (newest first in `forms`): by name, the
    newest version's node wins, and a name only older versions have still counts."""
    out: dict[str, Question | Repeat] = {}
    for form in reversed(forms):
        out.update(form.comparable())
    return out


def answer_path(node: Question | Repeat | None, name: str) -> str:
    """Where a response stores it: a repeat's count is `name@count`."""
    return f"{name}@count" if isinstance(node, Repeat) else name


def latest_completed(
    conn: sqlite3.Connection, key: str, round_id: int, clusters: frozenset[int] | None
) -> dict[int, int]:
    """contact id -> their latest completed response to `key` in the round."""
    where, params = "", [key, round_id]
    if clusters is not None:
        where = f" AND c.cluster_id IN ({','.join('?' * len(clusters)) or 'NULL'})"
        params += sorted(clusters)
    rows = conn.execute(
        "SELECT r.contact_id, max(r.id) FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " JOIN contacts c ON c.id = r.contact_id"
        " WHERE s.key = ? AND r.round_id = ? AND r.status = 'completed'"
        f" AND c.status != 'erased'{where} GROUP BY r.contact_id",
        params,
    ).fetchall()
    return {int(contact): int(response) for contact, response in rows}


def pairs(
    conn: sqlite3.Connection,
    key: str,
    before: Round,
    after: Round,
    paths: dict[str, str],
    clusters: frozenset[int] | None = None,
) -> dict[str, list[Pair]]:
    """name -> the people who answered it in both rounds, with both answers (`paths`:
    name -> where the answer is stored). One query: each person's latest completed
    response in each round, joined to both answers by primary key."""
    scope, params = "", [key, before.id, key, after.id]
    if clusters is not None:
        scope = f" AND c.cluster_id IN ({','.join('?' * len(clusters)) or 'NULL'})"
        params += sorted(clusters)
    wanted = sorted(set(paths.values()))
    latest = (
        "SELECT r.contact_id AS cid, max(r.id) AS rid FROM responses r"
        " JOIN surveys s ON s.id = r.survey_id"
        " WHERE s.key = ? AND r.round_id = ? AND r.status = 'completed' GROUP BY r.contact_id"
    )
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        f"WITH f AS ({latest}), g AS ({latest})"
        " SELECT a.path, f.cid, coalesce(c.gender, ''), coalesce(c.role, ''), a.value, b.value"
        " FROM f JOIN g ON g.cid = f.cid"
        f" JOIN contacts c ON c.id = f.cid AND c.status != 'erased'{scope}"
        f" JOIN answers a ON a.response_id = f.rid AND a.path IN ({','.join('?' * len(wanted))})"
        " JOIN answers b ON b.response_id = g.rid AND b.path = a.path"
        " WHERE a.value != '' AND b.value != ''",
        [*params, *wanted],
    )
    by_path: dict[str, list[Pair]] = {path: [] for path in wanted}
    for path, contact, gender, role, first, second in rows:
        by_path[path].append((contact, gender, role, first, second))
    return {name: by_path[path] for name, path in paths.items()}


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated (statistics.quantiles' "inclusive")."""
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def number_change(
    numbers: list[tuple[float, float]], levels: bool = True
) -> tuple[int, NumberChange | None]:
    """(before, after) per person -> the paired figures (None under MIN_PAIRS); `levels`
    adds the typical answer before and after (two more sorts: the whole group only)."""
    if len(numbers) < MIN_PAIRS:
        return len(numbers), None
    changes = sorted(y - x for x, y in numbers)
    return len(numbers), NumberChange(
        before_median=_quantile(sorted(x for x, _ in numbers), 0.5) if levels else None,
        after_median=_quantile(sorted(y for _, y in numbers), 0.5) if levels else None,
        median_change=_quantile(changes, 0.5),
        q1=_quantile(changes, 0.25),
        q3=_quantile(changes, 0.75),
        rose=len(changes) - bisect_right(changes, 0),
        same=bisect_right(changes, 0) - bisect_left(changes, 0),
        fell=bisect_left(changes, 0),
    )


def choice_change(
    sets: list[tuple[frozenset[str], frozenset[str]]], order: list[str]
) -> tuple[int, list[ChoiceChange]]:
    """(choices before, choices after) per person -> the transitions of every choice."""
    if len(sets) < MIN_PAIRS:
        return len(sets), []
    before = Counter(c for a, _ in sets for c in a)
    after = Counter(c for _, b in sets for c in b)
    started = Counter(c for a, b in sets for c in b if c not in a)
    stopped = Counter(c for a, b in sets for c in a if c not in b)
    seen = set(before) | set(after)
    names = [c for c in order if c in seen] + sorted(seen - set(order))
    return len(sets), [
        ChoiceChange(name, before[name], after[name], started[name], stopped[name])
        for name in names
    ]


def _figures(
    name: str, question: Question | Repeat | None, found: list[Pair]
) -> IndicatorChange:
    """The whole group's figures, and every gender and role group's (parsed once)."""
    keyed: list[tuple[str, str, Any]]
    if isinstance(question, Question) and question.type in CHOICE_TYPES:
        order = [c.name for c in question.choices]
        keyed = [(gender, role, (frozenset(x.split()), frozenset(y.split())))
                 for _, gender, role, x, y in found]  # fmt: skip

        def figures(items: list[Any], whole: bool = False) -> IndicatorChange:
            count, rows = choice_change(items, order)
            return IndicatorChange(name, question, count, choices=rows)
    else:
        keyed = [(gender, role, (x, y)) for _, gender, role, a, b in found
                 if (x := _number(a)) is not None and (y := _number(b)) is not None]  # fmt: skip

        def figures(items: list[Any], whole: bool = False) -> IndicatorChange:
            count, number = number_change(items, levels=whole)
            return IndicatorChange(name, question, count, number=number)

    whole = figures([item for _, _, item in keyed], whole=True)
    for index, by in enumerate(SPLITS):
        groups: dict[str, list[Any]] = {}
        for entry in keyed:
            groups.setdefault(entry[index], []).append(entry[2])
        for value, members in sorted(groups.items()):
            whole.groups[(by, value)] = figures(members)
    return whole


def change(
    conn: sqlite3.Connection,
    key: str,
    before: Round,
    after: Round,
    nodes: dict[str, Question | Repeat],
    names: list[str],
    clusters: frozenset[int] | None = None,
) -> list[IndicatorChange]:
    """The paired change of each indicator `names` between two rounds, with its splits by
    gender and role (groups of fewer than MIN_PAIRS are kept, marked too few). `nodes` is
    `comparable(forms)`."""
    paths = {name: answer_path(nodes.get(name), name) for name in names}
    found = pairs(conn, key, before, after, paths, clusters)
    return [_figures(name, nodes.get(name), found[name]) for name in names]
