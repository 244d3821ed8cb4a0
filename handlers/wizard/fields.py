"""The kinds of wizard step: each asks, reads what was sent (through `bot.parse`), checks
it against the draft and says what to store. A field knows its wizard only as `Asking`
(the button prefix and the Skip button), so it never imports the walker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.clock import iso, parse_iso
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice, InboundKind
from bot.parse.dates import parse_date
from bot.parse.numbers import AmountError, parse_number, parse_rupees
from bot.parse.offsets import parse_offsets
from handlers.common import ROLE_GROUPS, ROLES, picked, role_button, use_buttons
from handlers.offsets import show_offsets
from handlers.wizard.reading import (
    AMOUNT_ERRORS,
    read_text,
    read_when,
    show_moment,
    stale_or,
    today,
    typed,
    when_prompt,
)

Draft = dict[str, Any]


class Asking(Protocol):
    """What a field needs of its wizard."""

    @property
    def prefix(self) -> str: ...

    def skip(self, ctx: Context) -> Choice: ...

    def skipped(self, ctx: Context) -> bool: ...


@dataclass(frozen=True)
class Stay:
    """A valid answer that keeps the step open (a tick in a multi-select)."""

    updates: Draft


Taken = Draft | Stay | None  # None: the field has said what is wrong; ask nothing more


@dataclass(frozen=True)
class Field:
    """One step: `name` is the step and the draft key; `label` names it in the change list;
    `question` is asked (a msgid); `applies` leaves a step out for some drafts; `button`
    is a shorter name for the change list when `label` is long (NC_("button", …))."""

    name: str
    label: str
    question: str
    applies: Callable[[Draft], bool] = lambda draft: True
    button: str = ""

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question))

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        raise NotImplementedError

    def check(self, ctx: Context, draft: Draft) -> str | None:
        """A problem of the stored value given the other fields (translated), or None."""
        return None

    def filled(self, draft: Draft) -> bool:
        return self.name in draft


@dataclass(frozen=True)
class Text(Field):
    limit: int = 120
    optional: bool = False

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        if self.optional:
            skip = ctx._("Type it, or press “Skip”.")
            ctx.reply(ctx._(self.question) + "\n" + skip, [w.skip(ctx)])
        else:
            ctx.reply(ctx._(self.question))

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        if self.optional and w.skipped(ctx):
            return {self.name: ""}
        text = read_text(ctx, self.limit, [w.skip(ctx)] if self.optional else ())
        return None if text is None else {self.name: text}


@dataclass(frozen=True)
class When(Field):
    """A moment ahead, typed in the cluster's zone; `after`/`before` name draft moments it
    must follow or precede (with the message to say otherwise)."""

    after: tuple[str, str] | None = None
    before: tuple[str, str] | None = None

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(when_prompt(ctx, ctx._(self.question)))

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        when = read_when(ctx)
        if when is None:
            return None
        problem = self._order(ctx, {**draft, self.name: iso(when)})
        if problem:
            ctx.reply(problem)
            return None
        ctx.reply(ctx._("Understood: {when}.").format(when=show_moment(ctx, when)))
        return {self.name: iso(when)}

    def check(self, ctx: Context, draft: Draft) -> str | None:
        return self._order(ctx, draft) if self.name in draft else None

    def _order(self, ctx: Context, draft: Draft) -> str | None:
        mine = parse_iso(draft[self.name])
        if self.after and draft.get(self.after[0]) and mine <= parse_iso(draft[self.after[0]]):
            return ctx._(self.after[1])
        if self.before and draft.get(self.before[0]) and mine >= parse_iso(draft[self.before[0]]):
            return ctx._(self.before[1])
        return None


@dataclass(frozen=True)
class Day(Field):
    """A calendar day (ISO text in the draft), optional; `not_before` names a day it must
    not precede."""

    not_before: str | None = None

    def _hint(self, ctx: Context) -> str:
        example = today(ctx).strftime("%d-%m-%Y")
        return ctx._("Type the date, for example {example}, or press “Skip”.").format(
            example=example
        )

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question) + "\n" + self._hint(ctx), [w.skip(ctx)])

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        if w.skipped(ctx):
            return {self.name: None}
        text = typed(ctx)
        found = parse_date(text, today(ctx)) if text and not text.startswith("/") else None
        if found is None:
            example = today(ctx).strftime("%d-%m-%Y")
            message = ctx._("Please type a date like {example}, or press “Skip”.").format(
                example=example
            )
            stale_or(ctx, message, [w.skip(ctx)])
            return None
        problem = self.check(ctx, {**draft, self.name: found.isoformat()})
        if problem:
            ctx.reply(problem, [w.skip(ctx)])
            return None
        ctx.reply(ctx._("Understood: {when}.").format(when=ctx._.date(found)))
        return {self.name: found.isoformat()}

    def check(self, ctx: Context, draft: Draft) -> str | None:
        mine, first = draft.get(self.name), draft.get(self.not_before or "")
        if mine and first and mine < first:
            message = ctx._("The end cannot be before the start ({start}). Please type it again.")
            return message.format(start=ctx._.date(date.fromisoformat(first)))
        return None


@dataclass(frozen=True)
class Count(Field):
    low: int = 1
    high: int = 1000

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        number = parse_number(typed(ctx))
        value = number.value if number else None
        if value is None or value != int(value) or not self.low <= value <= self.high:
            message = ctx._("Please type a number from {low} to {high}.").format(
                low=ctx._.number(self.low), high=ctx._.number(self.high)
            )
            stale_or(ctx, message)
            return None
        return {self.name: int(value)}


@dataclass(frozen=True)
class Money(Field):
    """Rupees as typed (`bot.parse.numbers`), kept in paise; a "Nothing (₹0)" button."""

    maximum_paise: int | None = None
    hint: str = N_("For example 25000, 1,00,000 or 2.5 lakh. Type 0 if nothing.")

    def _zero(self, ctx: Context, w: Asking) -> Choice:
        return Choice(f"{w.prefix}:zero", ctx._("Nothing (₹0)"))

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question) + "\n" + ctx._(self.hint), [self._zero(ctx, w)])

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        text = typed(ctx)
        if text:
            paise: int | AmountError = parse_rupees(text)
        elif picked(ctx, [self._zero(ctx, w)]) is not None:
            paise = 0
        else:
            paise = AmountError.FORMAT
        if isinstance(paise, int) and self.maximum_paise is not None and paise > self.maximum_paise:
            paise = AmountError.TOO_BIG
        if isinstance(paise, AmountError):
            stale_or(ctx, ctx._(AMOUNT_ERRORS[paise]), [self._zero(ctx, w)])
            return None
        return {self.name: paise}


@dataclass(frozen=True)
class Pick(Field):
    """One of a few buttons; `options` are (key, msgid) pairs, the key is stored."""

    options: tuple[tuple[str, str], ...] = ()
    tag: str = ""  # the button ids' middle part (<prefix>:<tag>:<key>); the name's first 3
    columns: int = 2

    def choices(self, ctx: Context, w: Asking) -> list[Choice]:
        tag = self.tag or self.name[:3]
        return [Choice(f"{w.prefix}:{tag}:{k}", ctx._(label)) for k, label in self.options]

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question), self.choices(ctx, w), columns=self.columns)

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        options = self.choices(ctx, w)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return None
        return {self.name: choice.id.rsplit(":", 1)[1]}


def role_choices(ctx: Context, prefix: str) -> list[Choice]:
    """Every button the roles multi-select may have had on screen, for reading a press."""
    roles = [Choice(f"{prefix}:role:{key}", role_button(ctx, key)) for key in ROLES]
    groups = [_other_roles(ctx, prefix, group) for group in ROLE_GROUPS]
    return [*roles, *groups, Choice(f"{prefix}:roles:done", ctx._.pgettext("action", "Done"))]


def _other_roles(ctx: Context, prefix: str, group: str) -> Choice:
    return Choice(f"{prefix}:roles:grp:{group}", ctx._.pgettext("button", "Other roles"))


def _group_on_screen(ctx: Context, prefix: str) -> str:
    """The group of roles to show: the one just switched to, or the one holding the role
    just ticked (so the ticks stay in sight); else the first. Kept in no draft: the press
    says it."""
    pressed = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    wanted = pressed.removeprefix(f"{prefix}:roles:grp:")
    if wanted in ROLE_GROUPS:
        return wanted
    role = pressed.removeprefix(f"{prefix}:role:")
    return next(
        (g for g, (_, roles) in ROLE_GROUPS.items() if role in roles), next(iter(ROLE_GROUPS))
    )


def ask_roles(
    ctx: Context, prefix: str, question: str, ticked: Sequence[str], *, redraw: bool = False
) -> None:
    """The roles multi-select: `ticked` show a check mark; a tick redraws the message.

    One group of roles at a time with "Other roles" and "Done" (8 buttons at most): a
    WhatsApp list holds 10 rows and there are 11 roles. Roles ticked in the other group
    are named under the question."""
    group = _group_on_screen(ctx, prefix)
    shown = ROLE_GROUPS[group][1]
    other = next(g for g in ROLE_GROUPS if g != group)
    elsewhere = [r for r in ticked if r not in shown and r in ROLES]
    if elsewhere:
        names = ", ".join(role_button(ctx, r) for r in elsewhere)
        question = f"{question}\n" + ctx._("Also ticked: {roles}").format(roles=names)
    ctx.reply(
        question,
        [
            *(Choice(f"{prefix}:role:{key}", role_button(ctx, key)) for key in shown),
            _other_roles(ctx, prefix, other),
            Choice(f"{prefix}:roles:done", ctx._.pgettext("action", "Done")),
        ],
        columns=2,
        selected=frozenset(f"{prefix}:role:{r}" for r in ticked),
        replace=redraw,
    )


def press_role(ctx: Context, prefix: str, ticked: Sequence[str]) -> tuple[list[str], bool] | None:
    """The ticks after this press and whether Done was pressed (with at least one role);
    None after saying what is wrong. "Other roles" changes no tick (the caller redraws)."""
    options = role_choices(ctx, prefix)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return None
    roles = list(ticked)
    if choice.id == f"{prefix}:roles:done":
        if not roles:
            ctx.reply(ctx._("Choose at least one role, then press “Done”."))
            return None
        return roles, True
    if choice.id.startswith(f"{prefix}:roles:grp:"):
        return roles, False
    role = choice.id.removeprefix(f"{prefix}:role:")
    return ([r for r in roles if r != role] if role in roles else [*roles, role]), False


@dataclass(frozen=True)
class Roles(Field):
    """Several roles ticked, then Done; `default` roles start ticked."""

    default: tuple[str, ...] = ()
    ticks_key: str = field(default="_ticks")

    def _ticked(self, draft: Draft) -> list[str]:
        if draft.get(self.ticks_key) is not None:
            return list(draft[self.ticks_key])
        return list(draft.get(self.name) or self.default)

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ask_roles(ctx, w.prefix, ctx._(self.question), self._ticked(draft), redraw=redraw)

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        pressed = press_role(ctx, w.prefix, self._ticked(draft))
        if pressed is None:
            return None
        roles, done = pressed
        return {self.name: roles, self.ticks_key: None} if done else Stay({self.ticks_key: roles})

    def filled(self, draft: Draft) -> bool:
        return bool(draft.get(self.name))


@dataclass(frozen=True)
class Offsets(Field):
    """Reminder offsets before an event, with the usual ones a button away."""

    usual: tuple[int, ...] = ()

    def _usual(self, ctx: Context, w: Asking) -> Choice:
        return Choice(f"{w.prefix}:rem:default", show_offsets(ctx._, self.usual))

    def ask(self, ctx: Context, w: Asking, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question), [self._usual(ctx, w)])

    def take(self, ctx: Context, w: Asking, draft: Draft) -> Taken:
        if picked(ctx, [self._usual(ctx, w)]) is not None and not typed(ctx):
            return {self.name: list(self.usual)}
        offsets = parse_offsets(typed(ctx)) if typed(ctx) else None
        if offsets is None:
            example = ctx._("I could not read that. Type for example: 1 day, 2 hours, 30 minutes")
            stale_or(ctx, example)
            return None
        return {self.name: list(offsets)}
