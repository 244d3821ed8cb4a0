"""The demo's cluster map (bot/demo_history.py): `clusterbot demo --as cda` then
/clustermap shows two networks and five linkages, three of them new since the start."""

from __future__ import annotations

from pathlib import Path

from bot.networks import graph
from tests.test_demo_history import _seeded


def test_the_demo_has_a_map_that_changed_since_the_start(tmp_path: Path) -> None:
    conn, cluster_id = _seeded(tmp_path)  # seeded twice: nothing doubled
    now = graph.build(conn, cluster_id)
    networks = [(n.name, n.size) for n in now.nodes if n.kind == "network"]
    assert networks == [("Bagru Mahila SHG", 6), ("Bagru Printers' Association", 6)]
    assert len(now.edges) == 5 and {e.weight for e in now.edges} == {1}
    roles = {n.ref: n.size for n in now.nodes if n.kind == "role"}
    assert roles["artisan"] == 10 and roles["large_enterprise"] == 0  # named, not registered
    start = graph.baseline_date(conn, cluster_id)
    assert start is not None
    change = graph.compare(conn, cluster_id, start)
    assert [(e.source[1], e.target[1]) for e in change.before.edges] == [("artisan", "supplier")]
    assert len(change.new) == 4 and not change.gone
    conn.close()
