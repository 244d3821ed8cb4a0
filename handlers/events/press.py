"""Buttons on invitations and announcements, pressed from any state (SPEC §5 /events).

    rsvp:<event>:y|n|m   a meeting answer (the latest wins)
    reg:<event>          register for a visit: a seat, or the waiting list with a position
    reg:<event>:x        cancel; the first waiting person gets the seat and is told
    evm:<event>:<action> a CDA's change / cancel buttons (handlers/events/edit.py)
    ics:<event>          the event as an .ics calendar file (handlers/events/calendar.py)

An invitation can be pressed days later, in the middle of a survey: the press is handled
here and the conversation is left exactly where it was (the route is global, see
handlers/__init__.py). Ids stay far below Telegram's 64 bytes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import seat_notice
from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.jobs.reminders import local_when
from bot.messages import Choice
from bot.storage import clusters, contacts
from bot.storage import events as ev
from bot.storage.events import Event
from handlers.events import calendar as event_calendar
from handlers.events import edit as event_edit

PREFIXES = ("rsvp:", "reg:", "evm:", event_calendar.PREFIX)
ANSWER_CODES = {"y": "yes", "n": "no", "m": "maybe"}
ANSWER_REPLIES = {
    "yes": N_("Thank you! You are coming to {title} on {when}."),
    "no": N_("Noted: you are not coming to {title}."),
    "maybe": N_("Noted: you might come to {title} on {when}."),
}
PROMOTED = seat_notice.PROMOTED


def is_event_press(choice: str) -> bool:
    return choice.startswith(PREFIXES)


def rsvp_choices(_: Translator, event_id: int) -> tuple[Choice, ...]:
    """Yes / No / Maybe under an invitation, in the reader's language."""
    return (
        Choice(f"rsvp:{event_id}:y", _("Yes")),
        Choice(f"rsvp:{event_id}:n", _("No")),
        Choice(f"rsvp:{event_id}:m", _("Maybe")),
    )


def when_text(ctx: Context, event: Event) -> str:
    cluster = clusters.by_id(ctx.conn, event.cluster_id)
    tz = ZoneInfo(cluster.timezone if cluster else ctx.settings.timezone)
    return local_when(ctx._, parse_iso(event.starts_at), tz)


def eligible(event: Event, contact: contacts.Contact) -> bool:
    """Whether the event's audience includes this person (the invitation's audience: a
    women-only meeting is not open to a man who finds it in /events)."""
    roles = event.audience.get("roles") or []
    gender = event.audience.get("gender")
    return (
        contact.registered
        and contact.cluster_id == event.cluster_id
        and (not roles or contact.role in roles)
        and (not gender or contact.gender == gender)
    )


def on_press(ctx: Context) -> None:
    parts = ctx.inbound.choice.split(":")
    event = ev.get(ctx.conn, int(parts[1])) if len(parts) > 1 and parts[1].isdigit() else None
    # Who may press is decided before anything about the event is said, in the same words
    # for an event that does not exist: a forged button tells an outsider nothing.
    if parts[0] == "evm":
        if event is None or not ctx.access.may_manage(event.cluster_id):
            ctx.reply(ctx._("Sorry, this is only for the cluster's CDA."))
            return
    elif event is None or not (
        eligible(event, ctx.contact)
        or (parts[0] == "ics" and ctx.access.may_manage(event.cluster_id))
    ):
        ctx.reply(ctx._("Sorry, this event is not open to you."))
        return
    if event.status != "scheduled":
        ctx.reply(ctx._("This event was cancelled."))
        return
    if parse_iso(event.starts_at) <= ctx.now:
        ctx.reply(ctx._("This event has already started."))
        return
    if parts[0] == "evm" and len(parts) == 3:
        event_edit.on_press(ctx, event, parts[2])
        return
    if parts[0] == "ics" and len(parts) == 2:
        event_calendar.send(ctx, event)
        return
    if parts[0] == "rsvp" and len(parts) == 3 and parts[2] in ANSWER_CODES:
        _answer(ctx, event, ANSWER_CODES[parts[2]])
    elif parts[0] == "reg" and len(parts) == 2:
        _register(ctx, event)
    elif parts[0] == "reg" and parts[2:] == ["x"]:
        _cancel(ctx, event)
    else:
        ctx.reply(ctx._("That button belongs to an earlier question."))


def _answer(ctx: Context, event: Event, answer: str) -> None:
    ev.rsvp(ctx.conn, event.id, ctx.contact.id, answer, ctx.now_iso)
    title = event.read(ctx.language).title
    ctx.reply(ctx._(ANSWER_REPLIES[answer]).format(title=title, when=when_text(ctx, event)))


def _register(ctx: Context, event: Event) -> None:
    if event.register_by and parse_iso(event.register_by) <= ctx.now:
        ctx.reply(ctx._("Sorry, registration for this visit has closed."))
        return
    result = ev.register(ctx.conn, event, ctx.contact.id, ctx.now_iso)
    cancel = [Choice(f"reg:{event.id}:x", ctx._("Cancel registration"))]
    if result.status == "confirmed":
        text = ctx._("You are registered for {title} on {when}.")
    else:
        text = ctx._(
            "All seats are taken. You are number {position} on the waiting list for {title}; "
            "if a seat frees up, you get it and I will tell you."
        )
    # Not offered mid-flow: a typed "1" would then mean this button, not the flow's first.
    ctx.reply(
        text.format(
            title=event.read(ctx.language).title,
            when=when_text(ctx, event),
            position=ctx._.number(result.position)
        ),
        cancel if ctx.conv is None else [],
    )


def _cancel(ctx: Context, event: Event) -> None:
    cancelled, promoted = ev.cancel_registration(ctx.conn, event, ctx.contact.id, ctx.now_iso)
    if not cancelled:
        ctx.reply(ctx._("You are not registered for this visit."))
        return
    title = event.read(ctx.language).title
    ctx.reply(ctx._("Your registration for {title} is cancelled.").format(title=title))
    if promoted is not None:
        notify_promoted(ctx, event, promoted)


def notify_promoted(ctx: Context, event: Event, contact_id: int) -> None:
    """Tell the person who got the freed seat, through the outbox (they are not in this
    chat), in their own language."""
    seat_notice.notify_promoted(
        ctx.conn,
        event,
        contact_id,
        ctx.now,
        default_language=ctx.settings.default_language,
        timezone=ctx.settings.timezone,
    )
