"""CDAs and observers: who may run which cluster."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

Clusters = frozenset[int] | None  # None means every cluster


@dataclass(frozen=True)
class Access:
    """What one identity may do, as two sets that never mix (None means every cluster):

    - `managed`: clusters one is CDA of (CDA rows only; bootstrap admins: all) — broadcasts,
      events, attendance, the action plan, survey results and exports with names;
    - `reported`: clusters one may see aggregate reports of (CDA or observer rows).

    An observer row never widens `managed`: CDA of A and observer of B manages A only, and
    an observer row without a cluster makes one an observer of every cluster, not a CDA.
    """

    cda: bool = False
    observer: bool = False
    managed: Clusters = frozenset()
    reported: Clusters = frozenset()

    def may_manage(self, cluster_id: int | None) -> bool:
        return _within(self.managed, cluster_id) if self.cda else False

    def may_report(self, cluster_id: int | None) -> bool:
        return _within(self.reported, cluster_id) if self.cda or self.observer else False


def _within(clusters: Clusters, cluster_id: int | None) -> bool:
    if cluster_id is None:
        return False
    return clusters is None or cluster_id in clusters


def _bootstrap_by_address(
    conn: sqlite3.Connection, channel: str, user_id: str, bootstrap: frozenset[str]
) -> bool:
    """CLUSTERBOT_ADMINS may name a WhatsApp CDA by phone while their contact is keyed by
    the business-scoped user id: the contact's address (the phone) counts too."""
    if not any(b.startswith(f"{channel}:") for b in bootstrap):
        return False
    row = conn.execute(
        "SELECT chat_id FROM contacts WHERE channel = ? AND channel_user_id = ?",
        (channel, user_id),
    ).fetchone()
    return row is not None and row[0] is not None and f"{channel}:{row[0]}" in bootstrap


def _scope(rows: list[sqlite3.Row]) -> Clusters:
    if any(r["cluster_id"] is None for r in rows):
        return None
    return frozenset(r["cluster_id"] for r in rows)


def add(
    conn: sqlite3.Connection,
    channel: str,
    user_id: str,
    cluster_id: int | None,
    role: str,
    now: str,
) -> bool:
    """Grant a role; False when it was already granted."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (channel, user_id, cluster_id, role, now),
    )
    return cur.rowcount > 0


def access_for(
    conn: sqlite3.Connection, channel: str, user_id: str, bootstrap: frozenset[str]
) -> Access:
    """Bootstrap admins (CLUSTERBOT_ADMINS) administer every cluster."""
    if f"{channel}:{user_id}" in bootstrap or _bootstrap_by_address(
        conn, channel, user_id, bootstrap
    ):
        return Access(cda=True, managed=None, reported=None)
    rows = conn.execute(
        "SELECT cluster_id, role FROM admins WHERE channel = ? AND channel_user_id = ?",
        (channel, user_id),
    ).fetchall()
    if not rows:
        return Access()
    cda_rows = [r for r in rows if r["role"] == "cda"]
    return Access(
        cda=bool(cda_rows),
        observer=any(r["role"] == "observer" for r in rows),
        managed=_scope(cda_rows),
        reported=_scope(rows),
    )


def all_admins(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(
        conn.execute(
            "SELECT a.*, c.code AS cluster_code FROM admins a"
            " LEFT JOIN clusters c ON c.id = a.cluster_id ORDER BY a.id"
        )
    )
