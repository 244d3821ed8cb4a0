"""Networks and linkages (issue 19): storage and the rules that hold whoever calls.

Schema in migrations/0019_networks.sql. Every change is audited here, in the caller's
write transaction, so the chat, the CLI and the survey answers cannot forget it. A broken
rule raises `NetworkError` with a `code` the handlers turn into a message in the reader's
language (see CODES).

Times: `*_at` are UTC ISO-8601 timestamps, `founded_on`, `since` and `until` local dates
('YYYY-MM-DD'). "At" a moment means: a member whose spell began at or before it and had not
ended by then; a linkage whose `since` is on or before the date and whose `until` is after.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.storage import audit
from bot.vocabulary import ROLES

KINDS = ("shg", "producer_group", "consortium", "association", "credit_group", "cooperative",
         "other")
ORIGINS = ("formed", "revived", "existing")
LINKAGE_KINDS = ("buys_from", "sells_to", "supplies", "trains", "lends_to", "advises")
ACTOR_KINDS = ("role", "network")
LIVE = ("invited", "member")

# What a NetworkError's code means (the handlers word it for the reader).
CODES = {
    "name_taken": "the cluster has a network of that name",
    "bad_name": "a network needs a name",
    "bad_kind": "not a kind of network / origin / linkage",
    "bad_date": "not a YYYY-MM-DD date, or an end before the start",
    "no_network": "no such network",
    "other_cluster": "the person or network is of another cluster",
    "not_registered": "the person is not registered",
    "already_member": "the person is a member already",
    "already_invited": "the person is invited already",
    "not_invited": "there is no open invitation to answer",
    "not_member": "the person is not a member",
    "bad_actor": "not a role key or a network of the cluster",
    "same_actor": "a network cannot be linked to itself",
    "no_linkage": "no such linkage, or it ended already",
}


class NetworkError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(CODES.get(code, code))
        self.code = code


@dataclass(frozen=True)
class Network:
    id: int
    cluster_id: int
    name: str
    kind: str
    origin: str
    founded_on: str | None
    created_by: str
    created_at: str


@dataclass(frozen=True)
class Membership:
    """One spell of invitation or membership of one person in one network."""

    id: int
    network_id: int
    contact_id: int
    status: str  # invited | member | declined | left
    contact_person: bool
    invited_at: str | None
    joined_at: str | None
    left_at: str | None
    added_by: str

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True)
class Linkage:
    id: int
    cluster_id: int
    from_kind: str  # role | network
    from_ref: str  # a role key, or a network id as text
    to_kind: str
    to_ref: str
    kind: str  # buys_from | sells_to | supplies | trains | lends_to | advises
    since: str
    until: str | None
    source: str  # cda | survey
    reported_by: int | None
    response_id: int | None
    created_by: str
    created_at: str

    @property
    def ends(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """((from_kind, from_ref), (to_kind, to_ref)): the two actors, as graph node keys."""
        return (self.from_kind, self.from_ref), (self.to_kind, self.to_ref)


_NETWORK_COLUMNS = "id, cluster_id, name, kind, origin, founded_on, created_by, created_at"
_MEMBER_COLUMNS = (
    "id, network_id, contact_id, status, contact_person, invited_at, joined_at, left_at,"
    " added_by"
)
_LINKAGE_COLUMNS = (
    "id, cluster_id, from_kind, from_ref, to_kind, to_ref, kind, since, until, source,"
    " reported_by, response_id, created_by, created_at"
)


def _network(row: Any) -> Network:
    return Network(*row)


def _membership(row: Any) -> Membership:
    values = list(row)
    values[4] = bool(values[4])
    return Membership(*values)


def _linkage(row: Any) -> Linkage:
    return Linkage(*row)


def _check_date(value: str | None, *, required: bool = False) -> None:
    if value is None:
        if required:
            raise NetworkError("bad_date")
        return
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise NetworkError("bad_date") from None
    if len(value) != 10:
        raise NetworkError("bad_date")


def _audit(
    conn: sqlite3.Connection, actor: str, action: str, now: str, cluster_id: int,
    subject: str, **detail: Any,
) -> None:
    audit.record(conn, at=now, actor=actor, action=action, cluster_id=cluster_id,
                 subject=subject, detail=detail)


# -- networks ---------------------------------------------------------------------------


def by_id(conn: sqlite3.Connection, network_id: int) -> Network | None:
    row = conn.execute(
        f"SELECT {_NETWORK_COLUMNS} FROM networks WHERE id = ?", (network_id,)
    ).fetchone()
    return _network(row) if row else None


def by_name(conn: sqlite3.Connection, cluster_id: int, name: str) -> Network | None:
    row = conn.execute(
        f"SELECT {_NETWORK_COLUMNS} FROM networks WHERE cluster_id = ? AND name = ?",
        (cluster_id, name.strip()),
    ).fetchone()
    return _network(row) if row else None


def in_cluster(conn: sqlite3.Connection, cluster_id: int) -> list[Network]:
    """The cluster's networks, oldest first."""
    rows = conn.execute(
        f"SELECT {_NETWORK_COLUMNS} FROM networks WHERE cluster_id = ? ORDER BY id",
        (cluster_id,),
    )
    return [_network(r) for r in rows]


def _get(conn: sqlite3.Connection, network_id: int) -> Network:
    network = by_id(conn, network_id)
    if network is None:
        raise NetworkError("no_network")
    return network


def create(
    conn: sqlite3.Connection,
    cluster_id: int,
    name: str,
    kind: str,
    origin: str,
    founded_on: str | None,
    *,
    actor: str,
    now: str,
) -> Network:
    name = " ".join(name.split())
    if not name:
        raise NetworkError("bad_name")
    if kind not in KINDS or origin not in ORIGINS:
        raise NetworkError("bad_kind")
    _check_date(founded_on)
    if by_name(conn, cluster_id, name) is not None:
        raise NetworkError("name_taken")
    cursor = conn.execute(
        "INSERT INTO networks (cluster_id, name, kind, origin, founded_on, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (cluster_id, name, kind, origin, founded_on, actor, now),
    )
    network_id = int(cursor.lastrowid or 0)
    _audit(conn, actor, "network.create", now, cluster_id, f"network:{network_id}",
           name=name, kind=kind, origin=origin, founded_on=founded_on)
    return _get(conn, network_id)


def rename(
    conn: sqlite3.Connection, network_id: int, name: str, *, actor: str, now: str
) -> Network:
    network = _get(conn, network_id)
    name = " ".join(name.split())
    if not name:
        raise NetworkError("bad_name")
    other = by_name(conn, network.cluster_id, name)
    if other is not None and other.id != network_id:
        raise NetworkError("name_taken")
    conn.execute("UPDATE networks SET name = ? WHERE id = ?", (name, network_id))
    _audit(conn, actor, "network.rename", now, network.cluster_id, f"network:{network_id}",
           old=network.name, name=name)
    return _get(conn, network_id)


# -- members ----------------------------------------------------------------------------


def live_membership(
    conn: sqlite3.Connection, network_id: int, contact_id: int
) -> Membership | None:
    """The person's open invitation or current membership, if any."""
    row = conn.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM network_members WHERE network_id = ?"
        " AND contact_id = ? AND status IN ('invited', 'member')",
        (network_id, contact_id),
    ).fetchone()
    return _membership(row) if row else None


def _eligible(conn: sqlite3.Connection, network: Network, contact_id: int) -> None:
    row = conn.execute(
        "SELECT status, cluster_id FROM contacts WHERE id = ?", (contact_id,)
    ).fetchone()
    if row is None or row[0] != "registered":
        raise NetworkError("not_registered")
    if row[1] != network.cluster_id:
        raise NetworkError("other_cluster")
    live = live_membership(conn, network.id, contact_id)
    if live is not None:
        raise NetworkError("already_member" if live.status == "member" else "already_invited")


def add_member(
    conn: sqlite3.Connection, network_id: int, contact_id: int, *, actor: str, now: str
) -> Membership:
    """The CDA adds a registered person of the network's cluster directly."""
    network = _get(conn, network_id)
    _eligible(conn, network, contact_id)
    conn.execute(
        "INSERT INTO network_members (network_id, contact_id, status, joined_at, added_by)"
        " VALUES (?, ?, 'member', ?, ?)",
        (network_id, contact_id, now, actor),
    )
    _audit(conn, actor, "network.member_add", now, network.cluster_id,
           f"contact:{contact_id}", network=network_id)
    return _live(conn, network_id, contact_id)


def invite(
    conn: sqlite3.Connection, network_id: int, contact_id: int, *, actor: str, now: str
) -> Membership:
    """An invitation the person accepts or declines (the caller sends the message)."""
    network = _get(conn, network_id)
    _eligible(conn, network, contact_id)
    conn.execute(
        "INSERT INTO network_members (network_id, contact_id, status, invited_at, added_by)"
        " VALUES (?, ?, 'invited', ?, ?)",
        (network_id, contact_id, now, actor),
    )
    _audit(conn, actor, "network.invite", now, network.cluster_id, f"contact:{contact_id}",
           network=network_id)
    return _live(conn, network_id, contact_id)


def _live(conn: sqlite3.Connection, network_id: int, contact_id: int) -> Membership:
    found = live_membership(conn, network_id, contact_id)
    assert found is not None
    return found


def answer_invitation(
    conn: sqlite3.Connection,
    network_id: int,
    contact_id: int,
    accept: bool,
    *,
    actor: str,
    now: str,
) -> Membership:
    """Accept (the person becomes a member) or decline an open invitation; only an
    invitation can be answered (a member pressing an old Accept button gets not_invited)."""
    network = _get(conn, network_id)
    live = live_membership(conn, network_id, contact_id)
    if live is None or live.status != "invited":
        raise NetworkError("not_invited")
    if accept:
        conn.execute(
            "UPDATE network_members SET status = 'member', joined_at = ? WHERE id = ?",
            (now, live.id),
        )
    else:
        conn.execute(
            "UPDATE network_members SET status = 'declined', left_at = ? WHERE id = ?",
            (now, live.id),
        )
    _audit(conn, actor, "network.accept" if accept else "network.decline", now,
           network.cluster_id, f"contact:{contact_id}", network=network_id)
    row = conn.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM network_members WHERE id = ?", (live.id,)
    ).fetchone()
    return _membership(row)


def accept(
    conn: sqlite3.Connection, network_id: int, contact_id: int, *, actor: str, now: str
) -> Membership:
    return answer_invitation(conn, network_id, contact_id, True, actor=actor, now=now)


def decline(
    conn: sqlite3.Connection, network_id: int, contact_id: int, *, actor: str, now: str
) -> Membership:
    return answer_invitation(conn, network_id, contact_id, False, actor=actor, now=now)


def leave(
    conn: sqlite3.Connection, network_id: int, contact_id: int, *, actor: str, now: str
) -> None:
    """A member leaves (or the CDA removes them); a contact person stops being one."""
    network = _get(conn, network_id)
    live = live_membership(conn, network_id, contact_id)
    if live is None or live.status != "member":
        raise NetworkError("not_member")
    conn.execute(
        "UPDATE network_members SET status = 'left', left_at = ?, contact_person = 0"
        " WHERE id = ?",
        (now, live.id),
    )
    _audit(conn, actor, "network.leave", now, network.cluster_id, f"contact:{contact_id}",
           network=network_id)


def set_contact_person(
    conn: sqlite3.Connection, network_id: int, contact_id: int, *, actor: str, now: str
) -> None:
    """Make a member the network's contact person (the previous one stops being it)."""
    network = _get(conn, network_id)
    live = live_membership(conn, network_id, contact_id)
    if live is None or live.status != "member":
        raise NetworkError("not_member")
    conn.execute(
        "UPDATE network_members SET contact_person = 0 WHERE network_id = ?"
        " AND contact_person = 1",
        (network_id,),
    )
    conn.execute("UPDATE network_members SET contact_person = 1 WHERE id = ?", (live.id,))
    _audit(conn, actor, "network.contact_person", now, network.cluster_id,
           f"contact:{contact_id}", network=network_id)


def contact_person(conn: sqlite3.Connection, network_id: int) -> int | None:
    row = conn.execute(
        "SELECT contact_id FROM network_members WHERE network_id = ? AND contact_person = 1",
        (network_id,),
    ).fetchone()
    return int(row[0]) if row else None


def led_by(conn: sqlite3.Connection, contact_id: int) -> list[Network]:
    """The networks the person is the contact person of."""
    rows = conn.execute(
        f"SELECT {', '.join('n.' + c.strip() for c in _NETWORK_COLUMNS.split(','))}"
        " FROM networks n JOIN network_members m ON m.network_id = n.id"
        " WHERE m.contact_id = ? AND m.contact_person = 1 ORDER BY n.id",
        (contact_id,),
    )
    return [_network(r) for r in rows]


# Members "at" a moment: their spell began at or before it and had not ended by then.
# `at` is a UTC timestamp; a bare date 'YYYY-MM-DD' means the end of that day.
_MEMBER_AT = (
    "m.joined_at IS NOT NULL AND m.joined_at <= ? AND (m.left_at IS NULL OR m.left_at > ?)"
    " AND m.status IN ('member', 'left')"
)


def _moment(at: str) -> str:
    return at + "T99" if len(at) == 10 else at


def members(conn: sqlite3.Connection, network_id: int, at: str | None = None) -> list[int]:
    """Contact ids of the members now (at=None) or at a past moment, by id."""
    if at is None:
        rows = conn.execute(
            "SELECT contact_id FROM network_members WHERE network_id = ? AND status = 'member'"
            " ORDER BY contact_id",
            (network_id,),
        )
    else:
        moment = _moment(at)
        rows = conn.execute(
            f"SELECT DISTINCT m.contact_id FROM network_members m WHERE m.network_id = ?"
            f" AND {_MEMBER_AT} ORDER BY m.contact_id",
            (network_id, moment, moment),
        )
    return [int(r[0]) for r in rows]


def invited(conn: sqlite3.Connection, network_id: int) -> list[int]:
    """Contact ids with an open invitation."""
    rows = conn.execute(
        "SELECT contact_id FROM network_members WHERE network_id = ? AND status = 'invited'"
        " ORDER BY contact_id",
        (network_id,),
    )
    return [int(r[0]) for r in rows]


def member_counts(
    conn: sqlite3.Connection, cluster_id: int, at: str | None = None
) -> dict[int, int]:
    """{network id: members} for every network of the cluster (0 included)."""
    counts = {n.id: 0 for n in in_cluster(conn, cluster_id)}
    if at is None:
        rows = conn.execute(
            "SELECT m.network_id, COUNT(*) FROM network_members m JOIN networks n"
            " ON n.id = m.network_id WHERE n.cluster_id = ? AND m.status = 'member'"
            " GROUP BY m.network_id",
            (cluster_id,),
        )
    else:
        moment = _moment(at)
        rows = conn.execute(
            "SELECT m.network_id, COUNT(DISTINCT m.contact_id) FROM network_members m"
            f" JOIN networks n ON n.id = m.network_id WHERE n.cluster_id = ? AND {_MEMBER_AT}"
            " GROUP BY m.network_id",
            (cluster_id, moment, moment),
        )
    for network_id, count in rows:
        counts[int(network_id)] = int(count)
    return counts


def of_contact(conn: sqlite3.Connection, contact_id: int) -> list[tuple[Network, Membership]]:
    """The networks a person belongs to or is invited to, with that membership."""
    rows = conn.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM network_members WHERE contact_id = ?"
        " AND status IN ('invited', 'member') ORDER BY network_id",
        (contact_id,),
    ).fetchall()
    found = []
    for row in rows:
        membership = _membership(row)
        network = by_id(conn, membership.network_id)
        if network is not None:
            found.append((network, membership))
    return found


def memberships(conn: sqlite3.Connection, network_id: int) -> list[Membership]:
    """Every spell of the network (history included), oldest first."""
    rows = conn.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM network_members WHERE network_id = ? ORDER BY id",
        (network_id,),
    )
    return [_membership(r) for r in rows]


# -- linkages ---------------------------------------------------------------------------


def _check_actor(conn: sqlite3.Connection, cluster_id: int, kind: str, ref: str) -> None:
    if kind == "role":
        if ref not in ROLES:
            raise NetworkError("bad_actor")
        return
    if kind != "network" or not ref.isdigit():
        raise NetworkError("bad_actor")
    network = by_id(conn, int(ref))
    if network is None:
        raise NetworkError("bad_actor")
    if network.cluster_id != cluster_id:
        raise NetworkError("other_cluster")


def record_linkage(
    conn: sqlite3.Connection,
    cluster_id: int,
    source_actor: tuple[str, str],
    target_actor: tuple[str, str],
    kind: str,
    since: str,
    *,
    actor: str,
    now: str,
    source: str = "cda",
    reported_by: int | None = None,
    response_id: int | None = None,
) -> Linkage:
    """Record that `source_actor` <kind> `target_actor` since a date. An actor is
    ("role", role key) or ("network", str(network id)) of the same cluster."""
    (from_kind, from_ref), (to_kind, to_ref) = source_actor, target_actor
    from_ref, to_ref = str(from_ref), str(to_ref)
    if kind not in LINKAGE_KINDS or source not in ("cda", "survey"):
        raise NetworkError("bad_kind")
    _check_date(since, required=True)
    _check_actor(conn, cluster_id, from_kind, from_ref)
    _check_actor(conn, cluster_id, to_kind, to_ref)
    if from_kind == to_kind == "network" and from_ref == to_ref:
        raise NetworkError("same_actor")
    cursor = conn.execute(
        "INSERT INTO linkages (cluster_id, from_kind, from_ref, to_kind, to_ref, kind, since,"
        " source, reported_by, response_id, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (cluster_id, from_kind, from_ref, to_kind, to_ref, kind, since, source, reported_by,
         response_id, actor, now),
    )
    linkage_id = int(cursor.lastrowid or 0)
    _audit(conn, actor, "linkage.record", now, cluster_id, f"linkage:{linkage_id}",
           source=source, kind=kind, since=since,
           ends=[from_kind, from_ref, to_kind, to_ref])
    found = linkage(conn, linkage_id)
    assert found is not None
    return found


def linkage(conn: sqlite3.Connection, linkage_id: int) -> Linkage | None:
    row = conn.execute(
        f"SELECT {_LINKAGE_COLUMNS} FROM linkages WHERE id = ?", (linkage_id,)
    ).fetchone()
    return _linkage(row) if row else None


def end_linkage(
    conn: sqlite3.Connection, linkage_id: int, until: str, *, actor: str, now: str
) -> Linkage:
    found = linkage(conn, linkage_id)
    if found is None or found.until is not None:
        raise NetworkError("no_linkage")
    _check_date(until, required=True)
    if until < found.since:
        raise NetworkError("bad_date")
    conn.execute("UPDATE linkages SET until = ? WHERE id = ?", (until, linkage_id))
    _audit(conn, actor, "linkage.end", now, found.cluster_id, f"linkage:{linkage_id}",
           until=until)
    ended = linkage(conn, linkage_id)
    assert ended is not None
    return ended


def linkages_at(conn: sqlite3.Connection, cluster_id: int, on: str | None = None) -> list[Linkage]:
    """The cluster's linkages as they stood on a local date (None: every one not ended)."""
    if on is None:
        rows = conn.execute(
            f"SELECT {_LINKAGE_COLUMNS} FROM linkages WHERE cluster_id = ? AND until IS NULL"
            " ORDER BY id",
            (cluster_id,),
        )
    else:
        rows = conn.execute(
            f"SELECT {_LINKAGE_COLUMNS} FROM linkages WHERE cluster_id = ? AND since <= ?"
            " AND (until IS NULL OR until > ?) ORDER BY id",
            (cluster_id, on, on),
        )
    return [_linkage(r) for r in rows]


def linkages_by_kind(
    conn: sqlite3.Connection, cluster_id: int, on: str | None = None
) -> dict[str, int]:
    """{linkage kind: how many} on a date (every kind present, 0 included)."""
    counts = dict.fromkeys(LINKAGE_KINDS, 0)
    for item in linkages_at(conn, cluster_id, on):
        counts[item.kind] += 1
    return counts


def first_linkage_date(conn: sqlite3.Connection, cluster_id: int) -> str | None:
    row = conn.execute(
        "SELECT MIN(since) FROM linkages WHERE cluster_id = ?", (cluster_id,)
    ).fetchone()
    return row[0] if row and row[0] else None


def network_refs(networks: Iterable[Network]) -> dict[str, Network]:
    """{str(id): network}: how a linkage end names a network."""
    return {str(n.id): n for n in networks}


# -- activities -------------------------------------------------------------------------


def tie_activity(
    conn: sqlite3.Connection,
    activity_id: int,
    network_id: int | None,
    *,
    actor: str,
    now: str,
) -> None:
    """Tie an action-plan activity to a network of its cluster (None: to none), so the
    report counts the beneficiaries' share of its budget as that network's commitment."""
    row = conn.execute(
        "SELECT cluster_id, network_id FROM activities WHERE id = ?", (activity_id,)
    ).fetchone()
    if row is None:
        raise NetworkError("no_network")
    if network_id is not None and _get(conn, network_id).cluster_id != row[0]:
        raise NetworkError("other_cluster")
    conn.execute("UPDATE activities SET network_id = ? WHERE id = ?", (network_id, activity_id))
    _audit(conn, actor, "network.activity", now, int(row[0]), f"activity:{activity_id}",
           network=network_id, was=row[1])


def activities_of(conn: sqlite3.Connection, network_id: int) -> list[int]:
    """Ids of the activities tied to the network."""
    rows = conn.execute(
        "SELECT id FROM activities WHERE network_id = ? ORDER BY id", (network_id,)
    )
    return [int(r[0]) for r in rows]


# -- erasure ----------------------------------------------------------------------------


def forget_contact(conn: sqlite3.Connection, contact_id: int) -> tuple[int, int]:
    """/forget: delete the person's memberships and invitations (history included) and the
    linkages they reported; (memberships, linkages) removed. Call inside the erasure."""
    memberships_removed = conn.execute(
        "DELETE FROM network_members WHERE contact_id = ?", (contact_id,)
    ).rowcount
    linkages_removed = conn.execute(
        "DELETE FROM linkages WHERE reported_by = ?", (contact_id,)
    ).rowcount
    return int(memberships_removed), int(linkages_removed)
