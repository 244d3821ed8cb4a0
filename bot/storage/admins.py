"""CDAs and observers: who may run which cluster."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    """What one identity may do. `clusters` None means every cluster."""

    cda: bool = False
    observer: bool = False
    clusters: frozenset[int] | None = frozenset()

    def may_manage(self, cluster_id: int | None) -> bool:
        if not self.cda or cluster_id is None:
            return False
        return self.clusters is None or cluster_id in self.clusters

    def may_report(self, cluster_id: int | None) -> bool:
        if not (self.cda or self.observer) or cluster_id is None:
            return False
        return self.clusters is None or cluster_id in self.clusters


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
    if f"{channel}:{user_id}" in bootstrap:
        return Access(cda=True, clusters=None)
    rows = conn.execute(
        "SELECT cluster_id, role FROM admins WHERE channel = ? AND channel_user_id = ?",
        (channel, user_id),
    ).fetchall()
    if not rows:
        return Access()
    cda = any(r["role"] == "cda" for r in rows)
    observer = any(r["role"] == "observer" for r in rows)
    if any(r["cluster_id"] is None for r in rows):
        return Access(cda=cda, observer=observer, clusters=None)
    return Access(cda=cda, observer=observer, clusters=frozenset(r["cluster_id"] for r in rows))


def all_admins(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(
        conn.execute(
            "SELECT a.*, c.code AS cluster_code FROM admins a"
            " LEFT JOIN clusters c ON c.id = a.cluster_id ORDER BY a.id"
        )
    )
