"""The .ics calendar file (issue 5, optional; RFC 5545): the serializer's escaping, folding
at 75 octets without splitting a UTF-8 character, UTC times, and the Calendar button of
/events in English and Hindi."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.ics import CalendarEvent, escape, fold, serialize
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event
from tests.handlers.people.test_onboarding import register

START = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # 10:00 in Asia/Kolkata


def unfold(data: bytes) -> list[str]:
    """Content lines back from the file (RFC 5545 §3.1: CRLF + one space is removed)."""
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def properties(data: bytes) -> dict[str, str]:
    return dict(line.split(":", 1) for line in unfold(data))


def test_text_values_are_escaped() -> None:
    assert escape("Hall 2, Bagru; bring\\ids\nand photos") == (
        "Hall 2\\, Bagru\\; bring\\\\ids\\nand photos"
    )


def test_long_hindi_lines_fold_at_75_octets_between_characters() -> None:
    line = "SUMMARY:" + "प्राकृतिक रंगों पर कार्यशाला, बगरू सामुदायिक भवन; " * 4
    folded = fold(line)
    physical = folded.split(b"\r\n")[:-1]
    assert len(physical) > 3
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    for p in physical:
        p.decode("utf-8")  # no character is cut in two
    assert unfold(folded) == [line]


@given(st.text(alphabet=st.sampled_from("aक़ాé,;\\\n🙏 "), max_size=400))
def test_folding_then_unfolding_gives_the_line_back(text: str) -> None:
    line = "DESCRIPTION:" + escape(text)
    folded = fold(line)
    assert all(len(p) <= 75 for p in folded.split(b"\r\n"))
    assert unfold(folded) == [line]


def test_a_vevent_with_utc_times_and_a_default_end() -> None:
    now = datetime(2026, 11, 28, 9, 0, 5, tzinfo=UTC)
    event = CalendarEvent(
        uid="event-7@1.clusterbot",
        summary="प्राकृतिक रंग कार्यशाला",
        starts=START,
        location="Community hall, Bagru",
        description="Bring samples\nBagru hand-block printers",
    )
    data = serialize(event, now)
    lines = unfold(data)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    props = properties(data)
    assert props["UID"] == "event-7@1.clusterbot"
    assert props["DTSTAMP"] == "20261128T090005Z"
    assert (props["DTSTART"], props["DTEND"]) == ("20261201T043000Z", "20261201T063000Z")
    assert props["SUMMARY"] == "प्राकृतिक रंग कार्यशाला"
    assert props["LOCATION"] == "Community hall\\, Bagru"
    assert props["DESCRIPTION"] == "Bring samples\\nBagru hand-block printers"
    assert props["STATUS"] == "CONFIRMED" and "PRODID" in props
    ends = START + timedelta(hours=9)
    assert properties(serialize(CalendarEvent("u", "x", START, ends), now))["DTEND"] == (
        "20261201T133000Z"
    )


async def test_calendar_button_sends_the_event_as_an_ics_document(
    db: Database, one_cluster: Cluster, chat: ChatDriver, clock: FakeClock
) -> None:
    await register(chat, language="lang:hi")
    visit = await db.write(lambda c: make_event(c, one_cluster.id, clock.now, kind="visit"))
    await chat.say("/events")
    assert f"ics:{visit.id}" in chat.choice_ids
    await chat.tap("कैलेंडर")
    (message,) = chat.last
    assert message.media is not None and message.media.kind == "document"
    assert message.media.filename == f"event-{visit.id}.ics"
    assert "कैलेंडर" in message.text
    props = properties(message.media.data)
    assert props["SUMMARY"] == "एक्सपोज़र विज़िट: Sanganer block printers"
    assert props["DTSTART"] == "20261205T090000Z" and props["LOCATION"] == "Sanganer"
    assert "₹500" in props["DESCRIPTION"] and "Bagru" in props["DESCRIPTION"]


async def test_calendar_only_for_those_the_event_is_open_to(
    db: Database, one_cluster: Cluster, chat: ChatDriver, cda_chat: ChatDriver, clock: FakeClock
) -> None:
    await register(chat)  # an artisan: the meeting is open, so is the visit
    meeting = await db.write(lambda c: make_event(c, one_cluster.id, clock.now, kind="meeting"))
    await cda_chat.say("/events")
    assert f"ics:{meeting.id}" in cda_chat.choice_ids  # the CDA managing the cluster
    await db.write(lambda c: c.execute('UPDATE events SET audience = \'{"roles": ["bank"]}\''))
    await chat.say("/events")
    assert f"ics:{meeting.id}" not in chat.choice_ids
    await chat.press(f"ics:{meeting.id}")  # a crafted press
    assert "not open to you" in chat.text and chat.last[0].media is None
