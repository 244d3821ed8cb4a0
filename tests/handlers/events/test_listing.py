"""/events, /myevents and a CDA's change / cancel (SPEC §5): state and buttons per event;
a change or cancellation notifies exactly the invited and moves or cancels reminders."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.clock import iso
from bot.jobs import reminders
from bot.storage import event_reminders as er
from bot.storage import events as ev
from bot.storage import schedule
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.outbox_helpers import Person, seed_people


async def setup(db: Database, cluster: Cluster, cda: ChatDriver) -> None:
    await db.write(
        lambda conn: seed_people(
            conn,
            cluster.id,
            [Person("asha", user_id="asha"), Person("ravi", role="supplier", user_id="ravi")],
        )
    )
    await cda.say("/newmeeting")
    await cda.say("Quality circle")
    await cda.say("5 Dec 10:30")
    await cda.say("Hall")
    await cda.tap("Whole cluster")
    await cda.tap("1 day, 2 hours")
    await cda.tap("Yes, invite them")


def notices(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in conn.execute(
            "SELECT c.name, p.body FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = 'notice'"
            " ORDER BY c.name"
        )
    ]


async def test_events_and_myevents_show_state_and_buttons(
    db: Database, engine: object, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await setup(db, one_cluster, cda_chat)
    asha = ChatDriver(cda_chat.engine, user_id="asha")
    await asha.say("/myevents")
    assert "not joined" in asha.text
    await asha.say("/events")
    assert "Quality circle" in asha.text and "not answered" in asha.text
    await asha.tap("Maybe")
    await asha.say("/myevents")
    assert "Your answer: Maybe" in asha.text and "rsvp:1:n" in asha.choice_ids
    await cda_chat.say("/events")
    assert {"evm:1:time", "evm:1:place", "evm:1:cancel"} <= set(cda_chat.choice_ids)
    # The CDA sees what became of the invitations; a stakeholder does not.
    assert "Invitations: waiting 2" in cda_chat.text
    await db.write(lambda conn: conn.execute("UPDATE outbox SET status = 'sent' WHERE id = 1"))
    await cda_chat.say("/events")
    assert "Invitations: sent 1 · waiting 1" in cda_chat.text
    await asha.say("/events")
    assert "Invitations" not in asha.text


async def test_a_change_notifies_the_invited_and_moves_reminders(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await setup(db, one_cluster, cda_chat)
    await cda_chat.press("evm:1:time")
    await cda_chat.say("6 Dec 11:00")
    assert "Saved: 6 Dec 2026, 11:00" in cda_chat.text and "2 people" in cda_chat.text
    sent = await db.read(notices)
    assert [name for name, _ in sent] == ["asha", "ravi"] and "6 Dec 2026" in sent[0][1]
    job = await db.read(lambda conn: schedule.get(conn, "reminder:1:120m"))
    assert job is not None and job.run_at == "2026-12-06T03:30:00+00:00"  # 11:00 IST - 2 h
    await cda_chat.press("evm:1:place")
    await cda_chat.say("Panchayat office")
    event = await db.read(lambda conn: ev.get(conn, 1))
    assert event is not None and event.place == "Panchayat office"


async def test_cancelling_notifies_and_cancels_reminders(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await setup(db, one_cluster, cda_chat)
    await cda_chat.press("evm:1:cancel")
    await cda_chat.tap("Yes, cancel it")
    assert "2 people will be told" in cda_chat.text
    assert await db.read(schedule.pending) == []
    assert len(await db.read(notices)) == 2
    asha = ChatDriver(cda_chat.engine, user_id="asha")
    await asha.press("rsvp:1:y")
    assert "cancelled" in asha.text
    await asha.say("/events")
    assert "No meetings or visits" in asha.text


async def test_a_stakeholder_cannot_use_the_cda_buttons(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, clock: FakeClock
) -> None:
    await setup(db, one_cluster, cda_chat)
    asha = ChatDriver(cda_chat.engine, user_id="asha")
    await asha.press("evm:1:drop")
    assert "only for the cluster's CDA" in asha.text
    assert (await db.read(lambda conn: ev.get(conn, 1))).status == "scheduled"  # type: ignore[union-attr]


async def test_arming_skips_reminders_already_due(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def make(conn: sqlite3.Connection) -> list[er.Reminder]:
        event = ev.create(
            conn,
            cluster_id=one_cluster.id,
            kind="meeting",
            title="Soon",
            starts_at=iso(clock.now + timedelta(hours=3)),
            created_by="test:cda",
            now=iso(clock.now),
        )
        return reminders.arm(conn, event, clock.now)

    armed = await db.write(make)
    assert [r.offset_minutes for r in armed] == [120]  # no "1 day before" for a 3-hour notice


async def test_a_change_reaches_who_answered_later_not_who_never_heard_of_it(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    # Stopped updates before the invitation: it skipped them, so a change is news to them.
    await db.write(
        lambda conn: seed_people(
            conn, one_cluster.id, [Person("stopper", user_id="stopper", opted_out=True)]
        )
    )
    await setup(db, one_cluster, cda_chat)
    # Joined after the invitations went out; answers from /events (no invitation row).
    await db.write(lambda conn: seed_people(conn, one_cluster.id, [Person("late", user_id="late")]))
    late = ChatDriver(cda_chat.engine, user_id="late")
    await late.say("/events")
    await late.tap("Yes")
    assert "You are coming" in late.text
    await cda_chat.press("evm:1:place")
    await cda_chat.say("Panchayat office")
    assert "3 people will be told" in cda_chat.text
    sent = await db.read(notices)
    assert [name for name, _ in sent] == ["asha", "late", "ravi"]
    assert "Panchayat office" in sent[1][1]
