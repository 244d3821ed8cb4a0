"""One step type for every multi-step CDA flow (/newmeeting, /newvisit, adding an activity).

A wizard is data: a flow, a button prefix, an ordered tuple of fields, a preview and a
finish. Each field asks its question, reads what was sent (through `bot.parse`, so typed
text means the same in every flow), checks it against the rest of the draft and stores it.
The walker goes field by field; after the last one the preview offers
**Send / Change a field / Cancel**. "Change a field" lists the fields; after one is retyped
the walker comes back to the preview (first asking any field that the change made
necessary, or whose cross-field check no longer holds, e.g. an end now before the start).

    start -> cluster* -> field 1 -> ... -> field n -> preview -> send -> finish
                                                       |  ^    -> cancel
                                               change -> field k
                                                          (* only for a CDA of several clusters)

The draft lives in the conversation data under "draft" (the cluster under "cluster"), so a
restart resumes at the same step. Nothing is written before Send.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.jobs.reminders import local_when
from bot.messages import Choice, InboundKind
from bot.parse.dates import parse_date
from bot.parse.numbers import AmountError, parse_number, parse_rupees
from bot.parse.offsets import parse_offsets
from bot.parse.when import WhenError, parse_when
from bot.storage import clusters
from bot.storage.clusters import Cluster
from handlers import when as when_
from handlers.common import ROLES, picked, use_buttons
from handlers.offsets import show_offsets

Draft = dict[str, Any]

STALE = N_("That button belongs to an earlier question.")
WHEN_ERRORS = {
    WhenError.FORMAT: N_("Please type the date and time like this: {example}"),
    WhenError.NO_TIME: N_("Please add the time too, like this: {example}"),
    WhenError.NO_SUCH_DATE: N_("There is no such date or time. Like this: {example}"),
    WhenError.PAST: N_("That time has already passed. Please type a time in the future."),
    WhenError.TOO_FAR: N_("That is more than a year away. Please choose a nearer date."),
}
AMOUNT_ERRORS = {
    AmountError.FORMAT: N_(
        "Please type an amount in rupees, for example 25000, 1,00,000 or 2.5 lakh."
    ),
    AmountError.NEGATIVE: N_("An amount cannot be negative. Please type 0 or more."),
    AmountError.TOO_BIG: N_("That amount is too large. Please check it and type it again."),
}


@dataclass(frozen=True)
class Stay:
    """A valid answer that keeps the step open (a tick in a multi-select)."""

    updates: Draft


Taken = Draft | Stay | None  # None: the field has said what is wrong; ask nothing more


# --- what every field reads ---------------------------------------------------------------


def typed(ctx: Context) -> str:
    """The typed text; also the digits the engine read as a press of button N, since a
    field that asks for a number takes "1" as one, not as its first button."""
    inbound = ctx.inbound
    if inbound.kind is InboundKind.TEXT:
        return inbound.text.strip()
    if inbound.kind is InboundKind.CHOICE and inbound.text.strip().isdigit():
        return inbound.text.strip()
    return ""


def stale_or(ctx: Context, message: str, choices: Sequence[Choice] = ()) -> None:
    """Say a pressed old button is old, then what is expected."""
    if ctx.inbound.kind is InboundKind.CHOICE and not typed(ctx):
        ctx.reply(ctx._(STALE))
    ctx.reply(message, list(choices))


def read_text(ctx: Context, limit: int, choices: Sequence[Choice] = ()) -> str | None:
    """The typed text, or None after saying what is expected."""
    text = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
    if not text or text.startswith("/"):
        stale_or(ctx, ctx._("Please type it as text."), choices)
        return None
    if len(text) > limit:
        ctx.reply(ctx._("Please keep it under {max} characters.").format(max=ctx._.number(limit)))
        return None
    return text


def when_prompt(ctx: Context, question: str) -> str:
    """`question` and how to type a moment in the draft cluster's zone."""
    here, zone = cluster_of(ctx), zone_of(ctx)
    return (
        question
        + "\n"
        + ctx._("Type the date and time ({timezone} time), for example {example}").format(
            timezone=here.timezone if here else zone.key, example=when_.example(zone, ctx.now)
        )
    )


def read_when(ctx: Context) -> datetime | None:
    """A typed moment ahead in the draft cluster's zone (`bot.parse.when`), or None after
    saying why it cannot be used."""
    zone = zone_of(ctx)
    when = parse_when(typed(ctx), zone, ctx.now)
    if isinstance(when, WhenError):
        stale_or(ctx, ctx._(WHEN_ERRORS[when]).format(example=when_.example(zone, ctx.now)))
        return None
    return when


def cluster_of(ctx: Context) -> Cluster | None:
    """The draft's cluster, if this CDA still manages it."""
    data = ctx.conv.data if ctx.conv else {}
    found = clusters.by_id(ctx.conn, int(data.get("cluster", 0)))
    return found if found and ctx.access.may_manage(found.id) else None


def zone_of(ctx: Context) -> ZoneInfo:
    found = cluster_of(ctx)
    return ZoneInfo(found.timezone if found else ctx.settings.timezone)


def show_moment(ctx: Context, value: datetime | str) -> str:
    moment = parse_iso(value) if isinstance(value, str) else value
    return local_when(ctx._, moment, zone_of(ctx))


def today(ctx: Context) -> date:
    return ctx.now.astimezone(zone_of(ctx)).date()


# --- the fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One step: `name` is the step and the draft key; `label` names it in the change list;
    `question` is asked (a msgid); `applies` leaves a step out for some drafts."""

    name: str
    label: str
    question: str
    applies: Callable[[Draft], bool] = lambda draft: True

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question))

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
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

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        if self.optional:
            ctx.reply(ctx._(self.question) + "\n" + ctx._("Type it, or press Skip."), [w.skip(ctx)])
        else:
            ctx.reply(ctx._(self.question))

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
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

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(when_prompt(ctx, ctx._(self.question)))

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
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
        return ctx._("Type the date, for example {example}, or press Skip.").format(
            example=example
        )

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question) + "\n" + self._hint(ctx), [w.skip(ctx)])

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
        if w.skipped(ctx):
            return {self.name: None}
        text = typed(ctx)
        found = parse_date(text, today(ctx)) if text and not text.startswith("/") else None
        if found is None:
            example = today(ctx).strftime("%d-%m-%Y")
            message = ctx._("Please type a date like {example}, or press Skip.").format(
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

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
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

    def _zero(self, ctx: Context, w: Wizard) -> Choice:
        return Choice(f"{w.prefix}:zero", ctx._("Nothing (₹0)"))

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question) + "\n" + ctx._(self.hint), [self._zero(ctx, w)])

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
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

    def choices(self, ctx: Context, w: Wizard) -> list[Choice]:
        tag = self.tag or self.name[:3]
        return [Choice(f"{w.prefix}:{tag}:{k}", ctx._(label)) for k, label in self.options]

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question), self.choices(ctx, w), columns=self.columns)

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
        options = self.choices(ctx, w)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return None
        return {self.name: choice.id.rsplit(":", 1)[1]}


def role_choices(ctx: Context, prefix: str) -> list[Choice]:
    roles = [Choice(f"{prefix}:role:{key}", ctx._(label)) for key, label in ROLES.items()]
    return [*roles, Choice(f"{prefix}:roles:done", ctx._("Done"))]


def ask_roles(
    ctx: Context, prefix: str, question: str, ticked: Sequence[str], *, redraw: bool = False
) -> None:
    """The roles multi-select: `ticked` show a check mark; a tick redraws the message."""
    ctx.reply(
        question,
        role_choices(ctx, prefix),
        columns=2,
        selected=frozenset(f"{prefix}:role:{r}" for r in ticked),
        replace=redraw,
    )


def press_role(ctx: Context, prefix: str, ticked: Sequence[str]) -> tuple[list[str], bool] | None:
    """The ticks after this press and whether Done was pressed (with at least one role);
    None after saying what is wrong."""
    options = role_choices(ctx, prefix)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return None
    roles = list(ticked)
    if choice.id == f"{prefix}:roles:done":
        if not roles:
            ctx.reply(ctx._("Choose at least one role, then press Done."))
            return None
        return roles, True
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

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ask_roles(ctx, w.prefix, ctx._(self.question), self._ticked(draft), redraw=redraw)

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
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

    def _usual(self, ctx: Context, w: Wizard) -> Choice:
        return Choice(f"{w.prefix}:rem:default", show_offsets(ctx._, self.usual))

    def ask(self, ctx: Context, w: Wizard, draft: Draft, *, redraw: bool = False) -> None:
        ctx.reply(ctx._(self.question), [self._usual(ctx, w)])

    def take(self, ctx: Context, w: Wizard, draft: Draft) -> Taken:
        if picked(ctx, [self._usual(ctx, w)]) is not None and not typed(ctx):
            return {self.name: list(self.usual)}
        offsets = parse_offsets(typed(ctx)) if typed(ctx) else None
        if offsets is None:
            example = ctx._("I could not read that. Type for example: 1 day, 2 hours, 30 minutes")
            stale_or(ctx, example)
            return None
        return {self.name: list(offsets)}


# --- the wizard and its walker ------------------------------------------------------------


@dataclass(frozen=True)
class Wizard:
    """`preview` gives the messages shown before Send (the last one gets the buttons);
    `finish` saves and sends, with its own replies (the conversation ends after it unless
    it moved on to a screen of its own); `cancelled` replies after Cancel."""

    flow: str
    prefix: str
    command: str  # to say how to start again
    fields: tuple[Field, ...]
    preview: Callable[[Context, Draft], list[str]]
    finish: Callable[[Context, Draft], None]
    send: tuple[str, str]  # (button id suffix, label msgid)
    cancel: tuple[str, str] = ("no", N_("Cancel"))
    cancelled: Callable[[Context], None] = lambda ctx: ctx.reply(
        ctx._("Cancelled. Nothing was sent.")
    )
    step_prefix: str = ""  # "add." when the wizard is a part of a bigger flow

    # buttons
    def skip(self, ctx: Context) -> Choice:
        return Choice(f"{self.prefix}:skip", ctx._("Skip"))

    def skipped(self, ctx: Context) -> bool:
        """The Skip button, or /skip typed (on WhatsApp, "skip")."""
        return picked(ctx, [self.skip(ctx)]) is not None or ctx.inbound.command == "skip"

    def confirm_choices(self, ctx: Context) -> list[Choice]:
        return [
            Choice(f"{self.prefix}:{self.send[0]}", ctx._(self.send[1])),
            Choice(f"{self.prefix}:edit", ctx._("Change a field")),
            Choice(f"{self.prefix}:{self.cancel[0]}", ctx._(self.cancel[1])),
        ]

    def change_choices(self, ctx: Context, draft: Draft) -> list[Choice]:
        return [
            Choice(f"{self.prefix}:chg:{f.name}", ctx._(f.label))
            for f in self.fields
            if f.applies(draft)
        ]

    # state
    def go(self, ctx: Context, step: str, **data: Any) -> None:
        ctx.go(self.flow, f"{self.flow}.{self.step_prefix}{step}", **data)

    def draft(self, ctx: Context) -> Draft:
        data = ctx.conv.data if ctx.conv and ctx.conv.flow == self.flow else {}
        return dict(data.get("draft") or {})

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    # the flow's two entry points
    def register(self, description: str, cluster_question: str) -> None:
        """Make the wizard a CDA command of its own (`/<command>`, `description` in /help)
        that asks `cluster_question` first when the CDA has several clusters."""

        def start(ctx: Context) -> None:
            self.start(ctx, ctx._(cluster_question))

        command(self.command, description, Audience.CDA)(start)
        flow(self.flow)(self.handle)

    def start(self, ctx: Context, question: str) -> None:
        """The command: the cluster first for a CDA of several (`question`), then field 1."""
        start_in_a_cluster(ctx, self.prefix, self.flow, question, self._begin_in)

    def handle(self, ctx: Context) -> None:
        """A message while in the flow: the cluster step, or the current field, as long as
        this CDA still manages the draft's cluster (checked at every turn)."""
        step = ctx.conv.step.removeprefix(f"{self.flow}.") if ctx.conv else ""
        if step == "cluster":
            take_cluster(ctx, self.prefix, self._begin_in)
            return
        if cluster_of(ctx) is None:
            ctx.end()
            ctx.reply(
                ctx._("You no longer manage that cluster. Send /{command} to start again.").format(
                    command=self.command
                )
            )
            return
        self.on_input(ctx, step.removeprefix(self.step_prefix))

    def _begin_in(self, ctx: Context, cluster: int) -> None:
        self.begin(ctx, cluster=cluster)

    # walking
    def begin(self, ctx: Context, **data: Any) -> None:
        """The first field, with a new draft (`data`: e.g. the cluster)."""
        first = self.fields[0]
        self.go(ctx, first.name, draft={}, editing=False, **data)
        first.ask(ctx, self, {})

    def on_input(self, ctx: Context, step: str) -> None:
        """`step` is the wizard's own step name (without flow and step prefix)."""
        draft = self.draft(ctx)
        if step == "confirm":
            self._take_confirm(ctx, draft)
            return
        if step == "change":
            self._take_change(ctx, draft)
            return
        current = self.field(step)
        if current is None:  # a step of an older version of the flow: start the fields again
            self.begin(ctx)
            return
        taken = current.take(ctx, self, draft)
        if taken is None:
            return
        if isinstance(taken, Stay):
            draft = {**draft, **taken.updates}
            self.go(ctx, current.name, draft=draft)
            current.ask(ctx, self, draft, redraw=True)
            return
        # a None under a "_" key is scratch that is done with (a multi-select's ticks)
        merged = {**draft, **taken}
        draft = {k: v for k, v in merged.items() if not (k.startswith("_") and v is None)}
        self._next(ctx, draft, after=current)

    def _next(self, ctx: Context, draft: Draft, after: Field) -> None:
        editing = bool(ctx.conv and ctx.conv.data.get("editing"))
        order = list(self.fields)
        rest = order[order.index(after) + 1 :] if not editing else order
        for candidate in rest:
            if candidate.applies(draft) and not candidate.filled(draft):
                self.go(ctx, candidate.name, draft=draft)
                candidate.ask(ctx, self, draft)
                return
        self.show_preview(ctx, draft)

    def show_preview(self, ctx: Context, draft: Draft) -> None:
        for candidate in self.fields:
            problem = candidate.check(ctx, draft) if candidate.applies(draft) else None
            if problem:
                ctx.reply(problem)
                self.go(ctx, candidate.name, draft=draft, editing=True)
                candidate.ask(ctx, self, draft)
                return
        self.go(ctx, "confirm", draft=draft, editing=False)
        messages = self.preview(ctx, draft)
        for text in messages[:-1]:
            ctx.reply(text)
        ctx.reply(messages[-1], self.confirm_choices(ctx), columns=3)

    def _take_confirm(self, ctx: Context, draft: Draft) -> None:
        options = self.confirm_choices(ctx)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return
        if choice.id == f"{self.prefix}:edit":
            self.go(ctx, "change", draft=draft)
            ctx.reply(ctx._("Which one do you want to change?"), self.change_choices(ctx, draft))
            return
        asked = ctx.conv
        # Both may use the cluster, or move on to a screen of their own.
        if choice.id == f"{self.prefix}:{self.cancel[0]}":
            self.cancelled(ctx)
        else:
            self.finish(ctx, draft)
        if ctx.conv is asked:
            ctx.end()

    def _take_change(self, ctx: Context, draft: Draft) -> None:
        options = self.change_choices(ctx, draft)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return
        chosen = self.field(choice.id.rsplit(":", 1)[1])
        assert chosen is not None  # the options are the fields
        self.go(ctx, chosen.name, draft=draft, editing=True)
        chosen.ask(ctx, self, draft)


# --- the cluster-first start of a CDA of several clusters ---------------------------------


def managed_clusters(ctx: Context) -> list[Cluster]:
    """The clusters this CDA administers (bootstrap admins: all of them)."""
    return [c for c in clusters.all_clusters(ctx.conn) if ctx.access.may_manage(c.id)]


def cluster_choices(ctx: Context, prefix: str) -> list[Choice]:
    return [Choice(f"{prefix}:cluster:{c.id}", c.name[:40]) for c in managed_clusters(ctx)]


def start_in_a_cluster(
    ctx: Context, prefix: str, flow: str, question: str, first: Callable[[Context, int], None]
) -> None:
    """A CDA of one cluster goes straight to `first`; a CDA of several is asked `question`
    first (the answer goes to `take_cluster`)."""
    options = cluster_choices(ctx, prefix)
    if not options:
        ctx.reply(ctx._("No cluster has been set up yet. Add one with: clusterbot cluster add"))
        return
    ctx.end()  # whatever was in progress
    if len(options) == 1:
        first(ctx, cluster_id(options[0]))
        return
    ctx.go(flow, f"{flow}.cluster")
    ctx.reply(question, options)


def take_cluster(ctx: Context, prefix: str, first: Callable[[Context, int], None]) -> None:
    options = cluster_choices(ctx, prefix)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    first(ctx, cluster_id(choice))


def cluster_id(choice: Choice) -> int:
    return int(choice.id.rsplit(":", 1)[1])
