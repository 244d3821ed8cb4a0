"""/attendance (SPEC §5): a CDA picks a past event, ticks who came on paged buttons that
redraw in place, saves; the participation counts for the M&E report follow."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.storage import attendance as att
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.outbox_helpers import Person, seed_people


async def test_mark_who_came_over_two_pages(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, clock: FakeClock
) -> None:
    await db.write(
        lambda conn: seed_people(
            conn, one_cluster.id, [Person(f"p{i:02d}", user_id=f"u{i}") for i in range(12)]
        )
    )
    await cda_chat.say("/attendance")
    assert "no past meeting" in cda_chat.text
    await cda_chat.say("/newmeeting")
    await cda_chat.say("Cluster meeting")
    await cda_chat.say("5 Dec 10:30")
    await cda_chat.say("Hall")
    await cda_chat.tap("Whole cluster")
    await cda_chat.tap("1 day, 2 hours")
    await cda_chat.tap("Yes, invite them")
    await ChatDriver(cda_chat.engine, user_id="u0").press("rsvp:1:y")
    await ChatDriver(cda_chat.engine, user_id="u1").press("rsvp:1:y")

    clock.now += timedelta(days=8)
    await cda_chat.say("/attendance")
    await cda_chat.press("att:1")
    assert "page 1 of 2" in cda_chat.text
    await cda_chat.tap("p00")
    assert cda_chat.last[0].replace and cda_chat.last[0].selected == {"att:t:1"}
    await cda_chat.tap("Next")
    assert "page 2 of 2" in cda_chat.text
    await cda_chat.tap("p10")
    await cda_chat.tap("Save")
    assert "Saved: 2 of 12 came." in cda_chat.text

    def counts(conn: sqlite3.Connection) -> dict[str, int]:
        event = ev.get(conn, 1)
        assert event is not None
        return att.participation(conn, event)

    assert await db.read(counts) == {"yes": 2, "no": 0, "maybe": 0, "answered": 2, "present": 2}


async def test_who_answered_without_an_invitation_is_listed(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, clock: FakeClock
) -> None:
    """Someone who joined after the invitations and said Yes from /events came too."""
    from tests.handlers.events.helpers import make_event

    await db.write(lambda conn: seed_people(conn, one_cluster.id, [Person("late", user_id="u")]))
    await db.write(lambda conn: make_event(conn, one_cluster.id, clock.now, kind="meeting"))
    await ChatDriver(cda_chat.engine, user_id="u").press("rsvp:1:y")
    clock.now += timedelta(days=8)
    await cda_chat.say("/attendance")
    await cda_chat.press("att:1")
    assert "att:t:1" in cda_chat.choice_ids
    await cda_chat.tap("late")
    await cda_chat.tap("Save")
    assert "Saved: 1 of 1 came." in cda_chat.text
