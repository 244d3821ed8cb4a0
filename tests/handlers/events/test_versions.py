"""Language versions of a meeting or visit (issue 17) through the engine: the wizard's
"Add a language" before Send (typed field by field, Skip keeps the original, shown in the
preview as its readers get it, changed or removed, dropped when the original is retyped,
checked against the limits), the invitations per language, and versions added later from
/events."""

from __future__ import annotations

import sqlite3

import pytest

from bot.channels.whatsapp_render import render, wa_len
from bot.channels.whatsapp_send import words_for
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, native_name
from bot.limits import (
    TELEGRAM_MAX_TEXT,
    WHATSAPP_MAX_BUTTON_TITLE,
    WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_ROW_TITLE,
)
from bot.storage import events as ev
from bot.storage import versions as vs
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event
from tests.handlers.events.test_meeting import invitations
from tests.handlers.events.test_visit import plan_visit
from tests.handlers.test_wizard import _meeting_preview
from tests.outbox_helpers import Person, seed_people
from tests.whatsapp.test_render import accepted

TE, HI = native_name("te"), native_name("hi")
TITLE_TE = "సహజ రంగుల వర్క్‌షాప్"
PLACE_TE = "సామాజిక భవనం, బగ్రూ"


async def _add_telugu(cda: ChatDriver) -> None:
    await cda.tap("Add a language")
    assert cda.find(TE) and cda.find(HI)
    assert not cda.last[-1].selected  # no version yet
    await cda.tap(TE)
    assert "Original: Natural dyes workshop" in cda.text
    await cda.say(TITLE_TE)
    assert "Original: Community hall, Bagru" in cda.text
    await cda.say(PLACE_TE)


async def test_a_meeting_with_a_telugu_version_invites_each_in_their_language(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    people = [Person("asha"), Person("ravi", language="te"), Person("bina", language="hi")]
    await db.write(lambda c: seed_people(c, one_cluster.id, people))
    await _meeting_preview(cda_chat)
    await _add_telugu(cda_chat)
    shown = [m.text for m in cda_chat.last]
    # The Telugu invitation exactly as Telugu readers get it, then the summary with buttons.
    assert any(TITLE_TE in t and PLACE_TE in t and TE in t for t in shown)
    assert "Meeting: Natural dyes workshop" in shown[-1]
    assert cda_chat.choice_ids == ["mt:yes", "mt:ver", "mt:edit", "mt:no"]
    await cda_chat.tap("Yes, invite them")
    sent = await db.read(invitations)
    assert TITLE_TE in str(sent["ravi"]["text"]) and PLACE_TE in str(sent["ravi"]["text"])
    assert "Natural dyes workshop" in str(sent["asha"]["text"])
    assert "Natural dyes workshop" in str(sent["bina"]["text"])  # no Hindi version: original
    assert TITLE_TE not in str(sent["bina"]["text"])
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.language == "en"
    assert event.versions == {"te": {"title": TITLE_TE, "place": PLACE_TE}}
    audit = await db.read(
        lambda c: c.execute(
            "SELECT detail FROM audit_log WHERE action = 'event.create'"
        ).fetchone()[0]
    )
    assert '"te"' in audit


async def test_skip_keeps_the_original_and_a_version_can_be_retyped_or_removed(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await _meeting_preview(cda_chat)
    await cda_chat.tap("Add a language")
    await cda_chat.tap(HI)
    await cda_chat.say("प्राकृतिक रंग कार्यशाला")
    await cda_chat.tap("Skip")  # the place stays as typed for Hindi readers
    assert "प्राकृतिक रंग कार्यशाला" in "\n".join(m.text for m in cda_chat.last)
    await cda_chat.tap("Add a language")
    assert cda_chat.last[-1].selected == {"mt:vl:hi"}
    await cda_chat.tap(HI)
    assert "प्राकृतिक रंग कार्यशाला" in cda_chat.text  # what there is
    await cda_chat.tap("Type it again")
    await cda_chat.say("रंगाई कार्यशाला")
    await cda_chat.tap("Skip")
    await cda_chat.tap("Add a language")
    await cda_chat.tap(HI)
    await cda_chat.tap("Remove it")
    assert "removed" in cda_chat.text
    await cda_chat.tap("Yes, invite them")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.versions == {}


async def test_retyping_the_original_drops_that_fields_versions(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await _meeting_preview(cda_chat)
    await _add_telugu(cda_chat)
    await cda_chat.tap("Change a field")
    await cda_chat.tap("Place")
    await cda_chat.say("Panchayat bhawan")
    said = "\n".join(m.text for m in cda_chat.last)
    assert "no longer matches" in said and TE in said
    await cda_chat.tap("Yes, invite them")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.versions == {"te": {"title": TITLE_TE}}
    assert event.read("te").place == "Panchayat bhawan"


async def test_a_version_too_long_or_not_text_is_refused(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await _meeting_preview(cda_chat)
    await cda_chat.tap("Add a language")
    await cda_chat.tap(TE)
    await cda_chat.say("క" * 121)  # a title has at most 120 characters, in every language
    assert "under 120 characters" in cda_chat.text
    await cda_chat.sticker()
    assert "type it as text" in cda_chat.text
    await cda_chat.tap("Back")  # nothing kept
    assert cda_chat.choice_ids == ["mt:yes", "mt:ver", "mt:edit", "mt:no"]
    await cda_chat.tap("Yes, invite them")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.versions == {}


async def test_a_visit_destination_version_is_its_title_and_place(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: seed_people(c, one_cluster.id, [Person("ravi", language="te")]))
    await plan_visit(cda_chat)
    await cda_chat.tap("Add a language")
    await cda_chat.tap(TE)
    await cda_chat.say("సంగానేర్ అద్దకం క్లస్టర్")
    await cda_chat.say("సహజ రంగులు నేర్చుకోవడం")
    await cda_chat.tap("Yes, announce it")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None
    te = event.read("te")
    assert te.title == te.place == "సంగానేర్ అద్దకం క్లస్టర్"
    assert te.purpose == "సహజ రంగులు నేర్చుకోవడం"
    sent = await db.read(invitations)
    assert "సహజ రంగులు నేర్చుకోవడం" in str(sent["ravi"]["text"])


async def test_a_cda_adds_a_version_later_from_events_and_a_new_place_drops_it(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: seed_people(c, one_cluster.id, [Person("ravi", language="te")]))
    await _meeting_preview(cda_chat)
    await cda_chat.tap("Yes, invite them")
    await cda_chat.say("/events")
    await cda_chat.press("evm:1:lang")
    await cda_chat.tap(TE)
    await cda_chat.say(TITLE_TE)
    await cda_chat.say(PLACE_TE)
    assert "Saved" in cda_chat.text and TITLE_TE in cda_chat.text
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.versions == {"te": {"title": TITLE_TE, "place": PLACE_TE}}
    await cda_chat.press("evm:1:place")
    await cda_chat.say("Panchayat bhawan")
    said = "\n".join(m.text for m in cda_chat.last)
    assert "no longer matches" in said and TE in said
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.versions == {"te": {"title": TITLE_TE}}
    notice = await db.read(
        lambda c: c.execute(
            "SELECT p.body FROM outbox o JOIN outbox_payloads p ON p.id = o.payload_id"
            " WHERE o.kind = 'notice'"
        ).fetchone()[0]
    )
    assert TITLE_TE in notice and "Panchayat bhawan" in notice  # Ravi reads Telugu


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_every_version_screen_fits_telegram_and_whatsapp(
    engine: Engine, db: Database, one_cluster: Cluster, language: str
) -> None:
    """The version steps of the meeting wizard and of /events, bad input included, in
    every shipped language: buttons within WhatsApp's 20 (3 buttons) or 24 (list rows)."""
    other = next(lang for lang in SHIPPED_LANGUAGES if lang != language)
    cda = ChatDriver(engine, user_id="cda", language_code=language)  # check_limits per reply
    steps: list[tuple[str, str]] = [
        ("say", "/newmeeting"), ("say", "Natural dyes workshop"), ("say", "5 Dec 10:30"),
        ("say", "Community hall, Bagru"), ("press", "mt:aud:all"), ("press", "mt:rem:default"),
        ("press", "mt:ver"), ("press", f"mt:vl:{other}"), ("say", "t" * 121), ("say", "टी"),
        ("press", "mt:skip"), ("press", "mt:ver"), ("press", f"mt:vl:{other}"),
        ("press", "mt:vre"), ("say", "ट" * 120), ("say", "प" * 200), ("press", "mt:edit"),
        ("press", "mt:chg:title"), ("say", "Dyes"), ("press", "mt:yes"), ("say", "/events"),
        ("press", "evm:1:lang"), ("press", f"evv:{other}"), ("press", "evv:again"),
        ("press", "evv:skip"), ("say", "स्थान"), ("press", "evm:1:lang"),
        ("press", f"evv:{other}"), ("press", "evv:remove"),
    ]  # fmt: skip
    seen = []
    for kind, arg in steps:
        seen.extend(await (cda.say(arg) if kind == "say" else cda.press(arg)))
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.versions == {}
    words = words_for(language)
    for message in seen:
        assert len(message.text) <= TELEGRAM_MAX_TEXT
        accepted(render(message, words))  # the Graph API stand-in's rules
        titles = [c.label for c in message.choices]
        few = len(titles) <= WHATSAPP_MAX_BUTTONS
        limit = WHATSAPP_MAX_BUTTON_TITLE if few else WHATSAPP_MAX_ROW_TITLE
        assert all(wa_len(t) <= limit for t in titles), (language, titles)


async def test_events_myevents_and_the_calendar_file_read_the_readers_language(
    engine: Engine, db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        seed_people(conn, one_cluster.id, [Person("ravi", language="te"), Person("asha")])
        event = make_event(conn, one_cluster.id, clock.now, kind="meeting")
        vs.put(conn, "event", event.id, "te", {"title": TITLE_TE, "place": PLACE_TE})

    await db.write(scenario)
    ravi, asha = ChatDriver(engine, user_id="u-ravi"), ChatDriver(engine, user_id="u-asha")
    await ravi.say("/events")
    assert TITLE_TE in ravi.text and PLACE_TE in ravi.text and "Cluster meeting" not in ravi.text
    await ravi.press("rsvp:1:y")
    assert TITLE_TE in ravi.text  # the answer names the event in Telugu too
    await ravi.say("/myevents")
    assert TITLE_TE in ravi.text
    await ravi.press("ics:1")
    media = ravi.last[0].media
    assert media is not None and TITLE_TE in media.data.decode().replace("\r\n ", "")
    assert "LOCATION:" + PLACE_TE.replace(",", "\\,") in media.data.decode()
    await asha.say("/events")
    assert "Cluster meeting" in asha.text and TITLE_TE not in asha.text
