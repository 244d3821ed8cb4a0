"""/activity, adding an activity step by step (see handlers/activity.py for the menu):

    title -> category -> target group* -> responsible* -> start date* -> end date*
          -> beneficiaries' share -> agency's share -> other institutions' share
          -> summary -> save | cancel                               (* may be skipped)

The draft lives in the conversation data under "draft" (amounts in paise, dates as ISO
days in the cluster's zone), so a restart resumes at the same step. Nothing is written to
the action plan before the CDA presses Save.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice, InboundKind
from bot.parse.dates import parse_date
from bot.parse.numbers import AmountError, parse_rupees
from bot.storage import activities
from handlers import activity_view as view
from handlers.activity_words import CATEGORY_LABELS
from handlers.common import picked, use_buttons
from handlers.event_draft import typed_text

P = view.P
MAX_TITLE = 120
MAX_TEXT = 200  # target group, responsible
AMOUNT_ERRORS = {
    AmountError.FORMAT: N_(
        "Please type an amount in rupees, for example 25000, 1,00,000 or 2.5 lakh."
    ),
    AmountError.NEGATIVE: N_("An amount cannot be negative. Please type 0 or more."),
    AmountError.TOO_BIG: N_("That amount is too large. Please check it and type it again."),
}
# The three contribution steps: draft key, question.
SHARES = {
    "beneficiaries": N_("How much do the beneficiaries contribute, in rupees?"),
    "agency": N_("How much does the implementing agency contribute, in rupees?"),
    "others": N_("How much do other institutions contribute, in rupees?"),
}


def draft(ctx: Context) -> dict[str, Any]:
    return dict(view.data(ctx).get("draft") or {})


def _save_step(ctx: Context, name: str, **fields: Any) -> None:
    view.step(ctx, f"add.{name}", draft={**draft(ctx), **fields})


def start(ctx: Context) -> None:
    view.step(ctx, "add.title", draft={})
    ctx.reply(ctx._("What is the activity? Type a short title. Send /cancel to stop."))


def take_title(ctx: Context) -> None:
    title = typed_text(ctx, MAX_TITLE)
    if title is not None:
        _save_step(ctx, "category", title=title)
        ask_category(ctx)


# --- category -----------------------------------------------------------------------------


def _category_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:cat:{key}", ctx._(label)) for key, label in CATEGORY_LABELS.items()]


def ask_category(ctx: Context) -> None:
    ctx.reply(ctx._("Which kind of activity is it?"), _category_choices(ctx), columns=2)


def take_category(ctx: Context) -> None:
    choice = picked(ctx, _category_choices(ctx))
    if choice is None:
        use_buttons(ctx, _category_choices(ctx))
        return
    _save_step(ctx, "target", category=choice.id.removeprefix(f"{P}:cat:"))
    ask_text(ctx, ctx._("Who is it for? For example: women block printers of Bagru."))


# --- optional texts and dates -------------------------------------------------------------


def _skip(ctx: Context) -> Choice:
    return Choice(f"{P}:skip", ctx._("Skip"))


def _skipped(ctx: Context) -> bool:
    """The Skip button, or /skip typed (on WhatsApp, "skip")."""
    return picked(ctx, [_skip(ctx)]) is not None or ctx.inbound.command == "skip"


def ask_text(ctx: Context, question: str) -> None:
    ctx.reply(question + "\n" + ctx._("Type it, or press Skip."), [_skip(ctx)])


def _optional_text(ctx: Context, key: str, then: str, ask_next: Callable[[Context], None]) -> None:
    if _skipped(ctx):
        _save_step(ctx, then, **{key: ""})
        ask_next(ctx)
        return
    text = typed_text(ctx, MAX_TEXT)
    if text is not None:
        _save_step(ctx, then, **{key: text})
        ask_next(ctx)


def _ask_responsible(ctx: Context) -> None:
    ask_text(ctx, ctx._("Who is responsible? A person or an institution."))


def _ask_start(ctx: Context) -> None:
    ask_date(ctx, ctx._("When does it start?"))


def take_target(ctx: Context) -> None:
    _optional_text(ctx, "target_group", "responsible", _ask_responsible)


def take_responsible(ctx: Context) -> None:
    _optional_text(ctx, "responsible", "start", _ask_start)


def ask_date(ctx: Context, question: str) -> None:
    example = _today(ctx).strftime("%d-%m-%Y")
    ctx.reply(
        question
        + "\n"
        + ctx._("Type the date, for example {example}, or press Skip.").format(example=example),
        [_skip(ctx)],
    )


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ZoneInfo(view.here(ctx).timezone)).date()


def _typed_date(ctx: Context) -> date | None:
    text = ctx.inbound.text if ctx.inbound.kind is InboundKind.TEXT else ""
    found = parse_date(text, _today(ctx)) if text and not text.startswith("/") else None
    if found is None:
        if ctx.inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        example = _today(ctx).strftime("%d-%m-%Y")
        ctx.reply(
            ctx._("Please type a date like {example}, or press Skip.").format(example=example),
            [_skip(ctx)],
        )
    return found


def take_start(ctx: Context) -> None:
    if _skipped(ctx):
        _save_step(ctx, "end", starts_on=None)
    else:
        day = _typed_date(ctx)
        if day is None:
            return
        _save_step(ctx, "end", starts_on=day.isoformat())
        ctx.reply(ctx._("Understood: {when}.").format(when=ctx._.date(day)))
    ask_date(ctx, ctx._("When does it end?"))


def take_end(ctx: Context) -> None:
    if _skipped(ctx):
        _save_step(ctx, "beneficiaries", ends_on=None)
    else:
        day = _typed_date(ctx)
        if day is None:
            return
        starts_on = draft(ctx).get("starts_on")
        if starts_on and day.isoformat() < starts_on:
            ctx.reply(
                ctx._("The end cannot be before the start ({start}). Please type it again.").format(
                    start=view.show_date(ctx._, starts_on)
                ),
                [_skip(ctx)],
            )
            return
        _save_step(ctx, "beneficiaries", ends_on=day.isoformat())
        ctx.reply(ctx._("Understood: {when}.").format(when=ctx._.date(day)))
    ask_share(ctx, "beneficiaries")


# --- the contribution split ---------------------------------------------------------------


def _zero(ctx: Context) -> Choice:
    return Choice(f"{P}:zero", ctx._("Nothing (₹0)"))


def ask_share(ctx: Context, key: str) -> None:
    ctx.reply(
        ctx._(SHARES[key])
        + "\n"
        + ctx._("For example 25000, 1,00,000 or 2.5 lakh. Type 0 if nothing."),
        [_zero(ctx)],
    )


def take_share(ctx: Context, key: str) -> None:
    typed, kind = ctx.inbound.text.strip(), ctx.inbound.kind
    # A typed "1" is one rupee, not a press of button 1 (see engine._numbered_choice).
    if kind is InboundKind.TEXT or (kind is InboundKind.CHOICE and typed.isdigit()):
        paise: int | AmountError = parse_rupees(typed)
    elif picked(ctx, [_zero(ctx)]) is not None:
        paise = 0
    else:
        paise = AmountError.FORMAT
        if ctx.inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
    if isinstance(paise, AmountError):
        ctx.reply(ctx._(AMOUNT_ERRORS[paise]), [_zero(ctx)])
        return
    keys = list(SHARES)
    following = keys[keys.index(key) + 1] if key != keys[-1] else "confirm"
    _save_step(ctx, following, **{f"{key}_paise": paise})
    if following == "confirm":
        ask_confirm(ctx)
    else:
        ask_share(ctx, following)


# --- summary and save ---------------------------------------------------------------------


def _confirm_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:save", ctx._("Save")), Choice(f"{P}:drop", ctx._("Cancel"))]


def ask_confirm(ctx: Context) -> None:
    _ = ctx._
    d = draft(ctx)
    preview = activities.Activity(
        0, view.here(ctx).id, d["title"], d["category"], d.get("target_group", ""),
        d.get("responsible", ""), d.get("starts_on"), d.get("ends_on"),
        d["beneficiaries_paise"], d["agency_paise"], d["others_paise"], "planned",
        ctx.contact.ref, ctx.now_iso, ctx.now_iso,
    )  # fmt: skip
    lines = view.details(_, preview)[1:]  # no "#0"
    ctx.reply(
        "\n".join(
            [_("New activity: {title}").format(title=preview.title), *lines, "", _("Save it?")]
        ),
        _confirm_choices(ctx),
        columns=2,
    )


def take_confirm(ctx: Context) -> None:
    choice = picked(ctx, _confirm_choices(ctx))
    if choice is None:
        use_buttons(ctx, _confirm_choices(ctx))
        return
    if choice.id == f"{P}:drop":
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
        view.show_menu(ctx)
        return
    d, here = draft(ctx), view.here(ctx)
    fields = {k: d[k] for k in activities.EDITABLE if k in d}
    a = activities.add(ctx.conn, cluster_id=here.id, by=ctx.contact.ref, now=ctx.now_iso, **fields)
    ctx.audit("activity.add", subject=f"activity:{a.id}", cluster=here.code, **fields)
    view.show_activity(ctx, a, lead=ctx._("Saved."))


STEPS: dict[str, Callable[[Context], None]] = {
    "add.title": take_title,
    "add.category": take_category,
    "add.target": take_target,
    "add.responsible": take_responsible,
    "add.start": take_start,
    "add.end": take_end,
    **{f"add.{key}": partial(take_share, key=key) for key in SHARES},
    "add.confirm": take_confirm,
}
