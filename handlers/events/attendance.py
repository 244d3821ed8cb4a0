"""/attendance: a CDA marks who came to a past meeting or visit (SPEC §5).

    /attendance -> pick a past event (att:<event>) -> tick names, paged (att:t:<contact>,
    att:prev, att:next; the list is redrawn in place) -> att:save -> attendance rows

The people listed are those invited to a meeting (its invitation rows in the outbox) or
who answered it, or those holding a seat on a visit, plus anyone already marked. Saving
writes every listed person as present or absent, so the rates for the M&E report
(bot.storage.attendance.participation) have a denominator.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import iso
from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from bot.storage import attendance as att
from bot.storage import events as ev
from handlers.common import picked, use_buttons
from handlers.events import draft as d
from handlers.events.press import when_text

FLOW = "attendance"
PAGE = 8  # names per page: with the navigation, fits WhatsApp's 10 list rows
LOOKBACK = timedelta(days=90)
MAX_EVENTS = 10


def _past_events(ctx: Context) -> list[ev.Event]:
    rows = ctx.conn.execute(
        "SELECT id FROM events WHERE status = 'scheduled' AND starts_at <= ? AND starts_at >= ?"
        " ORDER BY starts_at DESC",
        (ctx.now_iso, iso(ctx.now - LOOKBACK)),
    )
    found = [ev.get(ctx.conn, row[0]) for row in rows]
    managed = [e for e in found if e is not None and ctx.access.may_manage(e.cluster_id)]
    return managed[:MAX_EVENTS]


def _people(ctx: Context, event: ev.Event) -> list[tuple[int, str]]:
    if event.kind == "meeting":
        # Invited, or answered from /events without an invitation (joined later).
        chosen = (
            "SELECT contact_id FROM outbox WHERE kind = 'invitation' AND ref = ?"
            " UNION SELECT contact_id FROM rsvps WHERE event_id = ?"
        )
        params: tuple[object, ...] = (f"event:{event.id}", event.id)
    else:
        chosen = "SELECT contact_id FROM registrations WHERE event_id = ? AND status = 'confirmed'"
        params = (event.id,)
    rows = ctx.conn.execute(
        f"SELECT id, name FROM contacts WHERE id IN ({chosen})"
        " OR id IN (SELECT contact_id FROM attendance WHERE event_id = ?) ORDER BY name, id",
        (*params, event.id),
    )
    return [(row[0], row[1] or "—") for row in rows]


@command("attendance", N_("Mark who came to an event"), Audience.CDA)
def start(ctx: Context) -> None:
    events = _past_events(ctx)
    if not events:
        ctx.reply(ctx._("There is no past meeting or visit to mark yet."))
        return
    ctx.end()
    ctx.go(FLOW, f"{FLOW}.event")
    ctx.reply(ctx._("Which event? Pick one to mark who came."), _event_choices(ctx, events))


def _event_choices(ctx: Context, events: list[ev.Event]) -> list[Choice]:
    return [
        Choice(f"att:{e.id}", f"{e.read(ctx.language).title[:40]} · {when_text(ctx, e)}"[:64])
        for e in events
    ]


def take_event(ctx: Context) -> None:
    options = _event_choices(ctx, _past_events(ctx))
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    event = ev.get(ctx.conn, int(choice.id.removeprefix("att:")))
    assert event is not None
    marked = ctx.conn.execute(
        "SELECT contact_id FROM attendance WHERE event_id = ? AND present = 1", (event.id,)
    )
    ctx.go(FLOW, f"{FLOW}.tick", event=event.id, present=[r[0] for r in marked], page=0)
    if not _people(ctx, event):
        ctx.end()
        ctx.reply(ctx._("Nobody was invited to or registered for this event."))
        return
    show(ctx)


def show(ctx: Context, *, redraw: bool = False) -> None:
    data = d.data(ctx)
    event = ev.get(ctx.conn, int(data["event"]))
    assert event is not None
    people = _people(ctx, event)
    pages = max((len(people) + PAGE - 1) // PAGE, 1)
    page = min(int(data.get("page", 0)), pages - 1)
    shown = people[page * PAGE : (page + 1) * PAGE]
    choices = [Choice(f"att:t:{cid}", name[:40]) for cid, name in shown]
    if page > 0:
        choices.append(Choice("att:prev", ctx._("Previous")))
    if page < pages - 1:
        choices.append(Choice("att:next", ctx._("Next")))
    choices.append(Choice("att:save", ctx._("Save")))
    text = ctx._("Tick who came to {title} (page {page} of {pages}), then press “Save”.")
    ctx.reply(
        text.format(
            title=event.read(ctx.language).title,
            page=ctx._.number(page + 1),
            pages=ctx._.number(pages),
        ),
        choices,
        columns=2,
        selected=frozenset(f"att:t:{cid}" for cid in data.get("present", [])),
        replace=redraw,
    )


def take_tick(ctx: Context) -> None:
    data = d.data(ctx)
    event = ev.get(ctx.conn, int(data["event"]))
    assert event is not None
    people = _people(ctx, event)
    choice = ctx.inbound.choice
    present: list[int] = list(data.get("present", []))
    if choice.startswith("att:t:") and choice[6:].isdigit():
        cid = int(choice[6:])
        if cid in {p for p, _ in people}:
            present = [p for p in present if p != cid] if cid in present else [*present, cid]
        ctx.go(FLOW, f"{FLOW}.tick", present=present)
        show(ctx, redraw=True)
    elif choice in ("att:prev", "att:next"):
        step = -1 if choice == "att:prev" else 1
        ctx.go(FLOW, f"{FLOW}.tick", page=max(int(data.get("page", 0)) + step, 0))
        show(ctx, redraw=True)
    elif choice == "att:save":
        for cid, _ in people:
            att.mark_attendance(
                ctx.conn, event.id, cid, cid in present, ctx.contact.ref, ctx.now_iso
            )
        came = sum(1 for cid, _ in people if cid in present)
        ctx.end()
        ctx.audit("event.attendance", subject=f"event:{event.id}", present=came, listed=len(people))
        ctx.reply(
            ctx._("Saved: {present} of {total} came.").format(
                present=ctx._.number(came), total=ctx._.number(len(people))
            )
        )
    else:
        ctx.reply(ctx._("Please choose one of the buttons."))
        show(ctx)


@flow(FLOW)
def on_input(ctx: Context) -> None:
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step == "tick":
        # Checked at every turn, not only when the event was picked: a CDA who no longer
        # manages its cluster (or a forged draft) must not save anything.
        event = ev.get(ctx.conn, int(d.data(ctx).get("event", 0)))
        if event is None or not ctx.access.may_manage(event.cluster_id):
            ctx.end()
            ctx.reply(ctx._("You no longer manage that cluster. Send /attendance to start again."))
            return
    (take_tick if step == "tick" else take_event)(ctx)
