"""The retention job (issue 12): once a day, erase everyone whose last activity is older
than CLUSTERBOT_RETENTION_DAYS, exactly as /forget does (bot/erasure.py).

A scheduler kind like the others (bot/jobs/scheduler.py): each run is the `scheduled_jobs`
row `retention:<local date>` at RUN_AT in the deployment's time zone, and queues the next
day's row before it finishes, so the chain survives restarts; `arm` (called at start)
adds the first row when none is pending. The log and the job's note carry counts only.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, time, timedelta

from bot import erasure
from bot.clock import iso
from bot.config import Settings
from bot.jobs.scheduler import Due
from bot.storage import schedule

log = logging.getLogger(__name__)

JOB_KIND = "retention"
RUN_AT = time(3, 0)  # local time: a quiet hour
# Erasures per run: ~0.4 ms each (bench/bench_erasure.py), so a run holds the single
# writer for a fraction of a second; when more are due, the next run follows a minute later.
BATCH = 500
FOLLOW_UP = timedelta(minutes=1)


class WalWipe:
    """Set by a run that erased someone; the scheduler's after-run hook then empties the
    WAL (`Database.wipe_wal`), once the job's transaction has committed."""

    def __init__(self) -> None:
        self.needed = False

    def take(self) -> bool:
        needed, self.needed = self.needed, False
        return needed


def next_run(settings: Settings, now: datetime) -> datetime:
    """The next RUN_AT in the deployment's time zone, strictly after `now`."""
    local = now.astimezone(settings.tz)
    at = datetime.combine(local.date(), RUN_AT, tzinfo=settings.tz)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), RUN_AT, tzinfo=settings.tz)
    return at


def _put(
    conn: sqlite3.Connection, settings: Settings, now: datetime, at: datetime | None = None
) -> str:
    """Queue the next run: the next RUN_AT, or `at` (a follow-up the same night)."""
    if at is None:
        at = next_run(settings, now)
        job_id = f"{JOB_KIND}:{at.date().isoformat()}"
    else:
        job_id = f"{JOB_KIND}:{at.astimezone(settings.tz):%Y-%m-%dT%H:%M}"
    schedule.put(conn, job_id, JOB_KIND, str(settings.retention_days), iso(at), iso(now))
    return job_id


def arm(settings: Settings, now: datetime, conn: sqlite3.Connection) -> str | None:
    """Add the next run when none is pending (at start). Returns the job id it added."""
    pending = conn.execute(
        "SELECT 1 FROM scheduled_jobs WHERE kind = ? AND status = 'pending' LIMIT 1",
        (JOB_KIND,),
    ).fetchone()
    return None if pending else _put(conn, settings, now)


def run(settings: Settings, wipe: WalWipe, conn: sqlite3.Connection, due: Due) -> str:
    """Erase up to BATCH people past the retention period; queue the next run (in a
    minute if more are due, else tomorrow). A run found late (the bot was down) still
    runs: erasing late is better than never."""
    cutoff = due.now - timedelta(days=settings.retention_days)
    found = erasure.due_for_retention(conn, iso(cutoff), BATCH + 1)
    erased = files = 0
    for contact_id in found[:BATCH]:
        done = erasure.erase(
            conn,
            contact_id,
            now=due.now,
            actor="retention",
            media_root=settings.media_root,
            default_language=settings.default_language,
            timezone=settings.timezone,
        )
        if done is not None:
            erased += 1
            files += len(done.files)
    more = len(found) > BATCH
    _put(conn, settings, due.now, due.now + FOLLOW_UP if more else None)
    if erased:
        wipe.needed = True
    note = f"{erased} people erased, {files} media files deleted" + (", more next" if more else "")
    log.info("retention (%s days): %s", settings.retention_days, note)
    return note
