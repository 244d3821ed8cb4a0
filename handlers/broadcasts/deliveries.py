"""/deliveries: what became of recent broadcasts (SPEC §5), from the outbox ledger.

    /deliveries -> recent broadcasts with counts by status -> one broadcast: who did not
    get it and why (and Cancel, while it is still scheduled)
                -> Meetings and visits (dlv:evp:<page>) -> one event (dlv:ev:<id>):
                   invitations and reminders, see handlers/events/deliveries.py
                -> Replies to people (dlv:ibx): the CDAs' replies to /ask, see
                   handlers/inbox/desk.py

A CDA sees only the broadcasts and events of the clusters they administer.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_
from bot.jobs import broadcasts as broadcasting
from bot.messages import Choice, InboundKind
from bot.storage import broadcasts, clusters, inbox, outbox
from bot.storage import whatsapp as whatsapp_ledger
from bot.storage.broadcasts import Broadcast
from handlers import when as when_
from handlers.broadcasts.ledger import FLOW, counts_line, missing_lines
from handlers.events import deliveries as deliveries_events
from handlers.inbox import desk
from handlers.people import menu

__all__ = ["FLOW"]  # the flow name handlers/__init__.py routes to on_input
from bot.commands import Audience, command, flow

RECENT = 5


def _visible(ctx: Context, broadcast_id: str) -> Broadcast | None:
    found = broadcasts.get(ctx.conn, int(broadcast_id)) if broadcast_id.isdigit() else None
    return found if found and ctx.access.may_manage(found.cluster_id) else None


def _summary(ctx: Context, b: Broadcast, counts: dict[str, int]) -> str:
    _ = ctx._
    here = clusters.by_id(ctx.conn, b.cluster_id)
    tz = ZoneInfo(here.timezone if here else "UTC")
    snippet = " ".join(b.text_for(ctx.language).split())
    snippet = snippet if len(snippet) <= 60 else snippet[:59] + "…"
    head = f"#{b.id} · {here.name if here else '?'}"
    if b.status == "scheduled" and b.scheduled_at:
        state = _("Scheduled for {when}.").format(when=when_.show(_, parse_iso(b.scheduled_at), tz))
    elif b.status == "cancelled":
        state = _("Cancelled; nobody got it.")
    elif b.status == "missed":
        state = _("Not sent: the bot was off at the time it was scheduled for.")
    else:
        sent_at = when_.show(_, parse_iso(b.sent_at or b.created_at), tz)
        state = f"{sent_at}: {counts_line(ctx, counts)}"
        seen = whatsapp_ledger.receipts(ctx.conn, "broadcast", str(b.id))
        if seen["delivered"]:  # WhatsApp reports delivery and reading; Telegram does not
            state += "\n" + _("On WhatsApp: delivered {delivered} · read {read}").format(
                delivered=ctx._.number(seen["delivered"]), read=ctx._.number(seen["read"])
            )
    return f"{head}\n“{snippet}”\n{state}"


@command("deliveries", N_("Who received the updates"), Audience.CDA)
def show_recent(ctx: Context) -> None:
    recent = broadcasts.recent(ctx.conn, ctx.access.managed, RECENT)
    # Invitations and reminders are in the same ledger, one button away.
    events = (
        [Choice("dlv:evp:0", ctx._("Meetings and visits"))]
        if outbox.messaged_events(ctx.conn, ctx.access.managed, 1)
        else []
    )
    if inbox.recent_replies(ctx.conn, ctx.access.managed, 1):  # replies to /ask (issue 15)
        events.append(Choice("dlv:ibx", ctx._("Replies to people")))
    if not recent and not events:
        ctx.reply(ctx._("No broadcasts yet. Send one with /broadcast."))
        return
    counts = outbox.counts(ctx.conn, "broadcast", [str(b.id) for b in recent])
    blocks = [ctx._("Recent broadcasts:")] if recent else []
    blocks += [_summary(ctx, b, counts[str(b.id)]) for b in recent]
    if not recent:
        blocks.append(ctx._("No broadcasts yet. Send one with /broadcast."))
    if ctx.conv is None or ctx.conv.flow == FLOW:
        ctx.go(FLOW, f"{FLOW}.list")
    ctx.reply(
        "\n\n".join(blocks),
        [
            *(
                Choice(f"dlv:show:{b.id}", ctx._("Details #{number}").format(number=b.id))
                for b in recent
            ),
            *events,
        ],
        columns=3,
    )


def show_one(ctx: Context, b: Broadcast) -> None:
    _ = ctx._
    counts = outbox.counts(ctx.conn, "broadcast", [str(b.id)])[str(b.id)]
    lines = [_summary(ctx, b, counts)]
    missing = missing_lines(ctx, "broadcast", str(b.id), counts, _("Did not get it (yet):"))
    if missing:
        lines += ["", *missing]
    elif b.status == "sent" and counts["sent"]:
        lines += ["", _("Everyone in the audience got it.")]
    choices = [Choice("dlv:list", _("All broadcasts"))]
    if b.status == "scheduled":
        choices.insert(0, Choice(f"dlv:cancel:{b.id}", _("Cancel broadcast")))
    ctx.go(FLOW, f"{FLOW}.one")
    ctx.reply("\n".join(lines), choices)


@flow(FLOW)
def on_input(ctx: Context) -> None:
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    action, _sep, ref = choice.removeprefix("dlv:").partition(":")
    if action in ("evp", "ev") and deliveries_events.on_press(ctx, action, ref, show_recent):
        return
    found = _visible(ctx, ref) if ref and action in ("show", "cancel") else None
    if choice == "dlv:list":
        show_recent(ctx)
    elif choice == "dlv:ibx":
        desk.deliveries(ctx)
    elif action == "show" and found:
        show_one(ctx, found)
    elif action == "cancel" and found:
        if broadcasting.cancel(ctx.conn, found, ctx.now):
            ctx.audit("broadcast.cancel", subject=f"broadcast:{found.id}")
            ctx.reply(
                ctx._("Broadcast #{number} is cancelled. Nobody will get it.").format(
                    number=found.id
                )
            )
        else:
            ctx.reply(
                ctx._("Broadcast #{number} can no longer be cancelled.").format(number=found.id)
            )
        show_one(ctx, broadcasts.get(ctx.conn, found.id) or found)
    else:
        menu.leave_flow(ctx)
