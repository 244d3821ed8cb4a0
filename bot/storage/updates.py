"""The public updates log of each cluster (/updates): every broadcast once it is sent."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Update:
    id: int
    cluster_id: int
    broadcast_id: int | None
    published_at: str
    texts: dict[str, str]
    default_language: str

    def text_for(self, language: str | None) -> str:
        return self.texts.get(language or "", self.texts[self.default_language])


def publish(
    conn: sqlite3.Connection,
    *,
    cluster_id: int,
    broadcast_id: int | None,
    texts: dict[str, str],
    default_language: str,
    now: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO updates (cluster_id, broadcast_id, published_at, texts, default_language)"
        " VALUES (?, ?, ?, ?, ?)",
        (cluster_id, broadcast_id, now, json.dumps(texts, ensure_ascii=False), default_language),
    )
    return int(cur.lastrowid or 0)


def page(
    conn: sqlite3.Connection, cluster_id: int, *, before: int | None = None, limit: int = 5
) -> tuple[list[Update], bool]:
    """Newest first, older than update id `before`; and whether there are older ones."""
    rows = conn.execute(
        "SELECT * FROM updates WHERE cluster_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        (cluster_id, before if before is not None else 2**62, limit + 1),
    ).fetchall()
    found = [
        Update(
            r["id"],
            r["cluster_id"],
            r["broadcast_id"],
            r["published_at"],
            json.loads(r["texts"]),
            r["default_language"],
        )
        for r in rows[:limit]
    ]
    return found, len(rows) > limit
