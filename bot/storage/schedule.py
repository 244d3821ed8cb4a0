"""Scheduled jobs: what the scheduler must run at a time. The database is the truth; the
in-memory APScheduler is rebuilt from the pending rows at every start (bot.jobs.scheduler)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    ref: str
    run_at: str
    status: str


def _row(r: sqlite3.Row) -> Job:
    return Job(r["id"], r["kind"], r["ref"], r["run_at"], r["status"])


def put(conn: sqlite3.Connection, job_id: str, kind: str, ref: str, run_at: str, now: str) -> None:
    """Add a job, or move an existing one to a new time (pending again)."""
    conn.execute(
        "INSERT INTO scheduled_jobs (id, kind, ref, run_at, status, created_at)"
        " VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO UPDATE SET"
        " kind = excluded.kind, ref = excluded.ref, run_at = excluded.run_at,"
        " status = 'pending', done_at = NULL, note = NULL",
        (job_id, kind, ref, run_at, now),
    )


def get(conn: sqlite3.Connection, job_id: str) -> Job | None:
    row = conn.execute("SELECT * FROM scheduled_jobs WHERE id = ?", (job_id,)).fetchone()
    return _row(row) if row else None


def pending(conn: sqlite3.Connection) -> list[Job]:
    return [
        _row(r)
        for r in conn.execute(
            "SELECT * FROM scheduled_jobs WHERE status = 'pending' ORDER BY run_at, id"
        )
    ]


def finish(conn: sqlite3.Connection, job_id: str, status: str, now: str, note: str = "") -> None:
    """done / cancelled / missed; only a pending job changes."""
    conn.execute(
        "UPDATE scheduled_jobs SET status = ?, done_at = ?, note = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, now, note or None, job_id),
    )
