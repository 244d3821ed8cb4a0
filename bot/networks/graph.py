"""The cluster map as data (issue 19): who the cluster's actors are and how they are linked,
as it stood at a date, checked before anything is drawn (`bot/networks/draw.py`).

Nodes are actor types (the roles of `bot.vocabulary.ROLES`, sized by how many registered
people have that role) and networks (sized by their members); edges are linkages, one per
(from, to, kind), weighted by how many rows report it — a linkage three respondents name
weighs 3. Everything is sorted (roles in the vocabulary's order, then networks by id, edges
by their ends and kind) so the same data always gives the same graph, and so the same
picture.

"At" a date follows the networks storage: a bare 'YYYY-MM-DD' means the end of that day
(UTC, as `nw.member_counts` reads it), a linkage counts when `since <= at < until`.
The map carries counts only: no person's name is read.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.storage import networks as nw
from bot.vocabulary import ROLES

ROLE_ORDER = {key: i for i, key in enumerate(ROLES)}

NodeKey = tuple[str, str]  # ("role", role key) | ("network", str(network id))
EdgeKey = tuple[NodeKey, NodeKey, str]  # (from, to, linkage kind)


@dataclass(frozen=True)
class Node:
    kind: str  # role | network
    ref: str  # a role key, or a network id as text
    size: int  # registered people with the role / members of the network
    name: str = ""  # a network's name as typed (a role's label is translated when drawn)

    @property
    def key(self) -> NodeKey:
        return (self.kind, self.ref)


@dataclass(frozen=True)
class Edge:
    source: NodeKey
    target: NodeKey
    kind: str  # one of nw.LINKAGE_KINDS
    weight: int  # how many linkage rows report it

    @property
    def key(self) -> EdgeKey:
        return (self.source, self.target, self.kind)


@dataclass(frozen=True)
class ClusterGraph:
    cluster_id: int
    at: str | None  # 'YYYY-MM-DD', or None for now
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, key: NodeKey) -> Node | None:
        return next((n for n in self.nodes if n.key == key), None)

    def edge_keys(self) -> frozenset[EdgeKey]:
        return frozenset(e.key for e in self.edges)


@dataclass(frozen=True)
class Comparison:
    """The baseline map beside today's: which linkages are new since, and which ended."""

    before: ClusterGraph
    after: ClusterGraph

    @property
    def new(self) -> frozenset[EdgeKey]:
        return self.after.edge_keys() - self.before.edge_keys()

    @property
    def gone(self) -> frozenset[EdgeKey]:
        return self.before.edge_keys() - self.after.edge_keys()


def _sort_key(key: NodeKey) -> tuple[int, int, str]:
    kind, ref = key
    if kind == "role":
        return (0, ROLE_ORDER.get(ref, len(ROLE_ORDER)), ref)
    return (1, int(ref) if ref.isdigit() else 0, ref)


def _end_of(at: str) -> str:
    # Same reading as the networks storage: a date is the whole of that day.
    return at + "T99" if len(at) == 10 else at


def _roles_at(conn: sqlite3.Connection, cluster_id: int, at: str | None) -> Counter[str]:
    rows = conn.execute(
        "SELECT role, COUNT(*) FROM contacts WHERE cluster_id = ? AND status = 'registered'"
        " AND role IS NOT NULL AND (? IS NULL OR registered_at <= ?) GROUP BY role",
        (cluster_id, at, _end_of(at) if at else None),
    )
    return Counter({str(role): int(n) for role, n in rows if role in ROLES})


def _existed(network: nw.Network, at: str | None) -> bool:
    """Founded (or, without a founding date, recorded) on or before `at`."""
    if at is None:
        return True
    day = network.founded_on or network.created_at[:10]
    return day <= at[:10]


def build(conn: sqlite3.Connection, cluster_id: int, at: str | None = None) -> ClusterGraph:
    """The cluster's map at the end of the local date `at` (None: now)."""
    if at is not None:
        date.fromisoformat(at)  # a bad date is the caller's bug, not an empty map
    roles = _roles_at(conn, cluster_id, at)
    networks = {str(n.id): n for n in nw.in_cluster(conn, cluster_id)}
    members = nw.member_counts(conn, cluster_id, at)
    linkages = nw.linkages_at(conn, cluster_id, at)
    weights = Counter((link.from_kind, link.from_ref, link.to_kind, link.to_ref, link.kind)
                      for link in linkages)
    keys: set[NodeKey] = {("role", role) for role, n in roles.items() if n > 0}
    keys |= {("network", ref) for ref, n in networks.items() if _existed(n, at)}
    for fk, fr, tk, tr, _kind in weights:
        keys |= {(fk, fr), (tk, tr)}
    nodes = []
    for key in sorted(keys, key=_sort_key):
        kind, ref = key
        if kind == "role":
            nodes.append(Node(kind, ref, roles.get(ref, 0)))
        else:
            network = networks.get(ref)
            nodes.append(Node(kind, ref, members.get(int(ref), 0) if ref.isdigit() else 0,
                              network.name if network else ref))
    edges = [Edge((fk, fr), (tk, tr), kind, n)
             for (fk, fr, tk, tr, kind), n in weights.items()]
    edges.sort(key=lambda e: (_sort_key(e.source), _sort_key(e.target),
                              nw.LINKAGE_KINDS.index(e.kind)))
    return ClusterGraph(cluster_id, at, tuple(nodes), tuple(edges))


def baseline_date(conn: sqlite3.Connection, cluster_id: int) -> str | None:
    """The start the map is compared with — the report's baseline, so the picture and the
    report's "linkages at the baseline" agree: the programme's first day, or the first
    linkage's day when none was known by then. None: no linkage yet."""
    from bot.reports.indicators import networks_baseline

    return networks_baseline(conn, cluster_id)


def compare(
    conn: sqlite3.Connection, cluster_id: int, baseline: str, at: str | None = None
) -> Comparison:
    return Comparison(build(conn, cluster_id, baseline), build(conn, cluster_id, at))
