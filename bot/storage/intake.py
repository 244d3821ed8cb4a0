"""Webhook payloads accepted but not yet handled (migration 0009, issue 12).

    accept()   in the webhook request, before the 200: refused (None) when the channel
               already has `limit` pending rows, so the sender retries later (503)
    pending()  at start-up: what a crash or a stop left behind, oldest first
    done()     the row is handled: deleted (it holds phone numbers and message text)
    failed()   handling raised: the row stays pending for a retry, or is set aside as
               `failed` after too many attempts
"""

from __future__ import annotations

import sqlite3

PENDING = "pending"
FAILED = "failed"


def accept(
    conn: sqlite3.Connection, channel: str, payload: str, now: str, *, limit: int
) -> int | None:
    """Store one payload; its row id, or None when `limit` rows are already pending."""
    (count,) = conn.execute(
        "SELECT COUNT(*) FROM webhook_intake WHERE channel = ? AND status = ?", (channel, PENDING)
    ).fetchone()
    if count >= limit:
        return None
    cur = conn.execute(
        "INSERT INTO webhook_intake (channel, received_at, payload) VALUES (?, ?, ?)",
        (channel, now, payload),
    )
    return int(cur.lastrowid or 0)


def pending(conn: sqlite3.Connection, channel: str) -> list[tuple[int, str]]:
    """(row id, payload) of every pending row, in arrival order."""
    rows = conn.execute(
        "SELECT id, payload FROM webhook_intake WHERE channel = ? AND status = ? ORDER BY id",
        (channel, PENDING),
    ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def count_pending(conn: sqlite3.Connection, channel: str) -> int:
    (count,) = conn.execute(
        "SELECT COUNT(*) FROM webhook_intake WHERE channel = ? AND status = ?", (channel, PENDING)
    ).fetchone()
    return int(count)


def done(conn: sqlite3.Connection, row_id: int) -> None:
    conn.execute("DELETE FROM webhook_intake WHERE id = ?", (row_id,))


def failed(conn: sqlite3.Connection, row_id: int, error: str, *, max_attempts: int) -> int:
    """Count a failed attempt; returns the attempts so far. At `max_attempts` the row is
    set aside (status `failed`): it no longer counts against the limit nor is retried."""
    conn.execute(
        "UPDATE webhook_intake SET attempts = attempts + 1, last_error = ?,"
        " status = CASE WHEN attempts + 1 >= ? THEN ? ELSE status END WHERE id = ?",
        (error[:500], max_attempts, FAILED, row_id),
    )
    row = conn.execute("SELECT attempts FROM webhook_intake WHERE id = ?", (row_id,)).fetchone()
    return int(row[0]) if row else 0


def payload_of(conn: sqlite3.Connection, row_id: int) -> str | None:
    """A pending row's payload; None once it is done or set aside."""
    row = conn.execute(
        "SELECT payload FROM webhook_intake WHERE id = ? AND status = ?", (row_id, PENDING)
    ).fetchone()
    return str(row[0]) if row else None
