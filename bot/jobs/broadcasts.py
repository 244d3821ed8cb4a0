"""Sending a broadcast: fan-out into the outbox plus the cluster's public /updates log, in the
caller's transaction; and the scheduler job kind for broadcasts sent at a later time."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.clock import iso
from bot.jobs.scheduler import Due, JobMissed
from bot.outbox.queue import fan_out_broadcast
from bot.storage import audit, broadcasts, schedule, updates
from bot.storage.broadcasts import Broadcast

# A scheduled broadcast found this late (the bot was down at the time) is not sent: news
# about "tomorrow's meeting" arriving two days late does more harm than good. The CDA
# sees it as missed in /deliveries and can send it again.
LATE_LIMIT = timedelta(hours=12)
JOB_KIND = "broadcast"


def release(conn: sqlite3.Connection, b: Broadcast, now: datetime) -> dict[str, int]:
    """Queue the broadcast for everyone in its audience, publish it in /updates, mark it
    sent. Idempotent through the outbox's unique key; returns the ledger counts."""
    counts = fan_out_broadcast(conn, b, now)
    updates.publish(
        conn,
        cluster_id=b.cluster_id,
        broadcast_id=b.id,
        texts=b.texts,
        default_language=b.default_language,
        now=iso(now),
    )
    broadcasts.set_status(conn, b.id, "sent", sent_at=iso(now), recipients=sum(counts.values()))
    return counts


def schedule_release(conn: sqlite3.Connection, b: Broadcast, now: datetime) -> None:
    assert b.scheduled_at is not None
    schedule.put(conn, b.job_id, JOB_KIND, str(b.id), b.scheduled_at, iso(now))


def cancel(conn: sqlite3.Connection, b: Broadcast, now: datetime) -> bool:
    """Cancel a scheduled broadcast; False when it is no longer scheduled."""
    if b.status != "scheduled":
        return False
    broadcasts.set_status(conn, b.id, "cancelled")
    schedule.finish(conn, b.job_id, "cancelled", iso(now))
    return True


def run_scheduled(conn: sqlite3.Connection, due: Due) -> str:
    """The scheduler's job function for kind 'broadcast'."""
    b = broadcasts.get(conn, int(due.ref))
    if b is None or b.status != "scheduled":
        return f"nothing to do: broadcast is {b.status if b else 'gone'}"
    subject = f"broadcast:{b.id}"
    if due.late > LATE_LIMIT:
        broadcasts.set_status(conn, b.id, "missed")
        audit.record(
            conn,
            at=iso(due.now),
            actor="scheduler",
            action="broadcast.missed",
            cluster_id=b.cluster_id,
            subject=subject,
            detail={"late_seconds": int(due.late.total_seconds())},
        )
        raise JobMissed(f"{due.late} late; the limit is {LATE_LIMIT}")
    counts = release(conn, b, due.now)
    audit.record(
        conn,
        at=iso(due.now),
        actor="scheduler",
        action="broadcast.release",
        cluster_id=b.cluster_id,
        subject=subject,
        detail=counts,
    )
    return f"queued {counts['queued']} of {sum(counts.values())}"
