"""/activity: a CDA keeps the cluster's action plan (SPEC §5, issue 7).

    cluster* -> menu -> list (all, or of one status; pages of 5) -> activity -> status | note
                     -> add (handlers/activity_draft.py)     (* only with several clusters)

Screens are in activity_view.py, adding in activity_draft.py, notes in activity_note.py.
A CDA sees and changes only the activities of clusters they administer (checked at every
turn, not only at the start); every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from bot.storage import activities
from handlers import activity_draft, activity_note
from handlers import activity_view as view
from handlers.activity_words import STATUS_LABELS
from handlers.broadcast_draft import managed_clusters
from handlers.common import picked, use_buttons
from handlers.registry import Audience, command

FLOW = view.FLOW
P = view.P


def _cluster_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:cluster:{c.id}", c.name[:40]) for c in managed_clusters(ctx)]


@command("activity", N_("Action plan activities"), Audience.CDA)
def start(ctx: Context) -> None:
    options = _cluster_choices(ctx)
    if not options:
        ctx.reply(ctx._("No cluster has been set up yet. Add one with: clusterbot cluster add"))
        return
    ctx.end()  # whatever was in progress
    if len(options) == 1:
        view.step(ctx, "menu", cluster=int(options[0].id.rsplit(":", 1)[1]))
        view.show_menu(ctx)
        return
    view.step(ctx, "cluster")
    ctx.reply(ctx._("Which cluster's action plan?"), options)


def take_cluster(ctx: Context) -> None:
    options = _cluster_choices(ctx)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    view.step(ctx, "menu", cluster=int(choice.id.rsplit(":", 1)[1]))
    view.show_menu(ctx)


def _navigate(ctx: Context, choice: Choice) -> None:
    """The buttons the menu, list and activity screens share."""
    if choice.id == f"{P}:add":
        activity_draft.start(ctx)
    elif choice.id == f"{P}:menu":
        view.show_menu(ctx)
    elif choice.id.startswith(f"{P}:show:"):
        status = choice.id.removeprefix(f"{P}:show:")
        view.step(ctx, "list", status=None if status == "all" else status)
        view.show_list(ctx, 0)
    elif choice.id.startswith(f"{P}:list:"):
        view.show_list(ctx, int(choice.id.rsplit(":", 1)[1]))
    elif choice.id.startswith(f"{P}:open:"):
        found = view.mine(ctx, int(choice.id.rsplit(":", 1)[1]))
        if found is None:  # deleted meanwhile: cannot happen today, but never crash
            view.show_list(ctx, 0)
        else:
            view.show_activity(ctx, found)


def _on_screen(ctx: Context, choices: list[Choice]) -> None:
    choice = picked(ctx, choices)
    if choice is None:
        use_buttons(ctx, choices)
    else:
        _navigate(ctx, choice)


def take_menu(ctx: Context) -> None:
    _on_screen(ctx, view.menu_choices(ctx))


def take_list(ctx: Context) -> None:
    _on_screen(ctx, view.list_choices(ctx))


def take_open(ctx: Context) -> None:
    a = view.mine(ctx, int(view.data(ctx).get("activity", 0)))
    if a is None:
        view.show_menu(ctx)
        return
    choices = view.activity_choices(ctx, a)
    choice = picked(ctx, choices)
    if choice is None:
        use_buttons(ctx, choices)
    elif choice.id == f"{P}:note":
        activity_note.start(ctx)
    elif choice.id.startswith(f"{P}:st:"):
        status = choice.id.removeprefix(f"{P}:st:")
        activities.set_status(ctx.conn, a.id, status, by=ctx.contact.ref, now=ctx.now_iso)
        ctx.audit("activity.status", subject=f"activity:{a.id}", old=a.status, new=status)
        lead = ctx._("Status changed to {status}.").format(status=ctx._(STATUS_LABELS[status]))
        view.show_activity(ctx, activities.get(ctx.conn, a.id) or a, lead=lead)
    else:
        _navigate(ctx, choice)


STEPS: dict[str, Callable[[Context], None]] = {
    "cluster": take_cluster,
    "menu": take_menu,
    "list": take_list,
    "open": take_open,
    "note": activity_note.take_note,
    "publish": activity_note.take_publish,
    **activity_draft.STEPS,
}
NEEDS_ACTIVITY = ("open", "note", "publish")


def on_input(ctx: Context) -> None:
    """A message while in /activity: hand it to the current step."""
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step != "cluster" and view.cluster(ctx) is None:
        # The cluster is gone or no longer this CDA's: nothing here may go on.
        ctx.end()
        ctx.reply(ctx._("You no longer manage that cluster. Send /activity to start again."))
        return
    if step in NEEDS_ACTIVITY and view.mine(ctx, int(view.data(ctx).get("activity", 0))) is None:
        view.show_menu(ctx)
        return
    STEPS.get(step, take_cluster)(ctx)
