"""/deliveries for meetings and visits (issue 4: "the same ledger covers every
bot-initiated message"): invitation and reminder counts by status, and who did not get
them and why, for the CDA's own clusters only, within the platform limits in en/hi/te."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.channels.whatsapp_render import render, wa_len
from bot.channels.whatsapp_send import words_for
from bot.clock import iso
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES
from bot.jobs import reminders
from bot.jobs.scheduler import Scheduler
from bot.limits import (
    TELEGRAM_MAX_TEXT,
    WHATSAPP_MAX_BUTTON_TITLE,
    WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_ROW_TITLE,
)
from bot.messages import Outbound
from bot.outbox.queue import Payload, fan_out
from bot.storage import admins, broadcasts
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.storage.events import Event
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event
from tests.outbox_helpers import Person, seed_people
from tests.whatsapp.test_render import accepted

KINDS = {reminders.JOB_KIND: reminders.run}
PEOPLE = [
    Person("Asha", language="hi"),
    Person("Bina", role="shg_member"),
    Person("Esha", opted_out=True),
    Person("Farid", gender="male", unreachable=True),
]


def meeting(
    conn: sqlite3.Connection, cluster_id: int, clock: FakeClock, title: str, starts_in: timedelta
) -> Event:
    """A meeting for the whole cluster, its invitations fanned out as /newmeeting does."""
    event = make_event(conn, cluster_id, clock.now, kind="meeting", starts_in=starts_in)
    conn.execute("UPDATE events SET title = ? WHERE id = ?", (title, event.id))
    event = ev.get(conn, event.id) or event
    where, params = broadcasts.audience_where(cluster_id, event.audience)
    fan_out(
        conn,
        kind="invitation",
        ref=f"event:{event.id}",
        where=where,
        params=params,
        payloads={"en": Payload(f"Invitation: {title}")},
        default_language="en",
        now=clock.now,
    )
    return event


def set_status(conn: sqlite3.Connection, kind: str, name: str, status: str) -> None:
    conn.execute(
        "UPDATE outbox SET status = ? WHERE kind = ? AND contact_id ="
        " (SELECT id FROM contacts WHERE name = ?)",
        (status, kind, name),
    )


async def meeting_with_reminders(db: Database, cluster: Cluster, clock: FakeClock) -> Event:
    """Invitations (Bina's sent; Esha opted out, Farid blocked the bot), Asha and Bina said
    Yes, the 2-hour reminder ran on time (Asha's sent), the 1-day one only after the start."""

    def make(conn: sqlite3.Connection) -> Event:
        ids = seed_people(conn, cluster.id, PEOPLE)
        event = meeting(conn, cluster.id, clock, "Quality circle", timedelta(days=7))
        set_status(conn, "invitation", "Bina", "sent")
        for contact_id in ids[:2]:
            ev.rsvp(conn, event.id, contact_id, "yes", iso(clock.now))
        return event

    event = await db.write(make)
    start = clock.now + timedelta(days=7)
    clock.now = start - timedelta(hours=2) + timedelta(seconds=2)
    assert await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{event.id}:120m")
    await db.write(lambda conn: set_status(conn, "reminder", "Asha", "sent"))
    clock.now = start + timedelta(minutes=5)  # the bot was down for the 1-day one
    await Scheduler(db, KINDS, clock=clock).fire(f"reminder:{event.id}:1440m")
    return event


async def test_invitations_and_reminders_with_who_missed_them_and_why(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    event = await meeting_with_reminders(db, one_cluster, clock)
    await cda_chat.say("/deliveries")
    assert "No broadcasts yet" in cda_chat.text  # no broadcast, but the events are a tap away
    await cda_chat.tap("Meetings and visits")
    listing = cda_chat.text
    assert "Quality circle · Bagru hand-block printers" in listing
    assert "Invitations: sent 1 · waiting 1 · blocked the bot 1 · opted out 1" in listing
    assert "Reminder 2 hours before: sent 1 · waiting 1" in listing
    assert "Reminder 1 day before: skipped 2" in listing
    await cda_chat.tap("5 Dec Quality circle")
    detail = cda_chat.text
    # In order: the invitation, the 1-day reminder, the 2-hour one.
    head, rest = detail.split("Did not get the reminder 1 day before (yet):")
    day, hours = rest.split("Did not get the reminder 2 hours before (yet):")
    invitation = head.split("Did not get the invitation (yet):")[1]
    assert "• Farid (Artisan): blocked the bot" in invitation
    assert "• Esha (Artisan): stopped updates (/stop)" in invitation
    assert "• Asha (Artisan): waiting to be sent" in invitation and "Bina" not in invitation
    assert "• Asha (Artisan): skipped: the event had already started" in day
    assert "• Bina (SHG member): skipped: the event had already started" in day
    assert "• Bina (SHG member): waiting to be sent" in hours and "Asha" not in hours
    assert cda_chat.choice_ids == ["dlv:evp:0", "dlv:list"]
    await cda_chat.press("dlv:list")
    assert "No broadcasts yet" in cda_chat.text
    await cda_chat.press(f"dlv:ev:{event.id + 1}")  # no such event
    assert "earlier question" in cda_chat.text


async def test_a_cda_sees_only_the_events_of_own_clusters(
    engine: Engine, db: Database, two_clusters: list[Cluster], clock: FakeClock
) -> None:
    bagru, alleppey = two_clusters

    def make(conn: sqlite3.Connection) -> int:
        admins.add(conn, "test", "4242", bagru.id, "cda", "x")
        seed_people(conn, bagru.id, [Person("Asha")])
        seed_people(conn, alleppey.id, [Person("Lakshmi")])
        meeting(conn, bagru.id, clock, "Dye workshop", timedelta(days=3))
        return meeting(conn, alleppey.id, clock, "Coir board visit", timedelta(days=4)).id

    other = await db.write(make)
    local = ChatDriver(engine, user_id="4242")
    await local.say("/deliveries")
    await local.tap("Meetings and visits")
    assert "Dye workshop" in local.text and "Coir board" not in local.text
    await local.press(f"dlv:ev:{other}")  # a crafted press for another cluster's event
    assert "earlier question" in local.text and "Lakshmi" not in local.text


async def test_pages_latest_first_pending_reminders_and_a_cancelled_event(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def make(conn: sqlite3.Connection) -> None:
        seed_people(conn, one_cluster.id, [Person("Asha")])
        for day in range(1, 6):
            meeting(conn, one_cluster.id, clock, f"Meeting {day}", timedelta(days=day))
        cancelled = ev.update(conn, 5, iso(clock.now), status="cancelled")
        reminders.cancel_all(conn, cancelled, clock.now)

    await db.write(make)
    await cda_chat.say("/deliveries")
    await cda_chat.tap("Meetings and visits")
    first = cda_chat.text
    assert [n for n in range(5, 0, -1) if f"Meeting {n} ·" in first] == [5, 4, 3, 2]
    assert "event cancelled" in first.split("Meeting 4 ·")[0]
    assert "Reminder 1 day before: cancelled" in first.split("Meeting 4 ·")[0]
    # Meeting 4 starts on 2 Dec, 9:00 UTC (2:30 PM in Bagru): its reminders are to come.
    assert "Reminder 2 hours before: due 2 Dec 2026, 12:30" in first.replace("\u202f", " ")
    assert "Previous page" not in [c.label for m in cda_chat.last for c in m.choices]
    await cda_chat.tap("Next page")
    assert "Meeting 1 ·" in cda_chat.text and "Meeting 2 ·" not in cda_chat.text
    assert "dlv:evp:0" in cda_chat.choice_ids and "dlv:evp:2" not in cda_chat.choice_ids
    await cda_chat.press("dlv:evp:7")  # a page that no longer exists: back to /deliveries
    assert "No invitations or reminders" in cda_chat.text


def fits(messages: list[Outbound], language: str) -> None:
    words = words_for(language)
    for message in messages:
        assert len(message.text) <= TELEGRAM_MAX_TEXT
        accepted(render(message, words))  # the Graph API stand-in's rules
        titles = [c.label for c in message.choices]
        many = len(titles) > WHATSAPP_MAX_BUTTONS
        limit = WHATSAPP_MAX_ROW_TITLE if many else WHATSAPP_MAX_BUTTON_TITLE
        assert all(wa_len(t) <= limit for t in titles), (language, titles)
        assert len(set(titles)) == len(titles), titles


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_every_screen_fits_and_is_translated(
    engine: Engine, db: Database, one_cluster: Cluster, clock: FakeClock, language: str
) -> None:
    many = [
        Person(f"Blocked person with a long name {n:02d}", unreachable=True, role="supplier")
        for n in range(30)
    ]

    def make(conn: sqlite3.Connection) -> None:
        seed_people(conn, one_cluster.id, many)
        for day in range(1, 7):
            title = "Exposure visit planning with the cluster's master printers"
            meeting(conn, one_cluster.id, clock, f"{title} {day}", timedelta(days=day))

    await db.write(make)
    cda = ChatDriver(engine, user_id="cda", language_code=language)
    seen = [*await cda.say("/deliveries")]
    events = [c for c in cda.choice_ids if c.startswith("dlv:evp")]
    assert events == ["dlv:evp:0"]
    seen += await cda.press("dlv:evp:0")
    seen += await cda.press("dlv:ev:6")
    assert "…" in cda.text  # 30 blocked: 15 listed, the rest counted
    seen += await cda.press("dlv:evp:1")
    seen += await cda.press("dlv:ev:1")
    fits(seen, language)
    if language != "en":  # translated: none of the new English strings is left
        for english in ("Meetings and visits", "Did not get the invitation", "Next page"):
            assert english not in "\n".join(
                [m.text for m in seen] + [c.label for m in seen for c in m.choices]
            )
