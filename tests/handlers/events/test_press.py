"""RSVP and Register buttons through the engine (SPEC §5 /events, /newvisit): pressed from
any state, seats never over-booked however many press at once, the waiting list moves up
and the promoted person is told through the outbox."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

from bot.clock import iso
from bot.engine import Engine
from bot.storage import conversations
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.conversations import Conversation
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event
from tests.outbox_helpers import Person, seed_people


async def crowd(db: Database, cluster: Cluster, n: int, role: str = "artisan") -> list[int]:
    people = [Person(f"p{i}", role=role, user_id=f"u{i}") for i in range(n)]
    return await db.write(lambda conn: seed_people(conn, cluster.id, people))


async def test_200_simultaneous_registrations_through_the_engine(
    db: Database, engine: Engine, one_cluster: Cluster, clock: FakeClock
) -> None:
    await crowd(db, one_cluster, 200)
    visit = await db.write(lambda conn: make_event(conn, one_cluster.id, clock.now, seats=30))
    drivers = [ChatDriver(engine, user_id=f"u{i}") for i in range(200)]
    await asyncio.gather(*(d.press(f"reg:{visit.id}") for d in drivers))
    counts = await db.read(lambda conn: ev.registration_counts(conn, visit.id))
    assert counts == {"confirmed": 30, "waiting": 170, "cancelled": 0}
    texts = [d.text for d in drivers]
    assert sum("You are registered" in t for t in texts) == 30
    assert sum("number 170 on the waiting list" in t for t in texts) == 1


async def test_a_cancelled_seat_goes_to_the_first_waiting_who_is_told(
    db: Database, engine: Engine, one_cluster: Cluster, clock: FakeClock
) -> None:
    await crowd(db, one_cluster, 3)
    visit = await db.write(lambda conn: make_event(conn, one_cluster.id, clock.now, seats=1))
    first, second, third = (ChatDriver(engine, user_id=f"u{i}") for i in range(3))
    await first.press(f"reg:{visit.id}")
    assert "You are registered" in first.text and first.choice_ids == [f"reg:{visit.id}:x"]
    await second.press(f"reg:{visit.id}")
    assert "number 1 on the waiting list" in second.text
    await third.press(f"reg:{visit.id}")
    assert "number 2 on the waiting list" in third.text
    await first.tap("Cancel registration")
    assert "is cancelled" in first.text

    def state(conn: sqlite3.Connection) -> tuple[list[sqlite3.Row], ev.Registration]:
        notices = conn.execute(
            "SELECT o.chat_id, p.body FROM outbox o JOIN outbox_payloads p ON p.id = o.payload_id"
            " WHERE o.kind = 'notice'"
        ).fetchall()
        third_id = conn.execute("SELECT id FROM contacts WHERE channel_user_id = 'u2'").fetchone()
        return notices, ev.registration_of(conn, visit.id, third_id[0])

    notices, third_state = await db.read(state)
    assert [n[0] for n in notices] == ["u1"] and "a seat is free" in notices[0][1]
    assert third_state.position == 1


async def test_rsvp_from_inside_another_flow_leaves_it_untouched(
    db: Database, engine: Engine, one_cluster: Cluster, clock: FakeClock
) -> None:
    (pid,) = await crowd(db, one_cluster, 1)
    meeting = await db.write(
        lambda conn: make_event(conn, one_cluster.id, clock.now, kind="meeting")
    )
    draft = Conversation("profile", "profile.name", {"x": 1})
    await db.write(lambda conn: conversations.save(conn, pid, draft, iso(clock.now)))
    chat = ChatDriver(engine, user_id="u0")
    await chat.press(f"rsvp:{meeting.id}:m")
    assert "might come to Cluster meeting" in chat.text
    await chat.press(f"rsvp:{meeting.id}:y")
    assert "You are coming" in chat.text
    assert await db.read(lambda conn: ev.answer_of(conn, meeting.id, pid)) == "yes"
    conv = await db.read(lambda conn: conversations.get(conn, pid))
    assert conv is not None and (conv.flow, conv.step) == ("profile", "profile.name")


async def test_presses_that_cannot_count(
    db: Database, engine: Engine, one_cluster: Cluster, clock: FakeClock
) -> None:
    await crowd(db, one_cluster, 1, role="government")
    visit = await db.write(lambda conn: make_event(conn, one_cluster.id, clock.now))
    chat = ChatDriver(engine, user_id="u0")
    await chat.press(f"reg:{visit.id}")
    assert "not open to you" in chat.text  # a visit for artisans and SHG members
    refusal = chat.text
    await chat.press("rsvp:999:y")  # no such event: the same words, nothing revealed
    assert chat.text == refusal
    await db.write(lambda conn: conn.execute("UPDATE contacts SET role = 'artisan'"))
    clock.now = clock.now + timedelta(days=6)  # past the registration deadline
    await chat.press(f"reg:{visit.id}")
    assert "registration for this visit has closed" in chat.text
    await chat.say("/events")  # the card says so and offers no Register button
    assert "Registration has closed." in chat.text and f"reg:{visit.id}" not in chat.choice_ids
    clock.now = clock.now + timedelta(days=2)
    await chat.press(f"reg:{visit.id}")
    assert "already started" in chat.text


async def test_a_women_only_meeting_is_not_open_to_a_man(
    db: Database, engine: Engine, one_cluster: Cluster, clock: FakeClock
) -> None:
    await db.write(
        lambda conn: seed_people(
            conn,
            one_cluster.id,
            [Person("meena", user_id="w"), Person("mohan", gender="male", user_id="m")],
        )
    )

    def women_only(conn: sqlite3.Connection) -> ev.Event:
        return ev.create(
            conn,
            cluster_id=one_cluster.id,
            kind="meeting",
            title="SHG women's meeting",
            starts_at=iso(clock.now + timedelta(days=3)),
            created_by="test:cda",
            now=iso(clock.now),
            audience={"gender": "female"},
        )

    meeting = await db.write(women_only)
    man, woman = ChatDriver(engine, user_id="m"), ChatDriver(engine, user_id="w")
    await man.press(f"rsvp:{meeting.id}:y")
    assert "not open to you" in man.text
    await man.say("/events")
    assert not any(c.startswith("rsvp:") for c in man.choice_ids)
    await woman.press(f"rsvp:{meeting.id}:y")
    assert "You are coming" in woman.text
    answers = await db.read(lambda conn: ev.answer_counts(conn, meeting.id))
    assert answers["yes"] == 1 and answers["no"] == 0


async def test_the_promotion_notice_is_in_the_promoted_persons_language(
    db: Database, engine: Engine, one_cluster: Cluster, clock: FakeClock
) -> None:
    import json
    from zoneinfo import ZoneInfo

    from bot.clock import parse_iso
    from bot.i18n import translator
    from bot.jobs.reminders import local_when
    from handlers.events.press import PROMOTED

    await db.write(
        lambda conn: seed_people(
            conn,
            one_cluster.id,
            [Person("a", user_id="a"), Person("b", language="te", user_id="b")],
        )
    )
    visit = await db.write(lambda conn: make_event(conn, one_cluster.id, clock.now, seats=1))
    first, second = ChatDriver(engine, user_id="a"), ChatDriver(engine, user_id="b")
    await first.press(f"reg:{visit.id}")
    await second.press(f"reg:{visit.id}")
    await first.press(f"reg:{visit.id}:x")
    body = await db.read(
        lambda conn: conn.execute(
            "SELECT p.body FROM outbox o JOIN outbox_payloads p ON p.id = o.payload_id"
            " WHERE o.kind = 'notice'"
        ).fetchone()[0]
    )
    te = translator("te")
    when = local_when(te, parse_iso(visit.starts_at), ZoneInfo("Asia/Kolkata"))
    expected = te(PROMOTED).format(title=visit.title, when=when)
    assert expected != PROMOTED.format(title=visit.title, when=when)  # really translated
    notice = json.loads(body)
    assert notice["text"] == expected
    assert notice["choices"] == [[f"reg:{visit.id}:x", te("Cancel registration")]]
