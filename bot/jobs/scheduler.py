"""Timed jobs (scheduled broadcasts; later event reminders) on APScheduler, rebuilt from the
database at every start (SPEC §8).

The `scheduled_jobs` table is the truth; APScheduler is only the alarm clock. Each pending
row becomes one APScheduler date job whose id is the row id (`broadcast:42`), so re-arming
is idempotent (`replace_existing`). A job *kind* is a plain synchronous function run inside
one write transaction, like a handler turn:

    def run(conn, due: Due) -> str          # returns a note; may enqueue outbox rows
    raise JobMissed("why")                  # too late to be useful: the row becomes missed

Adding a kind (e.g. reminders) is one entry in the `kinds` mapping given to `Scheduler`,
and `bot.storage.schedule.put(conn, "reminder:7:1d", "reminder", "7:1d", run_at, now)` in
the handler that creates it.

misfire_grace_time is deliberately **None** (no limit): APScheduler must never drop a job
silently because it fired late (the event loop was busy, the machine slept, or the bot was
down and this is the re-arm at start). Lateness is a business decision, so every kind gets
`Due.late` and decides itself: a broadcast more than 12 hours late is marked missed and
the CDA sees it in /deliveries; a reminder follows SPEC §8 (sent late with a note if the
event has not started, else skipped and logged). coalesce=True and max_instances=1: a job
runs at most once per arming.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock, iso, parse_iso, utc_now
from bot.storage import schedule
from bot.storage.db import Database

log = logging.getLogger(__name__)

# How often the table is re-read even without a nudge (a job added by another process,
# e.g. the CLI, or a lost nudge). Nudges after every turn make the normal case immediate.
RESYNC_SECONDS = 60


@dataclass(frozen=True)
class Due:
    """What a job function gets: which job, when it should have run, and when it runs."""

    job_id: str
    ref: str
    run_at: datetime
    now: datetime

    @property
    def late(self) -> timedelta:
        return max(self.now - self.run_at, timedelta(0))


class JobMissed(Exception):
    """Raised by a job function when it is too late to do its work."""


JobFunction = Callable[[sqlite3.Connection, Due], str]


class Scheduler:
    def __init__(
        self,
        db: Database,
        kinds: Mapping[str, JobFunction],
        *,
        clock: Clock = utc_now,
        after_run: Callable[[], None] = lambda: None,
    ):
        self.db = db
        self.kinds = dict(kinds)
        self.clock = clock
        self.after_run = after_run  # e.g. wake the outbox senders
        self._aps = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._armed: dict[str, str] = {}  # job id -> run_at it is armed for
        self._sync_task: asyncio.Task[None] | None = None
        self._resync = False
        self._stopped = False

    async def start(self) -> None:
        self._aps.start()
        await self.sync()
        self._aps.add_job(
            self.sync,
            "interval",
            seconds=RESYNC_SECONDS,
            id="scheduler:sync",
            replace_existing=True,
        )

    async def stop(self) -> None:
        self._stopped = True  # turns still finishing must not start a sync on a closing db
        if self._sync_task is not None:
            await asyncio.gather(self._sync_task, return_exceptions=True)
        if self._aps.running:
            self._aps.shutdown(wait=False)

    @property
    def armed(self) -> dict[str, datetime]:
        """Job id -> next run time, as APScheduler holds them (tests, logs)."""
        return {
            job.id: job.next_run_time
            for job in self._aps.get_jobs()
            if job.id in self._armed and job.next_run_time is not None
        }

    def sync_soon(self) -> None:
        """Re-read the table shortly (after a turn that may have scheduled something)."""
        if self._stopped:
            return
        if self._sync_task is not None and not self._sync_task.done():
            self._resync = True
            return
        self._sync_task = asyncio.create_task(self._sync_loop())

    async def _sync_loop(self) -> None:
        while True:
            self._resync = False
            try:
                await self.sync()
            except Exception:
                log.exception("scheduler: could not read scheduled jobs")
            if not self._resync:
                return

    async def sync(self) -> None:
        """Arm every pending job, disarm the ones no longer pending (idempotent)."""
        jobs = await self.db.read(schedule.pending)
        wanted = {job.id: job.run_at for job in jobs}
        for job_id in list(self._armed):
            if job_id not in wanted:
                self._disarm(job_id)
        for job_id, run_at in wanted.items():
            if self._armed.get(job_id) == run_at:
                continue
            self._aps.add_job(
                self.fire,
                DateTrigger(parse_iso(run_at)),
                args=[job_id],
                id=job_id,
                replace_existing=True,
            )
            self._armed[job_id] = run_at
            log.info("scheduler: %s armed for %s", job_id, run_at)

    def _disarm(self, job_id: str) -> None:
        self._armed.pop(job_id, None)
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)

    async def fire(self, job_id: str) -> bool:
        """Run one pending job now (APScheduler calls this). False if it was not pending."""
        self._armed.pop(job_id, None)
        try:
            ran = await self.db.write(partial(self._run, job_id, self.clock()))
        except Exception as exc:
            # A bug in a job must not re-fire at every resync: record it and move on.
            log.exception("scheduler: job %s failed", job_id)
            note = f"error: {exc!r}"[:300]
            await self.db.write(
                lambda conn: schedule.finish(conn, job_id, "missed", iso(self.clock()), note)
            )
            return False
        if ran:
            self.after_run()
        return ran

    def _run(self, job_id: str, now: datetime, conn: sqlite3.Connection) -> bool:
        job = schedule.get(conn, job_id)
        if job is None or job.status != "pending":
            return False
        function = self.kinds.get(job.kind)
        if function is None:
            log.error("scheduler: no function for job kind %r (%s)", job.kind, job_id)
            schedule.finish(conn, job_id, "missed", iso(now), f"unknown kind {job.kind}")
            return False
        due = Due(job_id, job.ref, parse_iso(job.run_at), now)
        try:
            note = function(conn, due)
        except JobMissed as missed:
            log.warning("scheduler: %s missed (%s late): %s", job_id, due.late, missed)
            schedule.finish(conn, job_id, "missed", iso(now), str(missed))
            return True
        schedule.finish(conn, job_id, "done", iso(now), note)
        log.info(
            "scheduler: %s done%s: %s", job_id, f" ({due.late} late)" if due.late else "", note
        )
        return True
