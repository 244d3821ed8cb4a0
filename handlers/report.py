"""/report (SPEC §5, issue 7): the M&E indicators of one cluster for a period, as a short
text, a chart and, on request, a spreadsheet. For CDAs and observers (Audience.REPORT);
each sees only the clusters they are given.

    /report ──(several clusters)──> report.cluster: [cluster buttons]
       │ (one cluster)                    │ rep:c:<id>
       └────────────> report.period: [This month | Last 3 months | Whole programme]
                                          │ rep:p:<kind>
                          text + chart ◄──┘  (built after the commit, on the reader)
                          report.sheet: [Spreadsheet] ── rep:x ──> .xlsx (audited)

The report carries aggregates only — no name, phone number or place of any person — so
observers (the implementing or funding agency) get exactly what a CDA gets. Building it
reads the whole cluster, so the turn only checks access; the work is a `reply_later`.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.logframe.standing import standings
from bot.messages import Choice, Media, Outbound
from bot.reports import indicators
from bot.reports.charts import report_chart
from bot.reports.labels import PERIOD_LABELS
from bot.reports.text import period_text, report_text
from bot.reports.workbook import report_workbook
from bot.storage import audit, clusters
from bot.storage.clusters import Cluster
from handlers.common import use_buttons

FLOW = "report"


def reportable(ctx: Context) -> list[Cluster]:
    """The clusters this CDA or observer may see reports of."""
    return [c for c in clusters.all_clusters(ctx.conn) if ctx.access.may_report(c.id)]


@command("report", N_("M&E report"), Audience.REPORT)
def start(ctx: Context) -> None:
    ctx.end()
    found = reportable(ctx)
    if not found:
        ctx.reply(ctx._("There is no cluster to report on yet."))
    elif len(found) == 1:
        ask_period(ctx, found[0])
    else:
        ctx.go(FLOW, f"{FLOW}.cluster")
        ctx.reply(ctx._("Which cluster?"), _cluster_choices(found))


def _cluster_choices(found: list[Cluster]) -> list[Choice]:
    return [Choice(f"rep:c:{c.id}", c.name[:60]) for c in found]


def _period_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"rep:p:{kind}", ctx._(PERIOD_LABELS[kind])) for kind in indicators.PERIOD_KINDS]


def _sheet_choices(ctx: Context) -> list[Choice]:
    return [Choice("rep:x", ctx._("Spreadsheet"))]


def ask_period(ctx: Context, cluster: Cluster) -> None:
    ctx.go(FLOW, f"{FLOW}.period", cluster=cluster.id)
    ctx.reply(
        ctx._("Report for {cluster}: which period?").format(cluster=cluster.name),
        _period_choices(ctx),
    )


@flow(FLOW)
def on_input(ctx: Context) -> None:
    assert ctx.conv is not None
    step, choice = ctx.conv.step, ctx.inbound.choice
    cluster = _chosen_cluster(ctx, choice if step == f"{FLOW}.cluster" else "")
    if step == f"{FLOW}.cluster":
        if cluster is None:
            use_buttons(ctx, _cluster_choices(reportable(ctx)))
        else:
            ask_period(ctx, cluster)
    elif step in (f"{FLOW}.period", f"{FLOW}.sheet") and cluster and _period(choice):
        # From the sheet step too: the period buttons above still work for another period.
        send_report(ctx, cluster, _period(choice))
    elif step == f"{FLOW}.period" and cluster:
        use_buttons(ctx, _period_choices(ctx))
    elif step == f"{FLOW}.sheet" and cluster and choice == "rep:x":
        send_workbook(ctx, cluster, str(ctx.conv.data.get("period", "all")))
    elif step == f"{FLOW}.sheet" and cluster:
        use_buttons(ctx, _sheet_choices(ctx))
    else:  # the cluster is gone or no longer theirs
        ctx.end()
        ctx.reply(ctx._("Please send /report again."))


def _period(choice: str) -> str:
    kind = choice.removeprefix("rep:p:")
    return kind if choice.startswith("rep:p:") and kind in PERIOD_LABELS else ""


def _chosen_cluster(ctx: Context, choice: str) -> Cluster | None:
    """The cluster pressed (cluster step) or remembered in the draft, if still allowed."""
    if choice:
        raw = choice.removeprefix("rep:c:") if choice.startswith("rep:c:") else ""
    else:
        assert ctx.conv is not None
        raw = str(ctx.conv.data.get("cluster", ""))
    if not raw.isdigit() or not ctx.access.may_report(int(raw)):
        return None
    return clusters.by_id(ctx.conn, int(raw))


def _report(
    conn: sqlite3.Connection, cluster: Cluster, kind: str, now: datetime
) -> indicators.Report:
    return indicators.build(
        conn, cluster.id, indicators.period_for(kind, now, ZoneInfo(cluster.timezone))
    )


def send_report(ctx: Context, cluster: Cluster, kind: str) -> None:
    _, now = ctx._, ctx.now

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        report = _report(conn, cluster, kind, now)
        png = report_chart(_, report)
        return [
            Outbound(report_text(_, report)),
            Outbound(_caption(_, report), media=Media("photo", f"report-{cluster.code}.png", png)),
        ]

    ctx.reply_later(build, _("Sorry, the report could not be prepared. Please try again."))
    ctx.go(FLOW, f"{FLOW}.sheet", cluster=cluster.id, period=kind)
    ctx.reply(_("The full tables, one sheet per indicator group:"), _sheet_choices(ctx))


def _caption(_: Translator, report: indicators.Report) -> str:
    return f"{report.cluster_name}\n{period_text(_, report)}"[:1000]


def send_workbook(ctx: Context, cluster: Cluster, kind: str) -> None:
    _, now = ctx._, ctx.now
    ctx.end()
    audit.record(
        ctx.conn,
        at=ctx.now_iso,
        actor=ctx.contact.ref,
        action="report.export",
        cluster_id=cluster.id,
        subject=cluster.code,
        detail={"period": kind, "format": "xlsx"},
    )

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        report = _report(conn, cluster, kind, now)
        frame = standings(conn, cluster.id, now, now.astimezone(ZoneInfo(cluster.timezone)).date())
        buffer = io.BytesIO()
        report_workbook(_, report, buffer, frame)
        name = f"report-{cluster.code}-{kind}.xlsx"
        return [Outbound(_caption(_, report), media=Media("document", name, buffer.getvalue()))]

    ctx.reply_later(build, _("Sorry, the spreadsheet could not be prepared. Please try again."))
