"""The cluster map as a picture (issue 19): `bot.networks.graph` drawn for a phone screen
(1200 px wide), in the reader's language, the same picture for the same data.

Layout: networkx's shell layout, which has no randomness — actor types on the outer ring in
the vocabulary's order, networks on an inner ring by id. The positions come from the union
of the nodes of every panel, so in "the start beside now" a node stands in the same place in
both. Circles are actor types (area by people registered), squares networks (area by
members); an arrow goes from the actor who buys, sells, supplies, trains, lends or advises
to the other, coloured by kind, as wide as the number of reports (written on it when more
than one). New linkages in the "now" panel carry a yellow halo.

Fonts and warnings go through `bot.fonts.drawing()`; a label the installed fonts cannot draw
falls back to English (roles) or the network's number (names), never boxes.
"""

from __future__ import annotations

import io
import math
import textwrap
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.fonts import drawing, families, renderable
from bot.i18n import N_, Translator
from bot.networks.graph import ClusterGraph, Comparison, EdgeKey, NodeKey
from bot.storage import networks as nw
from bot.vocabulary import LINKAGE_KINDS, ROLES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The words of /networks and the report (bot/vocabulary.py), read "<from> buys from <to>".
LINKAGE_LABELS = LINKAGE_KINDS
assert tuple(LINKAGE_LABELS) == nw.LINKAGE_KINDS

# Colour-blind-safe (Okabe-Ito) and told apart by dash too, for a print in grey.
KIND_STYLE: dict[str, tuple[str, Any]] = {
    "buys_from": ("#0072B2", "solid"),
    "sells_to": ("#D55E00", "solid"),
    "supplies": ("#009E73", "dashed"),
    "trains": ("#CC79A7", "dashdot"),
    "lends_to": ("#E69F00", "dotted"),
    "advises": ("#56B4E9", (0, (5, 2, 1, 2))),
}
ROLE_COLOUR, NETWORK_COLOUR, NEW_HALO = "#cfe3f2", "#f6d6b8", "#ffe14d"
WIDTH_PX = 1200


def _text(_: Translator, msgid: str) -> str:
    shown = _(msgid)
    return shown if renderable(shown) else str(msgid)


def _wrap(text: str, width: int = 16) -> str:
    # Between words only: a break inside an Indic word would start a line with a vowel sign.
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines[:3]) or " "


def node_label(_: Translator, kind: str, ref: str, name: str) -> str:
    if kind == "role":
        return _text(_, ROLES[ref]) if ref in ROLES else ref
    return name if name and renderable(name) else f"#{ref}"


def positions(*graphs: ClusterGraph) -> dict[NodeKey, tuple[float, float]]:
    """Shell layout of every node of `graphs`: actor types outside, networks inside."""
    import networkx

    keys: dict[NodeKey, None] = {}
    for g in graphs:
        for node in g.nodes:
            keys.setdefault(node.key, None)
    roles = [k for k in keys if k[0] == "role"]
    networks = [k for k in keys if k[0] == "network"]
    if not keys:
        return {}
    shells = [s for s in (networks, roles) if s]
    if len(shells) == 1 and len(shells[0]) > 1:
        shells = [[], shells[0]]  # one kind only: a ring, not a ring round a lone node
    g = networkx.DiGraph()
    g.add_nodes_from(keys)
    # Each ring starts half a step of the outer ring further round, so a network seldom
    # sits on the straight line between two actor types.
    step = math.pi / max(len(roles), 1)
    layout = networkx.shell_layout(g, nlist=shells, rotate=step)
    return {k: (round(float(v[0]), 6), round(float(v[1]), 6)) for k, v in layout.items()}


def map_png(_: Translator, graph: ClusterGraph, title: str) -> bytes:
    return _save(lambda: map_figure(_, graph, title), "png")


def compare_png(_: Translator, comparison: Comparison, title: str) -> bytes:
    return _save(lambda: compare_figure(_, comparison, title), "png")


def save(figure_of: Any, fmt: str) -> bytes:
    """PNG or SVG bytes of the figure `figure_of()` builds (inside `drawing()`)."""
    return _save(figure_of, fmt)


def _save(figure_of: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with drawing():
        figure = figure_of()
        # No date or random ids in the file: the same map gives the same bytes.
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        from matplotlib import rc_context

        with rc_context({"svg.hashsalt": "clusterbot", "svg.fonttype": "path"}):
            figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _new_figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=WIDTH_PX / width_in, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def map_figure(_: Translator, graph: ClusterGraph, title: str) -> Figure:
    rc: dict[str, Any] = {"family": list(families())}
    figure = _new_figure(8.0, 8.4)
    figure.suptitle(title, fontsize=14, **rc)
    ax = figure.subplots()
    where = positions(graph)
    _panel(_, ax, graph, where, frozenset(), rc, _when(_, graph.at))
    _legend(_, figure, [graph], highlight=False, rc=rc)
    return figure


def compare_figure(_: Translator, comparison: Comparison, title: str) -> Figure:
    rc: dict[str, Any] = {"family": list(families())}
    figure = _new_figure(10.0, 6.6)
    figure.suptitle(title, fontsize=14, **rc)
    left, right = figure.subplots(1, 2)
    before, after = comparison.before, comparison.after
    where = positions(before, after)
    start = _text(_, N_("At the start"))
    _panel(_, left, before, where, frozenset(), rc, f"{start}\n{_when(_, before.at)}",
           wide=False)
    new = comparison.new
    headline = f"{_text(_, N_('Now'))}\n{_when(_, after.at)}"
    if new:
        count = _.ngettext("{count} new linkage", "{count} new linkages", len(new))
        if renderable(count):
            headline = f"{headline} · {count.format(count=_.number(len(new)))}"
    _panel(_, right, after, where, new, rc, headline, wide=False)
    _legend(_, figure, [before, after], highlight=bool(new), rc=rc)
    return figure


def _when(_: Translator, at: str | None) -> str:
    if at is None:
        return _text(_, N_("today"))
    shown = _.date(date.fromisoformat(at))
    return shown if renderable(shown) else at


def _panel(
    _: Translator,
    ax: Axes,
    graph: ClusterGraph,
    where: dict[NodeKey, tuple[float, float]],
    new: frozenset[EdgeKey],
    rc: dict[str, Any],
    heading: str,
    *,
    wide: bool = True,
) -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.set_title(heading, fontsize=12, **rc)
    ax.set_xlim(-1.85, 1.85)  # room for labels beside the ring
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if not graph.nodes:
        ax.text(0, 0, _wrap(_text(_, N_("Nothing recorded yet")), 24), ha="center",
                va="center", fontsize=12, color="#555555", **rc)
        return
    biggest = max([n.size for n in graph.nodes] + [1])
    # Markers are sized in points: smaller in a half-width panel and on a crowded ring, so
    # neighbours on the ring do not overlap.
    crowd = min(1.0, 6 / max(len(where), 1))
    scale = (1.0 if wide else 0.5) * crowd
    area = {n.key: scale * (350 + 2600 * math.sqrt(n.size / biggest)) for n in graph.nodes}
    # Several kinds between the same two actors bend apart instead of overlapping.
    seen: dict[frozenset[NodeKey], int] = {}
    for edge in graph.edges:
        pair = frozenset((edge.source, edge.target))
        nth = seen.get(pair, 0)
        seen[pair] = nth + 1
        bend = 0.12 + 0.14 * nth
        colour, dash = KIND_STYLE[edge.kind]
        width = min(1.4 + 1.6 * math.sqrt(edge.weight - 1), 9.0)
        ends: dict[str, Any] = dict(posA=where[edge.source], posB=where[edge.target],
                    connectionstyle=f"arc3,rad={bend}",
                    shrinkA=math.sqrt(area[edge.source]) / 2 + 2,
                    shrinkB=math.sqrt(area[edge.target]) / 2 + 2)
        if edge.key in new:
            ax.add_patch(FancyArrowPatch(**ends, arrowstyle="-", color=NEW_HALO,
                                         linewidth=width + 7, zorder=1))
        arrow = FancyArrowPatch(**ends, arrowstyle="-|>", mutation_scale=14 + 2 * width,
                                color=colour, linestyle=dash, linewidth=width, zorder=2)
        ax.add_patch(arrow)
        if edge.weight > 1:
            (x1, y1), (x2, y2) = where[edge.source], where[edge.target]
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            # The label sits on the arc's middle, bent off the straight line like the arc.
            lx, ly = mx + bend * (y2 - y1) / 2, my - bend * (x2 - x1) / 2
            ax.text(lx, ly, _.number(edge.weight), ha="center", va="center", fontsize=9,
                    color=colour, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour, "lw": 0.8})
    for node in graph.nodes:
        x, y = where[node.key]
        ax.scatter([x], [y], s=area[node.key], marker="o" if node.kind == "role" else "s",
                   color=ROLE_COLOUR if node.kind == "role" else NETWORK_COLOUR,
                   edgecolors="#333333", linewidths=1.0, zorder=3)
        label = _wrap(node_label(_, node.kind, node.ref, node.name))
        # Outer-ring labels sit outside the ring, inner ones below their square; the gap is
        # in points (half the marker's side), so it holds at any figure size.
        gap = math.sqrt(area[node.key]) / 2 + 5
        ring = math.hypot(x, y)
        if node.kind == "role" and ring > 0.01:
            ox, oy = x / ring, y / ring
            ha = "center" if abs(ox) < 0.3 else ("left" if ox > 0 else "right")
            va = "center" if abs(oy) < 0.3 else ("bottom" if oy > 0 else "top")
        else:
            ox, oy, ha, va = 0.0, -1.0, "center", "top"
        ax.annotate(f"{label} ({_.number(node.size)})", (x, y), xytext=(ox * gap, oy * gap),
                    textcoords="offset points", ha=ha, va=va, fontsize=9.5, zorder=5, **rc)


def _legend(
    _: Translator, figure: Figure, graphs: list[ClusterGraph], *, highlight: bool,
    rc: dict[str, Any],
) -> None:
    from matplotlib.lines import Line2D

    handles: list[Any] = [
        Line2D([], [], marker="o", linestyle="none", markersize=11, color=ROLE_COLOUR,
               markeredgecolor="#333333",
               label=_text(_, N_("Actor type (people registered)"))),
        Line2D([], [], marker="s", linestyle="none", markersize=11, color=NETWORK_COLOUR,
               markeredgecolor="#333333", label=_text(_, N_("Network (members)"))),
    ]
    kinds = {e.kind for g in graphs for e in g.edges}
    for kind in nw.LINKAGE_KINDS:
        if kind in kinds:
            colour, dash = KIND_STYLE[kind]
            handles.append(Line2D([], [], color=colour, linestyle=dash, linewidth=2.4,
                                  label=f"→ {_text(_, LINKAGE_LABELS[kind])}"))
    if highlight:
        handles.append(Line2D([], [], color=NEW_HALO, linewidth=8,
                              label=_text(_, N_("New since the start"))))
    figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False,
                  prop={"family": list(families()), "size": 9.5})


def title_of(name: str, code: str) -> str:
    return name if renderable(name) else code


def picture(
    _: Translator,
    conn: Any,
    cluster_id: int,
    title: str,
    *,
    at: str | None = None,
    baseline: str | None = None,
    fmt: str = "png",
) -> bytes:
    """The map at `at` (None: now) or, with a `baseline` date, the start beside it; read
    on `conn` (the reader's connection in the chat), drawn outside the turn."""
    from bot.networks import graph

    if baseline is None:
        today = graph.build(conn, cluster_id, at)
        return _save(lambda: map_figure(_, today, title), fmt)
    change = graph.compare(conn, cluster_id, baseline, at)
    return _save(lambda: compare_figure(_, change, title), fmt)
