"""Daily housekeeping (issue 12): processed update keys older than 7 days are pruned.
A fake clock drives the scheduler: no sleeping, no waiting for 03:00."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from functools import partial

from bot.clock import iso
from bot.config import Settings
from bot.jobs import housekeeping
from bot.jobs.scheduler import Scheduler
from bot.storage import schedule
from bot.storage.db import Database
from tests.driver import FakeClock


def keys(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT update_key FROM processed_updates")}


async def test_update_keys_older_than_seven_days_are_pruned_daily(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    scheduler = Scheduler(
        db, {housekeeping.JOB_KIND: partial(housekeeping.run, settings)}, clock=clock
    )

    def recorded(conn: sqlite3.Connection) -> None:
        for key, age in (
            ("old", timedelta(days=9)),
            ("edge", timedelta(days=7, seconds=1)),
            ("week", timedelta(days=6, hours=23)),
            ("new", timedelta(0)),
        ):
            conn.execute(
                "INSERT INTO processed_updates (channel, update_key, at) VALUES (?, ?, ?)",
                ("telegram", key, iso(clock.now - age)),
            )

    first = await db.write(partial(housekeeping.arm, settings, clock.now))
    assert first is not None
    assert await db.write(partial(housekeeping.arm, settings, clock.now)) is None  # one chain
    job = await db.read(lambda conn: schedule.get(conn, first))
    assert job is not None
    clock.now = housekeeping.next_run(settings, clock.now)  # 03:00 comes
    await db.write(recorded)
    assert await scheduler.fire(first)
    assert await db.read(keys) == {"week", "new"}
    done = await db.read(lambda conn: schedule.get(conn, first))
    assert done is not None and done.status == "done"
    # It queued tomorrow's run, which prunes what has aged by then.
    pending = await db.read(schedule.pending)
    [tomorrow] = [j for j in pending if j.kind == housekeeping.JOB_KIND]
    assert tomorrow.id != first
    clock.advance(days=1)
    assert await scheduler.fire(tomorrow.id)
    assert await db.read(keys) == {"new"}


async def test_a_redelivered_update_within_the_week_is_still_ignored(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    from bot.engine import _first_time

    assert await db.write(lambda conn: _first_time(conn, "telegram", "42", iso(clock.now)))
    later = clock.now + timedelta(days=6)
    assert await db.write(lambda conn: housekeeping.prune_processed_updates(conn, later)) == 0
    assert not await db.write(lambda conn: _first_time(conn, "telegram", "42", iso(clock.now)))
