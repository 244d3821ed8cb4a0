"""Survey results for `/results KEY`: response counts, completion, and per question the
distribution of choices, the spread of numbers, the latest free-text answers and voice
notes. Read-only; run it on the reader connection, outside the turn (it reads every
answer of the survey).

`split()` gives the same figures per gender or per role of the respondents (the seed's
outreach measure); `striking()` picks the questions the first screen of `/results` shows.
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage.surveys import Survey
from bot.surveys.answers import VOICE_MARK
from bot.surveys.export import TITLE, VOICE_EXPORT, Record, forms_of, layout, records
from bot.surveys.model import Form, Question

MAX_TITLES = 5  # latest responses named in /results
MAX_TEXTS = 5  # latest free-text answers kept per question
MAX_VOICES = 3  # latest voice-note answers kept per question
SPLITS = ("gender", "role")  # what a result can be split by (a column of the contacts)
HIDDEN = ("note", "metadata", "calculate")  # nothing a respondent answered
CHOICES = ("select_one", "select_multiple")
NUMBERS = ("integer", "decimal", "range")
TEXTS = ("text", "audio")  # free answers: words, or a voice note given for them
# A voice note answering a text question: as stored (bot/surveys/answers.py VOICE_MARK),
# and as `records()` hands it over (bot/surveys/export.py VOICE_EXPORT), then the path.
VOICE_MARKS = (VOICE_MARK, VOICE_EXPORT.format(path=""))


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0  # answers given (every round of a repeat counts)
    counts: Counter[str] = field(default_factory=Counter)  # select: choice name -> answers
    numbers: list[float] = field(default_factory=list)  # integer / decimal / range
    texts: list[str] = field(default_factory=list)  # free text, newest response first
    voices: list[str] = field(default_factory=list)  # voice-note file paths, newest first

    @property
    def choice_order(self) -> list[str]:
        names = [c.name for c in self.question.choices]
        extra = [n for n in self.counts if n not in names]  # "other", or old versions' names
        return [n for n in names + extra if self.counts.get(n)]

    @property
    def top(self) -> list[str]:
        """Choice names, most answered first (ties: the form's order)."""
        order = self.choice_order
        return sorted(order, key=lambda n: (-self.counts[n], order.index(n)))

    def share(self, name: str) -> float:
        """The share of the answers that chose `name` (0 when nobody answered)."""
        return self.counts.get(name, 0) / self.answered if self.answered else 0.0

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

    def question(self, name: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.question.name == name), None)


def questions_of(forms: list[Form]) -> list[Question]:
    """The questions results are given for, in the newest version's order (older versions'
    extra questions after); cheap — no answer is read, so a turn may call it."""
    by_name: dict[str, Question] = {}
    for form in reversed(forms):  # the newest version's question wins for a shared name
        for _, question in form.walk():
            if question.type not in HIDDEN:
                by_name[question.name] = question
    order = [q.name for _, q in forms[0].walk() if q.name in by_name] if forms else []
    order += [name for name in by_name if name not in order]
    return [by_name[name] for name in order]


def results(
    conn: sqlite3.Connection,
    survey: Survey,
    clusters: frozenset[int] | None = None,
    media_root: Path | None = None,
    round_id: int | None = None,
) -> Results:
    """Counts over every version of the survey, for responses from `clusters` (None: all)
    and of one round (None: every round)."""
    return _collect(conn, survey, clusters, media_root, None, round_id)[""]


def split(
    conn: sqlite3.Connection,
    survey: Survey,
    by: str,
    clusters: frozenset[int] | None = None,
    media_root: Path | None = None,
    round_id: int | None = None,
) -> dict[str, Results]:
    """The same figures per respondent's `by` ("gender" or "role"), keyed by the stored
    value ("" for respondents without one); only groups with responses appear."""
    if by not in SPLITS:
        raise ValueError(f"cannot split by {by!r}")
    found = _collect(conn, survey, clusters, media_root, by, round_id)
    if not found[""].responses:
        del found[""]
    return found


def striking(found: Results, count: int = 3) -> list[QuestionResult]:
    """The questions with the most striking answers, for the first screen of /results:

    - choice questions whose most chosen answer has the largest share of the answers
      ("9 of 10 sell through a trader" says more than "4 of 10");
    - then, if fewer than `count` choice questions were answered, numbers with the widest
      spread relative to their median ((max − min) / |median|).

    Ties go to the question with more answers, then to the form's order. Questions with
    no answers are never picked."""
    chosen = [q for q in found.questions if q.counts]
    chosen.sort(key=lambda q: (-q.share(q.top[0]), -q.answered))
    numbers = [q for q in found.questions if q.question.type in NUMBERS and q.numbers]

    def width(q: QuestionResult) -> float:
        low, median, high = q.spread() or (0.0, 0.0, 0.0)
        return (high - low) / max(abs(median), 1.0)

    numbers.sort(key=lambda q: (-width(q), -q.answered))
    return (chosen + numbers)[:count]


def voice_file(question: Question, value: str, media_root: Path | None) -> str | None:
    """The file of a voice note: the answer to an `audio` question, or a recording given
    for a text question (stored as a mark and the path of a file in the media folder:
    `VOICE_MARKS`). None for anything else."""
    if question.type == "audio":
        return value
    for mark in VOICE_MARKS:
        if value.startswith(mark):
            path = value[len(mark) :]
            return path if media_root is not None and within(path, media_root) else None
    return None


def within(value: str, media_root: Path) -> bool:
    """Is `value` the path of a file inside the media folder (never anywhere else)?"""
    try:
        path, root = Path(value).resolve(), media_root.resolve()
    except (OSError, ValueError):
        return False
    return path != root and path.is_relative_to(root)


def _collect(
    conn: sqlite3.Connection,
    survey: Survey,
    clusters: frozenset[int] | None,
    media_root: Path | None,
    by: str | None,
    round_id: int | None = None,
) -> dict[str, Results]:
    forms = forms_of(conn, survey.key)
    lay = layout(forms)
    questions = questions_of(forms)

    def fresh() -> tuple[Results, dict[str, QuestionResult]]:
        out = Results(survey, questions=[QuestionResult(q) for q in questions])
        return out, {r.question.name: r for r in out.questions}

    groups: dict[str, tuple[Results, dict[str, QuestionResult]]] = {"": fresh()}
    for record in records(conn, survey.key, lay, clusters, round_id):
        group = str(record.meta.get(by) or "") if by else ""
        if group not in groups:
            groups[group] = fresh()
        out, by_name = groups[group]
        _add(out, by_name, record, media_root)
    return {group: out for group, (out, _) in groups.items()}


def _add(
    out: Results, by_name: dict[str, QuestionResult], record: Record, media_root: Path | None
) -> None:
    out.responses += 1
    out.completed += record.meta["status"] == "completed"
    _count(by_name, record.values, media_root)
    if record.meta.get(TITLE):
        out.titles.insert(0, str(record.meta[TITLE]))
        del out.titles[MAX_TITLES:]
    for rounds in record.rounds.values():
        for values in rounds.values():
            _count(by_name, values, media_root)


def _count(
    by_name: dict[str, QuestionResult], values: dict[str, str], media_root: Path | None
) -> None:
    for name, value in values.items():
        found = by_name.get(name)
        if found is None:
            continue
        found.answered += 1
        kind = found.question.type
        if kind in CHOICES:
            found.counts.update(value.split())
        elif kind in NUMBERS:
            with contextlib.suppress(ValueError):
                found.numbers.append(float(value))
        elif kind in TEXTS:  # records come oldest first: the newest goes to the front
            voice = voice_file(found.question, value, media_root)
            if voice is not None:
                found.voices.insert(0, voice)
                del found.voices[MAX_VOICES:]
            elif value.strip() and not value.startswith(VOICE_MARKS):
                found.texts.insert(0, value)
                del found.texts[MAX_TEXTS:]
