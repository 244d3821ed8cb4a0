"""Files fetched from people, for the daily quota (migration 0010, bot/media_gate.py)."""

from __future__ import annotations

import sqlite3


def used_since(conn: sqlite3.Connection, contact_id: int, since: str) -> tuple[int, int]:
    """(files, bytes) fetched from this person since `since`."""
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM media_received"
        " WHERE contact_id = ? AND at >= ?",
        (contact_id, since),
    ).fetchone()
    return int(row[0]), int(row[1])


def record(conn: sqlite3.Connection, contact_id: int, size: int, now: str, since: str) -> None:
    """Count one fetched file; forget this person's files from before `since`."""
    conn.execute(
        "DELETE FROM media_received WHERE contact_id = ? AND at < ?", (contact_id, since)
    )
    conn.execute(
        "INSERT INTO media_received (contact_id, at, bytes) VALUES (?, ?, ?)",
        (contact_id, now, size),
    )
