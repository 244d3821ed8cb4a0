"""Event reminders (SPEC §8): stored in the database, re-armed at start, sent to Yes/Maybe
(meetings) or confirmed (visits) in each person's language; a missed one is sent late with
a note before the event starts, else recorded as skipped. Fake clock, no sleeping."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.clock import iso
from bot.jobs import reminders
from bot.jobs.scheduler import Scheduler
from bot.storage import event_reminders as er
from bot.storage import events as ev
from bot.storage import schedule
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import FakeClock
from tests.handlers.events.helpers import make_event
from tests.outbox_helpers import Person, seed_people

KINDS = {reminders.JOB_KIND: reminders.run}


def reminder_rows(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """contact name -> (outbox status, text) for every reminder row."""
    return {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            "SELECT c.name, o.status, p.body FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = 'reminder'"
        )
    }


async def meeting_with_answers(db: Database, cluster: Cluster, clock: FakeClock) -> ev.Event:
    def make(conn: sqlite3.Connection) -> ev.Event:
        people = seed_people(
            conn,
            cluster.id,
            [Person("yes"), Person("maybe", language="hi"), Person("no"), Person("silent")],
        )
        meeting = make_event(conn, cluster.id, clock.now, kind="meeting", offsets=(60,))
        for pid, answer in zip(people, ("yes", "maybe", "no"), strict=False):
            ev.rsvp(conn, meeting.id, pid, answer, iso(clock.now))
        return meeting

    return await db.write(make)


async def test_reminders_are_rearmed_from_the_database_at_start(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    meeting = await meeting_with_answers(db, one_cluster, clock)
    scheduler = Scheduler(db, KINDS, clock=clock)
    await scheduler.start()
    try:
        job_id = f"reminder:{meeting.id}:60m"
        assert set(scheduler.armed) == {job_id}
        assert iso(scheduler.armed[job_id]) == iso(clock.now + timedelta(days=7, hours=-1))
    finally:
        await scheduler.stop()


async def test_a_reminder_goes_to_yes_and_maybe_in_their_language(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    meeting = await meeting_with_answers(db, one_cluster, clock)
    clock.now += timedelta(days=7, hours=-1, seconds=2)
    assert await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{meeting.id}:60m")
    rows = await db.read(reminder_rows)
    assert set(rows) == {"yes", "maybe"}
    assert rows["yes"][0] == "queued" and "Cluster meeting" in rows["yes"][1]
    assert "offline" not in rows["yes"][1]
    assert "रिमाइंडर" in rows["maybe"][1]  # Hindi text, local time
    assert "2:30" in rows["yes"][1]  # 09:00 UTC shown in the cluster's zone (IST)
    rem = (await db.read(lambda conn: er.reminders_of(conn, meeting.id)))[0]
    assert rem.status == "sent"


async def test_missed_while_down_but_before_the_start_is_sent_late_with_a_note(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    meeting = await meeting_with_answers(db, one_cluster, clock)
    clock.now += timedelta(days=7, minutes=-20)  # due 40 minutes ago; starts in 20
    await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{meeting.id}:60m")
    rows = await db.read(reminder_rows)
    assert rows["yes"][0] == "queued" and "offline" in rows["yes"][1]


async def test_missed_until_after_the_start_is_skipped_and_logged(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    meeting = await meeting_with_answers(db, one_cluster, clock)
    clock.now += timedelta(days=7, minutes=5)  # the meeting started 5 minutes ago
    await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{meeting.id}:60m")
    rows = await db.read(reminder_rows)
    assert {name: status for name, (status, _) in rows.items()} == {
        "yes": "skipped",
        "maybe": "skipped",
    }
    job = await db.read(lambda conn: schedule.get(conn, f"reminder:{meeting.id}:60m"))
    assert job is not None and job.status == "missed"
    rem = (await db.read(lambda conn: er.reminders_of(conn, meeting.id)))[0]
    assert rem.status == "skipped" and rem.note == reminders.SKIPPED_REASON


async def test_moving_an_event_moves_its_reminders_and_cancelling_cancels_them(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    meeting = await meeting_with_answers(db, one_cluster, clock)

    def move(conn: sqlite3.Connection) -> None:
        later = iso(clock.now + timedelta(days=8))
        moved = ev.update(conn, meeting.id, iso(clock.now), starts_at=later)
        reminders.arm(conn, moved, clock.now)

    await db.write(move)
    job = await db.read(lambda conn: schedule.get(conn, f"reminder:{meeting.id}:60m"))
    assert job is not None and job.run_at == iso(clock.now + timedelta(days=8, hours=-1))

    def cancel(conn: sqlite3.Connection) -> None:
        cancelled = ev.update(conn, meeting.id, iso(clock.now), status="cancelled")
        reminders.cancel_all(conn, cancelled, clock.now)

    await db.write(cancel)
    assert await db.read(schedule.pending) == []


async def test_a_visit_reminds_confirmed_people_only(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def make(conn: sqlite3.Connection) -> ev.Event:
        a, b = seed_people(conn, one_cluster.id, [Person("seat"), Person("waits")])
        visit = make_event(conn, one_cluster.id, clock.now, seats=1, offsets=(120,))
        ev.register(conn, visit, a, iso(clock.now))
        ev.register(conn, visit, b, iso(clock.now))
        return visit

    visit = await db.write(make)
    clock.now += timedelta(days=7, hours=-2)
    await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{visit.id}:120m")
    assert set(await db.read(reminder_rows)) == {"seat"}


async def test_a_person_who_used_stop_still_gets_the_reminder_of_a_meeting_they_joined(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    """SPEC §5 /stop: no more news, but reminders of events I joined still come, from the
    fan-out through the sender's last check before sending."""
    import random

    from bot.outbox.sender import OutboxSender
    from tests.outbox_helpers import FakeChannel

    meeting = await meeting_with_answers(db, one_cluster, clock)
    await db.write(lambda conn: conn.execute("UPDATE contacts SET opted_out = 1"))
    clock.now += timedelta(days=7, hours=-1, seconds=2)
    await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{meeting.id}:60m")
    channel = FakeChannel()
    await OutboxSender(db, "test", channel.deliver, clock=clock, rng=random.Random(1)).drain()
    assert sorted(channel.per_chat) == ["c-maybe", "c-yes"]
    rows = await db.read(reminder_rows)
    assert {name: status for name, (status, _) in rows.items()} == {"yes": "sent", "maybe": "sent"}
    # The Hindi reminder has the local time (09:00 UTC is 2:30 pm in Asia/Kolkata) too.
    assert "दोपहर 2:30" in rows["maybe"][1] and "09:00" not in rows["maybe"][1]
