"""/activity screens: the action-plan menu, a page of activities, one activity with its
notes; and the conversation data they share (cluster, page, open activity, draft).

Button ids (all under 64 bytes): ac:cluster:<id>, ac:show:all|<status> (filter),
ac:list:<offset> (page), ac:add, ac:open:<id>, ac:st:<status>, ac:note, ac:menu, plus the
add and note steps' own (activity_draft.py, activity_note.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.engine import Context
from bot.i18n import Translator
from bot.messages import Choice
from bot.storage import activities, clusters
from bot.storage.activities import Activity, Note
from bot.storage.clusters import Cluster
from handlers.activities.words import CATEGORY_LABELS, STATUS_LABELS, rupees

FLOW = "activity"
P = "ac"  # button id prefix
PAGE = 5  # activities per page: five blocks stay short on a phone
NOTES_SHOWN = 5
NOTE_PREVIEW = 300  # characters of a note shown in the activity view
BUTTON_TITLE = 24  # WhatsApp list row titles; longer titles are cut with "…"


def step(ctx: Context, name: str, **data: Any) -> None:
    ctx.go(FLOW, f"{FLOW}.{name}", **data)


def data(ctx: Context) -> dict[str, Any]:
    return ctx.conv.data if ctx.conv and ctx.conv.flow == FLOW else {}


def cluster(ctx: Context) -> Cluster | None:
    """The conversation's cluster, if this CDA still administers it."""
    found = clusters.by_id(ctx.conn, int(data(ctx).get("cluster", 0)))
    return found if found and ctx.access.may_manage(found.id) else None


def here(ctx: Context) -> Cluster:
    found = cluster(ctx)
    assert found is not None  # on_input checked it
    return found


def mine(ctx: Context, activity_id: int) -> Activity | None:
    """The activity, if it belongs to the conversation's cluster (ctx.access checked)."""
    found = activities.get(ctx.conn, activity_id)
    here_ = cluster(ctx)
    return found if found and here_ and found.cluster_id == here_.id else None


def short(text: str, limit: int = BUTTON_TITLE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- wording ------------------------------------------------------------------------------


def show_date(_: Translator, value: str | None) -> str:
    return _.date(date.fromisoformat(value)) if value else "—"


def show_dates(_: Translator, starts_on: str | None, ends_on: str | None) -> str:
    if not starts_on and not ends_on:
        return _("no dates yet")
    return f"{show_date(_, starts_on)} – {show_date(_, ends_on)}"


def budget_lines(_: Translator, beneficiaries: int, agency: int, others: int) -> list[str]:
    return [
        _("Budget: {total}").format(total=rupees(_, beneficiaries + agency + others)),
        _("Beneficiaries: {amount}").format(amount=rupees(_, beneficiaries)),
        _("Implementing agency: {amount}").format(amount=rupees(_, agency)),
        _("Other institutions: {amount}").format(amount=rupees(_, others)),
    ]


def details(_: Translator, a: Activity) -> list[str]:
    """Every field of an activity, one per line, the title in the reader's language if the
    CDA gave one."""
    a = a.read(_.language)
    return [
        f"#{a.id} {a.title}",
        _("Category: {category}").format(category=_(CATEGORY_LABELS[a.category])),
        _("Status: {status}").format(status=_(STATUS_LABELS[a.status])),
        _("Target group: {group}").format(group=a.target_group or "—"),
        _("Responsible: {who}").format(who=a.responsible or "—"),
        _("Dates: {dates}").format(dates=show_dates(_, a.starts_on, a.ends_on)),
        *budget_lines(_, a.beneficiaries_paise, a.agency_paise, a.others_paise),
        *([_("Unplanned: it came up after the action plan was agreed.")]
          if a.plan == "unplanned" else []),
    ]  # fmt: skip


def _note_line(_: Translator, note: Note) -> str:
    note = note.read(_.language)
    day = _.date(date.fromisoformat(note.at[:10]))
    if note.status:
        text = _("status changed to {status}").format(status=_(STATUS_LABELS[note.status]))
    else:
        text = short(note.text, NOTE_PREVIEW)
    published = " " + _("(in /updates)") if note.update_id else ""
    return f"• {day}: {text}{published}"


# --- the menu -----------------------------------------------------------------------------


def menu_choices(ctx: Context) -> list[Choice]:
    """All activities, the ones of each status there are (with their number), add."""
    _ = ctx._
    counts = activities.count(ctx.conn, here(ctx).id)
    if not sum(counts.values()):
        return [Choice(f"{P}:add", _("Add an activity"))]
    by_status = [
        Choice(f"{P}:show:{s}", f"{_(STATUS_LABELS[s])} ({_.number(n)})")
        for s, n in counts.items()
        if n
    ]
    return [
        Choice(f"{P}:show:all", _("List activities")),
        *by_status,
        Choice(f"{P}:add", _("Add an activity")),
    ]


def show_menu(ctx: Context) -> None:
    _ = ctx._
    counts = activities.count(ctx.conn, here(ctx).id)
    step(ctx, "menu", status=None, offset=0)
    lines = [_("Action plan of {cluster}").format(cluster=here(ctx).name)]
    if sum(counts.values()):
        lines += [f"{_(STATUS_LABELS[s])}: {_.number(n)}" for s, n in counts.items()]
    else:
        lines.append(_("No activities yet. Add the first one."))
    ctx.reply("\n".join(lines), menu_choices(ctx))


# --- a page of activities -----------------------------------------------------------------


def _page(ctx: Context) -> tuple[list[Activity], int, int]:
    """This page's activities (of the chosen status, if any), its offset, how many in all."""
    status = data(ctx).get("status")
    counts = activities.count(ctx.conn, here(ctx).id)
    total = counts.get(status, 0) if status else sum(counts.values())
    offset = int(data(ctx).get("offset", 0))
    offset = max(0, min(offset, (total - 1) // PAGE * PAGE)) if total else 0
    shown = activities.in_cluster(ctx.conn, here(ctx).id, status=status, offset=offset, limit=PAGE)
    return shown, offset, total


def list_choices(ctx: Context) -> list[Choice]:
    _ = ctx._
    shown, offset, total = _page(ctx)
    titles = [(a.id, a.read(ctx.language).title) for a in shown]
    choices = [Choice(f"{P}:open:{n}", short(f"{n}. {title}")) for n, title in titles]
    if offset + PAGE < total:
        choices.append(Choice(f"{P}:list:{offset + PAGE}", _("Next page")))
    if offset:
        choices.append(Choice(f"{P}:list:{max(0, offset - PAGE)}", _("Previous page")))
    return [*choices, Choice(f"{P}:add", _("Add an activity")), Choice(f"{P}:menu", _("Menu"))]


def show_list(ctx: Context, offset: int) -> None:
    _ = ctx._
    step(ctx, "list", offset=offset)
    shown, offset, total = _page(ctx)
    step(ctx, "list", offset=offset)
    status = data(ctx).get("status")
    lines = [_("Status: {status}").format(status=_(STATUS_LABELS[status]))] if status else []
    lines.append(
        _("Activities {first}–{last} of {total}:").format(
            first=_.number(offset + 1 if total else 0),
            last=_.number(offset + len(shown)),
            total=_.number(total),
        )
    )
    for a in shown:
        lines += [
            "",
            f"#{a.id} {a.read(ctx.language).title}",
            " · ".join(
                [
                    _(CATEGORY_LABELS[a.category]),
                    _(STATUS_LABELS[a.status]),
                    show_dates(_, a.starts_on, a.ends_on),
                ]
            ),
            _("Budget: {total}").format(total=rupees(_, a.total_paise)),
        ]
    lines += ["", _("Press an activity to change its status or add a progress note.")]
    ctx.reply("\n".join(lines), list_choices(ctx))


# --- one activity -------------------------------------------------------------------------


def activity_choices(ctx: Context, a: Activity) -> list[Choice]:
    _ = ctx._
    statuses = [
        Choice(f"{P}:st:{s}", _("Set to {status}").format(status=_(label)))
        for s, label in STATUS_LABELS.items()
        if s != a.status
    ]
    return [
        *statuses,
        Choice(f"{P}:note", _("Add progress note")),
        Choice(f"{P}:list:{int(data(ctx).get('offset', 0))}", _("Back to the list")),
    ]


def show_activity(ctx: Context, a: Activity, *, lead: str = "") -> None:
    _ = ctx._
    step(ctx, "open", activity=a.id)
    lines = [lead, ""] if lead else []
    lines += details(_, a)
    notes = activities.notes(ctx.conn, a.id, last=NOTES_SHOWN)
    if notes:
        lines += ["", _("Progress:"), *(_note_line(_, n) for n in notes)]
    ctx.reply("\n".join(lines), activity_choices(ctx, a))
