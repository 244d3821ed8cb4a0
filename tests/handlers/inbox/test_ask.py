"""/ask and /mine through the engine (issue 15): a stakeholder writes to the CDA, with a
reference number, anonymously when they wish, within the limits; /mine lists it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.config import Settings
from bot.engine import Engine
from bot.messages import Inbound, InboundKind
from bot.storage import inbox
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register
from tests.outbox_helpers import Person, seed_people


def rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql, params)]


async def ask(chat: ChatDriver, kind: str, text: str, *, anonymous: bool = False) -> None:
    """The whole /ask, typed the short way."""
    await chat.say("/ask")
    await chat.press(f"ask:k:{kind}")
    if kind in ("suggestion", "complaint"):
        await chat.press("ask:a:anon" if anonymous else "ask:a:name")
    await chat.say(text)
    await chat.press("ask:send")


async def test_a_question_gets_a_reference_number_and_is_stored(
    chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    assert "cmd:ask" in chat.choice_ids and "cmd:mine" in chat.choice_ids  # the main menu
    await chat.tap("Write to the CDA")
    assert chat.choice_ids == [
        "ask:k:question", "ask:k:suggestion", "ask:k:complaint", "ask:k:privacy",
    ]  # fmt: skip
    await chat.press("ask:k:question")
    assert "2,000 characters" in chat.text and "voice note" in chat.text
    await chat.say("When is the next dyeing training?")
    assert chat.choice_ids == ["ask:send", "ask:drop"]
    await chat.press("ask:send")
    assert "Your reference number is #1" in chat.text and "/mine" in chat.text
    items = await db.read(lambda c: rows(c, "SELECT * FROM inbox_items"))
    assert len(items) == 1
    item = items[0]
    assert (item["kind"], item["anonymous"], item["status"], item["text"]) == (
        "question", 0, "new", "When is the next dyeing training?",
    )  # fmt: skip
    assert (item["sender_role"], item["sender_gender"]) == ("artisan", "female")
    changes = await db.read(lambda c: rows(c, "SELECT action, status FROM inbox_changes"))
    assert changes == [{"action": "sent", "status": "new"}]
    messages = await db.read(lambda c: rows(c, "SELECT direction, text FROM inbox_messages"))
    assert messages == [{"direction": "in", "text": "When is the next dyeing training?"}]


async def test_anonymous_is_explained_and_keeps_no_role_or_gender(
    chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await chat.say("/ask")
    await chat.press("ask:k:suggestion")
    assert "the CDA does not see who sent it" in chat.text and "/forget" in chat.text
    assert chat.choice_ids == ["ask:a:name", "ask:a:anon"]
    await chat.press("ask:a:anon")
    await chat.say("Buy the dyes together to get a better price.")
    await chat.press("ask:send")
    assert "sent anonymously" in chat.text
    item = (await db.read(lambda c: rows(c, "SELECT * FROM inbox_items")))[0]
    assert item["anonymous"] == 1 and item["sender_role"] is None
    assert item["sender_gender"] is None and item["contact_id"] is not None
    changes = await db.read(lambda c: rows(c, "SELECT actor FROM inbox_changes"))
    assert changes == [{"actor": None}]  # the item row is the only link


async def test_a_question_cannot_be_anonymous(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await chat.say("/ask")
    await chat.press("ask:k:question")
    assert "ask:a:anon" not in chat.choice_ids  # straight to the message
    await chat.press("ask:a:anon")  # a forged press changes nothing
    assert "button belongs to an earlier question" in chat.text


async def test_about_my_data_names_the_grievance_contact(
    engine: Engine, db: Database, settings: Settings, one_cluster: Cluster
) -> None:
    from dataclasses import replace

    engine.settings = replace(settings, grievance_contact="Grievance officer, 0141 222 3333")
    chat = ChatDriver(engine, user_id="1001", profile_name="Sunita Devi")
    await register(chat)
    await chat.say("/ask")
    await chat.tap("About my data")
    assert "Grievance officer, 0141 222 3333" in chat.text
    assert "Data Protection Board" in chat.text
    await chat.say("Please delete my photo from the survey.")
    await chat.press("ask:send")
    assert "Grievance officer, 0141 222 3333" in chat.text
    item = (await db.read(lambda c: rows(c, "SELECT kind FROM inbox_items")))[0]
    assert item["kind"] == "privacy"


async def test_a_photo_or_voice_note_goes_with_it(
    chat: ChatDriver, db: Database, one_cluster: Cluster, tmp_path
) -> None:
    await register(chat)
    await chat.say("/ask")
    await chat.press("ask:k:complaint")
    await chat.press("ask:a:name")
    voice = tmp_path / "v.ogg"
    voice.write_bytes(b"OggS")
    await chat._send(kind=InboundKind.AUDIO, media_ref=str(voice))
    assert "Type a few words about it" in chat.text
    await chat.say("The water tap at the dyeing yard is broken.")
    await chat.press("ask:send")
    item = (await db.read(lambda c: rows(c, "SELECT * FROM inbox_items")))[0]
    assert (item["media_kind"], item["media_path"]) == ("audio", str(voice))
    assert item["text"] == "The water tap at the dyeing yard is broken."


async def test_words_in_several_messages_are_joined_and_one_file_goes_with_them(
    chat: ChatDriver, db: Database, one_cluster: Cluster, tmp_path
) -> None:
    await register(chat)
    await chat.say("/ask")
    await chat.press("ask:k:question")
    await chat.say("The new looms arrived.")
    await chat.say("Who will train us to use them?")
    photo = tmp_path / "loom.jpg"
    photo.write_bytes(b"\xff\xd8")
    await chat._send(kind=InboundKind.PHOTO, media_ref=str(photo))
    await chat._send(kind=InboundKind.PHOTO, media_ref=str(photo))
    assert "One photo or voice note can go with a message" in chat.text
    await chat.press("ask:send")
    item = (await db.read(lambda c: rows(c, "SELECT * FROM inbox_items")))[0]
    assert item["text"] == "The new looms arrived.\nWho will train us to use them?"
    assert item["media_kind"] == "photo"


async def test_the_media_gate_takes_a_photo_only_at_the_message_step(
    chat: ChatDriver, engine: Engine, db: Database, one_cluster: Cluster
) -> None:
    from bot.media_gate import MediaGate
    from bot.messages import Inbound
    from handlers import media

    gate = MediaGate(db, engine.settings, media.wanted)
    photo = Inbound("test", "1001", "1001", InboundKind.PHOTO, media_ref="x", media_size=1000)
    await register(chat)
    assert not (await gate.verdict(photo)).take  # outside /ask
    await chat.say("/ask")
    await chat.press("ask:k:question")
    assert (await gate.verdict(photo)).take
    too_big = Inbound("test", "1001", "1001", InboundKind.PHOTO, media_size=50 * 1024 * 1024)
    verdict = await gate.verdict(too_big)
    assert verdict.refusal is not None and "too large" in verdict.refusal.text


async def test_bad_input_gets_a_clear_answer(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await chat.say("/ask")
    await chat.press("ask:k:question")
    await chat.sticker()
    assert "Please type your message, or send a photo or a voice note." in chat.text
    await chat.say("x" * 2001)
    assert "2,001 characters" in chat.text and "2,000" in chat.text
    await chat.say("x" * 1500)
    await chat.say("y" * 500)  # joined with the first part: 2,001 with the line break
    assert "2,001 characters" in chat.text
    await chat.say("/cancel")
    assert await db.read(lambda c: rows(c, "SELECT * FROM inbox_items")) == []


async def test_at_most_ten_waiting_items(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    for n in range(10):
        await ask(chat, "question", f"Question number {n}")
    await chat.say("/ask")
    assert "You have 10 messages waiting" in chat.text and not chat.choice_ids
    count = await db.read(lambda c: inbox.open_count(c, 1))
    assert count == 10


async def test_a_blocked_person_is_refused(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await ask(chat, "question", "Hello?")
    await db.write(lambda c: inbox.block(c, one_cluster.id, 1, None, "2026-11-28T09:00:00+00:00"))  # type: ignore[arg-type]
    await chat.say("/ask")
    assert "stopped taking messages from you" in chat.text and not chat.choice_ids


async def test_mine_lists_status_and_answer(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await chat.say("/mine")
    assert "You have not written to the CDA yet" in chat.text
    await ask(chat, "question", "When is the next dyeing training?")
    await ask(chat, "complaint", "The yard is dirty.", anonymous=True)

    def answer(conn: sqlite3.Connection) -> None:
        item = inbox.get(conn, 1)
        assert item is not None
        inbox.answer(conn, item, 1, "On Monday at 10 in the hall.", "2026-11-28T10:00:00+00:00")

    await db.write(answer)
    await chat.say("/mine")
    text = chat.text
    assert text.index("#2") < text.index("#1")  # newest first
    assert "#1 · Question" in text and "· answered" in text
    assert "Answer: On Monday at 10 in the hall." in text
    assert "#2 · Complaint" in text and "· waiting" in text and "(sent anonymously)" in text


async def test_hindi(engine: Engine, db: Database, one_cluster: Cluster) -> None:
    chat = ChatDriver(engine, user_id="2002", profile_name="Meena")
    await register(chat, language="lang:hi")
    await chat.say("/ask")
    assert "CDA" in chat.text and chat.find("सवाल")
    await chat.tap("सवाल")
    await chat.say("अगला प्रशिक्षण कब है?")
    await chat.press("ask:send")
    assert "#1" in chat.text
    audit = await db.read(lambda c: rows(c, "SELECT detail FROM audit_log"))
    assert all("अगला" not in json.dumps(a) for a in audit)


async def whatsapp_text(engine: Engine, user_id: str, text: str) -> list[str]:
    replies = await engine.handle(
        Inbound("whatsapp", user_id, user_id, InboundKind.TEXT, text=text)
    )
    return [m.text for m in replies] + [c.id for m in replies for c in m.choices]


async def test_free_text_on_whatsapp_is_offered_to_the_cda(
    engine: Engine, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: seed_people(c, one_cluster.id, [Person("Meena", channel="whatsapp",
                                                                    user_id="9194")]))  # fmt: skip
    shown = await whatsapp_text(engine, "9194", "The dye supplier has raised his prices again")
    assert "Send this to the CDA?" in shown[0] and "raised his prices" in shown[0]
    assert shown[1:] == ["ask:offer:yes", "ask:offer:no"]
    kinds = await engine.handle(
        Inbound("whatsapp", "9194", "9194", InboundKind.CHOICE, choice="ask:offer:yes")
    )
    assert next(c.id for m in kinds for c in m.choices) == "ask:k:question"
    for choice in ("ask:k:complaint", "ask:a:name", "ask:send"):
        await engine.handle(Inbound("whatsapp", "9194", "9194", InboundKind.CHOICE, choice=choice))
    item = await db.read(lambda c: inbox.get(c, 1))
    assert item is not None and item.kind == "complaint"
    assert item.text == "The dye supplier has raised his prices again"
    # "No" shows the menu and sends nothing.
    await whatsapp_text(engine, "9194", "hello")
    no = await engine.handle(
        Inbound("whatsapp", "9194", "9194", InboundKind.CHOICE, choice="ask:offer:no")
    )
    assert "cmd:ask" in [c.id for m in no for c in m.choices]
    assert await db.read(lambda c: inbox.open_count(c, item.contact_id or 0)) == 1


async def test_on_telegram_free_text_still_gets_the_menu(
    chat: ChatDriver, one_cluster: Cluster
) -> None:
    await register(chat)
    await chat.say("hello there")
    assert "did not understand" in chat.text and "cmd:ask" in chat.choice_ids
