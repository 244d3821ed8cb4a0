"""bot/networks/graph.py (issue 19): the cluster map as data, on hand-counted fixtures."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.networks import graph
from bot.storage import clusters, contacts
from bot.storage import networks as nw
from bot.storage.db import connect_sync, migrate

NOW = "2026-11-28T09:00:00+00:00"
START = "2026-01-01T00:00:00+00:00"  # the programme's first day
CDA = "telegram:cda"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "g.db")
    migrate(connection)
    clusters.add(connection, "BAGRU", "Bagru", "Asia/Kolkata", START)
    clusters.add(connection, "COIR", "Coir", "Asia/Kolkata", START)
    yield connection
    connection.close()


def person(conn: sqlite3.Connection, name: str, role: str, registered: str,
           cluster_id: int = 1) -> int:
    contact = contacts.get_or_create(conn, "telegram", name, name, NOW)
    contacts.update(conn, contact.id, status="registered", name=name, cluster_id=cluster_id,
                    role=role, registered_at=registered)
    return contact.id


def link(conn: sqlite3.Connection, a: tuple[str, str], b: tuple[str, str], kind: str,
         since: str, cluster_id: int = 1) -> nw.Linkage:
    return nw.record_linkage(conn, cluster_id, a, b, kind, since, actor=CDA, now=NOW)


def fixture_cluster(conn: sqlite3.Connection) -> tuple[nw.Network, nw.Network]:
    """Hand-counted: in January 3 artisans, 1 supplier; by now 5 artisans, 1 supplier, 1 bank.
    SHG formed 2026-02-01 with 2 members (one joined in March), the consortium in June with 1.
    Linkages: artisan buys_from supplier (reported twice in January, once more in July),
    SHG lends_to artisan (July), bank lends_to SHG (March, ended in May)."""
    jan = "2026-01-05T06:00:00+00:00"
    people = [person(conn, f"a{i}", "artisan", jan) for i in range(3)]
    people += [person(conn, f"b{i}", "artisan", "2026-07-01T06:00:00+00:00") for i in range(2)]
    person(conn, "s", "supplier", jan)
    person(conn, "bank", "bank", "2026-04-01T06:00:00+00:00")
    person(conn, "elsewhere", "artisan", jan, cluster_id=2)
    shg = nw.create(conn, 1, "Mahila SHG", "shg", "formed", "2026-02-01", actor=CDA, now=NOW)
    consortium = nw.create(conn, 1, "Bagru Consortium", "consortium", "formed", "2026-06-01",
                           actor=CDA, now=NOW)
    nw.add_member(conn, shg.id, people[0], actor=CDA, now="2026-02-01T06:00:00+00:00")
    nw.add_member(conn, shg.id, people[1], actor=CDA, now="2026-03-10T06:00:00+00:00")
    nw.add_member(conn, consortium.id, people[2], actor=CDA, now="2026-06-02T06:00:00+00:00")
    artisan, supplier = ("role", "artisan"), ("role", "supplier")
    link(conn, artisan, supplier, "buys_from", "2026-01-10")
    link(conn, artisan, supplier, "buys_from", "2026-01-20")
    link(conn, artisan, supplier, "buys_from", "2026-07-01")
    link(conn, ("network", str(shg.id)), artisan, "lends_to", "2026-07-01")
    bank = link(conn, ("role", "bank"), ("network", str(shg.id)), "lends_to", "2026-03-01")
    nw.end_linkage(conn, bank.id, "2026-05-01", actor=CDA, now=NOW)
    link(conn, ("role", "artisan"), ("role", "supplier"), "buys_from", "2026-01-10",
         cluster_id=2)
    return shg, consortium


def sizes(g: graph.ClusterGraph) -> list[tuple[str, str, int]]:
    return [(n.kind, n.name or n.ref, n.size) for n in g.nodes]


def edges(g: graph.ClusterGraph) -> list[tuple[str, str, str, int]]:
    return [(e.source[1], e.target[1], e.kind, e.weight) for e in g.edges]


def test_now_nodes_sizes_and_weighted_edges(conn: sqlite3.Connection) -> None:
    shg, _consortium = fixture_cluster(conn)
    now = graph.build(conn, 1)
    # Roles in the vocabulary's order (artisan, supplier, bank), then networks by id.
    assert sizes(now) == [
        ("role", "artisan", 5), ("role", "supplier", 1), ("role", "bank", 1),
        ("network", "Mahila SHG", 2), ("network", "Bagru Consortium", 1),
    ]
    assert edges(now) == [
        ("artisan", "supplier", "buys_from", 3),
        (str(shg.id), "artisan", "lends_to", 1),
    ]


def test_at_a_past_date(conn: sqlite3.Connection) -> None:
    shg, _ = fixture_cluster(conn)
    january = graph.build(conn, 1, "2026-01-31")
    assert sizes(january) == [("role", "artisan", 3), ("role", "supplier", 1)]
    assert edges(january) == [("artisan", "supplier", "buys_from", 2)]
    april = graph.build(conn, 1, "2026-04-15")
    assert sizes(april) == [
        ("role", "artisan", 3), ("role", "supplier", 1), ("role", "bank", 1),
        ("network", "Mahila SHG", 2),
    ]
    assert edges(april) == [
        ("artisan", "supplier", "buys_from", 2), ("bank", str(shg.id), "lends_to", 1)]


def test_comparison_names_new_and_ended_linkages(conn: sqlite3.Connection) -> None:
    shg, _ = fixture_cluster(conn)
    # The programme began on 1 January; nothing was known then, so the start is the first
    # linkage's day. A linkage back-dated before the programme makes its first day the start.
    assert graph.baseline_date(conn, 1) == "2026-01-10"
    link(conn, ("role", "bank"), ("role", "artisan"), "lends_to", "2025-06-01", cluster_id=2)
    assert graph.baseline_date(conn, 2) == "2026-01-01"
    change = graph.compare(conn, 1, "2026-04-15")
    assert change.new == {(("network", str(shg.id)), ("role", "artisan"), "lends_to")}
    assert change.gone == {(("role", "bank"), ("network", str(shg.id)), "lends_to")}
    # A weight that grew is not a new linkage.
    assert (("role", "artisan"), ("role", "supplier"), "buys_from") not in change.new


def test_same_data_same_graph_and_an_empty_cluster(conn: sqlite3.Connection) -> None:
    fixture_cluster(conn)
    assert graph.build(conn, 1) == graph.build(conn, 1)
    clusters.add(conn, "EMPTY", "Empty", "Asia/Kolkata", NOW)
    empty = graph.build(conn, 3)
    assert (empty.nodes, empty.edges) == ((), ())
    assert graph.baseline_date(conn, 3) is None
    with pytest.raises(ValueError):
        graph.build(conn, 1, "2026-13-01")
