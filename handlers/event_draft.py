"""What /newmeeting and /newvisit share: the draft in the conversation data, the cluster
and its time zone, typed dates, the audience buttons, and sending the invitations.

The audience vocabulary and SQL are the broadcast ones (`AUDIENCES`, `ROLES`,
`broadcasts.audience_where`), so "who gets it" means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import SHIPPED_LANGUAGES, Translator, translator
from bot.messages import Choice, InboundKind
from bot.outbox import Payload, fan_out
from bot.parse.when import WhenError, parse_when
from bot.reminders import local_when
from bot.storage import broadcasts, clusters
from bot.storage.clusters import Cluster
from bot.storage.events import Event
from handlers import when as when_
from handlers.broadcast_draft import describe_audience, managed_clusters
from handlers.broadcast_preview import WHEN_ERRORS
from handlers.common import ROLES, picked, use_buttons

__all__ = ["describe_audience"]  # re-exported: the broadcast wording of an audience

MAX_TITLE = 120
MAX_PLACE = 200


def data(ctx: Context) -> dict[str, Any]:
    return ctx.conv.data if ctx.conv else {}


def cluster(ctx: Context) -> Cluster | None:
    """The draft's cluster, if this CDA still administers it."""
    found = clusters.by_id(ctx.conn, int(data(ctx).get("cluster", 0)))
    return found if found and ctx.access.may_manage(found.id) else None


def tz(ctx: Context) -> ZoneInfo:
    found = cluster(ctx)
    return ZoneInfo(found.timezone if found else ctx.settings.timezone)


def show_when(ctx: Context, when: datetime | str) -> str:
    moment = parse_iso(when) if isinstance(when, str) else when
    return local_when(ctx._, moment, tz(ctx))


def cluster_choices(ctx: Context, prefix: str) -> list[Choice]:
    return [Choice(f"{prefix}:cluster:{c.id}", c.name[:40]) for c in managed_clusters(ctx)]


def start_in_a_cluster(
    ctx: Context, prefix: str, flow: str, question: str, first: Callable[[Context, int], None]
) -> None:
    """Begin an event flow: a CDA of one cluster goes straight to `first`; a CDA of several
    is asked `question` (the answer goes to `take_cluster`)."""
    options = cluster_choices(ctx, prefix)
    if not options:
        ctx.reply(ctx._("No cluster has been set up yet. Add one with: clusterbot cluster add"))
        return
    ctx.end()
    if len(options) == 1:
        first(ctx, _cluster_id(options[0]))
        return
    ctx.go(flow, f"{flow}.cluster")
    ctx.reply(question, options)


def take_cluster(ctx: Context, prefix: str, first: Callable[[Context, int], None]) -> None:
    options = cluster_choices(ctx, prefix)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    first(ctx, _cluster_id(choice))


def _cluster_id(choice: Choice) -> int:
    return int(choice.id.rsplit(":", 1)[1])


def typed_text(ctx: Context, limit: int) -> str | None:
    """The typed text, or None after saying what is expected."""
    text = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
    if text.startswith("/"):
        text = ""
    if not text:
        if ctx.inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ctx.reply(ctx._("Please type it as text."))
        return None
    if len(text) > limit:
        ctx.reply(ctx._("Please keep it under {max} characters.").format(max=ctx._.number(limit)))
        return None
    return text


def typed_when(ctx: Context) -> datetime | None:
    """A typed local date and time (see handlers/when.py), or None after saying why not."""
    zone = tz(ctx)
    text = ctx.inbound.text if ctx.inbound.kind is InboundKind.TEXT else ""
    when = parse_when(text, zone, ctx.now)
    if isinstance(when, WhenError):
        ctx.reply(ctx._(WHEN_ERRORS[when]).format(example=when_.example(zone, ctx.now)))
        return None
    return when


def when_prompt(ctx: Context, question: str) -> str:
    here = cluster(ctx)
    zone = tz(ctx)
    return (
        question
        + "\n"
        + ctx._("Type the date and time ({timezone} time), for example {example}").format(
            timezone=here.timezone if here else zone.key, example=when_.example(zone, ctx.now)
        )
    )


def audience_count(ctx: Context, audience: dict[str, Any]) -> int:
    here = cluster(ctx)
    assert here is not None
    return broadcasts.audience_count(ctx.conn, here.id, audience).recipients


def role_choices(ctx: Context, prefix: str) -> list[Choice]:
    roles = [Choice(f"{prefix}:role:{key}", ctx._(label)) for key, label in ROLES.items()]
    return [*roles, Choice(f"{prefix}:roles:done", ctx._("Done"))]


def invite(
    ctx: Context,
    event: Event,
    text_of: Callable[[Translator], str],
    choices_of: Callable[[Translator], tuple[Choice, ...]],
) -> dict[str, int]:
    """Queue the invitation or announcement for the event's audience, each person in
    their language (one payload per shipped language), in this turn's transaction."""
    where, params = broadcasts.audience_where(event.cluster_id, event.audience)
    payloads = {
        language: Payload(
            text_of(translator(language)), choices_of(translator(language)), columns=3
        )
        for language in SHIPPED_LANGUAGES
    }
    return fan_out(
        ctx.conn,
        kind="invitation",
        ref=f"event:{event.id}",
        where=where,
        params=params,
        payloads=payloads,
        default_language=ctx.settings.default_language
        if ctx.settings.default_language in payloads
        else "en",
        now=ctx.now,
    )
