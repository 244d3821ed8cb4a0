"""The cluster-first start of a CDA flow: a CDA of one cluster goes straight in, a CDA of
several is asked which cluster first."""

from __future__ import annotations

from collections.abc import Callable

from bot.engine import Context
from bot.messages import Choice
from bot.storage import clusters
from bot.storage.clusters import Cluster
from handlers.common import picked, use_buttons


def managed_clusters(ctx: Context) -> list[Cluster]:
    """The clusters this CDA administers (bootstrap admins: all of them)."""
    return [c for c in clusters.all_clusters(ctx.conn) if ctx.access.may_manage(c.id)]


def cluster_choices(ctx: Context, prefix: str) -> list[Choice]:
    return [Choice(f"{prefix}:cluster:{c.id}", c.name[:40]) for c in managed_clusters(ctx)]


def start_in_a_cluster(
    ctx: Context, prefix: str, flow: str, question: str, first: Callable[[Context, int], None]
) -> None:
    """A CDA of one cluster goes straight to `first`; a CDA of several is asked `question`
    first (the answer goes to `take_cluster`)."""
    options = cluster_choices(ctx, prefix)
    if not options:
        ctx.reply(ctx._("No cluster has been set up yet. Add one with: clusterbot cluster add"))
        return
    ctx.end()  # whatever was in progress
    if len(options) == 1:
        first(ctx, cluster_id(options[0]))
        return
    ctx.go(flow, f"{flow}.cluster")
    ctx.reply(question, options)


def take_cluster(ctx: Context, prefix: str, first: Callable[[Context, int], None]) -> None:
    options = cluster_choices(ctx, prefix)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    first(ctx, cluster_id(choice))


def cluster_id(choice: Choice) -> int:
    return int(choice.id.rsplit(":", 1)[1])
