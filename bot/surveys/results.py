"""Survey results for `/results KEY`: response counts, completion, and per question the
distribution of choices or the spread of numbers. Read-only; run it on the reader
connection, outside the turn (it reads every answer of the survey)."""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass, field

from bot.storage.surveys import Survey
from bot.surveys.export import TITLE, forms_of, layout, records
from bot.surveys.model import Question

MAX_TITLES = 5  # latest responses named in /results


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0  # answers given (every round of a repeat counts)
    counts: Counter[str] = field(default_factory=Counter)  # select: choice name -> answers
    numbers: list[float] = field(default_factory=list)  # integer / decimal / range

    @property
    def choice_order(self) -> list[str]:
        names = [c.name for c in self.question.choices]
        extra = [n for n in self.counts if n not in names]  # "other", or old versions' names
        return [n for n in names + extra if self.counts.get(n)]

    def spread(self) -> tuple[float, float, float] | None:
        if not self.numbers:
            return None
        return min(self.numbers), statistics.median(self.numbers), max(self.numbers)


@dataclass
class Results:
    survey: Survey
    responses: int = 0
    completed: int = 0
    questions: list[QuestionResult] = field(default_factory=list)
    # settings `instance_name`: the titles of the latest responses, newest first.
    titles: list[str] = field(default_factory=list)

    @property
    def completion_rate(self) -> float:
        return self.completed / self.responses if self.responses else 0.0


def results(
    conn: sqlite3.Connection, survey: Survey, clusters: frozenset[int] | None = None
) -> Results:
    """Counts over every version of the survey, for responses from `clusters` (None: all)."""
    forms = forms_of(conn, survey.key)
    lay = layout(forms)
    by_name: dict[str, QuestionResult] = {}
    for form in reversed(forms):  # the newest version's question wins for a shared name
        for _, question in form.walk():
            if question.type not in ("note", "metadata"):
                by_name[question.name] = QuestionResult(question)
    order = [q.name for _, q in forms[0].walk() if q.name in by_name]
    order += [name for name in by_name if name not in order]
    out = Results(survey, questions=[by_name[name] for name in order])
    for record in records(conn, survey.key, lay, clusters):
        out.responses += 1
        out.completed += record.meta["status"] == "completed"
        _count(by_name, record.values)
        if record.meta.get(TITLE):
            out.titles.insert(0, str(record.meta[TITLE]))
            del out.titles[MAX_TITLES:]
        for rounds in record.rounds.values():
            for values in rounds.values():
                _count(by_name, values)
    return out


def _count(by_name: dict[str, QuestionResult], values: dict[str, str]) -> None:
    for name, value in values.items():
        found = by_name.get(name)
        if found is None:
            continue
        found.answered += 1
        kind = found.question.type
        if kind in ("select_one", "select_multiple"):
            found.counts.update(value.split())
        elif kind in ("integer", "decimal", "range"):
            with contextlib.suppress(ValueError):
                found.numbers.append(float(value))
