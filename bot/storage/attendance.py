"""Who came to an event (/attendance), and the participation counts the M&E report turns
into rates (SPEC §5 /report)."""

from __future__ import annotations

import sqlite3

from bot.storage.events import Event, answer_counts, registration_counts


def mark_attendance(
    conn: sqlite3.Connection, event_id: int, contact_id: int, present: bool, by: str, now: str
) -> None:
    conn.execute(
        "INSERT INTO attendance (event_id, contact_id, present, marked_by, at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, contact_id) DO UPDATE SET"
        " present = excluded.present, marked_by = excluded.marked_by, at = excluded.at",
        (event_id, contact_id, int(present), by, now),
    )


def participation(conn: sqlite3.Connection, event: Event) -> dict[str, int]:
    """Counts the M&E report turns into rates: invited or registered, answered, came."""
    present = conn.execute(
        "SELECT COUNT(*) FROM attendance WHERE event_id = ? AND present = 1", (event.id,)
    ).fetchone()[0]
    if event.kind == "meeting":
        answers = answer_counts(conn, event.id)
        return {**answers, "answered": sum(answers.values()), "present": int(present)}
    return {**registration_counts(conn, event.id), "present": int(present)}
