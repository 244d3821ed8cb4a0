"""Daily housekeeping (issue 12): forget processed update keys older than KEEP_UPDATES.

`processed_updates` holds the key of every update handled, so that a redelivery after a
crash changes nothing twice (bot/engine.py). Platforms redeliver within hours (Telegram
keeps an unconfirmed update for 24 h, Meta retries a webhook for up to 7 days), so a key
older than 7 days guards against nothing and the table would otherwise grow forever.

A scheduler kind like retention (bot/jobs/retention.py): each run is the `scheduled_jobs` row
`housekeeping:<local date>` at 03:00 in the deployment's time zone, which queues the next
day's row before it finishes; `arm` (at start) adds the first when none is pending, and a
run missed while the bot was down runs at start.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta

from bot.clock import iso
from bot.config import Settings
from bot.jobs.retention import next_run
from bot.jobs.scheduler import Due
from bot.storage import schedule, web_access

log = logging.getLogger(__name__)

JOB_KIND = "housekeeping"
KEEP_UPDATES = timedelta(days=7)


def prune_processed_updates(conn: sqlite3.Connection, now: datetime) -> int:
    """Delete the update keys recorded before now - KEEP_UPDATES; returns how many."""
    cutoff = iso(now - KEEP_UPDATES)
    return conn.execute("DELETE FROM processed_updates WHERE at < ?", (cutoff,)).rowcount


def _put(conn: sqlite3.Connection, settings: Settings, now: datetime) -> str:
    at = next_run(settings, now)
    job_id = f"{JOB_KIND}:{at.date().isoformat()}"
    schedule.put(conn, job_id, JOB_KIND, "", iso(at), iso(now))
    return job_id


def arm(settings: Settings, now: datetime, conn: sqlite3.Connection) -> str | None:
    """Add the next run when none is pending (at start). Returns the job id it added."""
    pending = conn.execute(
        "SELECT 1 FROM scheduled_jobs WHERE kind = ? AND status = 'pending' LIMIT 1",
        (JOB_KIND,),
    ).fetchone()
    return None if pending else _put(conn, settings, now)


def run(settings: Settings, conn: sqlite3.Connection, due: Due) -> str:
    """Prune old update keys and spent web sign-ins; queue tomorrow's run."""
    pruned = prune_processed_updates(conn, due.now)
    signins = web_access.prune(conn, due.now)
    _put(conn, settings, due.now)
    note = (
        f"{pruned} processed update keys older than {KEEP_UPDATES.days} days removed;"
        f" {signins} spent web sign-in links and sessions removed"
    )
    log.info("housekeeping: %s", note)
    return note
