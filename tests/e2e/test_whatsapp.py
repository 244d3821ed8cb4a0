"""End to end over WhatsApp: `bot.app.run` in-process, signed webhooks in Meta's shapes, and
the Graph API stand-in that refuses whatever WhatsApp would refuse (SPEC §2, §5; issue 6)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES, native_name, translator
from bot.storage.db import connect_sync
from tests.e2e.harness import bot_settings, running_bot, wait_until, whatsapp_settings
from tests.e2e.test_telegram_onboarding import (
    last_keyboard,
    onboard,
    registered_in_hindi,
    seed_cluster,
)
from tests.e2e.test_telegram_onboarding import texts as tg_texts
from tests.e2e.test_telegram_onboarding import turn as tg_turn
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph, Sent
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.whatsapp_payloads import MEENA, SUNITA, USERNAME_ONLY, Person

pytestmark = pytest.mark.e2e


async def turn(graph: FakeGraph, person: Person, payload: wp.Payload) -> list[Sent]:
    """The person sends `payload`; the messages the bot sent back."""
    before = len(graph.messages_to(person.address))
    assert await graph.deliver(payload) == 200
    await graph.wait_idle(quiet=0.3)
    return graph.messages_to(person.address)[before:]


def texts(messages: list[Sent]) -> str:
    return "\n".join(m.text for m in messages)


def devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def db_row(settings: Settings, sql: str) -> tuple[object, ...]:
    conn = connect_sync(settings.db)
    try:
        row = conn.execute(sql).fetchone()
        return tuple(row) if row else ()
    finally:
        conn.close()


async def onboard_in_hindi(graph: FakeGraph, who: Person) -> list[Sent]:
    send: Callable[[wp.Payload], Awaitable[list[Sent]]] = lambda p: turn(graph, who, p)  # noqa: E731
    first = await send(wp.text(who, "start"))
    assert first[-1].buttons == [(f"lang:{c}", native_name(c)) for c in SHIPPED_LANGUAGES]
    consent = await send(wp.button_reply(who, "lang:hi", "हिन्दी"))
    assert "/forget" in texts(consent) and devanagari(texts(consent))
    assert consent[-1].interactive_type == "button"
    await send(wp.button_reply(who, "consent:yes", consent[-1].buttons[0][1]))
    role = await send(wp.text(who, "मीना देवी"))
    # 11 roles, more than a list holds: a group of roles (buttons), then its roles (a list).
    assert role[-1].interactive_type == "button"
    assert [b[0] for b in role[-1].buttons] == ["rgrp:make", "rgrp:support"]
    roles = await send(wp.button_reply(who, "rgrp:make", role[-1].buttons[0][1]))
    assert roles[-1].interactive_type == "list" and len(roles[-1].rows) == 6
    gender = await send(wp.list_reply(who, "role:artisan", "कारीगर"))
    assert gender[-1].interactive_type == "list" and len(gender[-1].rows) == 4
    place = await send(wp.list_reply(who, "gender:female", "महिला"))
    assert place[-1].interactive_type == "button"
    return await send(wp.text(who, "बगरू"))


async def test_onboarding_in_hindi_over_whatsapp(graph: FakeGraph, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    async with running_bot(s):
        phone = await onboard_in_hindi(graph, MEENA)
        ids = [b[0] for b in phone[-1].buttons]
        assert ids == ["wa:contact", "wa:say:छोड़ें"]  # WhatsApp knows the number already
        done = await turn(graph, MEENA, wp.button_reply(MEENA, "wa:contact", "यही नंबर"))
        assert registered_in_hindi("मीना देवी") in texts(done)
        menu = done[-1]
        assert menu.interactive_type == "list" and ("cmd:survey" in dict(menu.buttons))
    assert graph.errors == []  # WhatsApp accepted every request
    assert all("to" in m.body for m in graph.sent)  # replies go to the phone number
    row = db_row(
        s,
        "SELECT channel_user_id, chat_id, name, role, gender, place, phone, language, status"
        " FROM contacts",
    )
    assert row == (
        MEENA.user_id,  # keyed by the business-scoped id
        MEENA.wa_id,
        "मीना देवी",
        "artisan",
        "female",
        "बगरू",
        "+919414012345",
        "hi",
        "registered",
    )


async def test_username_user_without_a_phone_number(graph: FakeGraph, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(whatsapp_settings(settings, graph)):
        phone = await onboard_in_hindi(graph, USERNAME_ONLY)
        assert [b[0] for b in phone[-1].buttons] == ["wa:say:छोड़ें"]  # only Skip
        done = await turn(graph, USERNAME_ONLY, wp.button_reply(USERNAME_ONLY, "wa:say:छोड़ें", "छोड़ें"))
        assert done and all("recipient" in m.body and "to" not in m.body for m in done)
    assert graph.errors == []
    assert db_row(settings, "SELECT channel_user_id, chat_id, phone, status FROM contacts") == (
        USERNAME_ONLY.user_id,
        USERNAME_ONLY.user_id,
        None,
        "registered",
    )


async def test_unsigned_and_wrongly_signed_posts_change_nothing(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    body = wp.encode(wp.text(SUNITA, "start"))
    async with running_bot(s):
        # At start the bot asks Graph once for its number (the web pages' join links).
        assert graph.requests == [("GET", f"/v26.0/{graph.phone_number_id}")]
        graph.requests.clear()
        assert await graph.deliver(wp.text(SUNITA, "start"), headers={}) == 401
        wrong = wp.signed_headers(body, "not-the-app-secret")
        assert await graph.deliver(wp.text(SUNITA, "start"), headers=wrong) == 403
        tampered = wp.signed_headers(body)
        assert await graph.deliver(wp.text(SUNITA, "stop"), headers=tampered) == 403
        await graph.wait_idle(quiet=0.3)
        assert graph.sent == [] and graph.requests == []
        async with aiohttp.ClientSession() as http:
            query = {"hub.mode": "subscribe", "hub.verify_token": wp.VERIFY_TOKEN}
            async with http.get(graph.webhook_url, params={**query, "hub.challenge": "42"}) as r:
                assert (r.status, await r.text()) == (200, "42")
            bad = {**query, "hub.verify_token": "guess", "hub.challenge": "42"}
            async with http.get(graph.webhook_url, params=bad) as r:
                assert r.status == 403
    assert db_row(s, "SELECT COUNT(*) FROM contacts") == (0,)
    assert db_row(s, "SELECT COUNT(*) FROM processed_updates") == (0,)


async def test_a_redelivered_message_is_processed_once(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(whatsapp_settings(settings, graph)):
        payload = wp.text(SUNITA, "start")
        first = await turn(graph, SUNITA, payload)
        assert len(first) == 1
        again = await turn(graph, SUNITA, payload)  # Meta redelivers the same wamid
        assert again == []
    assert db_row(settings, "SELECT COUNT(*) FROM processed_updates") == (1,)


async def test_commands_without_the_slash_and_the_menu(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(whatsapp_settings(settings, graph)):
        await onboard_in_hindi(graph, MEENA)
        done = await turn(graph, MEENA, wp.text(MEENA, "Skip"))  # typed: /skip skips
        assert done[-1].interactive_type == "list"  # registered: the main menu
        helped = await turn(graph, MEENA, wp.text(MEENA, "HELP"))
        assert "/profile" in texts(helped) and devanagari(texts(helped))
        menu = await turn(graph, MEENA, wp.text(MEENA, "menu"))
        assert [m.interactive_type for m in menu] == ["list"]
        assert menu[0].body["interactive"]["action"]["button"] == "मेनू"
        assert "cmd:profile" in dict(menu[0].buttons)
        profile = await turn(graph, MEENA, wp.list_reply(MEENA, "cmd:profile", "मेरी जानकारी"))
        assert "मीना देवी" in texts(profile)
        stopped = await turn(graph, MEENA, wp.text(MEENA, "Stop"))
        assert "/subscribe" in texts(stopped)
    assert graph.errors == []
    assert db_row(settings, "SELECT opted_out FROM contacts") == (1,)


def telugu(text: str) -> bool:
    return any("\u0c00" <= ch <= "\u0c7f" for ch in text)


async def test_language_updates_and_erasure_over_whatsapp(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(whatsapp_settings(settings, graph)):
        await registered(graph, MEENA)
        choose = await turn(graph, MEENA, wp.text(MEENA, "Language"))
        assert ("lang:te", "తెలుగు") in choose[-1].buttons
        switched = await turn(graph, MEENA, wp.button_reply(MEENA, "lang:te", "తెలుగు"))
        assert telugu(texts(switched)) and switched[-1].interactive_type == "list"
        updates = await turn(graph, MEENA, wp.text(MEENA, "updates"))
        nothing_yet = translator("te")("There are no updates from {cluster} yet.")
        assert texts(updates) == nothing_yet.format(cluster="BAGRU cluster")  # in Telugu
        asked = await turn(graph, MEENA, wp.text(MEENA, "forget"))
        assert [b[0] for b in asked[-1].buttons] == ["forget:yes", "forget:no"]
        yes_title = dict(asked[-1].buttons)["forget:yes"]
        erased = await turn(graph, MEENA, wp.button_reply(MEENA, "forget:yes", yes_title))
        assert "/start" in texts(erased) and telugu(texts(erased))
        # Writing again starts afresh: nothing of the erased person comes back.
        again = await turn(graph, MEENA, wp.text(MEENA, "नमस्ते"))
        assert [b[0] for b in again[-1].buttons] == [f"lang:{c}" for c in SHIPPED_LANGUAGES]
    assert graph.errors == []
    conn = connect_sync(settings.db)
    try:
        rows = conn.execute(
            "SELECT channel_user_id, chat_id, name, phone, place, status FROM contacts ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    assert [tuple(r) for r in rows] == [
        (None, None, None, None, None, "erased"),
        (MEENA.user_id, MEENA.wa_id, None, None, None, "new"),
    ]


async def test_a_strangers_photo_is_not_fetched_and_undeliverable_marks_unreachable(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    graph.add_media("778899", b"\xff\xd8\xff-jpeg", "image/jpeg")
    async with running_bot(s):
        await turn(graph, SUNITA, wp.text(SUNITA, "start"))
        await turn(graph, SUNITA, wp.image(SUNITA, "778899"))
        # Not registered, no consent, no question asking for it: never downloaded (issue 12;
        # what is fetched, and where it goes, is in tests/e2e/test_media.py).
        assert not [r for r in graph.requests if r[1].endswith("/778899")]
        assert not (Path(s.db).resolve().parent / "media").exists()
        sent = graph.messages_to(SUNITA.address)[-1]
        payload = wp.status(
            sent.wamid, "failed", SUNITA, errors=[(131026, "Message undeliverable")]
        )
        assert await graph.deliver(payload) == 200
        await wait_until(  # the webhook answers at once; the status is handled after
            lambda: db_row(s, "SELECT unreachable FROM contacts") == (1,),
            10,
            "the failed status to mark the contact unreachable",
        )


# --- bot-initiated messages: the 24-hour window, templates, statuses ------------------------


def enqueue(settings: Settings, kind: str, text: str, *, wrote_hours_ago: float) -> None:
    """Queue one outbox message for the (only) contact, who last wrote that long ago."""
    from datetime import UTC, datetime, timedelta

    from bot.clock import iso
    from bot.outbox.queue import Payload
    from bot.outbox.queue import enqueue as put
    from bot.storage.db import run_in_transaction

    now = datetime.now(UTC)

    def work(conn: sqlite3.Connection) -> None:
        contact_id, chat_id = conn.execute("SELECT id, chat_id FROM contacts").fetchone()
        conn.execute(
            "UPDATE contacts SET last_inbound_at = ? WHERE id = ?",
            (iso(now - timedelta(hours=wrote_hours_ago)), contact_id),
        )
        put(
            conn,
            channel="whatsapp",
            contact_id=contact_id,
            chat_id=chat_id,
            kind=kind,
            ref=f"test:{kind}:{wrote_hours_ago}",
            payload=Payload(text),
            now=now,
        )

    conn = connect_sync(settings.db)
    try:
        run_in_transaction(conn, work)
    finally:
        conn.close()


async def registered(graph: FakeGraph, who: Person) -> None:
    await onboard_in_hindi(graph, who)
    await turn(graph, who, wp.text(who, "skip"))


async def test_a_reminder_after_the_window_goes_out_as_the_template(
    graph: FakeGraph, settings: Settings
) -> None:
    from bot.channels.whatsapp_templates import definitions

    for definition in definitions():
        graph.add_template(definition["name"], definition["language"], 1)
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    async with running_bot(s):
        await registered(graph, MEENA)
    # A day and more later (a fresh start: the replies' pair-rate budget is spent in memory).
    enqueue(s, "reminder", "बैठक कल सुबह 10 बजे।\nसामुदायिक भवन में।", wrote_hours_ago=30)
    seen = len(graph.messages_to(MEENA.address))  # before the start: it may send at once
    async with running_bot(s):
        [sent] = await new_messages(graph, MEENA, seen, 1)
        assert sent.type == "template"
        template = sent.body["template"]
        assert (template["name"], template["language"]["code"]) == ("clusterbot_reminder", "hi")
        assert template["components"][0]["parameters"][0]["text"] == (
            "बैठक कल सुबह 10 बजे। सामुदायिक भवन में।"
        )
        # Read receipts reach the ledger.
        assert await graph.send_status(sent, "delivered") == 200
        assert await graph.send_status(sent, "read") == 200
        receipts = "SELECT status, delivered_at IS NOT NULL, read_at IS NOT NULL FROM outbox"
        await wait_until(
            lambda: db_row(s, receipts) == ("sent", 1, 1),
            10,
            "the delivered and read receipts to reach the ledger",
        )
        # The quick-reply button is a command: it reopens the window and answers.
        answer = await turn(graph, MEENA, wp.template_button(MEENA, "cmd:myevents", "My events"))
        assert answer and answer[0].type != "template"
    assert graph.errors == []


async def test_131047_by_webhook_sends_the_template_instead(
    graph: FakeGraph, settings: Settings
) -> None:
    from bot.channels.whatsapp_templates import definitions

    for definition in definitions():
        graph.add_template(definition["name"], definition["language"], 1)
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    async with running_bot(s):
        await registered(graph, MEENA)
    # Our record says they wrote 20 hours ago; WhatsApp disagrees (as it can, when a
    # webhook arrived late): the text is accepted, then fails by status webhook.
    graph.close_window(MEENA.address)
    enqueue(s, "broadcast", "Exposure visit on Friday", wrote_hours_ago=20)
    seen = len(graph.messages_to(MEENA.address))  # before the start: it may send at once
    async with running_bot(s):
        first, second = await new_messages(graph, MEENA, seen, 2)
        assert (first.type, second.type) == ("text", "template")
        assert second.body["template"]["name"] == "clusterbot_update"
        wamid = second.wamid
        await wait_until(
            lambda: db_row(s, "SELECT status, platform_message_id FROM outbox") == ("sent", wamid),
            10,
            "the template's message id in the ledger",
        )


# --- a survey over WhatsApp -------------------------------------------------------------------


def import_survey(settings: Settings) -> None:
    from bot.storage import surveys
    from bot.storage.db import run_in_transaction
    from bot.surveys.loader import load_form

    form = load_form(Path(__file__).parents[1] / "whatsapp" / "forms" / "wa_limits.md").form
    conn = connect_sync(settings.db)
    try:
        run_in_transaction(conn, lambda c: surveys.import_form(c, form, now="2026-11-28T00:00:00"))
    finally:
        conn.close()


async def test_a_survey_with_a_multi_select_and_twelve_choices(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    import_survey(s)
    graph.add_media("4455", b"\xff\xd8\xff-work", "image/jpeg")
    graph.add_media("6677", b"OggS-voice", "audio/ogg; codecs=opus")
    send: Callable[[wp.Payload], Awaitable[list[Sent]]] = lambda p: turn(graph, MEENA, p)  # noqa: E731
    async with running_bot(s):
        await registered(graph, MEENA)
        picked = await send(wp.text(MEENA, "Survey"))
        first = await send(wp.button_reply(MEENA, picked[-1].buttons[0][0], "x"))
        # Multi-select: a list; each pick comes back as a new list with check marks.
        needs = first[-1]
        assert needs.interactive_type == "list" and len(needs.rows) == 6
        again = await send(wp.list_reply(MEENA, needs.rows[0]["id"], needs.rows[0]["title"]))
        assert again[-1].rows[0]["title"].startswith("✓ ")
        again = await send(wp.list_reply(MEENA, needs.rows[2]["id"], needs.rows[2]["title"]))
        assert [r["title"].startswith("✓ ") for r in again[-1].rows][:3] == [True, False, True]
        done = next(r for r in again[-1].rows if r["id"].endswith(":done"))
        crafts = await send(wp.list_reply(MEENA, done["id"], done["title"]))
        # Twelve choices: numbered text, answered with the number.
        assert crafts[-1].type == "text" and "12. " in crafts[-1].text
        loan = await send(wp.text(MEENA, "12"))
        assert loan[-1].interactive_type == "button"
        await send(wp.button_reply(MEENA, loan[-1].buttons[0][0], loan[-1].buttons[0][1]))
        workshop = await send(wp.text(MEENA, "3"))
        # Native location request, then Skip for an optional question.
        kinds = [m.interactive_type for m in workshop][-2:]
        assert kinds == ["location_request_message", "button"]
        await send(wp.location(MEENA, 26.8167, 75.5439))
        await send(wp.image(MEENA, "4455"))
        finished = await send(wp.audio(MEENA, "6677"))
        assert finished  # thanks, and the main menu
    assert graph.errors == []
    conn = connect_sync(s.db)
    try:
        answers = dict(conn.execute("SELECT path, value FROM answers").fetchall())
        status = conn.execute("SELECT status FROM responses").fetchone()[0]
    finally:
        conn.close()
    assert answers["needs"] == "credit market" and answers["craft"] == "c12"
    assert answers["loan"] == "yes" and answers["workers"] == "3"
    assert [float(x) for x in answers["workshop"].split()[:2]] == [26.8167, 75.5439]
    assert answers["photo"].endswith("whatsapp/4455.jpg")
    assert answers["voice"].endswith("whatsapp/6677.ogg")
    assert status == "completed"


async def test_a_cda_named_by_phone_is_recognised_by_bsuid(
    graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph, admins=frozenset({f"whatsapp:{MEENA.wa_id}"}))
    async with running_bot(s):
        helped = await turn(graph, MEENA, wp.text(MEENA, "help"))
        assert "/broadcast" in texts(helped)  # CDA commands listed
    # Later Meta leaves the phone number out; the BSUID still belongs to the CDA.
    hidden = Person(wa_id=None, user_id=MEENA.user_id, name="Meena")
    async with running_bot(s):
        helped = await turn(graph, MEENA, wp.text(hidden, "help"))  # replies: the known phone
        assert "/broadcast" in texts(helped)
        refused = await turn(graph, SUNITA, wp.text(SUNITA, "broadcast"))
        assert "/broadcast" not in texts(refused)


# --- meetings and visits over WhatsApp --------------------------------------------------------

RAMESH = Person(wa_id="919887700011", name="Ramesh")  # the CDA, on WhatsApp too


def day(days: int) -> str:
    """A date `days` ahead in the cluster's zone, as a CDA types it."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from bot.clock import utc_now

    return (
        (utc_now() + timedelta(days=days)).astimezone(ZoneInfo("Asia/Kolkata")).strftime("%d-%m-%Y")
    )


async def new_messages(graph: FakeGraph, who: Person, since: int, count: int) -> list[Sent]:
    """The outbox works in the background: wait until `count` messages followed `since`."""
    deadline = 15.0
    while len(graph.messages_to(who.address)) < since + count and deadline > 0:
        await asyncio.sleep(0.05)
        deadline -= 0.05
    found = graph.messages_to(who.address)[since:]
    assert len(found) >= count, f"{who.name}: expected {count} new message(s), got {found}"
    return found


async def test_an_rsvp_and_a_visit_registration_in_hindi(
    graph: FakeGraph, settings: Settings
) -> None:
    from bot.channels.whatsapp_templates import definitions

    for definition in definitions():
        graph.add_template(definition["name"], definition["language"], 1)
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph, admins=frozenset({f"whatsapp:{RAMESH.wa_id}"}))
    async with running_bot(s):
        await registered(graph, MEENA)
        await registered(graph, SUNITA)
    # Sunita last wrote yesterday morning: her window has closed.
    conn = connect_sync(s.db)
    try:
        conn.execute(
            "UPDATE contacts SET last_inbound_at = '2026-01-01T00:00:00+00:00' WHERE chat_id = ?",
            (SUNITA.wa_id,),
        )
        conn.commit()
    finally:
        conn.close()
    cda: Callable[[wp.Payload], Awaitable[list[Sent]]] = lambda p: turn(graph, RAMESH, p)  # noqa: E731
    async with running_bot(s):
        # The CDA plans the meeting by chat, on WhatsApp.
        await cda(wp.text(RAMESH, "newmeeting"))
        await cda(wp.text(RAMESH, "Quality circle"))
        await cda(wp.text(RAMESH, f"{day(3)} 10:30"))
        audience = await cda(wp.text(RAMESH, "Community hall"))
        assert "mt:aud:all" in dict(audience[-1].buttons)
        reminders = await cda(wp.list_reply(RAMESH, "mt:aud:all", "Whole cluster"))
        rem_id, rem_title = reminders[-1].buttons[0]
        confirm = await cda(wp.button_reply(RAMESH, rem_id, rem_title))
        assert "Recipients: 2" in texts(confirm)
        meena_seen = len(graph.messages_to(MEENA.address))
        sunita_seen = len(graph.messages_to(SUNITA.address))
        done = await cda(wp.button_reply(RAMESH, "mt:yes", "Yes, invite them"))
        assert "2 invitations" in texts(done)

        # Meena wrote minutes ago: the invitation itself, in Hindi, with reply buttons.
        [invitation] = await new_messages(graph, MEENA, meena_seen, 1)
        assert invitation.interactive_type == "button" and "Quality circle" in invitation.text
        assert devanagari(invitation.text)
        yes_id, yes_title = invitation.buttons[0]
        assert [b[0] for b in invitation.buttons] == [yes_id, "rsvp:1:n", "rsvp:1:m"]
        confirmed = await turn(graph, MEENA, wp.button_reply(MEENA, yes_id, yes_title))
        assert "Quality circle" in texts(confirmed) and devanagari(texts(confirmed))

        # Sunita's window is closed: the approved invitation template, in Hindi.
        [template] = await new_messages(graph, SUNITA, sunita_seen, 1)
        assert template.type == "template"
        body = template.body["template"]
        assert (body["name"], body["language"]["code"]) == ("clusterbot_invitation", "hi")
        assert "Quality circle" in body["components"][0]["parameters"][0]["text"]
        # Its quick-reply button opens /events, where she answers Maybe.
        events = await turn(graph, SUNITA, wp.template_button(SUNITA, "cmd:events", "इवेंट"))
        offer = next(m for m in events if "rsvp:1:m" in dict(m.buttons))
        maybe = await turn(
            graph, SUNITA, wp.button_reply(SUNITA, "rsvp:1:m", dict(offer.buttons)["rsvp:1:m"])
        )
        assert devanagari(texts(maybe))

        # An exposure visit, also planned by chat; Meena registers with its button.
        for typed in (
            "newvisit",
            "Sanganer block printers",
            "Natural dyeing",
            f"{day(10)} 07:00",
            f"{day(11)} 19:00",
        ):
            await cda(wp.text(RAMESH, typed))
        roles = await cda(wp.text(RAMESH, "2"))  # seats
        # One group of roles at a time, a list; artisans and SHG members come ticked.
        assert roles[-1].interactive_type == "list"
        assert ("vs:role:artisan", "✓ Artisan") in roles[-1].buttons
        await cda(wp.list_reply(RAMESH, "vs:roles:done", "Done"))
        await cda(wp.text(RAMESH, f"{day(5)} 18:00"))
        preview = await cda(wp.text(RAMESH, "1500"))
        assert "It goes to 2 people" in texts(preview)
        meena_seen = len(graph.messages_to(MEENA.address))
        await cda(wp.button_reply(RAMESH, "vs:yes", "Yes, announce it"))
        [announcement] = await new_messages(graph, MEENA, meena_seen, 1)
        [(reg_id, reg_title)] = announcement.buttons
        assert reg_id == "reg:2" and devanagari(reg_title)
        seat = await turn(graph, MEENA, wp.button_reply(MEENA, reg_id, reg_title))
        assert "Sanganer block printers" in texts(seat) and devanagari(texts(seat))
        mine = await turn(graph, MEENA, wp.text(MEENA, "myevents"))
        assert "Quality circle" in texts(mine) and "Sanganer block printers" in texts(mine)
    assert graph.errors == []  # WhatsApp would have accepted every request
    conn = connect_sync(s.db)
    try:
        rsvps = conn.execute(
            "SELECT c.chat_id, r.event_id, r.answer FROM rsvps r JOIN contacts c"
            " ON c.id = r.contact_id ORDER BY c.chat_id"
        ).fetchall()
        seats = conn.execute(
            "SELECT c.chat_id, r.event_id, r.status FROM registrations r JOIN contacts c"
            " ON c.id = r.contact_id"
        ).fetchall()
        invitations = conn.execute(
            "SELECT chat_id, status, platform_message_id FROM outbox"
            " WHERE kind = 'invitation' AND ref = 'event:1' ORDER BY chat_id"
        ).fetchall()
    finally:
        conn.close()
    assert [tuple(r) for r in rsvps] == sorted(
        [(MEENA.wa_id, 1, "yes"), (SUNITA.wa_id, 1, "maybe")]
    )
    assert [tuple(r) for r in seats] == [(MEENA.wa_id, 2, "confirmed")]
    assert [tuple(r) for r in invitations] == sorted(
        [(MEENA.wa_id, "sent", invitation.wamid), (SUNITA.wa_id, "sent", template.wamid)]
    )


async def test_one_cluster_on_telegram_and_whatsapp_at_once(
    fake: FakeTelegram, graph: FakeGraph, settings: Settings
) -> None:
    """The CDA plans on Telegram; the invitation reaches a Telegram member in English and a
    WhatsApp member in Hindi, and both answers land on the same meeting."""
    cda, member = 7007, 5001
    seed_cluster(settings.db, "BAGRU")
    both = bot_settings(settings, fake, admins=frozenset({f"telegram:{cda}"}))
    s = whatsapp_settings(both, graph)
    async with running_bot(s):
        await onboard(fake, member, "English")
        await registered(graph, MEENA)
    # A fresh start: the WhatsApp replies' per-person budget is spent in memory.
    async with running_bot(s):
        for typed in ("/newmeeting", "Quality circle", f"{day(3)} 10:30", "Community hall"):
            await tg_turn(fake, cda, lambda typed=typed: fake.push_text(cda, typed))
        await tg_turn(fake, cda, lambda: fake.press(cda, "Whole cluster"))
        await tg_turn(
            fake, cda, lambda: fake.push_callback(cda, last_keyboard(fake, cda), "mt:rem:default")
        )
        meena_seen = len(graph.messages_to(MEENA.address))
        done = await tg_turn(fake, cda, lambda: fake.press(cda, "Yes, invite them"))
        assert "2 invitations" in tg_texts(done)
        [invitation] = await new_messages(graph, MEENA, meena_seen, 1)
        assert devanagari(invitation.text) and "Quality circle" in invitation.text
        await wait_until(
            lambda: any("Quality circle" in (m.text or "") for m in fake.messages_to(member)),
            15,
            "the Telegram invitation",
        )
        answered = await tg_turn(fake, member, lambda: fake.press(member, "Yes"))
        assert "You are coming to Quality circle" in tg_texts(answered)
        no_title = dict(invitation.buttons)["rsvp:1:n"]
        declined = await turn(graph, MEENA, wp.button_reply(MEENA, "rsvp:1:n", no_title))
        assert "Quality circle" in texts(declined) and devanagari(texts(declined))
    assert graph.errors == []
    conn = connect_sync(s.db)
    try:
        answers = conn.execute(
            "SELECT c.channel, r.answer FROM rsvps r JOIN contacts c ON c.id = r.contact_id"
            " WHERE r.event_id = 1 ORDER BY c.channel"
        ).fetchall()
    finally:
        conn.close()
    assert [tuple(a) for a in answers] == [("telegram", "yes"), ("whatsapp", "no")]
