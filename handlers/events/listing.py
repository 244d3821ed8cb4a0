"""/events and /myevents (SPEC §5): upcoming meetings and visits, one message each, with
this person's state and the buttons that apply (RSVP, Register, Cancel, Calendar for an
`.ics` file; for the cluster's CDA also what became of the invitations, and Change
time / Change place / Cancel event). The
presses are global routes (handlers/events/press.py), so these messages keep working days
later.
"""

from __future__ import annotations

from bot.commands import Audience, command
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from bot.storage import events as ev
from bot.storage import outbox
from bot.storage.events import Event
from handlers.broadcasts.ledger import counts_line
from handlers.events import calendar as event_calendar
from handlers.events import edit as event_edit
from handlers.events.press import eligible, rsvp_choices, when_text

LIMIT = 10
ANSWER_LABELS = {"yes": N_("Yes"), "no": N_("No"), "maybe": N_("Maybe")}


def _clusters(ctx: Context) -> list[int]:
    """A stakeholder's own cluster; a CDA's managed ones too."""
    ids = {ctx.contact.cluster_id} if ctx.contact.cluster_id else set()
    if ctx.access.cda:
        ids |= {
            row[0]
            for row in ctx.conn.execute("SELECT id FROM clusters")
            if ctx.access.may_manage(row[0])
        }
    return sorted(ids)


def _upcoming(ctx: Context) -> list[Event]:
    found = [e for cid in _clusters(ctx) for e in ev.upcoming(ctx.conn, cid, ctx.now_iso, LIMIT)]
    return sorted(found, key=lambda e: (e.starts_at, e.id))[:LIMIT]


def _mine(ctx: Context, event: Event) -> bool:
    if event.kind == "meeting":
        return ev.answer_of(ctx.conn, event.id, ctx.contact.id) in ("yes", "maybe")
    return ev.registration_of(ctx.conn, event.id, ctx.contact.id).status in (
        "confirmed",
        "waiting",
    )


def _state(ctx: Context, event: Event) -> tuple[str, list[Choice]]:
    """This person's state as a line, and the buttons that apply to it."""
    _ = ctx._
    if not eligible(event, ctx.contact):
        return "", []
    if event.kind == "meeting":
        answer = ev.answer_of(ctx.conn, event.id, ctx.contact.id)
        line = (
            _("Your answer: {answer}").format(answer=_(ANSWER_LABELS[answer]))
            if answer
            else _("You have not answered yet.")
        )
        return line, list(rsvp_choices(_, event.id))
    reg = ev.registration_of(ctx.conn, event.id, ctx.contact.id)
    cancel = [Choice(f"reg:{event.id}:x", _("Cancel registration"))]
    if reg.status == "confirmed":
        return _("You are registered."), cancel
    if reg.status == "waiting":
        line = _("You are number {position} on the waiting list.")
        return line.format(position=_.number(reg.position)), cancel
    if event.register_by and event.register_by <= ctx.now_iso:
        return _("Registration has closed."), []
    return "", [Choice(f"reg:{event.id}", _("Register"))]


def _show(ctx: Context, event: Event) -> None:
    _ = ctx._
    shown = event.read(ctx.language)  # the CDA's version in this person's language, if any
    lines = [shown.title, _("When: {when}").format(when=when_text(ctx, event))]
    if shown.place and shown.place != shown.title:
        lines.append(_("Where: {place}").format(place=shown.place))
    if event.kind == "visit":
        left = max((event.seats or 0) - ev.confirmed_count(ctx.conn, event.id), 0)
        lines.append(
            _("Seats left: {left} of {seats}. Contribution: {amount}").format(
                left=_.number(left),
                seats=_.number(event.seats or 0),
                amount=_.money(event.contribution_paise / 100),
            )
        )
    line, choices = _state(ctx, event)
    if line:
        lines.append(line)
    if ctx.access.may_manage(event.cluster_id):
        # The CDA sees what became of the invitations (the ledger, as in /deliveries).
        ledger = outbox.counts(ctx.conn, "invitation", [f"event:{event.id}"])
        lines.append(
            _("Invitations: {counts}").format(
                counts=counts_line(ctx, ledger[f"event:{event.id}"])
            )
        )
    if choices or ctx.access.may_manage(event.cluster_id):  # only for who may see it
        choices.append(event_calendar.calendar_choice(_, event.id))
    if ctx.access.may_manage(event.cluster_id):
        choices += event_edit.manage_choices(ctx, event)
    ctx.reply("\n".join(lines), choices, columns=3)


@command("events", N_("Meetings and exposure visits"), Audience.MEMBER)
def list_events(ctx: Context) -> None:
    events = _upcoming(ctx)
    if not events:
        ctx.reply(ctx._("No meetings or visits are planned at the moment."))
        return
    for event in events:
        _show(ctx, event)


@command("myevents", N_("My meetings and visits"), Audience.MEMBER)
def my_events(ctx: Context) -> None:
    events = [e for e in _upcoming(ctx) if _mine(ctx, e)]
    if not events:
        ctx.reply(ctx._("You have not joined any upcoming meeting or visit. Send /events."))
        return
    for event in events:
        _show(ctx, event)
