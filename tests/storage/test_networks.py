"""bot/storage/networks.py (issue 19): networks, membership spells, linkages and their rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage import clusters, contacts
from bot.storage import networks as nw
from bot.storage.db import connect_sync, migrate

NOW = "2026-11-28T09:00:00+00:00"
CDA = "telegram:cda"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "n.db")
    migrate(connection)
    clusters.add(connection, "BAGRU", "Bagru", "Asia/Kolkata", NOW)
    clusters.add(connection, "COIR", "Coir", "Asia/Kolkata", NOW)
    yield connection
    connection.close()


def person(conn: sqlite3.Connection, name: str, cluster_id: int = 1, **fields: object) -> int:
    contact = contacts.get_or_create(conn, "telegram", name, name, NOW)
    fields.setdefault("role", "artisan")
    contacts.update(conn, contact.id, status="registered", name=name, cluster_id=cluster_id,
                    **fields)
    return contact.id


def shg(conn: sqlite3.Connection, name: str = "Mahila SHG", cluster_id: int = 1) -> nw.Network:
    return nw.create(conn, cluster_id, name, "shg", "formed", "2026-03-01", actor=CDA, now=NOW)


def test_create_keeps_fields_and_refuses_a_second_network_of_the_same_name(
    conn: sqlite3.Connection,
) -> None:
    network = shg(conn, "  Mahila   SHG ")
    assert (network.name, network.kind, network.origin, network.founded_on) == (
        "Mahila SHG", "shg", "formed", "2026-03-01")
    assert nw.in_cluster(conn, 1) == [network]
    with pytest.raises(nw.NetworkError) as refused:
        shg(conn, "Mahila SHG")
    assert refused.value.code == "name_taken"
    assert shg(conn, "Mahila SHG", cluster_id=2).cluster_id == 2  # another cluster may
    with pytest.raises(nw.NetworkError, match="kind"):
        nw.create(conn, 1, "X", "club", "formed", None, actor=CDA, now=NOW)
    with pytest.raises(nw.NetworkError) as bad:
        nw.create(conn, 1, "Y", "shg", "formed", "2026-13-01", actor=CDA, now=NOW)
    assert bad.value.code == "bad_date"
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["network.create", "network.create"]


def test_rename_refuses_a_taken_name(conn: sqlite3.Connection) -> None:
    first, second = shg(conn, "A"), shg(conn, "B")
    assert nw.rename(conn, first.id, "A2", actor=CDA, now=NOW).name == "A2"
    with pytest.raises(nw.NetworkError) as refused:
        nw.rename(conn, first.id, "B", actor=CDA, now=NOW)
    assert refused.value.code == "name_taken"
    assert nw.by_id(conn, second.id) == second


def test_no_duplicate_member_and_only_people_of_the_cluster(conn: sqlite3.Connection) -> None:
    network = shg(conn)
    asha, coir = person(conn, "Asha"), person(conn, "Other", cluster_id=2)
    nw.add_member(conn, network.id, asha, actor=CDA, now=NOW)
    for contact_id, code in ((asha, "already_member"), (coir, "other_cluster")):
        with pytest.raises(nw.NetworkError) as refused:
            nw.add_member(conn, network.id, contact_id, actor=CDA, now=NOW)
        assert refused.value.code == code
    with pytest.raises(nw.NetworkError) as refused:
        nw.invite(conn, network.id, asha, actor=CDA, now=NOW)
    assert refused.value.code == "already_member"
    unregistered = contacts.get_or_create(conn, "telegram", "new", "new", NOW).id
    with pytest.raises(nw.NetworkError) as refused:
        nw.invite(conn, network.id, unregistered, actor=CDA, now=NOW)
    assert refused.value.code == "not_registered"
    # The database refuses a second live row even if a caller skipped the rules.
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO network_members (network_id, contact_id, status, invited_at, added_by)"
            " VALUES (?, ?, 'invited', ?, 'x')", (network.id, asha, NOW))
    assert nw.members(conn, network.id) == [asha]


def test_only_an_invitation_can_be_accepted_or_declined(conn: sqlite3.Connection) -> None:
    network = shg(conn)
    asha, bina, chitra = person(conn, "Asha"), person(conn, "Bina"), person(conn, "Chitra")
    with pytest.raises(nw.NetworkError) as refused:
        nw.accept(conn, network.id, asha, actor="self", now=NOW)
    assert refused.value.code == "not_invited"
    nw.invite(conn, network.id, asha, actor=CDA, now=NOW)
    nw.invite(conn, network.id, bina, actor=CDA, now=NOW)
    nw.add_member(conn, network.id, chitra, actor=CDA, now=NOW)
    assert nw.invited(conn, network.id) == [asha, bina]
    assert nw.members(conn, network.id) == [chitra]
    accepted = nw.accept(conn, network.id, asha, actor="self", now="2026-11-29T10:00:00+00:00")
    assert (accepted.status, accepted.joined_at) == ("member", "2026-11-29T10:00:00+00:00")
    assert nw.decline(conn, network.id, bina, actor="self", now=NOW).status == "declined"
    for contact_id in (asha, bina, chitra):  # answered already, or never invited
        with pytest.raises(nw.NetworkError) as refused:
            nw.accept(conn, network.id, contact_id, actor="self", now=NOW)
        assert refused.value.code == "not_invited"
    assert nw.members(conn, network.id) == [asha, chitra]
    # A person who declined can be invited again: a new spell.
    assert nw.invite(conn, network.id, bina, actor=CDA, now=NOW).status == "invited"
    assert [(n.id, m.status) for n, m in nw.of_contact(conn, bina)] == [(network.id, "invited")]


def test_contact_person_must_be_a_member_and_is_one_per_network(
    conn: sqlite3.Connection,
) -> None:
    network = shg(conn)
    asha, bina, chitra = person(conn, "Asha"), person(conn, "Bina"), person(conn, "Chitra")
    nw.add_member(conn, network.id, asha, actor=CDA, now=NOW)
    nw.add_member(conn, network.id, bina, actor=CDA, now=NOW)
    nw.invite(conn, network.id, chitra, actor=CDA, now=NOW)
    with pytest.raises(nw.NetworkError) as refused:
        nw.set_contact_person(conn, network.id, chitra, actor=CDA, now=NOW)  # only invited
    assert refused.value.code == "not_member"
    nw.set_contact_person(conn, network.id, asha, actor=CDA, now=NOW)
    assert nw.contact_person(conn, network.id) == asha
    assert nw.led_by(conn, asha) == [network]
    nw.set_contact_person(conn, network.id, bina, actor=CDA, now=NOW)
    assert (nw.contact_person(conn, network.id), nw.led_by(conn, asha)) == (bina, [])
    nw.leave(conn, network.id, bina, actor="self", now=NOW)  # leaving ends the role
    assert nw.contact_person(conn, network.id) is None
    with pytest.raises(nw.NetworkError) as refused:
        nw.leave(conn, network.id, bina, actor="self", now=NOW)
    assert refused.value.code == "not_member"


def test_members_at_a_past_date_follow_each_spell(conn: sqlite3.Connection) -> None:
    network = shg(conn)
    asha, bina = person(conn, "Asha"), person(conn, "Bina")
    nw.add_member(conn, network.id, asha, actor=CDA, now="2026-01-10T05:00:00+00:00")
    nw.add_member(conn, network.id, bina, actor=CDA, now="2026-02-10T05:00:00+00:00")
    nw.leave(conn, network.id, asha, actor="self", now="2026-03-05T05:00:00+00:00")
    nw.add_member(conn, network.id, asha, actor=CDA, now="2026-05-01T05:00:00+00:00")
    assert nw.members(conn, network.id, "2026-01-09") == []
    assert nw.members(conn, network.id, "2026-01-10") == [asha]  # a date: its end
    assert nw.members(conn, network.id, "2026-02-28") == [asha, bina]
    assert nw.members(conn, network.id, "2026-04-01") == [bina]
    assert nw.members(conn, network.id, "2026-06-01") == [asha, bina]
    assert nw.member_counts(conn, 1, "2026-04-01") == {network.id: 1}
    assert nw.member_counts(conn, 1) == {network.id: 2}
    assert len(nw.memberships(conn, network.id)) == 3


def test_linkages_at_a_date_and_their_rules(conn: sqlite3.Connection) -> None:
    a, b = shg(conn, "A"), shg(conn, "B")
    other = shg(conn, "C", cluster_id=2)
    first = nw.record_linkage(conn, 1, ("role", "artisan"), ("role", "supplier"), "buys_from",
                              "2026-01-15", actor=CDA, now=NOW)
    second = nw.record_linkage(conn, 1, ("network", str(a.id)), ("role", "bank"), "lends_to",
                               "2026-06-01", actor=CDA, now=NOW)
    nw.record_linkage(conn, 1, ("network", a.id), ("network", b.id), "trains", "2026-07-01",  # type: ignore[arg-type]
                      actor=CDA, now=NOW)
    assert first.ends == (("role", "artisan"), ("role", "supplier"))
    assert nw.first_linkage_date(conn, 1) == "2026-01-15"
    assert [x.id for x in nw.linkages_at(conn, 1, "2026-01-15")] == [first.id]
    assert [x.id for x in nw.linkages_at(conn, 1, "2026-01-14")] == []
    nw.end_linkage(conn, second.id, "2026-08-01", actor=CDA, now=NOW)
    assert [x.kind for x in nw.linkages_at(conn, 1, "2026-07-15")] == [
        "buys_from", "lends_to", "trains"]
    assert [x.kind for x in nw.linkages_at(conn, 1, "2026-08-01")] == ["buys_from", "trains"]
    assert [x.kind for x in nw.linkages_at(conn, 1)] == ["buys_from", "trains"]
    assert nw.linkages_by_kind(conn, 1, "2026-07-15")["lends_to"] == 1
    with pytest.raises(nw.NetworkError) as refused:
        nw.end_linkage(conn, second.id, "2026-09-01", actor=CDA, now=NOW)
    assert refused.value.code == "no_linkage"
    cases = [
        (("role", "wizard"), ("role", "bank"), "trains", "2026-01-01", "bad_actor"),
        (("network", str(other.id)), ("role", "bank"), "trains", "2026-01-01", "other_cluster"),
        (("network", str(a.id)), ("network", str(a.id)), "trains", "2026-01-01", "same_actor"),
        (("role", "artisan"), ("role", "bank"), "hugs", "2026-01-01", "bad_kind"),
        (("role", "artisan"), ("role", "bank"), "trains", "soon", "bad_date"),
    ]
    for source, target, kind, since, code in cases:
        with pytest.raises(nw.NetworkError) as refused:
            nw.record_linkage(conn, 1, source, target, kind, since, actor=CDA, now=NOW)
        assert refused.value.code == code, (source, target, kind)


def test_forget_removes_memberships_and_reported_linkages(conn: sqlite3.Connection) -> None:
    network = shg(conn)
    asha, bina = person(conn, "Asha"), person(conn, "Bina")
    nw.add_member(conn, network.id, asha, actor=CDA, now=NOW)
    nw.add_member(conn, network.id, bina, actor=CDA, now=NOW)
    nw.set_contact_person(conn, network.id, asha, actor=CDA, now=NOW)
    nw.record_linkage(conn, 1, ("role", "artisan"), ("role", "supplier"), "buys_from",
                      "2026-01-15", actor="telegram:asha", now=NOW, source="survey",
                      reported_by=asha)
    kept = nw.record_linkage(conn, 1, ("role", "artisan"), ("role", "bank"), "buys_from",
                             "2026-01-15", actor=CDA, now=NOW)
    assert nw.forget_contact(conn, asha) == (1, 1)
    assert nw.members(conn, network.id) == [bina]
    assert nw.contact_person(conn, network.id) is None
    assert [x.id for x in nw.linkages_at(conn, 1)] == [kept.id]


def test_an_activity_is_tied_only_to_a_network_of_its_cluster(conn: sqlite3.Connection) -> None:
    from bot.storage import activities

    mine, theirs = shg(conn), shg(conn, cluster_id=2)
    plan = activities.add(conn, cluster_id=1, by=CDA, now=NOW, title="Dye shed",
                          category="pilot", beneficiaries_paise=100)  # fmt: skip
    nw.tie_activity(conn, plan.id, mine.id, actor=CDA, now=NOW)
    assert nw.activities_of(conn, mine.id) == [plan.id]
    with pytest.raises(nw.NetworkError) as refused:
        nw.tie_activity(conn, plan.id, theirs.id, actor=CDA, now=NOW)
    assert refused.value.code == "other_cluster"
    nw.tie_activity(conn, plan.id, None, actor=CDA, now=NOW)
    assert nw.activities_of(conn, mine.id) == []
