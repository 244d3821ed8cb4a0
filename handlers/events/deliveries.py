"""/deliveries for meetings and visits: what became of the invitations and reminders, from
the same outbox ledger as broadcasts (issue 4, SPEC §8).

    /deliveries -> Meetings and visits (dlv:evp:<page>): the cluster's events, latest
    start first, PAGE a page, each with its invitation and reminder counts by status
      -> one event (dlv:ev:<id>): the counts, then who did not get the invitation or each
         reminder and why (blocked the bot, opted out, skipped after the start…)

A CDA sees only the events of the clusters they administer. The screens are steps of the
deliveries flow (handlers/broadcasts/deliveries.py routes the presses here, with its list
screen to go back to) and share handlers/broadcasts/ledger.py, so a status reads the same for
a broadcast and an invitation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.jobs.reminders import local_when
from bot.messages import Choice
from bot.storage import clusters, outbox
from bot.storage import event_reminders as er
from bot.storage import events as ev
from bot.storage.events import Event
from handlers.broadcasts.ledger import FLOW, counts_line, missing_lines
from handlers.events.press import when_text
from handlers.offsets import show_offset

PAGE = 4  # events a page: with their counts the message stays short on a phone
LABEL = 20  # characters of an event button: WhatsApp's reply-button title limit
LISTED = 15  # people listed over all of an event's messages (4,096 characters); the rest counted


def _fit(text: str, limit: int) -> str:
    """`text` within `limit` UTF-16 units (WhatsApp's count), with an ellipsis if cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    while len(text.encode("utf-16-le")) // 2 > limit - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def _label(ctx: Context, event: Event) -> str:
    """'5 Dec Cluster meeting': the date tells apart meetings with the same title."""
    zone = _zone(ctx, event)
    day = ctx._.date(parse_iso(event.starts_at).astimezone(zone).date(), "d MMM")
    return _fit(f"{day} {' '.join(event.read(ctx.language).title.split())}", LABEL)


def _zone(ctx: Context, event: Event) -> ZoneInfo:
    here = clusters.by_id(ctx.conn, event.cluster_id)
    return ZoneInfo(here.timezone if here else ctx.settings.timezone)


@dataclass(frozen=True)
class Sent:
    """One message of an event in the ledger: the invitation, or one reminder."""

    kind: str  # invitation / reminder
    ref: str
    counts: dict[str, int]
    offset: str = ""  # a reminder's "1 day", in the reader's language
    state: str = ""  # a reminder not (yet) fanned out: "due …" or cancelled


def _messages(ctx: Context, event: Event) -> list[Sent]:
    """The invitation, then each reminder, with their ledger counts."""
    _ = ctx._
    invitation = f"event:{event.id}"
    found = [
        Sent(
            "invitation",
            invitation,
            outbox.counts(ctx.conn, "invitation", [invitation])[invitation],
        )
    ]
    for rem in er.reminders_of(ctx.conn, event.id):
        ref = rem.ledger_ref
        state = ""
        if rem.status == "pending":
            due = local_when(_, parse_iso(rem.due_at), _zone(ctx, event))
            state = _("due {when}").format(when=due)
        elif rem.status == "cancelled":
            state = _("cancelled")
        counts = outbox.counts(ctx.conn, "reminder", [ref])[ref]
        found.append(Sent("reminder", ref, counts, show_offset(_, rem.offset_minutes), state))
    return found


def _line(ctx: Context, sent: Sent) -> str:
    state = sent.state or counts_line(ctx, sent.counts)
    if sent.kind == "invitation":
        return ctx._("Invitations: {counts}").format(counts=state)
    return ctx._("Reminder {offset} before: {counts}").format(offset=sent.offset, counts=state)


def _heading(ctx: Context, sent: Sent) -> str:
    if sent.kind == "invitation":
        return ctx._("Did not get the invitation (yet):")
    return ctx._("Did not get the reminder {offset} before (yet):").format(offset=sent.offset)


def _block(ctx: Context, event: Event, messages: list[Sent]) -> str:
    here = clusters.by_id(ctx.conn, event.cluster_id)
    title = event.read(ctx.language).title
    lines = [f"{title} · {here.name if here else '?'}", when_text(ctx, event)]
    if event.status == "cancelled":
        lines[-1] += " · " + ctx._("event cancelled")
    lines += [_line(ctx, sent) for sent in messages]
    return "\n".join(lines)


def show_page(ctx: Context, page: int, back: Callable[[Context], None]) -> None:
    _ = ctx._
    ids = outbox.messaged_events(ctx.conn, ctx.access.managed, PAGE + 1, page * PAGE)
    events = [e for e in (ev.get(ctx.conn, i) for i in ids[:PAGE]) if e is not None]
    if not events:
        ctx.reply(_("No invitations or reminders have been sent yet."))
        back(ctx)
        return
    blocks = [_("Meetings and visits, latest first:")]
    blocks += [_block(ctx, e, _messages(ctx, e)) for e in events]
    choices = [Choice(f"dlv:ev:{e.id}", _label(ctx, e)) for e in events]
    if page > 0:
        choices.append(Choice(f"dlv:evp:{page - 1}", _("Previous page")))
    if len(ids) > PAGE:
        choices.append(Choice(f"dlv:evp:{page + 1}", _("Next page")))
    choices.append(Choice("dlv:list", _("All broadcasts")))
    ctx.go(FLOW, f"{FLOW}.events")
    ctx.reply("\n\n".join(blocks), choices)


def show_event(ctx: Context, event: Event) -> None:
    _ = ctx._
    messages = _messages(ctx, event)
    lines = [_block(ctx, event, messages)]
    budget = LISTED
    for sent in messages:
        missing = missing_lines(ctx, sent.kind, sent.ref, sent.counts, _heading(ctx, sent), budget)
        if missing:
            lines += ["", *missing]
            budget -= sum(1 for m in missing if m.startswith("• "))
    ctx.go(FLOW, f"{FLOW}.event")
    ctx.reply(
        "\n".join(lines),
        [Choice("dlv:evp:0", _("Meetings and visits")), Choice("dlv:list", _("All broadcasts"))],
    )


def on_press(ctx: Context, action: str, ref: str, back: Callable[[Context], None]) -> bool:
    """Handle dlv:evp:<page> and dlv:ev:<id>; False for a press that is not (or no longer)
    this CDA's, which the deliveries flow answers as stale."""
    if action == "evp" and ref.isdigit():
        show_page(ctx, int(ref), back)
        return True
    event = ev.get(ctx.conn, int(ref)) if action == "ev" and ref.isdigit() else None
    if event is None or not ctx.access.may_manage(event.cluster_id):
        return False
    show_event(ctx, event)
    return True
