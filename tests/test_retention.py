"""The retention job (issue 12): daily, people whose last activity is older than
CLUSTERBOT_RETENTION_DAYS are erased exactly as /forget does; the log has counts only.
A fake clock drives it: no sleeping, no waiting for 03:00."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from datetime import timedelta
from functools import partial

import pytest

from bot.clock import iso
from bot.config import ConfigError, Settings, load
from bot.jobs import retention
from bot.jobs.scheduler import Scheduler
from bot.storage import contacts, schedule
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import FakeClock


def scheduler_for(
    db: Database, settings: Settings, clock: FakeClock
) -> tuple[Scheduler, retention.WalWipe]:
    wipe = retention.WalWipe()
    kinds = {retention.JOB_KIND: partial(retention.run, settings, wipe)}
    return Scheduler(db, kinds, clock=clock), wipe


async def test_the_daily_job_erases_only_people_past_the_period(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster, caplog
) -> None:
    settings = dataclasses.replace(settings, retention_days=30)

    def people(conn: sqlite3.Connection) -> None:
        for user, days_ago in (("old", 31), ("recent", 29), ("silent", 400)):
            then = iso(clock.now - timedelta(days=days_ago))
            person = contacts.get_or_create(conn, "test", user, user, then)
            contacts.update(conn, person.id, name=f"Name of {user}", phone="+919812345678",
                            place="Bagru", consent_at=then, status="registered",
                            cluster_id=one_cluster.id, role="artisan")  # fmt: skip

    await db.write(people)
    job_id = await db.write(partial(retention.arm, settings, clock.now))
    assert job_id is not None
    scheduler, wipe = scheduler_for(db, settings, clock)
    clock.now = clock.now + timedelta(days=1)  # past the 03:00 the job was armed for
    with caplog.at_level(logging.INFO):
        assert await scheduler.fire(job_id)
    rows = await db.read(
        lambda conn: {
            r[0] or f"#{r[1]}": (r[2], r[3])
            for r in conn.execute(
                "SELECT channel_user_id, id, status, name FROM contacts ORDER BY id"
            )
        }
    )
    assert rows == {"#1": ("erased", None), "recent": ("registered", "Name of recent"),
                    "#3": ("erased", None)}  # fmt: skip
    job = await db.read(lambda conn: schedule.get(conn, job_id))
    assert job is not None and job.status == "done"
    assert wipe.take()  # the WAL is emptied after the commit (bot/app.py make_scheduler)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "2 people erased" in logged
    assert "Name of" not in logged and "old" not in logged and "9198" not in logged
    actors = await db.read(
        lambda conn: [
            r[0] for r in conn.execute("SELECT actor FROM audit_log WHERE action = 'contact.erase'")
        ]
    )
    assert actors == ["retention", "retention"]


async def test_the_job_is_armed_at_start_and_rearms_itself(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    # clock: 2026-11-28 09:00 UTC = 14:30 in Kolkata: the next 03:00 there is 21:30 UTC.
    first = await db.write(partial(retention.arm, settings, clock.now))
    assert first == "retention:2026-11-29"
    assert await db.write(partial(retention.arm, settings, clock.now)) is None  # one pending
    job = await db.read(lambda conn: schedule.get(conn, first))
    assert job is not None and job.run_at == "2026-11-28T21:30:00+00:00"
    scheduler, wipe = scheduler_for(db, settings, clock)
    clock.now = clock.now.replace(hour=21, minute=30)
    assert await scheduler.fire(first)
    assert not wipe.take()  # nobody erased: nothing to empty
    pending = await db.read(schedule.pending)
    assert [(j.id, j.run_at) for j in pending] == [
        ("retention:2026-11-30", "2026-11-29T21:30:00+00:00")
    ]
    await scheduler.start()  # a restart: tomorrow's run is re-armed from the table
    try:
        assert list(scheduler.armed) == ["retention:2026-11-30"]
    finally:
        await scheduler.stop()


def test_retention_and_notice_settings_are_validated() -> None:
    defaults = load({})
    assert (defaults.retention_days, defaults.organisation, defaults.grievance_contact) == (
        1095, "the cluster programme", "")  # fmt: skip
    custom = load({"CLUSTERBOT_RETENTION_DAYS": "365", "CLUSTERBOT_ORGANISATION": " RSIC  Jaipur ",
                   "CLUSTERBOT_GRIEVANCE_CONTACT": "Meena, 0141 222 3333"})  # fmt: skip
    assert (custom.retention_days, custom.organisation) == (365, "RSIC Jaipur")
    for name, value in (
        ("CLUSTERBOT_RETENTION_DAYS", "0"),
        ("CLUSTERBOT_RETENTION_DAYS", "-5"),
        ("CLUSTERBOT_RETENTION_DAYS", "three years"),
        ("CLUSTERBOT_ORGANISATION", " "),
        ("CLUSTERBOT_ORGANISATION", "x" * 121),
        ("CLUSTERBOT_GRIEVANCE_CONTACT", "x" * 121),
    ):
        with pytest.raises(ConfigError) as refused:
            load({name: value})
        assert refused.value.problems[0].startswith(name)


async def test_many_due_are_erased_in_batches_a_minute_apart(
    db: Database, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)
    settings = dataclasses.replace(settings, retention_days=30)

    def people(conn: sqlite3.Connection) -> None:
        then = iso(clock.now - timedelta(days=40))
        for user in ("a", "b", "c"):
            contacts.get_or_create(conn, "test", user, user, then)

    await db.write(people)
    first = await db.write(partial(retention.arm, settings, clock.now))
    assert first is not None
    scheduler, _wipe = scheduler_for(db, settings, clock)
    clock.now = clock.now.replace(hour=21, minute=30)
    assert await scheduler.fire(first)
    [follow_up] = await db.read(schedule.pending)
    assert follow_up.id == "retention:2026-11-29T03:01"  # local time, a minute later
    clock.now = clock.now + timedelta(minutes=1)
    assert await scheduler.fire(follow_up.id)
    [daily] = await db.read(schedule.pending)
    assert daily.id == "retention:2026-11-30"
    left = await db.read(
        lambda conn: conn.execute(
            "SELECT COUNT(*) FROM contacts WHERE status != 'erased'"
        ).fetchone()[0]
    )
    assert left == 0
    notes = await db.read(
        lambda conn: [
            r[0]
            for r in conn.execute(
                "SELECT note FROM scheduled_jobs WHERE status = 'done' ORDER BY run_at"
            )
        ]
    )
    assert notes == ["2 people erased, 0 media files deleted, more next",
                     "1 people erased, 0 media files deleted"]  # fmt: skip
