"""The survey state machine: pure and synchronous over a `Form` and one response's answers.

    runner = Runner(form, stored_answers, today=..., now=..., language="hi",
                    session={"start": ..., "deviceid": ..., "username": ...})
    step = runner.start()                    # Step(slot=first question, notes=[...])
    step = runner.submit(step.slot, "12")    # Step | Refusal (constraint, required)
    runner.changes                           # {path: value or None}: write these in the turn

Nothing here touches the database, the clock or a channel: the handler loads the answers,
calls one method, stores `changes` and the new position, and words the result. Values are
already typed (`answers.parse`); the runner checks `required`, `constraint`, keeps
calculations current, and moves through the form with `navigation.Walker`.

Changing an earlier answer (after /back) can make later answers irrelevant, or shrink a
`repeat_count`: the runner then walks the whole form once and deletes every stored answer
the walk no longer reaches, so what is stored is always what would be submitted.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.surveys import expr
from bot.surveys.answers import normalise_default
from bot.surveys.model import Choice, Form, Question, Repeat, localized
from bot.surveys.navigation import (
    MAX_ROUNDS,
    AnswerEnv,
    Key,
    Slot,
    SlotKind,
    Walker,
    end_of_repeat,
    evaluate,
    holds,
    index_of,
    visible_choices,
)

_WAITS = (SlotKind.QUESTION, SlotKind.OTHER, SlotKind.ANOTHER)


def session_values(
    contact_id: int, *, name: str | None, phone: str | None, started: str
) -> dict[str, str]:
    """What a form's metadata rows take from the chat session: `start` when the response
    was started, `deviceid` a stable pseudonym of the person (never their chat id),
    `username` their registered name, `phonenumber` the phone they shared (or nothing)."""
    digest = hashlib.sha256(f"clusterbot-contact:{contact_id}".encode()).hexdigest()[:16]
    out = {"start": started, "deviceid": f"clusterbot:{digest}"}
    if name:
        out["username"] = name
    if phone:
        out["phonenumber"] = phone
    return out


@dataclass
class Step:
    """Where the walk stopped: the next slot to ask (None: the form is done), and the notes
    passed on the way, to show before it."""

    slot: Slot | None
    notes: list[Slot] = field(default_factory=list)


@dataclass(frozen=True)
class Refusal:
    """An answer the form does not accept. `code` is "required" or "constraint";
    `message` the form's own message texts by language (may be empty)."""

    code: str
    message: dict[str, str] = field(default_factory=dict)


class Runner:
    def __init__(
        self,
        form: Form,
        answers: Mapping[str, str],
        *,
        today: date,
        now: datetime,
        language: str,
        session: Mapping[str, str] | None = None,
        last_saved: Mapping[str, str] | None = None,
    ) -> None:
        self.form = form
        # What metadata rows take (`builder.METADATA_TYPES`): start, deviceid, username,
        # phonenumber from the handler; today and end from the clock.
        self.session = {
            "today": today.isoformat(),
            "end": now.isoformat(timespec="seconds"),
            **(session or {}),
        }
        self.index = index_of(form)
        self.language = language
        self.answers: dict[str, str] = dict(answers)
        self.changes: dict[str, str | None] = {}
        self.env = AnswerEnv(
            self.index, self.answers, today, now, language, last_saved=last_saved or {}
        )
        self.walker = Walker(self.index, self.env)

    # ------------------------------------------------------------------- reading ---
    def at(self, position: str | None) -> Slot | None:
        """The slot a stored position names (None: unknown to this form)."""
        return self.index.slot_at(position) if position else None

    def value(self, slot: Slot) -> str | None:
        return self.answers.get(slot.path)

    def required(self, slot: Slot) -> bool:
        if slot.kind is not SlotKind.QUESTION:
            return slot.kind is SlotKind.ANOTHER
        question = slot.question
        if question.type in ("note", "calculate"):
            return False
        if question.required_if:
            return holds(question.required_if, self.env.within(slot.context), default=False)
        return question.required

    def default(self, slot: Slot) -> str | None:
        default = slot.question.default if slot.kind is SlotKind.QUESTION else None
        if default is not None and slot.question.default_is_expression:
            found = expr.to_string(evaluate(default, self.env.within(slot.context)))
            return found or None
        return normalise_default(slot.question, default) if default is not None else None

    def choices(self, slot: Slot) -> list[tuple[int, Choice]]:
        """The choices to show (after choice_filter), each with its stable index."""
        return visible_choices(slot.question, self.env.within(slot.context))

    def text(self, texts: dict[str, str], slot: Slot) -> str:
        """A label or hint in the person's language with ${...} filled in."""
        template = localized(texts, self.language, self.form.default_language)
        if "${" not in template:
            return template
        return expr.interpolate(template, self.env.within(slot.context))

    def sections(self, slot: Slot) -> list[tuple[dict[str, str], int]]:
        """The labelled groups and repeats around a slot: (labels, round or 0), outermost
        first, for a heading such as 'Products › Product 2'."""
        rounds = dict(slot.context)
        out = []
        for name in self.index.info[slot.node.name].parents:
            node = self.index.info[name].node
            if node.labels:
                out.append((node.labels, rounds.get(name, 0)))
        return out

    def progress(self, slot: Slot) -> tuple[int, int] | None:
        """(5, 12) for "question 5 of 12": the questions this respondent is asked, as far as
        the answers so far tell (a `relevant` on a question not answered yet counts as
        its answer is now, empty; each round of a repeat counts, "add another?" does
        not). None for what is not a question."""
        if slot.kind is not SlotKind.QUESTION:
            return None
        keys = self._question_keys()
        number = bisect_right(keys, slot.key)
        return (number, len(keys)) if number else None

    def _question_keys(self) -> list[Key]:
        """The keys of every question this respondent is asked, in form order: one walk of
        the whole form, cached on the form's index per the answers relevance reads (most
        respondents share them), so a turn does not walk the form again."""
        cache = self.index.question_keys
        fingerprint = self.index.walk_fingerprint(self.answers, self.env.today_value)
        keys = cache.get(fingerprint) if fingerprint is not None else None
        if keys is None:
            keys = [
                found.key
                for found in Walker(self.index, self.env).slots(())
                if found.kind is SlotKind.QUESTION
            ]
            if fingerprint is not None:
                if len(cache) >= 4096:
                    cache.clear()
                cache[fingerprint] = keys
        return keys

    # ------------------------------------------------------------------- moving ---
    def start(self) -> Step:
        return self._advance(())

    def resume(self, position: str | None) -> Step:
        """Where a stored response continues: its position if still askable, else onward."""
        slot = self.at(position)
        if slot is None:
            return self.start()
        if slot.kind in _WAITS:
            return Step(slot)
        return self._advance(slot.key)

    def submit(self, slot: Slot, value: str) -> Step | Refusal:
        """Store an answer (already typed by `answers.parse`) and move on."""
        if value == "":
            return self.skip(slot)
        if slot.kind is SlotKind.QUESTION and slot.question.constraint:
            question = slot.question
            previous = self.answers.get(slot.path)
            self.answers[slot.path] = value  # `${self}` and `.` both see the new value
            ok = holds(question.constraint, self.env.within(slot.context, value))
            self._restore(slot.path, previous)
            if not ok:
                return Refusal("constraint", dict(question.constraint_message))
        self._set(slot.path, value)
        return self._after_change(slot)

    def skip(self, slot: Slot) -> Step | Refusal:
        """/skip: leave an optional question empty (its old answer goes) and move on."""
        if self.required(slot):
            message = dict(slot.question.required_message) if slot.kind is SlotKind.QUESTION else {}
            return Refusal("required", message)
        self._set(slot.path, None)
        return self._after_change(slot)

    def accepts(self, slot: Slot, value: str) -> bool:
        """Does the question's constraint (seeing today's other answers) take `value`?"""
        if slot.kind is not SlotKind.QUESTION or not slot.question.constraint:
            return True
        previous = self.answers.get(slot.path)
        self.answers[slot.path] = value
        ok = holds(slot.question.constraint, self.env.within(slot.context, value))
        self._restore(slot.path, previous)
        return ok

    def keep(self, slot: Slot) -> Step | Refusal:
        """Keep the stored answer (walking forward after /back), or take the default. A
        stored answer that other answers have made impossible is refused, not kept."""
        if slot.path in self.answers:
            if not self.accepts(slot, self.answers[slot.path]):
                return Refusal("constraint", dict(slot.question.constraint_message))
            return self._advance(slot.key)
        default = self.default(slot)
        if default is None:
            return self.skip(slot)
        return self.submit(slot, default)

    def another(self, slot: Slot, yes: bool) -> Step:
        """The answer to "add another?": yes starts the next round, no leaves the repeat.

        Reached again by /back, no undoes that round and every one after it (their
        answers go), and yes keeps the rounds already there."""
        assert slot.kind is SlotKind.ANOTHER
        repeat = slot.path.removeprefix("+").rsplit("[", 1)[0]  # 'outer[1]/product'
        count_path = repeat + "@count"
        base, _, name = repeat.rpartition("/")
        rounds = self.env.round_count(f"{base}/" if base else "", name)
        if not yes:
            if slot.round <= rounds:
                self._drop_rounds(repeat, slot.round)
                self._set(count_path, str(slot.round - 1) if slot.round > 2 else None)
                if self._answered_after(slot.key):
                    self.clean()
            return self._advance(end_of_repeat(slot))
        self._set(count_path, str(max(slot.round, rounds)))
        return self._advance(slot.key)

    def _drop_rounds(self, repeat: str, first: int) -> None:
        prefix = repeat + "["
        for path in list(self.answers):
            number = path[len(prefix) :].split("]", 1)[0] if path.startswith(prefix) else ""
            if number.isdigit() and int(number) >= first:
                self._set(path, None)

    def answered_another(self, slot: Slot) -> bool:
        """Is this "add another?" one already answered yes (its round exists)?"""
        repeat = slot.path.removeprefix("+").rsplit("[", 1)[0]
        base, _, name = repeat.rpartition("/")
        return slot.round <= self.env.round_count(f"{base}/" if base else "", name)

    def back(self, slot: Slot | None) -> Slot | None:
        """The previous answered question, or "add another?" passed on the way (None:
        nothing before it was answered)."""
        limit = slot.key if slot is not None else (1 << 30,)
        best: tuple[Key, str] | None = None
        for path in [*self.answers, *self._anothers_passed()]:
            if "@" in path:
                continue
            key = self.index.key_of(path)
            if key is None or key >= limit or (best is not None and key <= best[0]):
                continue
            found = self.index.slot_at(path)
            if found is not None and found.kind in (_WAITS):
                best = (key, path)
        return self.index.slot_at(best[1]) if best else None

    def _anothers_passed(self) -> list[str]:
        """'+product[k]' for every round k > 1 of a free repeat with answers, and the one
        after its last round (answered no when the walk is past it)."""
        rounds: dict[str, int] = {}
        for path in self.answers:
            parts = path.split("/")
            for i, part in enumerate(parts[:-1] if "@" not in path else parts):
                name, _, number = part.partition("[")
                if "@" in part:
                    name, stored = part.split("@", 1)[0], self.answers[path]
                    number = stored if stored.isdigit() else ""
                else:
                    number = number.rstrip("]")
                if number.isdigit():
                    repeat = "/".join([*parts[:i], name])
                    rounds[repeat] = max(rounds.get(repeat, 1), int(number))
        out = []
        for repeat, count in rounds.items():
            info = self.index.info.get(repeat.rsplit("/", 1)[-1])
            if info is None or not isinstance(info.node, Repeat) or info.node.repeat_count:
                continue
            out += [f"+{repeat}[{k}]" for k in range(2, min(count, MAX_ROUNDS - 1) + 2)]
        return out

    # ----------------------------------------------------------------- internals ---
    def _set(self, path: str, value: str | None) -> None:
        if value is None:
            if path in self.answers:
                del self.answers[path]
                self.changes[path] = None
        elif self.answers.get(path) != value:
            self.answers[path] = value
            self.changes[path] = value

    def _restore(self, path: str, previous: str | None) -> None:
        if previous is None:
            self.answers.pop(path, None)
        else:
            self.answers[path] = previous

    def _after_change(self, slot: Slot) -> Step:
        if self._answered_after(slot.key):
            self.clean()
        return self._advance(slot.key)

    def _answered_after(self, key: Key) -> bool:
        for path in self.answers:
            if "@" not in path:
                found = self.index.key_of(path)
                if found is not None and found > key:
                    return True
        return False

    def _advance(self, after: Key) -> Step:
        notes: list[Slot] = []
        for slot in self.walker.slots(after):
            if slot.kind is SlotKind.CALCULATE:
                self._calculate(slot)
            elif slot.kind is SlotKind.NOTE:
                notes.append(slot)
            else:
                return Step(slot, notes)
        return Step(None, notes)

    def _calculate(self, slot: Slot) -> None:
        question: Question = slot.question
        if question.type == "metadata":
            meta = question.parameters.get("meta", "")
            if meta == "hidden":
                value = question.parameters.get("value", "")
            else:
                value = self.session.get(meta, "") if meta else ""
            self._set(slot.path, value or None)
            return
        assert question.calculation is not None
        env = self.env.within(slot.context, self.answers.get(slot.path))
        value = expr.to_string(evaluate(question.calculation, env))
        self._set(slot.path, value if value not in ("", "NaN") else None)

    def clean(self) -> None:
        """Recompute every calculation and drop answers the walk no longer reaches."""
        self.walker.count_paths = set()
        reached: set[str] = set()
        for slot in self.walker.slots(()):
            if slot.kind is SlotKind.CALCULATE:
                self._calculate(slot)
            reached.add(slot.path)
        keep = reached | self.walker.count_paths
        for path in [p for p in self.answers if p not in keep]:
            self._set(path, None)
