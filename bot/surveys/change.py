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
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.storage.rounds import Round
from bot.surveys.model import Form, Question, Repeat

MIN_PAIRS = 5
NUMBER_TYPES = frozenset({"integer", "decimal", "range", "calculate"})
CHOICE_TYPES = frozenset({"select_one", "select_multiple"})
SPLITS = ("gender", "role")


@dataclass(frozen=True)
class NumberChange:
    before_median: float
    after_median: float
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


@dataclass(frozen=True)
class Pair:
    contact_id: int
    gender: str
    role: str
    before: str
    after: str


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


def _values(
    conn: sqlite3.Connection, responses: Iterable[int], names: list[str]
) -> dict[int, dict[str, str]]:
    """response id -> {path: value} for the answer paths `names`."""
    out: dict[int, dict[str, str]] = {}
    cursor = conn.cursor()
    cursor.row_factory = None
    ids = list(responses)
    paths = ",".join("?" * len(names))
    for start in range(0, len(ids), 500):  # SQLite's variable limit, and bounded memory
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        # (response_id, path) is the primary key: one seek per wanted answer
        for rid, path, value in cursor.execute(
            "SELECT response_id, path, value FROM answers"
            f" WHERE response_id IN ({marks}) AND path IN ({paths})",
            [*chunk, *names],
        ):
            out.setdefault(rid, {})[path] = value
    return out


def pairs(
    conn: sqlite3.Connection,
    key: str,
    before: Round,
    after: Round,
    paths: dict[str, str],
    clusters: frozenset[int] | None = None,
) -> dict[str, list[Pair]]:
    """name -> the people who answered it in both rounds, with both answers (`paths`:
    name -> where the answer is stored)."""
    first = latest_completed(conn, key, before.id, clusters)
    second = latest_completed(conn, key, after.id, clusters)
    both = sorted(set(first) & set(second))
    wanted = sorted(set(paths.values()))
    values = _values(conn, [first[c] for c in both] + [second[c] for c in both], wanted)
    meta = {
        int(row[0]): (str(row[1] or ""), str(row[2] or ""))
        for start in range(0, len(both), 500)
        for row in conn.execute(
            "SELECT id, gender, role FROM contacts WHERE id IN"
            f" ({','.join('?' * len(both[start : start + 500]))})",
            both[start : start + 500],
        )
    }
    out: dict[str, list[Pair]] = {name: [] for name in paths}
    for contact in both:
        a, b = values.get(first[contact], {}), values.get(second[contact], {})
        gender, role = meta.get(contact, ("", ""))
        for name, path in paths.items():
            if a.get(path, "") != "" and b.get(path, "") != "":
                out[name].append(Pair(contact, gender, role, a[path], b[path]))
    return out


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def number_change(found: list[Pair]) -> tuple[int, NumberChange | None]:
    numbers = [(x, y) for p in found if (x := _number(p.before)) is not None
               and (y := _number(p.after)) is not None]  # fmt: skip
    if len(numbers) < MIN_PAIRS:
        return len(numbers), None
    changes = [y - x for x, y in numbers]
    q1, _, q3 = statistics.quantiles(changes, n=4, method="inclusive")
    return len(numbers), NumberChange(
        before_median=statistics.median(x for x, _ in numbers),
        after_median=statistics.median(y for _, y in numbers),
        median_change=statistics.median(changes),
        q1=q1,
        q3=q3,
        rose=sum(c > 0 for c in changes),
        same=sum(c == 0 for c in changes),
        fell=sum(c < 0 for c in changes),
    )


def choice_change(found: list[Pair], order: list[str]) -> tuple[int, list[ChoiceChange]]:
    if len(found) < MIN_PAIRS:
        return len(found), []
    sets = [(set(p.before.split()), set(p.after.split())) for p in found]
    seen = {c for a, b in sets for c in a | b}
    names = [c for c in order if c in seen] + sorted(seen - set(order))
    return len(found), [
        ChoiceChange(
            choice=name,
            before=sum(name in a for a, _ in sets),
            after=sum(name in b for _, b in sets),
            started=sum(name not in a and name in b for a, b in sets),
            stopped=sum(name in a and name not in b for a, b in sets),
        )
        for name in names
    ]


def _figures(
    name: str, question: Question | Repeat | None, found: list[Pair]
) -> IndicatorChange:
    if isinstance(question, Question) and question.type in CHOICE_TYPES:
        count, rows = choice_change(found, [c.name for c in question.choices])
        return IndicatorChange(name, question, count, choices=rows)
    count, number = number_change(found)
    return IndicatorChange(name, question, count, number=number)


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
    out = []
    for name in names:
        question = nodes.get(name)
        whole = _figures(name, question, found[name])
        for by in SPLITS:
            groups: dict[str, list[Pair]] = {}
            for pair in found[name]:
                groups.setdefault(getattr(pair, by), []).append(pair)
            for value, members in sorted(groups.items()):
                whole.groups[(by, value)] = _figures(name, question, members)
        out.append(whole)
    return out
