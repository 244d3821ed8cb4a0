"""The Calendar button of /events and /myevents (issue 5, optional): the meeting or visit as
an `.ics` document the phone's calendar app can open (bot/ics.py).

    ics:<event>   pressed from any state, like the RSVP buttons (handlers/events/press.py)

The texts inside the file are in the reader's language; the times are UTC in the file and
the calendar shows them in the phone's zone.
"""

from __future__ import annotations

from bot import ics
from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.messages import Choice, Media
from bot.storage import clusters
from bot.storage.events import Event

PREFIX = "ics:"
VISIT_SUMMARY = N_("Exposure visit: {title}")


def calendar_choice(_: Translator, event_id: int) -> Choice:
    return Choice(f"{PREFIX}{event_id}", _("Calendar"))


def calendar_event(_: Translator, event: Event, cluster_name: str) -> ics.CalendarEvent:
    """What goes into the file, in the reader's language."""
    event = event.read(_.language)
    lines = [event.purpose] if event.purpose else []
    if event.kind == "visit" and event.contribution_paise:
        lines.append(
            _("Contribution per person: {amount}").format(
                amount=_.money(event.contribution_paise / 100)
            )
        )
    lines.append(cluster_name)
    created, updated = parse_iso(event.created_at), parse_iso(event.updated_at)
    summary = event.title
    if event.kind == "visit":
        summary = _(VISIT_SUMMARY).format(title=event.title)
    return ics.CalendarEvent(
        uid=f"event-{event.id}@{event.cluster_id}.clusterbot",
        summary=summary,
        starts=parse_iso(event.starts_at),
        ends=parse_iso(event.ends_at) if event.ends_at else None,
        location=event.place,
        description="\n".join(lines),
        cancelled=event.status == "cancelled",
        # Grows with every change of time or place, so a re-import updates the entry.
        sequence=max(int((updated - created).total_seconds()), 0),
    )


def send(ctx: Context, event: Event) -> None:
    cluster = clusters.by_id(ctx.conn, event.cluster_id)
    data = ics.serialize(calendar_event(ctx._, event, cluster.name if cluster else ""), ctx.now)
    ctx.reply(
        ctx._("Open the file to add {title} to your calendar.").format(
            title=event.read(ctx.language).title
        ),
        media=Media("document", f"event-{event.id}.ics", data),
    )
