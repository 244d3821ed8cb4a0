"""Events storage: seats are never over-booked and the waiting list moves up (SPEC §5
/newvisit), RSVPs and attendance counts for the M&E report (SPEC §5 /report)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

import pytest

from bot.clock import iso
from bot.storage import attendance as att
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import FakeClock
from tests.handlers.events.helpers import make_event
from tests.outbox_helpers import Person, seed_people


async def test_seats_then_waiting_list_then_promotion(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        people = seed_people(conn, one_cluster.id, [Person(f"p{i}") for i in range(5)])
        visit = make_event(conn, one_cluster.id, clock.now, seats=2)
        now = iso(clock.now)
        results = [ev.register(conn, visit, pid, now) for pid in people]
        assert [(r.status, r.position) for r in results] == [
            ("confirmed", 0),
            ("confirmed", 0),
            ("waiting", 1),
            ("waiting", 2),
            ("waiting", 3),
        ]
        # Registering twice changes nothing.
        assert ev.register(conn, visit, people[3], now).position == 2
        # A waiting person leaves: the others move up, nobody is promoted.
        assert ev.cancel_registration(conn, visit, people[2], now) == (True, None)
        assert ev.registration_of(conn, visit.id, people[3]).position == 1
        # A confirmed person leaves: the first waiting one gets the seat.
        assert ev.cancel_registration(conn, visit, people[0], now) == (True, people[3])
        assert ev.registration_of(conn, visit.id, people[3]).status == "confirmed"
        assert ev.registration_of(conn, visit.id, people[4]).position == 1
        # Coming back after cancelling means the back of the queue.
        assert ev.register(conn, visit, people[0], now).position == 2
        assert ev.registration_counts(conn, visit.id) == {
            "confirmed": 2,
            "waiting": 2,
            "cancelled": 1,
        }

    await db.write(scenario)


async def test_the_database_refuses_an_extra_seat(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        people = seed_people(conn, one_cluster.id, [Person("a"), Person("b")])
        visit = make_event(conn, one_cluster.id, clock.now, seats=1)
        ev.register(conn, visit, people[0], iso(clock.now))
        with pytest.raises(sqlite3.IntegrityError, match="no seat left"):
            conn.execute(
                "INSERT INTO registrations (event_id, contact_id, status, seq, at)"
                " VALUES (?, ?, 'confirmed', 9, 'x')",
                (visit.id, people[1]),
            )

    await db.write(scenario)


async def test_200_simultaneous_registrations_for_30_seats(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def setup(conn: sqlite3.Connection) -> tuple[ev.Event, list[int]]:
        people = seed_people(conn, one_cluster.id, [Person(f"p{i}") for i in range(200)])
        return make_event(conn, one_cluster.id, clock.now, seats=30), people

    visit, people = await db.write(setup)

    def register(contact_id: int) -> Callable[[sqlite3.Connection], ev.Registration]:
        return lambda conn: ev.register(conn, visit, contact_id, iso(clock.now))

    results = await asyncio.gather(*(db.write(register(p)) for p in people))
    assert sum(r.status == "confirmed" for r in results) == 30
    waiting = sorted(r.position for r in results if r.status == "waiting")
    assert waiting == list(range(1, 171))


async def test_rsvp_and_attendance_counts(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        a, b, c = seed_people(conn, one_cluster.id, [Person("a"), Person("b"), Person("c")])
        meeting = make_event(conn, one_cluster.id, clock.now, kind="meeting")
        now = iso(clock.now)
        ev.rsvp(conn, meeting.id, a, "yes", now)
        ev.rsvp(conn, meeting.id, b, "no", now)
        ev.rsvp(conn, meeting.id, b, "maybe", now)  # the latest answer wins
        assert ev.answer_of(conn, meeting.id, b) == "maybe"
        att.mark_attendance(conn, meeting.id, a, True, "test:cda", now)
        att.mark_attendance(conn, meeting.id, c, True, "test:cda", now)
        att.mark_attendance(conn, meeting.id, c, False, "test:cda", now)
        assert att.participation(conn, meeting) == {
            "yes": 1,
            "no": 0,
            "maybe": 1,
            "answered": 2,
            "present": 1,
        }

    await db.write(scenario)


async def test_the_demo_has_an_upcoming_meeting_and_visit(db: Database) -> None:
    """SPEC §4: `clusterbot demo` comes with an upcoming meeting and exposure visit."""
    from bot.app import seed_demo
    from bot.clock import iso, utc_now
    from bot.config import Settings

    def seed_twice(conn: sqlite3.Connection) -> list[str]:
        seed_demo(conn, Settings())
        seed_demo(conn, Settings())
        upcoming = "SELECT kind FROM events WHERE starts_at > ? ORDER BY id"  # not the history
        return [row[0] for row in conn.execute(upcoming, (iso(utc_now()),))]

    assert await db.write(seed_twice) == ["meeting", "visit"]
    pending = await db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM reminders").fetchone())
    assert pending[0] == 4
