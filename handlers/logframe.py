"""/logframe (issue 18): where each log-frame indicator of a cluster stands — baseline,
target, latest value, % of the way and a traffic light — for CDAs and observers (aggregates
only); a CDA enters the value of a manual indicator by chat.

    /logframe ──(several clusters)──> logframe.cluster: [cluster buttons]  lf:c:<id>
        └──> the list (built after the commit, on the reader) [New value] (CDA, manual rows)
             lf:n ──> logframe.row: [one button per manual indicator]   lf:r:<row id>
                 ──> logframe.value: the number ──> logframe.date: [Today] or a date
                 ──> logframe.note: a few words or [No note] ──> saved, audited, the list

The file itself comes and goes with `clusterbot logframe import|export`.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.logframe.sources import parse as parse_source
from bot.logframe.standing import LEVEL_LABELS, LIGHTS, Standing, standings
from bot.messages import Choice, Outbound
from bot.parse.dates import parse_date
from bot.parse.numbers import parse_number
from bot.storage import audit, clusters
from bot.storage import logframe as store
from bot.storage.clusters import Cluster
from handlers.common import use_buttons

FLOW = "logframe"
CLUSTER, ROW, VALUE, DAY, NOTE = (f"{FLOW}.{s}" for s in ("cluster", "row", "value", "date",
                                                          "note"))  # fmt: skip
MESSAGE_CHARS = 3500  # Telegram's 4,096 with room for the buttons' text on WhatsApp
MAX_NOTE = 200


def viewable(ctx: Context) -> list[Cluster]:
    return [c for c in clusters.all_clusters(ctx.conn) if ctx.access.may_report(c.id)]


@command("logframe", N_("Log-frame: targets and where they stand"), Audience.REPORT)
def start(ctx: Context) -> None:
    ctx.end()
    found = viewable(ctx)
    if not found:
        ctx.reply(ctx._("There is no cluster to report on yet."))
    elif len(found) == 1:
        show(ctx, found[0])
    else:
        ctx.go(FLOW, CLUSTER)
        ctx.reply(ctx._("Which cluster?"), _cluster_choices(found))


def _cluster_choices(found: list[Cluster]) -> list[Choice]:
    return [Choice(f"lf:c:{c.id}", c.name[:60]) for c in found]


def _today(cluster: Cluster, now: datetime) -> date:
    return now.astimezone(ZoneInfo(cluster.timezone)).date()


def _manual(ctx: Context, cluster: Cluster) -> list[store.Row]:
    if not ctx.access.may_manage(cluster.id):
        return []
    return [r for r in store.rows(ctx.conn, cluster.id) if not parse_source(r.source).computed]


def show(ctx: Context, cluster: Cluster) -> None:
    """The list, built after the turn: computed sources read whole surveys."""
    _, now = ctx._, ctx.now
    today = _today(cluster, now)
    if not store.rows(ctx.conn, cluster.id):
        ctx.end()
        ctx.reply(_("{cluster} has no log-frame yet. It is loaded from a spreadsheet with "
                    "clusterbot logframe import.").format(cluster=cluster.name))  # fmt: skip
        return
    choices: tuple[Choice, ...] = ()
    if _manual(ctx, cluster):
        choices = (Choice("lf:n", _("New value")),)
        ctx.go(FLOW, ROW, cluster=cluster.id)
    else:
        ctx.end()

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        found = standings(conn, cluster.id, now, today)
        pages = pages_of(_, cluster.name, found)
        return [Outbound(text, choices if n == len(pages) - 1 else ())
                for n, text in enumerate(pages)]  # fmt: skip

    ctx.reply_later(build, _("Sorry, the log-frame could not be prepared. Please try again."))


def _number(_: Translator, value: float | None) -> str:
    return "—" if value is None else _.number(round(value, 2))


def line(_: Translator, item: Standing) -> str:
    row = item.row
    target = _number(_, row.target)
    if row.target_date:
        target = _("{target} by {date}").format(
            target=target, date=_.date(date.fromisoformat(row.target_date))
        )
    head = f"{LIGHTS[item.light]} {row.ref} {row.indicator}"
    plan = _("baseline {baseline} → target {target}").format(
        baseline=_number(_, row.baseline), target=target
    )
    if item.value is None:
        now = _("no value yet") if not parse_source(row.source).computed else _(
            "too few answers to say")  # fmt: skip
    else:
        now = _("now {value} ({date})").format(
            value=_number(_, item.value),
            date=_.date(date.fromisoformat(item.measured_on or "1970-01-01")),
        )
        if item.progress is not None:
            now += " · " + _("{percent}% of the way").format(percent=round(item.progress * 100))
    return f"{head}\n   {plan}\n   {now}"


def pages_of(_: Translator, cluster: str, found: list[Standing]) -> list[str]:
    """The list under level headings, cut into messages that fit a chat."""
    blocks, level = [_("Log-frame of {cluster}:").format(cluster=cluster)], ""
    for item in found:
        if item.row.level != level:
            level = item.row.level
            blocks.append(f"\n{_(LEVEL_LABELS[level])}")
        blocks.append(line(_, item))
    blocks.append("\n" + _("🟢 on track · 🟠 behind · 🔴 far behind · ⚪ nothing to judge yet"))
    pages, page = [], ""
    for block in blocks:
        if page and len(page) + len(block) + 1 > MESSAGE_CHARS:
            pages.append(page)
            page = ""
        page = f"{page}\n{block}" if page else block
    return [*pages, page]


@flow(FLOW)
def on_input(ctx: Context) -> None:
    assert ctx.conv is not None
    step, choice = ctx.conv.step, ctx.inbound.choice
    if step == CLUSTER:
        raw = choice.removeprefix("lf:c:") if choice.startswith("lf:c:") else ""
        if raw.isdigit() and ctx.access.may_report(int(raw)):
            found = clusters.by_id(ctx.conn, int(raw))
            if found is not None:
                show(ctx, found)
                return
        use_buttons(ctx, _cluster_choices(viewable(ctx)))
        return
    cluster = _cluster(ctx)
    if cluster is None or not ctx.access.may_manage(cluster.id):
        ctx.end()
        ctx.reply(ctx._("Please send /logframe again."))
    elif step == ROW:
        _on_row(ctx, cluster, choice)
    elif step == VALUE:
        _on_value(ctx, cluster)
    elif step == DAY:
        _on_day(ctx, cluster, choice)
    elif step == NOTE:
        _on_note(ctx, cluster, choice)


def _cluster(ctx: Context) -> Cluster | None:
    assert ctx.conv is not None
    raw = str(ctx.conv.data.get("cluster", ""))
    return clusters.by_id(ctx.conn, int(raw)) if raw.isdigit() else None


def _row_choices(ctx: Context, cluster: Cluster) -> list[Choice]:
    return [Choice(f"lf:r:{r.id}", f"{r.ref} {r.indicator}"[:60])
            for r in _manual(ctx, cluster)][:10]  # fmt: skip


def _chosen_row(ctx: Context, cluster: Cluster) -> store.Row | None:
    assert ctx.conv is not None
    raw = str(ctx.conv.data.get("row", ""))
    found = store.row(ctx.conn, cluster.id, int(raw)) if raw.isdigit() else None
    return found if found and not parse_source(found.source).computed else None


def _on_row(ctx: Context, cluster: Cluster, choice: str) -> None:
    if choice == "lf:n":
        ctx.reply(ctx._("Which indicator has a new value?"), _row_choices(ctx, cluster))
        return
    raw = choice.removeprefix("lf:r:") if choice.startswith("lf:r:") else ""
    found = store.row(ctx.conn, cluster.id, int(raw)) if raw.isdigit() else None
    if found is None or parse_source(found.source).computed:
        use_buttons(ctx, _row_choices(ctx, cluster))
        return
    ctx.go(FLOW, VALUE, cluster=cluster.id, row=found.id)
    ctx.reply(ctx._("Type the new value of “{indicator}” (baseline {baseline}, target "
                    "{target}). Send /cancel to stop.").format(
        indicator=found.indicator, baseline=_number(ctx._, found.baseline),
        target=_number(ctx._, found.target)))  # fmt: skip


def _day_choices(ctx: Context) -> list[Choice]:
    return [Choice("lf:d:0", ctx._("Today")), Choice("lf:d:1", ctx._("Yesterday"))]


def _on_value(ctx: Context, cluster: Cluster) -> None:
    found = parse_number(ctx.inbound.text) if ctx.inbound.text else None
    if _chosen_row(ctx, cluster) is None:
        ctx.end()
        ctx.reply(ctx._("Please send /logframe again."))
        return
    if found is None:
        ctx.reply(ctx._("Please type a number, for example 12 or 2.5 lakh."))
        return
    assert ctx.conv is not None
    ctx.go(FLOW, DAY, **ctx.conv.data, value=str(found.value))
    ctx.reply(ctx._("When was it measured? Press a button or type a date."), _day_choices(ctx))


def _on_day(ctx: Context, cluster: Cluster, choice: str) -> None:
    today = _today(cluster, ctx.now)
    if choice.startswith("lf:d:") and choice[5:] in ("0", "1"):
        day: date | None = date.fromordinal(today.toordinal() - int(choice[5:]))
    else:
        day = parse_date(ctx.inbound.text, today, direction="past") if ctx.inbound.text else None
    if day is None or day > today:
        ctx.reply(ctx._("Please press a button or type a date that has passed, for example "
                        "25 November."), _day_choices(ctx))  # fmt: skip
        return
    assert ctx.conv is not None
    ctx.go(FLOW, NOTE, **ctx.conv.data, day=day.isoformat())
    ctx.reply(ctx._("Add a few words on where the figure comes from, or press “No note”."),
              [Choice("lf:o", ctx._("No note"))])  # fmt: skip


def _on_note(ctx: Context, cluster: Cluster, choice: str) -> None:
    note = "" if choice == "lf:o" else (ctx.inbound.text or "").strip()
    if choice != "lf:o" and not note:
        use_buttons(ctx, [Choice("lf:o", ctx._("No note"))])
        return
    if len(note) > MAX_NOTE:
        ctx.reply(ctx._("Please keep the note to {count} characters.").format(count=MAX_NOTE))
        return
    row = _chosen_row(ctx, cluster)
    assert ctx.conv is not None
    data = ctx.conv.data
    if row is None:
        ctx.end()
        ctx.reply(ctx._("Please send /logframe again."))
        return
    value, day = float(str(data["value"])), str(data["day"])
    store.enter(ctx.conn, row.id, value, day, note, ctx.contact.id, ctx.now_iso)
    audit.record(ctx.conn, at=ctx.now_iso, actor=ctx.contact.ref, action="logframe.value",
                 cluster_id=cluster.id, subject=row.ref,
                 detail={"value": value, "measured_on": day})  # fmt: skip
    ctx.reply(ctx._("Saved: {indicator} is {value} on {date}.").format(
        indicator=row.indicator, value=_number(ctx._, value),
        date=ctx._.date(date.fromisoformat(day))))  # fmt: skip
    show(ctx, cluster)
