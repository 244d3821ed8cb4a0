"""/updates: the cluster's public log of updates, newest first (SPEC §5).

A stakeholder reads their own cluster's log; staff pick among the clusters they may see.
Each update is shown in the reader's language when the CDA wrote a version in it, with its
date in the reader's locale (Babel) and the cluster's time zone. An "Older updates" button
pages back; it works while no other conversation is in progress.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.limits import TELEGRAM_MAX_TEXT
from bot.messages import Choice, InboundKind
from bot.storage import clusters, updates
from handlers import when as when_
from handlers.broadcasts.draft import text_length
from handlers.people import menu

FLOW = "updates"
PAGE = 5


def _may_read(ctx: Context, cluster_id: int) -> bool:
    return ctx.contact.cluster_id == cluster_id or ctx.access.may_report(cluster_id)


def _cluster_choices(ctx: Context) -> list[Choice]:
    return [
        Choice(f"upd:cluster:{c.id}", c.name[:40])
        for c in clusters.all_clusters(ctx.conn)
        if ctx.access.may_report(c.id)
    ]


def _follow_up(ctx: Context) -> bool:
    """Whether buttons may set this flow: never take over another conversation."""
    return ctx.conv is None or ctx.conv.flow == FLOW


@command("updates", N_("News from the cluster"), Audience.MEMBER)
def show_updates(ctx: Context) -> None:
    if ctx.contact.cluster_id is not None:
        show_page(ctx, ctx.contact.cluster_id)
        return
    choices = _cluster_choices(ctx)
    if len(choices) == 1:
        show_page(ctx, int(choices[0].id.rsplit(":", 1)[1]))
    elif not choices:
        ctx.reply(ctx._("You are not part of a cluster yet. Send /start to register."))
    else:
        if _follow_up(ctx):
            ctx.go(FLOW, f"{FLOW}.cluster")
        ctx.reply(ctx._("Which cluster's updates?"), choices)


def _pack(entries: list[str]) -> list[str]:
    """Join entries into as few messages as fit the platform's length limit."""
    messages: list[str] = []
    for entry in entries:
        if messages and text_length(messages[-1]) + 2 + text_length(entry) <= TELEGRAM_MAX_TEXT:
            messages[-1] += "\n\n" + entry
        else:
            messages.append(entry)
    return messages


def show_page(ctx: Context, cluster_id: int, before: int | None = None) -> None:
    _ = ctx._
    here = clusters.by_id(ctx.conn, cluster_id)
    if here is None:
        ctx.reply(_("There are no updates yet."))
        return
    items, more = updates.page(ctx.conn, cluster_id, before=before, limit=PAGE)
    if not items:
        if before is None:
            ctx.reply(_("There are no updates from {cluster} yet.").format(cluster=here.name))
        else:
            ctx.reply(_("There are no older updates."))
        if ctx.conv is not None and ctx.conv.flow == FLOW:
            ctx.end()
        return
    tz = ZoneInfo(here.timezone)
    header = (
        _("Updates from {cluster}, newest first:")
        if before is None
        else _("Older updates from {cluster}:")
    ).format(cluster=here.name)
    entries = [
        f"🗓 {when_.show(_, parse_iso(u.published_at), tz)}\n{u.text_for(ctx.language)}"
        for u in items
    ]
    messages = _pack([header, *entries])
    for text in messages[:-1]:
        ctx.reply(text)
    older = [Choice(f"upd:older:{cluster_id}:{items[-1].id}", _("Older updates"))]
    if more and _follow_up(ctx):
        ctx.go(FLOW, f"{FLOW}.page")
        ctx.reply(messages[-1], older)
    else:
        ctx.reply(messages[-1])
        if ctx.conv is not None and ctx.conv.flow == FLOW:
            ctx.end()


@flow(FLOW)
def on_input(ctx: Context) -> None:
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    parts = choice.split(":")
    numbers = [int(p) for p in parts[2:] if p.isdigit()]
    if parts[:2] == ["upd", "cluster"] and len(numbers) == 1 and _may_read(ctx, numbers[0]):
        show_page(ctx, numbers[0])
    elif parts[:2] == ["upd", "older"] and len(numbers) == 2 and _may_read(ctx, numbers[0]):
        show_page(ctx, numbers[0], before=numbers[1])
    else:
        menu.leave_flow(ctx)
