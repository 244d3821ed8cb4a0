"""What every wizard step reads: typed text (and digits the engine took for a button), a
moment typed in the draft cluster's zone, the draft's cluster; and the words for what went
wrong."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_
from bot.jobs.reminders import local_when
from bot.messages import Choice, InboundKind
from bot.parse.numbers import AmountError
from bot.parse.when import WhenError, parse_when
from bot.storage import clusters
from bot.storage.clusters import Cluster
from handlers import when as when_

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
