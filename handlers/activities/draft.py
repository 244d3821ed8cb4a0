"""/activity, adding an activity step by step (see handlers/activities/plan.py for the menu), a
wizard (handlers/wizard.py):

    title -> category -> target group* -> responsible* -> start date* -> end date*
          -> beneficiaries' share -> agency's share -> other institutions' share
          -> preview: Save | Add a language | Change a field | Cancel  (* may be skipped)

Amounts are paise, dates ISO days in the cluster's zone. Nothing is written to the action
plan before the CDA presses Save.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine import Context
from bot.i18n import N_
from bot.storage import activities
from handlers import wizard as wz
from handlers.activities import view
from handlers.activities.words import CATEGORY_LABELS

MAX_TITLE = 120
MAX_TEXT = 200  # target group, responsible


@dataclass(frozen=True)
class _PlanPick(wz.Pick):
    """Not asked on the way: most activities are in the plan. "Change a field" marks one
    unplanned (the seed expects up to a fifth of them; the report shows the share)."""

    def filled(self, draft: wz.Draft) -> bool:
        return True


def preview(ctx: Context, draft: wz.Draft) -> list[str]:
    _ = ctx._
    shown = activities.Activity(
        0, view.here(ctx).id, draft["title"], draft["category"], draft.get("target_group", ""),
        draft.get("responsible", ""), draft.get("starts_on"), draft.get("ends_on"),
        draft["beneficiaries_paise"], draft["agency_paise"], draft["others_paise"], "planned",
        ctx.contact.ref, ctx.now_iso, ctx.now_iso, plan=draft.get("plan", "planned"),
    )  # fmt: skip
    lines = view.details(_, shown)[1:]  # no "#0"
    return ["\n".join([_("New activity: {title}").format(title=shown.title), *lines, "",
                       _("Save it?")])]  # fmt: skip


def finish(ctx: Context, draft: wz.Draft) -> None:
    here = view.here(ctx)
    fields = {k: draft[k] for k in activities.EDITABLE if k in draft}
    versions = {lang: dict(texts) for lang, texts in (draft.get("versions") or {}).items()}
    a = activities.add(
        ctx.conn, cluster_id=here.id, by=ctx.contact.ref, now=ctx.now_iso,
        language=draft.get("lang"), versions=versions, **fields,
    )  # fmt: skip
    # The versions are audited with the originals, texts and all.
    added = {"versions": versions} if versions else {}
    ctx.audit("activity.add", subject=f"activity:{a.id}", cluster=here.code, **fields, **added)
    view.show_activity(ctx, a, lead=ctx._("Saved."))


def cancelled(ctx: Context) -> None:
    """Back to the action plan's menu (the conversation stays in /activity)."""
    cluster = wz.cluster_of(ctx)
    if cluster is None:
        return
    view.step(ctx, "menu", cluster=cluster.id)
    ctx.reply(ctx._("Cancelled. Nothing was saved."))
    view.show_menu(ctx)


WIZARD = wz.Wizard(
    flow=view.FLOW,
    prefix=view.P,
    command="activity",
    step_prefix="add.",
    fields=(
        wz.Text(
            "title",
            N_("Title"),
            N_("What is the activity? Type a short title. Send /cancel to stop."),
            limit=MAX_TITLE,
        ),
        wz.Pick(
            "category",
            N_("Category"),
            N_("Which kind of activity is it?"),
            options=tuple(CATEGORY_LABELS.items()),
        ),
        _PlanPick(
            "plan",
            N_("In the action plan?"),
            N_("Was this activity in the action plan agreed with the cluster, or did it come "
               "up later (unplanned)?"),
            options=(("planned", N_("Planned")), ("unplanned", N_("Unplanned"))),
        ),
        wz.Text(
            "target_group",
            N_("Target group"),
            N_("Who is it for? For example: women block printers of Bagru."),
            limit=MAX_TEXT,
            optional=True,
        ),
        wz.Text(
            "responsible",
            N_("Responsible"),
            N_("Who is responsible? A person or an institution."),
            limit=MAX_TEXT,
            optional=True,
        ),
        wz.Day("starts_on", N_("Start date"), N_("When does it start?")),
        wz.Day("ends_on", N_("End date"), N_("When does it end?"), not_before="starts_on"),
        wz.Money(
            "beneficiaries_paise",
            N_("Beneficiaries' share"),
            N_("How much do the beneficiaries contribute, in rupees?"),
        ),
        wz.Money(
            "agency_paise",
            N_("Agency's share"),
            N_("How much does the implementing agency contribute, in rupees?"),
        ),
        wz.Money(
            "others_paise",
            N_("Others' share"),
            N_("How much do other institutions contribute, in rupees?"),
        ),
    ),
    preview=preview,
    finish=finish,
    send=("save", N_("Save")),
    cancel=("drop", N_("Cancel")),
    cancelled=cancelled,
    translatable=("title",),
)


def start(ctx: Context) -> None:
    cluster = wz.cluster_of(ctx)
    assert cluster is not None  # the menu this is pressed from checked it
    WIZARD.begin(ctx, cluster=cluster.id)
