"""A CDA changes the time or place of an event, or cancels it (SPEC §5 /newmeeting: "later
changes or cancellation notify everyone invited").

    /events -> [Change time | Change place | Add a language | Cancel event]
                                                 (evm:<event>:time|place|lang|cancel)
    time/place: flow eventedit.<field> -> typed value -> saved, reminders moved, notices
                (a new place removes the place's language versions; the CDA is told)
    lang: the versions of title and place in one language (handlers/events/versions.py)
    cancel: evm:<event>:drop (confirm) -> cancelled, reminders cancelled, notices

"Everyone invited" (`bot.storage.events.invited_where`) is who the invitation was for
(the outbox rows of kind invitation for `event:<id>`, except those it skipped after a
/stop) plus anyone who answered or registered from /events without one. Notices go
through the outbox as kind notice (they reach people who used /stop after being invited:
it is about an event they know of).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.commands import flow
from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, native_name, translator
from bot.jobs import reminders
from bot.messages import Choice
from bot.outbox.queue import Payload, fan_out
from bot.storage import clusters
from bot.storage import events as ev
from bot.storage import versions as vs
from bot.storage.events import Event
from handlers import wizard as wz
from handlers.events import draft as d
from handlers.events import versions as event_versions

FLOW = "eventedit"
CHANGED = N_("Change: {title} is now on {when}, at {place}.")
CANCELLED = N_("Cancelled: {title} on {when} will not take place.")


def manage_choices(ctx: Context, event: Event) -> list[Choice]:
    return [
        Choice(f"evm:{event.id}:time", ctx._("Change time")),
        Choice(f"evm:{event.id}:place", ctx._("Change place")),
        Choice(f"evm:{event.id}:lang", ctx._("Add a language")),
        Choice(f"evm:{event.id}:cancel", ctx._("Cancel event")),
    ]


def on_press(ctx: Context, event: Event, action: str) -> None:
    """evm:<event>:<action>, pressed from any state by a CDA of the event's cluster."""
    if not ctx.access.may_manage(event.cluster_id):
        ctx.reply(ctx._("Sorry, this is only for the cluster's CDA."))
        return
    if action in ("time", "place"):
        ctx.go(FLOW, f"{FLOW}.{action}", event=event.id, cluster=event.cluster_id)
        if action == "time":
            ctx.reply(wz.when_prompt(ctx, ctx._("What is the new date and time?")))
        else:
            ctx.reply(ctx._("Type the new place."))
    elif action == "lang":
        event_versions.start(ctx, event)
    elif action == "cancel":
        ctx.reply(
            ctx._("Cancel {title}? Everyone invited will be told.").format(
                title=event.read(ctx.language).title
            ),
            [
                Choice(f"evm:{event.id}:drop", ctx._("Yes, cancel it")),
                Choice(f"evm:{event.id}:keep", ctx._("No, keep it")),
            ],
            columns=2,
        )
    elif action == "drop":
        event = ev.update(ctx.conn, event.id, ctx.now_iso, status="cancelled")
        reminders.cancel_all(ctx.conn, event, ctx.now)
        count = notify(ctx, event, CANCELLED)
        ctx.audit("event.cancel", subject=f"event:{event.id}", notified=count)
        ctx.reply(
            ctx._("Cancelled. {count} people will be told.").format(count=ctx._.number(count))
        )
    else:
        ctx.reply(ctx._("Nothing was changed."))


@flow(FLOW)
def on_input(ctx: Context) -> None:
    """The typed new time or place."""
    data = d.data(ctx)
    event = ev.get(ctx.conn, int(data.get("event", 0)))
    field = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if event is None or event.status != "scheduled" or wz.cluster_of(ctx) is None:
        ctx.end()
        ctx.reply(ctx._("This event was cancelled."))
        return
    if field not in ("time", "place"):
        event_versions.take(ctx, event, field)
        return
    if field == "time":
        when = wz.read_when(ctx)
        if when is None:
            return
        shift = when - parse_iso(event.starts_at)
        ends = iso(parse_iso(event.ends_at) + shift) if event.ends_at else None
        # A visit keeps its length and its registration window relative to the start.
        closes = iso(parse_iso(event.register_by) + shift) if event.register_by else None
        event = ev.update(
            ctx.conn, event.id, ctx.now_iso, starts_at=iso(when), ends_at=ends, register_by=closes
        )
        reminders.arm(ctx.conn, event, ctx.now)
    else:
        place = wz.read_text(ctx, d.MAX_PLACE)
        if place is None:
            return
        event = ev.update(ctx.conn, event.id, ctx.now_iso, place=place)
        event = _drop_stale_places(ctx, event)
    ctx.end()
    count = notify(ctx, event, CHANGED)
    ctx.audit("event.change", subject=f"event:{event.id}", field=field, notified=count)
    ctx.reply(
        ctx._("Saved: {when}, {place}. {count} people will be told.").format(
            when=wz.show_moment(ctx, event.starts_at), place=event.place, count=ctx._.number(count)
        )
    )


def _drop_stale_places(ctx: Context, event: Event) -> Event:
    """The versions of the old place no longer say where it is: remove them and say so."""
    gone = vs.drop(ctx.conn, "event", event.id, field="place")
    if not gone:
        return event
    ctx.reply(
        ctx._(
            "You changed the {field}, so its {languages} version no longer matches and has been "
            "removed. Press “Add a language” to type it again."
        ).format(field=ctx._("Place"), languages=", ".join(native_name(lang) for lang in gone))
    )
    ctx.audit("event.versions", subject=f"event:{event.id}", removed=gone, field="place")
    found = ev.get(ctx.conn, event.id)
    assert found is not None
    return found


def notify(ctx: Context, event: Event, message: str) -> int:
    """A notice to everyone who was invited, each in their language; the count queued."""
    cluster = clusters.by_id(ctx.conn, event.cluster_id)
    zone = ZoneInfo(cluster.timezone if cluster else ctx.settings.timezone)
    payloads = {}
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        shown = event.read(language)  # the CDA's version in this language, if any
        text = _(message).format(
            title=shown.title,
            when=reminders.local_when(_, parse_iso(event.starts_at), zone),
            place=shown.place,
        )
        payloads[language] = Payload(text)
    invited, params = ev.invited_where(event.id)
    counts = fan_out(
        ctx.conn,
        kind="notice",
        ref=f"event:{event.id}:{ctx.now_iso}",
        where=f"{invited} AND c.chat_id IS NOT NULL",
        params=params,
        payloads=payloads,
        default_language="en",
        now=ctx.now,
    )
    return counts.get("queued", 0)
