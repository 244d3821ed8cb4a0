"""/broadcast to the people of one meeting or visit (SPEC §5 "event registrants").

    audience -> "People of an event" -> event (a page of 6, More, Back) -> message -> ...

A meeting's people are those who answered Yes or Maybe; a visit's are the confirmed and
the waiting list (`bot.storage.broadcasts.EVENT_PEOPLE`); the question and the preview
say which. Only the draft cluster's events are offered (upcoming, and those of the last
`RECENT` days: a follow-up after a visit is a common message), and a press for any
other event is refused like any stale button. The audience is stored as {"event": id}
and counted again at sending time, so a scheduled update reaches whoever said Yes by then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.engine import Context
from bot.messages import Choice
from bot.storage import broadcasts
from bot.storage import events as ev
from bot.storage.events import Event
from handlers.broadcasts.draft import FLOW, cluster, data
from handlers.common import picked, use_buttons

PAGE = 6
RECENT = timedelta(days=30)
MAX_LABEL_TITLE = 40
MORE, BACK = "bc:ev:more", "bc:back"


def _event_ids(ctx: Context, page: int, limit: int) -> list[int]:
    here = cluster(ctx)
    if here is None:
        return []
    since = iso(ctx.now - RECENT)
    return broadcasts.audience_events(ctx.conn, here.id, ctx.now_iso, since, limit, page * PAGE)


def has_events(ctx: Context) -> bool:
    """Whether the audience question should offer "People of an event"."""
    return bool(_event_ids(ctx, 0, 1))


def label(ctx: Context, event: Event) -> str:
    """'Natural dyes workshop · 1 Dec 2026': the day in the cluster's zone."""
    here = cluster(ctx)
    zone = ZoneInfo(here.timezone if here else ctx.settings.timezone)
    day = ctx._.date(parse_iso(event.starts_at).astimezone(zone).date())
    return f"{event.read(ctx.language).title[:MAX_LABEL_TITLE]} · {day}"


def _choices(ctx: Context) -> list[Choice]:
    page = int(data(ctx).get("evpage") or 0)
    ids = _event_ids(ctx, page, PAGE + 1)
    found = [e for e in (ev.get(ctx.conn, i) for i in ids[:PAGE]) if e is not None]
    choices = [Choice(f"bc:ev:{e.id}", label(ctx, e)) for e in found]
    if len(ids) > PAGE:
        choices.append(Choice(MORE, ctx._("Next")))
    return [*choices, Choice(BACK, ctx._("Back"))]


def ask_event(ctx: Context) -> None:
    ctx.reply(
        ctx._(
            "Which meeting or visit? For a meeting the update goes to those who answered "
            "Yes or Maybe; for a visit, to those registered and those on the waiting list."
        ),
        _choices(ctx),
    )


def start(ctx: Context, back: Callable[[Context], None]) -> None:
    """The audience step chose "People of an event"."""
    if not has_events(ctx):  # cancelled or started meanwhile
        ctx.reply(ctx._("This cluster has no upcoming or recent meetings or visits."))
        back(ctx)
        return
    ctx.go(FLOW, f"{FLOW}.event", evpage=0)
    ask_event(ctx)


def take_event(
    ctx: Context,
    back: Callable[[Context], None],
    chosen: Callable[[Context, dict[str, object]], None],
) -> None:
    options = _choices(ctx)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    if choice.id == BACK:
        ctx.go(FLOW, f"{FLOW}.audience", evpage=None)
        back(ctx)
        return
    if choice.id == MORE:
        page = int(data(ctx).get("evpage") or 0) + 1
        ctx.go(FLOW, f"{FLOW}.event", evpage=page if _event_ids(ctx, page, 1) else 0)
        ask_event(ctx)
        return
    # Offered on this page, so of the draft's cluster (the page query is per cluster).
    event_id = int(choice.id.removeprefix("bc:ev:"))
    chosen(ctx, {"event": event_id})
