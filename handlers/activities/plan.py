"""/activity: a CDA keeps the cluster's action plan (SPEC §5, issue 7).

    cluster* -> menu -> list (all, or of one status; pages of 5) -> activity -> status | note
                     -> add (handlers/activities/draft.py)     (* only with several clusters)

Screens are in activity_view.py, adding in activity_draft.py, notes in activity_note.py.
A CDA sees and changes only the activities of clusters they administer (checked at every
turn, not only at the start); every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from bot.storage import activities
from handlers import wizard as wz
from handlers.activities import draft as activity_draft
from handlers.activities import note as activity_note
from handlers.activities import view
from handlers.activities.words import STATUS_LABELS
from handlers.common import picked, use_buttons

FLOW = view.FLOW
P = view.P


@command("activity", N_("Action plan activities"), Audience.CDA)
def start(ctx: Context) -> None:
    wz.start_in_a_cluster(ctx, P, FLOW, ctx._("Which cluster's action plan?"), _open_menu)


def _open_menu(ctx: Context, cluster_id: int) -> None:
    view.step(ctx, "menu", cluster=cluster_id)
    view.show_menu(ctx)


def take_cluster(ctx: Context) -> None:
    wz.take_cluster(ctx, P, _open_menu)


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
    "notelang": activity_note.take_language,
    "notever": activity_note.take_version,
}
NEEDS_ACTIVITY = ("open", "note", "publish", "notelang", "notever")


# /skip skips the optional steps of a new activity (target group, dates).
@flow(FLOW, own_commands=frozenset({"skip"}))
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
    if step.startswith("add."):
        activity_draft.WIZARD.on_input(ctx, step.removeprefix("add."))
        return
    STEPS.get(step, take_cluster)(ctx)
