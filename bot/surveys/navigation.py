"""Where a respondent is in a form, and what comes next: slots, paths, keys and the walk.

A *slot* is one thing the bot may ask: a question instance, the "specify other" text of
an `or_other` select, or the "add another?" prompt of a repeat without `repeat_count`.
Slots are named by *paths*, the only positions ever stored:

    age                       a question outside repeats (groups add nothing: names are unique)
    products[2]/material      a question in the 2nd round of the repeat `products`
    products[2]/kind_other    the typed "other" answer of the select `kind`
    +products[3]              "add another product?" (yes starts round 3)
    products@count            how many rounds an "add another?" repeat has (an answer row)

Each path has a sort *key* (tuple of ints) in form order, so "before", "after" and
"the previous answered question" are tuple comparisons, with no expression evaluated.
`Walker.slots(after=key)` walks the form from the root in order, skipping whole subtrees
that end before `key` by comparison alone, and evaluating `relevant` and `repeat_count`
only where it goes: the cost of a step is what lies between two questions, not the form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.surveys import expr
from bot.surveys.model import (
    LAST_SAVED,
    Choice,
    Form,
    Group,
    Node,
    Question,
    Repeat,
    form_to_json,
    localized,
)

MAX_ROUNDS = 50  # rounds of one repeat: a chat is no place for more
Key = tuple[int, ...]
Context = tuple[tuple[str, int], ...]  # enclosing repeat instances, outermost first
_END = 1 << 30  # larger than any order or round number


class SlotKind(StrEnum):
    QUESTION = "question"
    OTHER = "other"  # the "please specify" text after choosing "other"
    ANOTHER = "another"  # "add another ...?" after the last round of a free repeat
    CALCULATE = "calculate"  # evaluated and stored on the way, never asked
    NOTE = "note"  # shown on the way, never answered


@dataclass(frozen=True)
class Slot:
    kind: SlotKind
    path: str
    key: Key
    node: Question | Repeat
    context: Context = ()

    @property
    def question(self) -> Question:
        assert isinstance(self.node, Question), self.path
        return self.node

    @property
    def repeat(self) -> Repeat:
        assert isinstance(self.node, Repeat), self.path
        return self.node

    @property
    def round(self) -> int:
        """The round an ANOTHER slot would start, or the innermost round of a question."""
        return self.context[-1][1] if self.context else 0


@dataclass(frozen=True)
class _Info:
    node: Node
    order: int  # pre-order index in the form
    last: int  # order of the last descendant (its own order for a question)
    repeats: tuple[str, ...]  # enclosing repeats, outermost first
    parents: tuple[str, ...]  # enclosing groups and repeats, outermost first


OTHER = "other"  # the choice name XLSForm's or_other adds
_SEGMENT = re.compile(r"^([^\[\]/@+]+)(?:\[(\d+)\])?$")


class FormIndex:
    """Lookups over one form, built once per form (see `index_of`)."""

    def __init__(self, form: Form) -> None:
        self.form = form
        self.info: dict[str, _Info] = {}
        self._keys: dict[str, Key | None] = {}  # path -> key, and path -> slot: both
        self._slots: dict[str, Slot | None] = {}  # depend on the form alone
        self._order = 0
        self._add(form.children, (), ())
        # Per node name: can its prompt be cached (handlers/surveys/render.py decides).
        self.static: dict[str, bool] = {}
        # Does the form read the previous response (${last-saved#name})?
        self.last_saved = LAST_SAVED in form_to_json(form)
        # Which questions a respondent is asked depends only on the answers the form's
        # `relevant` and `repeat_count` expressions name (and the rounds of its repeats):
        # the question list is cached per such answers ("question 5 of 12").
        self.walk_names = self._walk_names()
        self.question_keys: dict[tuple[tuple[str, str], ...], list[Key]] = {}

    def _walk_names(self) -> frozenset[str]:
        names: set[str] = set()
        for info in self.info.values():
            node = info.node
            for text in (node.relevant, getattr(node, "repeat_count", None)):
                if text:
                    with suppress(expr.ExprError):  # checked at import: cannot happen
                        names |= expr.references(expr.parse(text))
        return frozenset(names)

    def walk_fingerprint(
        self, answers: dict[str, str], today: date
    ) -> tuple[tuple[str, str], ...] | None:
        """The answers that decide which questions are asked (and the day: a `relevant`
        may read today()); None when the form reads the previous response, which is not
        among the answers, so the list cannot be cached."""
        if self.last_saved:
            return None
        found = [("@today", str(today))]
        for path, value in answers.items():
            name = path.rsplit("/", 1)[-1].split("[", 1)[0].rsplit(".", 1)[-1]
            if path.endswith("@count") or name in self.walk_names:
                found.append((path, value))
        return tuple(sorted(found))

    def _add(
        self, nodes: tuple[Node, ...], repeats: tuple[str, ...], parents: tuple[str, ...]
    ) -> int:
        last = self._order
        for node in nodes:
            self._order += 1
            order = self._order
            last = order
            if not isinstance(node, Question):
                inner = (*repeats, node.name) if isinstance(node, Repeat) else repeats
                last = self._add(node.children, inner, (*parents, node.name))
            self.info[node.name] = _Info(node, order, last, repeats, parents)
        return last

    def key_of(self, path: str) -> Key | None:
        """The sort key of a stored path; None when the path does not fit this form."""
        if path in self._keys:
            return self._keys[path]
        key = self._compute_key(path)
        if len(self._keys) < 50_000:
            self._keys[path] = key
        return key

    def _compute_key(self, path: str) -> Key | None:
        another = path.startswith("+")
        parts = path.removeprefix("+").split("/")
        key: list[int] = []
        rounds: list[str] = []
        for i, part in enumerate(parts):
            match = _SEGMENT.match(part)
            if match is None:
                return None
            name, number = match.group(1), match.group(2)
            last = i == len(parts) - 1
            info = self.info.get(name)
            other = False
            if info is None and last and name.endswith("_other"):
                info, other = self.info.get(name.removesuffix("_other")), True
                if info is None or not getattr(info.node, "or_other", False):
                    return None
            if info is None or info.repeats != tuple(rounds):
                return None
            is_repeat = isinstance(info.node, Repeat)
            # A round number exactly on repeats, and a path ends at a question (or, for
            # "+", at the round of a repeat to add).
            if (number is not None) != is_repeat or (last and is_repeat != another):
                return None
            key.append(info.order)
            if number is not None:
                key.append(int(number))
                rounds.append(name)
            if other:
                key.append(0)
        return tuple(key)

    def path_for(self, name: str, context: Context) -> str:
        """The stored path of question `name` seen from inside `context`.

        A repeat not in the context (a reference from outside into a repeat) resolves to its
        first round, as JavaRosa does for a single value taken from a node-set.
        """
        rounds = dict(context)
        info = self.info[name]
        return "".join(f"{r}[{rounds.get(r, 1)}]/" for r in info.repeats) + name

    def slot_at(self, path: str) -> Slot | None:
        """The slot a stored position names, or None when it is not a slot of this form."""
        if path in self._slots:
            return self._slots[path]
        found = self._slot_at(path)
        if len(self._slots) < 50_000:
            self._slots[path] = found
        return found

    def _slot_at(self, path: str) -> Slot | None:
        key = self.key_of(path)
        if key is None:
            return None
        context = _context_of(path)
        if path.startswith("+"):
            repeat = self.info[_last_name(path)].node
            assert isinstance(repeat, Repeat)
            return Slot(SlotKind.ANOTHER, path, key, repeat, context)
        name = _last_name(path)
        if name not in self.info:
            question = self.info[name.removesuffix("_other")].node
            assert isinstance(question, Question)
            return Slot(SlotKind.OTHER, path, key, question, context)
        node = self.info[name].node
        if not isinstance(node, Question):
            return None
        return Slot(slot_kind(node), path, key, node, context)


def slot_kind(question: Question) -> SlotKind:
    """Calculations and metadata (filled by the bot) are computed on the way; notes shown."""
    if question.type in ("calculate", "metadata"):
        return SlotKind.CALCULATE
    return SlotKind.NOTE if question.type == "note" else SlotKind.QUESTION


def _last_name(path: str) -> str:
    last = path.removeprefix("+").rsplit("/", 1)[-1]
    return last.split("[", 1)[0]


def _context_of(path: str) -> Context:
    """(('products', 2),) for 'products[2]/material' and for '+products[2]'."""
    out = []
    for part in path.removeprefix("+").split("/"):
        match = _SEGMENT.match(part)
        if match and match.group(2) is not None:
            out.append((match.group(1), int(match.group(2))))
    return tuple(out)


_INDEXES: dict[int, FormIndex] = {}


def index_of(form: Form) -> FormIndex:
    """The index of a form object, built once (forms are cached and immutable)."""
    found = _INDEXES.get(id(form))
    if found is None or found.form is not form:
        if len(_INDEXES) > 256:
            _INDEXES.clear()
        found = _INDEXES[id(form)] = FormIndex(form)
    return found


# ------------------------------------------------------------------------ expressions ---
@dataclass
class AnswerEnv:
    """`expr.Env` over a response's answers, seen from one repeat round (`context`)."""

    index: FormIndex
    answers: MutableMapping[str, str]
    today_value: date
    now_value: datetime
    language: str
    context: Context = ()
    current_value: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    # The respondent's previous (completed) response to this form: ${last-saved#name}.
    last_saved: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        if name.startswith(LAST_SAVED):
            real = name.removeprefix(LAST_SAVED)
            if not isinstance(getattr(self.index.info.get(real), "node", None), Question):
                return None
            return self.last_saved.get(self.index.path_for(real, self.context))
        if name not in self.index.info:
            return None
        node = self.index.info[name].node
        if not isinstance(node, Question):
            return None
        return self.answers.get(self.index.path_for(name, self.context))

    def values(self, name: str) -> list[str] | None:
        """Every value of `name` seen from here: all the rounds of the repeats around it
        that the context does not fix (a node-set, for count() and sum()); a repeat's
        name gives one entry per round. None for a single value."""
        info = self.index.info.get(name)
        if info is None:
            return None
        fixed = dict(self.context)
        repeats = [*info.repeats, name] if isinstance(info.node, Repeat) else list(info.repeats)
        if not any(r not in fixed for r in repeats):
            return None
        out: list[str] = []
        for rounds in self._rounds(repeats, fixed, ""):
            if isinstance(info.node, Repeat):
                out.append(str(rounds[name]))
            elif isinstance(info.node, Question):
                path = "".join(f"{r}[{rounds[r]}]/" for r in info.repeats) + name
                out.append(self.answers.get(path, ""))
        return out

    def _rounds(
        self, repeats: list[str], fixed: dict[str, int], base: str
    ) -> Iterator[dict[str, int]]:
        if not repeats:
            yield dict(fixed)
            return
        first, rest = repeats[0], repeats[1:]
        numbers = [fixed[first]] if first in fixed else range(1, self.round_count(base, first) + 1)
        for number in numbers:
            yield from self._rounds(rest, {**fixed, first: number}, f"{base}{first}[{number}]/")

    def round_count(self, base: str, repeat: str) -> int:
        """Rounds of a repeat under `base` ('' or 'outer[2]/'), from the stored answers."""
        prefix = f"{base}{repeat}["
        count = 0
        for path in self.answers:
            if path.startswith(prefix):
                number = path[len(prefix) :].split("]", 1)[0]
                if number.isdigit():
                    count = max(count, int(number))
        stored = self.answers.get(f"{base}{repeat}@count", "")
        return max(count, int(stored) if stored.isdigit() else 0)

    def value_at(self, name: str, rounds: dict[str, int]) -> str | None:
        """indexed-repeat(): the value of `name` in the given rounds of its repeats."""
        if name not in self.index.info:
            return None
        merged = {**dict(self.context), **rounds}
        return self.answers.get(self.index.path_for(name, tuple(merged.items())))

    def current(self) -> str | None:
        return self.current_value

    def today(self) -> date:
        return self.today_value

    def now(self) -> datetime:
        return self.now_value

    def choice_label(self, question: str, choice_name: str) -> str | None:
        info = self.index.info.get(question)
        if info is None or not isinstance(info.node, Question):
            return None
        for choice in info.node.choices:
            if choice.name == choice_name:
                return localized(choice.labels, self.language, self.index.form.default_language)
        return None

    def position(self) -> int:
        return self.context[-1][1] if self.context else 1

    def pulldata(self, file: str, column: str, key_column: str, key: str) -> str | None:
        for row in self.index.form.data.get(file, ()):
            if row.get(key_column, "").strip() == key.strip():
                return row.get(column)
        return None

    def list_field(self, list_name: str, choice_name: str, wanted: str) -> str | None:
        """instance('list')/root/item[name = ...]/field over the choices sheet."""
        form = self.index.form
        for choice in form.lists.get(list_name, ()):
            if choice.name == choice_name:
                if wanted == "label":
                    return localized(choice.labels, self.language, form.default_language)
                return choice.name if wanted == "name" else choice.extra.get(wanted)
        return None

    def column(self, name: str) -> str | None:
        return self.columns.get(name)

    def within(self, context: Context, current: str | None = None) -> AnswerEnv:
        return AnswerEnv(
            self.index, self.answers, self.today_value, self.now_value, self.language,
            context, current, last_saved=self.last_saved,
        )  # fmt: skip


def evaluate(text: str, env: AnswerEnv) -> expr.Value:
    """Evaluate a stored (already checked) expression; a runtime error counts as empty."""
    try:
        return expr.evaluate(expr.parse(text), env)
    except expr.ExprError:
        return ""


def holds(text: str | None, env: AnswerEnv, default: bool = True) -> bool:
    return default if not text else expr.truthy(evaluate(text, env))


def visible_choices(question: Question, env: AnswerEnv) -> list[tuple[int, Choice]]:
    """(index in the question's list, choice) after choice_filter; indexes stay stable."""
    if not question.choice_filter:
        return list(enumerate(question.choices))
    out = []
    for i, choice in enumerate(question.choices):
        columns = {**choice.extra, "name": choice.name}
        env.columns = columns
        try:
            if holds(question.choice_filter, env):
                out.append((i, choice))
        finally:
            env.columns = {}
    return out


# ------------------------------------------------------------------------------- walk ---
class Walker:
    """Walks one response's form in order (see the module docstring)."""

    def __init__(self, index: FormIndex, env: AnswerEnv) -> None:
        self.index = index
        self.env = env
        self.answers = env.answers
        self.count_paths: set[str] = set()  # '@count' rows the walk relied on

    def slots(self, after: Key = ()) -> Iterator[Slot]:
        """Every slot after `after` (all of them for `()`), in form order.

        The walk reads `answers` as it goes, so a caller that stores a calculation
        it was handed changes what the walk sees next.
        """
        yield from self._nodes(self.index.form.children, "", (), (), after)

    def rounds(self, repeat: Repeat, base: str, context: Context) -> int:
        if repeat.repeat_count:
            value = expr.to_number(evaluate(repeat.repeat_count, self.env.within(context)))
            return 0 if math.isnan(value) else max(0, min(MAX_ROUNDS, int(value)))
        path = f"{base}{repeat.name}@count"
        self.count_paths.add(path)
        stored = self.answers.get(path, "1")
        return int(stored) if stored.isdigit() else 1

    def _nodes(
        self, nodes: tuple[Node, ...], base: str, prefix: Key, context: Context, after: Key
    ) -> Iterator[Slot]:
        for node in nodes:
            info = self.index.info[node.name]
            key = (*prefix, info.order)
            if (*prefix, info.last + 1) <= after:
                continue  # the whole subtree lies before `after`
            if node.relevant and not holds(node.relevant, self.env.within(context)):
                continue
            if isinstance(node, Question):
                yield from self._question(node, base, key, context, after)
            elif isinstance(node, Group):
                yield from self._nodes(node.children, base, prefix, context, after)
            else:
                yield from self._repeat(node, base, key, context, after)

    def _question(
        self, question: Question, base: str, key: Key, context: Context, after: Key
    ) -> Iterator[Slot]:
        path = base + question.name
        if key > after:
            yield Slot(slot_kind(question), path, key, question, context)
        if question.or_other and OTHER in self.answers.get(path, "").split():
            other_key = (*key, 0)
            if other_key > after:
                yield Slot(SlotKind.OTHER, f"{path}_other", other_key, question, context)

    def _repeat(
        self, repeat: Repeat, base: str, key: Key, context: Context, after: Key
    ) -> Iterator[Slot]:
        count = self.rounds(repeat, base, context)
        for number in range(1, count + 1):
            if (*key, number + 1) <= after:
                continue
            inner = (*context, (repeat.name, number))
            yield from self._nodes(
                repeat.children, f"{base}{repeat.name}[{number}]/", (*key, number), inner, after
            )
        if not repeat.repeat_count and count < MAX_ROUNDS:
            another_key = (*key, count + 1)
            if another_key > after:
                path = f"+{base}{repeat.name}[{count + 1}]"
                inner = (*context, (repeat.name, count + 1))
                yield Slot(SlotKind.ANOTHER, path, another_key, repeat, inner)


def end_of_repeat(slot: Slot) -> Key:
    """A key after every round of the repeat an ANOTHER slot belongs to."""
    return (*slot.key[:-1], _END)
