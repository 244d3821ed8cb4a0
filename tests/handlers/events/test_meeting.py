"""/newmeeting through the engine (SPEC §5): title, a typed date shown back in the
cluster's zone, place, audience, reminder offsets, confirm -> invitations in the outbox
with Yes / No / Maybe, reminders armed."""

from __future__ import annotations

import json
import sqlite3

from bot.storage import events as ev
from bot.storage import schedule
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.outbox_helpers import Person, seed_people


def invitations(conn: sqlite3.Connection) -> dict[str, dict[str, object]]:
    return {
        row[0]: json.loads(row[1])
        for row in conn.execute(
            "SELECT c.name, p.body FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = 'invitation'"
        )
    }


async def test_a_cda_plans_a_meeting_and_everyone_is_invited(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await db.write(
        lambda conn: seed_people(
            conn, one_cluster.id, [Person("asha"), Person("bina", language="hi")]
        )
    )
    await cda_chat.say("/newmeeting")
    assert "title" in cda_chat.text
    await cda_chat.say("Natural dyes workshop")
    assert "When is the meeting?" in cda_chat.text and "Asia/Kolkata" in cda_chat.text
    await cda_chat.say("5 Dec 10:30")
    assert "Understood: 5 Dec 2026, 10:30" in cda_chat.text
    await cda_chat.say("Community hall, Bagru")
    await cda_chat.tap("Whole cluster")
    assert cda_chat.find("1 day, 2 hours")  # the default offsets, in words
    await cda_chat.say("tomorrow")  # not an offset
    assert "could not read" in cda_chat.text
    await cda_chat.say("1 day, 30 minutes")
    summary = cda_chat.text
    assert "Natural dyes workshop" in summary and "1 day, 30 minutes" in summary
    assert "Recipients: 2" in summary
    await cda_chat.tap("Yes, invite them")
    assert "2 invitations" in cda_chat.text

    event = await db.read(lambda conn: ev.get(conn, 1))
    assert event is not None and event.kind == "meeting" and event.reminder_offsets == (1440, 30)
    sent = await db.read(invitations)
    assert set(sent) == {"asha", "bina"}
    choices = sent["asha"]["choices"]
    assert [c[0] for c in choices] == ["rsvp:1:y", "rsvp:1:n", "rsvp:1:m"]  # type: ignore[attr-defined]
    assert "10:30" in str(sent["asha"]["text"])
    jobs = {job.id for job in await db.read(schedule.pending)}
    assert jobs == {"reminder:1:1440m", "reminder:1:30m"}


async def test_cancel_at_the_confirmation_sends_nothing(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await cda_chat.say("/newmeeting")
    await cda_chat.say("Review")
    await cda_chat.say("31-02-2027 10:00")
    assert "no such date" in cda_chat.text
    await cda_chat.say("2026-12-05 10:30")
    await cda_chat.say("Hall")
    await cda_chat.tap("Choose roles")
    await cda_chat.tap("Done")
    assert "at least one role" in cda_chat.text
    await cda_chat.press("mt:role:artisan")
    assert cda_chat.last[0].replace  # the role buttons are redrawn with a check mark
    await cda_chat.tap("Done")
    await cda_chat.tap("1 day, 2 hours")
    await cda_chat.tap("Cancel")
    assert "Nothing was sent" in cda_chat.text
    assert await db.read(lambda conn: ev.get(conn, 1)) is None


async def test_only_a_cda_may_plan(chat: ChatDriver, one_cluster: Cluster) -> None:
    await chat.say("/newmeeting")
    assert "Understood" not in chat.text and "title" not in chat.text
