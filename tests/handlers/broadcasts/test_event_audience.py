"""/broadcast to the people of one meeting or visit (SPEC §5 /broadcast "event registrants";
issue 4): the audience spec {"event": id} in storage, and the chat flow in English and Hindi."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.clock import iso
from bot.storage import broadcasts
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.broadcasts.test_compose import PEOPLE
from tests.handlers.events.helpers import make_event
from tests.handlers.people.test_onboarding import register
from tests.outbox_helpers import Person, ledger, seed_people


@dataclass(frozen=True)
class Fixture:
    meeting: int
    visit: int
    foreign: int  # a meeting of another cluster


def _seed(conn: sqlite3.Connection, bagru: int, alleppey: int, clock: FakeClock) -> Fixture:
    asha, bina, chitra, dev, esha, farid = seed_people(conn, bagru, PEOPLE)
    (lakshmi,) = seed_people(conn, alleppey, [Person("Lakshmi")])
    now = iso(clock.now)
    meeting = make_event(conn, bagru, clock.now, kind="meeting", starts_in=timedelta(days=3))
    for who, answer in ((asha, "yes"), (bina, "maybe"), (chitra, "no"), (esha, "yes")):
        ev.rsvp(conn, meeting.id, who, answer, now)
    ev.rsvp(conn, meeting.id, farid, "maybe", now)
    visit = make_event(conn, bagru, clock.now, kind="visit", seats=1)
    for who in (dev, asha, chitra):
        ev.register(conn, visit, who, now)  # Dev confirmed; Asha, Chitra waiting
    ev.cancel_registration(conn, visit, chitra, now)
    foreign = make_event(conn, alleppey, clock.now, kind="meeting")
    ev.rsvp(conn, foreign.id, lakshmi, "yes", now)
    return Fixture(meeting.id, visit.id, foreign.id)


@pytest.fixture
async def fx(db: Database, two_clusters: list[Cluster], clock: FakeClock) -> Fixture:
    bagru, alleppey = two_clusters
    return await db.write(lambda conn: _seed(conn, bagru.id, alleppey.id, clock))


def _names(conn: sqlite3.Connection, cluster_id: int, audience: dict[str, object]) -> set[str]:
    where, params = broadcasts.audience_where(cluster_id, audience)
    return {r[0] for r in conn.execute(f"SELECT c.name FROM contacts c WHERE {where}", params)}


async def test_audience_of_a_meeting_is_yes_and_maybe_of_a_visit_seats_and_waiting(
    db: Database, fx: Fixture, two_clusters: list[Cluster]
) -> None:
    bagru = two_clusters[0].id
    assert await db.read(lambda c: _names(c, bagru, {"event": fx.meeting})) == {
        "Asha",
        "Bina",
        "Esha",
        "Farid",
    }
    meeting = await db.read(lambda c: broadcasts.audience_count(c, bagru, {"event": fx.meeting}))
    assert (meeting.recipients, meeting.opted_out, meeting.unreachable) == (2, 1, 1)
    assert meeting.by_language == {"hi": 1, "te": 1}
    assert await db.read(lambda c: _names(c, bagru, {"event": fx.visit})) == {"Dev", "Asha"}
    # Keys still combine with AND: the women among the visit's people.
    both = {"event": fx.visit, "gender": "female"}
    assert await db.read(lambda c: _names(c, bagru, both)) == {"Asha"}


async def test_an_event_of_another_cluster_means_nobody(
    db: Database, fx: Fixture, two_clusters: list[Cluster]
) -> None:
    bagru, alleppey = (c.id for c in two_clusters)
    assert await db.read(lambda c: _names(c, bagru, {"event": fx.foreign})) == set()
    assert await db.read(lambda c: _names(c, alleppey, {"event": fx.foreign})) == {"Lakshmi"}


async def test_audience_events_upcoming_first_then_recent_never_cancelled_or_old(
    db: Database, fx: Fixture, two_clusters: list[Cluster], clock: FakeClock
) -> None:
    bagru = two_clusters[0].id

    def more(conn: sqlite3.Connection) -> tuple[int, int, int]:
        past = make_event(conn, bagru, clock.now, kind="meeting", starts_in=timedelta(days=-2))
        old = make_event(conn, bagru, clock.now, kind="meeting", starts_in=timedelta(days=-40))
        gone = make_event(conn, bagru, clock.now, kind="meeting", starts_in=timedelta(days=1))
        ev.update(conn, gone.id, iso(clock.now), status="cancelled")
        return past.id, old.id, gone.id

    past, _old, _gone = await db.write(more)
    since = iso(clock.now - timedelta(days=30))
    ids = await db.read(
        lambda c: broadcasts.audience_events(c, bagru, iso(clock.now), since, limit=10)
    )
    assert ids == [fx.meeting, fx.visit, past]  # soonest upcoming first, then the recent past


async def test_cda_broadcasts_to_the_people_of_a_meeting(
    cda_chat: ChatDriver, db: Database, fx: Fixture, two_clusters: list[Cluster]
) -> None:
    await cda_chat.say("/broadcast")
    await cda_chat.press(f"bc:cluster:{two_clusters[0].id}")
    assert "bc:aud:event" in cda_chat.choice_ids
    await cda_chat.tap("People of an event")
    assert "Yes or Maybe" in cda_chat.text and "waiting list" in cda_chat.text
    assert cda_chat.choice_ids == [f"bc:ev:{fx.meeting}", f"bc:ev:{fx.visit}", "bc:back"]
    assert cda_chat.find("Cluster meeting · 1 Dec 2026")  # the day in the cluster's zone
    await cda_chat.press(f"bc:ev:{fx.foreign}")  # a crafted press: another cluster's event
    assert "earlier question" in cda_chat.text
    await cda_chat.press(f"bc:ev:{fx.meeting}")
    await cda_chat.say("The meeting hall has changed: Panchayat office.")
    summary = cda_chat.last[-1].text
    assert "Cluster meeting (1 Dec 2026, " in summary
    assert "those who answered Yes or Maybe" in summary
    assert "Recipients: 2" in summary
    assert "1 who stopped updates" in summary and "1 who blocked the bot" in summary
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    assert await db.read(ledger) == {
        "Asha": "queued",
        "Bina": "queued",
        "Esha": "opted_out",
        "Farid": "blocked",
    }
    stored = await db.read(lambda c: broadcasts.get(c, 1))
    assert stored is not None and stored.audience == {"event": fx.meeting}


async def test_the_event_list_is_paged_and_back_returns_to_the_audience(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def many(conn: sqlite3.Connection) -> None:
        for day in range(1, 9):
            make_event(conn, one_cluster.id, clock.now, kind="meeting", starts_in=timedelta(day))

    await db.write(many)
    await cda_chat.say("/broadcast")
    await cda_chat.press("bc:aud:event")
    first = cda_chat.choice_ids
    assert len(first) == 8 and first[-2:] == ["bc:ev:more", "bc:back"]
    await cda_chat.tap("Next")
    assert cda_chat.choice_ids == ["bc:ev:7", "bc:ev:8", "bc:back"]
    await cda_chat.press(first[0])  # a button of the first page is stale now
    assert "earlier question" in cda_chat.text
    await cda_chat.press("bc:back")
    assert "Who should receive" in cda_chat.text


async def test_no_event_no_button_and_a_cancelled_one_is_gone_when_pressed(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    await cda_chat.say("/broadcast")
    assert "bc:aud:event" not in cda_chat.choice_ids
    event = await db.write(lambda c: make_event(c, one_cluster.id, clock.now, kind="meeting"))
    await cda_chat.say("/broadcast")
    await db.write(lambda c: ev.update(c, event.id, iso(clock.now), status="cancelled"))
    await cda_chat.press("bc:aud:event")  # the button was offered, the event is gone now
    assert "no upcoming or recent meetings" in cda_chat.text
    assert "Who should receive" in cda_chat.text


async def test_hindi_cda_sends_to_a_visits_people(
    cda_chat: ChatDriver, db: Database, fx: Fixture, two_clusters: list[Cluster]
) -> None:
    await register(cda_chat, language="lang:hi")
    await cda_chat.say("/broadcast")
    await cda_chat.press(f"bc:cluster:{two_clusters[0].id}")
    await cda_chat.tap("कार्यक्रम के लोग")  # the button's short label
    assert "प्रतीक्षा सूची" in cda_chat.text
    await cda_chat.press(f"bc:ev:{fx.visit}")
    await cda_chat.say("बस सुबह 7 बजे चलेगी।")
    summary = cda_chat.last[-1].text
    assert "Sanganer block printers" in summary and "प्रतीक्षा सूची" in summary
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    assert await db.read(ledger) == {"Asha": "queued", "Dev": "queued"}
