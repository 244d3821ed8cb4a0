"""Clusters: the artisan or MSME clusters one deployment serves."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Cluster:
    id: int
    code: str
    name: str
    timezone: str


def _row(row: sqlite3.Row) -> Cluster:
    return Cluster(row["id"], row["code"], row["name"], row["timezone"])


def add(conn: sqlite3.Connection, code: str, name: str, timezone: str, now: str) -> Cluster:
    cur = conn.execute(
        "INSERT INTO clusters (code, name, timezone, created_at) VALUES (?, ?, ?, ?)",
        (code, name, timezone, now),
    )
    return Cluster(int(cur.lastrowid or 0), code, name, timezone)


def all_clusters(conn: sqlite3.Connection) -> list[Cluster]:
    return [_row(r) for r in conn.execute("SELECT * FROM clusters ORDER BY code")]


def by_code(conn: sqlite3.Connection, code: str) -> Cluster | None:
    row = conn.execute("SELECT * FROM clusters WHERE code = ? COLLATE NOCASE", (code,)).fetchone()
    return _row(row) if row else None


def by_id(conn: sqlite3.Connection, cluster_id: int) -> Cluster | None:
    row = conn.execute("SELECT * FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    return _row(row) if row else None


def member_counts(conn: sqlite3.Connection) -> dict[int, int]:
    return {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT cluster_id, COUNT(*) FROM contacts WHERE status = 'registered'"
            " GROUP BY cluster_id"
        )
    }
