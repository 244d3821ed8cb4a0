"""Scheduled broadcasts live in the database and are re-armed at start (SPEC §8)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.clock import iso
from bot.jobs import broadcasts as broadcasting
from bot.jobs.scheduler import Due, JobMissed, Scheduler
from bot.storage import broadcasts, schedule
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import FakeClock
from tests.e2e.harness import wait_until
from tests.outbox_helpers import Person, ledger, seed_people

KINDS = {broadcasting.JOB_KIND: broadcasting.run_scheduled}


async def scheduled_broadcast(db: Database, cluster: Cluster, at: datetime, now: datetime) -> int:
    def make(conn: sqlite3.Connection) -> int:
        seed_people(conn, cluster.id, [Person("asha"), Person("bina", opted_out=True)])
        b = broadcasts.create(
            conn,
            cluster_id=cluster.id,
            author="test:cda",
            audience={},
            texts={"en": "Exposure visit to Sanganer on Monday"},
            scheduled_at=iso(at),
            status="scheduled",
            now=iso(now),
        )
        broadcasting.schedule_release(conn, b, now)
        return b.id

    return await db.write(make)


async def test_a_due_broadcast_is_released_into_outbox_and_updates(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    at = clock.now + timedelta(hours=2)
    bid = await scheduled_broadcast(db, one_cluster, at, clock.now)
    woken: list[bool] = []
    scheduler = Scheduler(db, KINDS, clock=clock, after_run=lambda: woken.append(True))
    clock.now = at + timedelta(seconds=3)
    assert await scheduler.fire(f"broadcast:{bid}")
    assert woken == [True]
    b = await db.read(lambda conn: broadcasts.get(conn, bid))
    assert b is not None and b.status == "sent" and b.recipients == 2
    assert await db.read(lambda conn: ledger(conn, str(bid))) == {
        "asha": "queued",
        "bina": "opted_out",
    }
    log = await db.read(lambda conn: conn.execute("SELECT texts FROM updates").fetchall())
    assert len(log) == 1 and "Sanganer" in log[0][0]
    job = await db.read(lambda conn: schedule.get(conn, f"broadcast:{bid}"))
    assert job is not None and job.status == "done"
    # Firing again (a duplicate alarm) does nothing.
    assert not await scheduler.fire(f"broadcast:{bid}")
    assert len(await db.read(lambda conn: conn.execute("SELECT * FROM updates").fetchall())) == 1


async def test_a_broadcast_found_too_late_is_marked_missed(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    at = clock.now + timedelta(hours=1)
    bid = await scheduled_broadcast(db, one_cluster, at, clock.now)
    clock.now = at + broadcasting.LATE_LIMIT + timedelta(minutes=1)  # the bot was down
    await Scheduler(db, KINDS, clock=clock).fire(f"broadcast:{bid}")
    b = await db.read(lambda conn: broadcasts.get(conn, bid))
    assert b is not None and b.status == "missed"
    assert await db.read(lambda conn: ledger(conn, str(bid))) == {}
    job = await db.read(lambda conn: schedule.get(conn, f"broadcast:{bid}"))
    assert job is not None and job.status == "missed"
    audit = await db.read(lambda conn: conn.execute("SELECT action FROM audit_log").fetchall())
    assert ("broadcast.missed",) in [tuple(r) for r in audit]


async def test_a_cancelled_broadcast_is_not_sent(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    at = clock.now + timedelta(hours=1)
    bid = await scheduled_broadcast(db, one_cluster, at, clock.now)

    def cancel(conn: sqlite3.Connection) -> bool:
        b = broadcasts.get(conn, bid)
        assert b is not None
        return broadcasting.cancel(conn, b, clock.now)

    assert await db.write(cancel)
    assert not await db.write(cancel)  # only once
    clock.now = at
    assert not await Scheduler(db, KINDS, clock=clock).fire(f"broadcast:{bid}")
    assert await db.read(lambda conn: ledger(conn, str(bid))) == {}


async def test_jobs_are_rearmed_at_start_with_their_ids(db: Database, one_cluster: Cluster) -> None:
    now = datetime.now(UTC)
    at = (now + timedelta(days=2)).replace(microsecond=0)
    bid = await scheduled_broadcast(db, one_cluster, at, now)
    first = Scheduler(db, KINDS)
    await first.start()
    assert first.armed == {f"broadcast:{bid}": at}
    await first.stop()
    # A new process: the same job, from the database.
    second = Scheduler(db, KINDS)
    await second.start()
    try:
        assert second.armed == {f"broadcast:{bid}": at}
        # Moved, then cancelled: re-reading the table follows both.
        later = at + timedelta(hours=3)
        await db.write(
            lambda conn: schedule.put(
                conn, f"broadcast:{bid}", "broadcast", str(bid), iso(later), iso(now)
            )
        )
        await second.sync()
        assert second.armed == {f"broadcast:{bid}": later}
        await db.write(
            lambda conn: schedule.finish(conn, f"broadcast:{bid}", "cancelled", iso(now))
        )
        second.sync_soon()  # re-reads in the background: poll for it, never guess a delay
        await wait_until(lambda: second.armed == {}, 5, "the cancelled job to be disarmed")
    finally:
        await second.stop()


async def test_a_job_due_while_the_bot_was_down_runs_at_start(
    db: Database, one_cluster: Cluster
) -> None:
    now = datetime.now(UTC)
    bid = await scheduled_broadcast(
        db, one_cluster, now - timedelta(minutes=30), now - timedelta(hours=1)
    )
    scheduler = Scheduler(db, KINDS)
    await scheduler.start()
    try:
        for _ in range(500):  # up to 10 s: a loaded machine is slow, a fast one leaves at once
            job = await db.read(lambda conn: schedule.get(conn, f"broadcast:{bid}"))
            if job is not None and job.status != "pending":
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.stop()
    assert job is not None and job.status == "done"  # 30 min late: still worth sending
    b = await db.read(lambda conn: broadcasts.get(conn, bid))
    assert b is not None and b.status == "sent"


async def test_job_kinds_are_pluggable_and_errors_do_not_loop(
    db: Database, clock: FakeClock
) -> None:
    seen: list[Due] = []

    def reminder(conn: sqlite3.Connection, due: Due) -> str:
        seen.append(due)
        if due.ref == "late":
            raise JobMissed("the event has started")
        if due.ref == "bug":
            raise RuntimeError("boom")
        return "sent 3"

    now = clock.now
    await db.write(
        lambda conn: [
            schedule.put(conn, f"reminder:{r}", "reminder", r, iso(now), iso(now))
            for r in ("ok", "late", "bug")
        ]
    )
    scheduler = Scheduler(db, {"reminder": reminder}, clock=clock)
    for ref in ("ok", "late", "bug"):
        await scheduler.fire(f"reminder:{ref}")
    statuses = await db.read(
        lambda conn: dict(conn.execute("SELECT ref, status FROM scheduled_jobs").fetchall())
    )
    assert statuses == {"ok": "done", "late": "missed", "bug": "missed"}
    assert [d.ref for d in seen] == ["ok", "late", "bug"]
