"""The audit log: admin actions and erasures, append-only."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def record(
    conn: sqlite3.Connection,
    *,
    at: str,
    actor: str,
    action: str,
    cluster_id: int | None = None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, cluster_id, subject, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (at, actor, action, cluster_id, subject, json.dumps(detail or {}, ensure_ascii=False)),
    )


def recent(conn: sqlite3.Connection, limit: int = 50) -> list[sqlite3.Row]:
    return list(conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)))
