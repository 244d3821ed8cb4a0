"""Event reminders: one row per (event, offset); what became of each (pending, sent,
skipped, cancelled). The scheduler's alarm for a row is the scheduled_jobs row named by
`Reminder.job_id` (see bot.jobs.reminders)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Reminder:
    id: int
    event_id: int
    offset_minutes: int
    due_at: str
    status: str  # pending / sent / skipped / cancelled
    note: str | None = None  # why it was skipped or cancelled, or what was queued

    @property
    def job_id(self) -> str:
        """The scheduler's job id (scheduled_jobs.id): stable when the event moves."""
        return f"reminder:{self.event_id}:{self.offset_minutes}m"

    @property
    def ledger_ref(self) -> str:
        """Its outbox rows' ref: a moved reminder (new due time) is a new message."""
        return f"{self.job_id}@{self.due_at}"


def _reminder(r: sqlite3.Row) -> Reminder:
    return Reminder(
        r["id"], r["event_id"], r["offset_minutes"], r["due_at"], r["status"], r["note"]
    )


def put_reminder(
    conn: sqlite3.Connection, event_id: int, offset_minutes: int, due_at: str
) -> Reminder:
    """Add a reminder, or move it (pending again) when the event moved."""
    conn.execute(
        "INSERT INTO reminders (event_id, offset_minutes, due_at) VALUES (?, ?, ?)"
        " ON CONFLICT (event_id, offset_minutes) DO UPDATE SET due_at = excluded.due_at,"
        " status = 'pending', note = NULL, done_at = NULL",
        (event_id, offset_minutes, due_at),
    )
    row = conn.execute(
        "SELECT * FROM reminders WHERE event_id = ? AND offset_minutes = ?",
        (event_id, offset_minutes),
    ).fetchone()
    return _reminder(row)


def reminders_of(conn: sqlite3.Connection, event_id: int) -> list[Reminder]:
    rows = conn.execute(
        "SELECT * FROM reminders WHERE event_id = ? ORDER BY due_at", (event_id,)
    ).fetchall()
    return [_reminder(r) for r in rows]


def reminder(conn: sqlite3.Connection, reminder_id: int) -> Reminder | None:
    row = conn.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)).fetchone()
    return _reminder(row) if row else None


def finish_reminder(
    conn: sqlite3.Connection, reminder_id: int, status: str, now: str, note: str = ""
) -> None:
    conn.execute(
        "UPDATE reminders SET status = ?, done_at = ?, note = ? WHERE id = ?",
        (status, now, note or None, reminder_id),
    )
