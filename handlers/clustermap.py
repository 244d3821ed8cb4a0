"""/clustermap (issue 19): the cluster map — actor types, networks and the linkages between
them — as one picture, and on request the start beside today with new linkages highlighted.
For CDAs and observers (Audience.REPORT): counts only, no person is named.

    /clustermap ──(several clusters)──> clustermap.cluster: [cluster buttons]
        │ (one cluster)                       │ cm:c:<id>
        └──────────> the map (drawn after the commit, on the reader)
                     (the start: the report's baseline, `graph.baseline_date`)
                     clustermap.shown: [Compare with start] ── cm:cmp ──> start | today

Drawing reads the whole cluster and takes a second, so the turn only checks access and
whether there is a start to compare with; the pictures are `reply_later`.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, NC_, Translator
from bot.messages import Choice, Media, Outbound
from bot.networks import draw, graph
from bot.storage import clusters
from bot.storage.clusters import Cluster
from handlers.common import use_buttons
from handlers.report import reportable

FLOW = "clustermap"
COMPARE = NC_("button", "Compare with start")
NO_START = N_(
    "No linkage has been recorded yet, so there is no start to compare with. A CDA records"
    " them with /networks, or a survey asks for them."
)


@command("clustermap", N_("The cluster map"), Audience.REPORT)
def start(ctx: Context) -> None:
    ctx.end()
    found = reportable(ctx)
    if not found:
        ctx.reply(ctx._("There is no cluster to report on yet."))
    elif len(found) == 1:
        send_map(ctx, found[0])
    else:
        ctx.go(FLOW, f"{FLOW}.cluster")
        ctx.reply(ctx._("Which cluster?"), _cluster_choices(found))


def _cluster_choices(found: list[Cluster]) -> list[Choice]:
    return [Choice(f"cm:c:{c.id}", c.name[:60]) for c in found]


def _compare_choices(ctx: Context) -> list[Choice]:
    return [Choice("cm:cmp", ctx._(COMPARE))]


@flow(FLOW)
def on_input(ctx: Context) -> None:
    assert ctx.conv is not None
    step, choice = ctx.conv.step, ctx.inbound.choice
    if step == f"{FLOW}.cluster":
        cluster = _allowed(ctx, choice.removeprefix("cm:c:") if choice.startswith("cm:c:") else "")
        if cluster is None:
            use_buttons(ctx, _cluster_choices(reportable(ctx)))
        else:
            send_map(ctx, cluster)
        return
    cluster = _allowed(ctx, str(ctx.conv.data.get("cluster", "")))
    if step == f"{FLOW}.shown" and cluster and choice == "cm:cmp":
        send_comparison(ctx, cluster)
    elif step == f"{FLOW}.shown" and cluster:
        use_buttons(ctx, _compare_choices(ctx))
    else:  # the cluster is gone or no longer theirs
        ctx.end()
        ctx.reply(ctx._("Please send /clustermap again."))


def _allowed(ctx: Context, raw: str) -> Cluster | None:
    if not raw.isdigit() or not ctx.access.may_report(int(raw)):
        return None
    return clusters.by_id(ctx.conn, int(raw))


def _summary(_: Translator, g: graph.ClusterGraph) -> str:
    roles = sum(1 for n in g.nodes if n.kind == "role")
    networks = sum(1 for n in g.nodes if n.kind == "network")
    reports = sum(e.weight for e in g.edges)
    text = _("Actor types: {roles} · networks: {networks} · linkages: {linkages}"
             " ({reports} reports)")
    return text.format(roles=_.number(roles), networks=_.number(networks),
                       linkages=_.number(len(g.edges)), reports=_.number(reports))


def send_map(ctx: Context, cluster: Cluster) -> None:
    _ = ctx._
    title = draw.title_of(cluster.name, cluster.code)

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        today = graph.build(conn, cluster.id)
        png = draw.picture(_, conn, cluster.id, title)
        caption = f"{cluster.name}\n{_summary(_, today)}"[:1000]
        return [Outbound(caption, media=Media("photo", f"clustermap-{cluster.code}.png", png))]

    ctx.reply_later(build, _("Sorry, the map could not be drawn. Please try again."))
    baseline = graph.baseline_date(ctx.conn, cluster.id)
    if baseline is None:
        ctx.end()
        ctx.reply(_(NO_START))
        return
    ctx.go(FLOW, f"{FLOW}.shown", cluster=cluster.id)
    ctx.reply(
        _("The map at the start ({date}) beside today's:").format(
            date=_.date(date.fromisoformat(baseline))),
        _compare_choices(ctx),
    )


def send_comparison(ctx: Context, cluster: Cluster) -> None:
    _ = ctx._
    ctx.end()
    title = draw.title_of(cluster.name, cluster.code)

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        baseline = graph.baseline_date(conn, cluster.id)
        if baseline is None:  # every linkage was erased since the button was shown
            return [Outbound(_(NO_START))]
        change = graph.compare(conn, cluster.id, baseline)
        png = draw.picture(_, conn, cluster.id, title, baseline=baseline)
        new = len(change.new)
        line = _.ngettext("{count} new linkage since the start ({date})",
                          "{count} new linkages since the start ({date})", new).format(
            count=_.number(new), date=_.date(date.fromisoformat(baseline)))
        caption = f"{cluster.name}\n{line}"[:1000]
        name = f"clustermap-{cluster.code}-compare.png"
        return [Outbound(caption, media=Media("photo", name, png))]

    ctx.reply_later(build, _("Sorry, the map could not be drawn. Please try again."))
