"""/inbox through the engine (issue 15): the CDA's list (overdue first, then oldest),
opening, taking, replying through the outbox, closing, blocking, publishing; rights."""

from __future__ import annotations

import json
from typing import Any

from bot.engine import Engine
from bot.storage import admins, inbox
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.inbox.test_ask import ask, rows
from tests.handlers.people.test_onboarding import register
from tests.outbox_helpers import Person, seed_people

NOW = "2026-11-28T09:00:00+00:00"


def everything_shown(chat: ChatDriver) -> str:
    """Text, button labels and button ids of the latest replies, as one string."""
    return "\n".join(
        [m.text for m in chat.last] + [f"{c.id} {c.label}" for m in chat.last for c in m.choices]
    )


async def grant(db: Database, user_id: str, cluster_id: int | None, role: str = "cda") -> None:
    await db.write(lambda c: admins.add(c, "test", user_id, cluster_id, role, NOW))


async def test_the_cda_sees_waiting_items_overdue_first_then_oldest(
    chat: ChatDriver, cda_chat: ChatDriver, db: Database, clock: FakeClock, one_cluster: Cluster
) -> None:
    await register(chat)
    await ask(chat, "question", "First question, sent long ago")
    clock.advance(days=2)
    await ask(chat, "suggestion", "A suggestion of two days later")
    clock.advance(days=1, hours=12)
    await ask(chat, "complaint", "A fresh complaint")
    await cda_chat.say("/inbox")
    text = cda_chat.text
    assert "3 waiting, 1 overdue" in text
    assert text.index("#1") < text.index("#2") < text.index("#3")
    assert cda_chat.choice_ids == ["ib:o:1", "ib:o:2", "ib:o:3"]
    assert cda_chat.last[-1].choices[0].label.startswith("⏰")
    # An answered one leaves the list; the overdue order is by the first answer missing.
    await cda_chat.press("ib:o:1")
    assert "From: Sunita Devi (Artisan)" in cda_chat.text
    assert "⏰ Overdue" in cda_chat.text and "“First question, sent long ago”" in cda_chat.text
    status = await db.read(lambda c: rows(c, "SELECT status FROM inbox_items WHERE id = 1"))
    assert status == [{"status": "open"}]  # opened: no longer new


async def test_a_reply_goes_through_the_outbox_in_the_senders_language(
    engine: Engine, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    chat = ChatDriver(engine, user_id="2002", profile_name="Meena")
    await register(chat, language="lang:hi")
    await chat.say("/ask")
    await chat.press("ask:k:question")
    await chat.say("अगला प्रशिक्षण कब है?")
    await chat.press("ask:send")
    await cda_chat.say("/inbox")
    await cda_chat.press("ib:o:1")
    await cda_chat.press("ib:r:1")
    assert "Type your reply to #1" in cda_chat.text
    await cda_chat.say("Monday at 10 in the community hall.")
    assert "Reply to #1 is on its way" in cda_chat.text
    assert "Monday at 10 in the community hall." in cda_chat.text  # the item shows it
    assert "waiting 1" in cda_chat.text  # its delivery, from the ledger
    assert "ib:p:1" in cda_chat.choice_ids
    queued = await db.read(
        lambda c: rows(
            c,
            "SELECT o.kind, o.ref, o.chat_id, o.status, p.body FROM outbox o"
            " JOIN outbox_payloads p ON p.id = o.payload_id",
        )
    )
    assert len(queued) == 1
    row = queued[0]
    assert (row["kind"], row["chat_id"], row["status"]) == ("inbox_reply", "2002", "queued")
    body = json.loads(row["body"])
    assert "Monday at 10 in the community hall." in body["text"]
    assert "CDA" in body["text"] and "#1" in body["text"] and "Reply" not in body["text"]
    item = (await db.read(lambda c: rows(c, "SELECT * FROM inbox_items")))[0]
    assert item["status"] == "answered" and item["first_answer_at"] is not None
    audit = await db.read(lambda c: rows(c, "SELECT action, subject FROM audit_log"))
    assert {"action": "inbox.reply", "subject": "inbox:1"} in audit
    # /deliveries shows it with the other bot-initiated messages, naming no one.
    await cda_chat.say("/deliveries")
    assert "dlv:ibx" in cda_chat.choice_ids
    await cda_chat.press("dlv:ibx")
    assert "#1 · " in cda_chat.text and "waiting to be sent" in cda_chat.text
    assert "Meena" not in cda_chat.text
    # The person reads it in /mine too.
    await chat.say("/mine")
    assert "Monday at 10 in the community hall." in chat.text


async def test_taking_shows_the_others_who_has_it(
    chat: ChatDriver, cda_chat: ChatDriver, engine: Engine, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await ask(chat, "question", "Who has the key to the common facility centre?")
    other = ChatDriver(engine, user_id="cda2", profile_name="Ramesh Kumar")
    await grant(db, "cda2", one_cluster.id)
    await register(other)
    await other.say("/inbox")
    await other.press("ib:o:1")
    await other.press("ib:t:1")
    assert "You have #1 now" in other.text and "ib:t:1" not in other.choice_ids
    await cda_chat.say("/inbox")
    assert "taken by Ramesh Kumar" in cda_chat.text
    audit = await db.read(lambda c: rows(c, "SELECT action FROM audit_log"))
    assert {"action": "inbox.take"} in audit


async def test_close_with_or_without_reply(
    chat: ChatDriver, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await ask(chat, "question", "Spam spam spam")
    await cda_chat.say("/inbox")
    await cda_chat.press("ib:o:1")
    await cda_chat.press("ib:x:1")
    assert "#1 is closed" in cda_chat.text and "No messages are waiting" in cda_chat.text
    await chat.say("/mine")
    assert "· closed" in chat.text
    await cda_chat.press("ib:x:1")  # pressed again: an earlier button
    audit = await db.read(
        lambda c: rows(c, "SELECT detail FROM audit_log WHERE action = 'inbox.close'")
    )
    assert len(audit) == 1 and json.loads(audit[0]["detail"]) == {"answered": False}


async def test_an_anonymous_sender_is_never_shown_and_can_be_blocked(
    chat: ChatDriver, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await ask(chat, "complaint", "The secretary keeps the money.", anonymous=True)
    await cda_chat.say("/inbox")
    shown = everything_shown(cda_chat)
    await cda_chat.press("ib:o:1")
    shown += everything_shown(cda_chat)
    assert "From: anonymous" in cda_chat.text
    await cda_chat.press("ib:b:1")
    shown += everything_shown(cda_chat)
    assert "is blocked" in cda_chat.text and "ib:u:1" in cda_chat.choice_ids
    for trace in ("Sunita", "1001", "98290", "artisan", "Artisan", "contact:"):
        assert trace not in shown, trace
    audit = await db.read(lambda c: rows(c, "SELECT actor, subject, detail FROM audit_log"
                                           " WHERE action LIKE 'inbox.%'"))  # fmt: skip
    assert audit and all(a["subject"] == "inbox:1" and "1001" not in a["detail"] for a in audit)
    await chat.say("/ask")
    assert "stopped taking messages from you" in chat.text
    await cda_chat.press("ib:u:1")
    assert "is unblocked" in cda_chat.text
    await chat.say("/ask")
    assert chat.choice_ids[0] == "ask:k:question"


async def test_publish_an_answer_edited_and_sent_to_the_cluster(
    chat: ChatDriver, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await ask(chat, "question", "I am Sunita from ward 3: when is the next dyeing training?")
    await cda_chat.say("/inbox")
    await cda_chat.press("ib:o:1")
    await cda_chat.press("ib:r:1")
    await cda_chat.say("On Monday at 10 in the community hall.")
    await cda_chat.press("ib:p:1")
    assert "Question: I am Sunita from ward 3" in cda_chat.text
    assert "the sender is not named" in cda_chat.text
    await cda_chat.press("ib:pq")
    await cda_chat.say("When is the next dyeing training?")
    assert "Question: When is the next dyeing training?" in cda_chat.text
    await cda_chat.press("ib:pb")
    assert "Published in /updates and sent to the cluster" in cda_chat.text
    published = await db.read(lambda c: rows(c, "SELECT texts, broadcast_id FROM updates"))
    assert len(published) == 1 and published[0]["broadcast_id"] is not None
    texts = json.loads(published[0]["texts"])
    assert set(texts) >= {"en", "hi", "te"}
    assert all("Sunita" not in t and "On Monday at 10" in t for t in texts.values())
    item = (await db.read(lambda c: rows(c, "SELECT update_id FROM inbox_items")))[0]
    assert item["update_id"] is not None
    sent = await db.read(lambda c: rows(c, "SELECT kind FROM outbox WHERE kind = 'broadcast'"))
    assert len(sent) == 1  # the one registered stakeholder
    await chat.say("/updates")
    assert "When is the next dyeing training?" in chat.text and "Sunita" not in chat.text
    audit = await db.read(lambda c: rows(c, "SELECT action FROM audit_log"))
    assert {"action": "inbox.publish"} in audit


async def test_publish_only_to_updates(
    chat: ChatDriver, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await ask(chat, "suggestion", "Plant trees at the yard.", anonymous=True)
    await cda_chat.say("/inbox")
    await cda_chat.press("ib:o:1")
    await cda_chat.press("ib:r:1")
    await cda_chat.say("Good idea: we will plant 20 neem trees in July.")
    await cda_chat.press("ib:p:1")
    await cda_chat.press("ib:pa")
    await cda_chat.say("We will plant 20 neem trees at the yard in July.")
    await cda_chat.press("ib:ps")
    assert "Published in /updates." in cda_chat.text
    published = await db.read(lambda c: rows(c, "SELECT texts, broadcast_id FROM updates"))
    assert published[0]["broadcast_id"] is None
    assert "20 neem trees at the yard" in json.loads(published[0]["texts"])["en"]
    assert await db.read(lambda c: rows(c, "SELECT * FROM outbox WHERE kind = 'broadcast'")) == []


async def test_another_clusters_cda_and_an_observer_cannot_open_items(
    chat: ChatDriver, engine: Engine, db: Database, two_clusters: list[Cluster]
) -> None:
    await db.write(lambda c: seed_people(c, two_clusters[0].id, [Person("Sunita", user_id="1001")]))
    await ask(chat, "question", "A question for Bagru")
    item = await db.read(lambda c: inbox.get(c, 1))
    assert item is not None
    home = item.cluster_id
    elsewhere = next(c.id for c in two_clusters if c.id != home)
    await grant(db, "alleppey-cda", elsewhere)
    await grant(db, "watcher", None, role="observer")
    other = ChatDriver(engine, user_id="alleppey-cda")
    await other.say("/inbox")
    assert "No messages are waiting" in other.text and "A question for Bagru" not in other.text
    await other.press("ib:o:1")
    refused = other.text
    assert "not in the inbox of your clusters" in refused
    await other.press("ib:o:999")  # one that does not exist reads the same
    assert other.text == refused
    for press in ("ib:r:1", "ib:x:1", "ib:b:1", f"ib:l:{home}", f"ib:c:{home}"):
        await other.press(press)
        assert "not in the inbox of your clusters" in other.text, press
    observer = ChatDriver(engine, user_id="watcher")
    await observer.say("/inbox")
    assert "only for the cluster development agent" in observer.text
    await observer.press("ib:o:1")
    assert "A question for Bagru" not in observer.text
    await chat.say("/inbox")
    assert "only for the cluster development agent" in chat.text
    state = await db.read(lambda c: rows(c, "SELECT status, taken_by FROM inbox_items"))
    assert state == [{"status": "new", "taken_by": None}]


async def test_the_cda_gets_the_voice_note_with_the_item(
    chat: ChatDriver, cda_chat: ChatDriver, db: Database, one_cluster: Cluster, tmp_path: Any
) -> None:
    from bot.messages import InboundKind

    await register(chat)
    voice = tmp_path / "AgADx.ogg"
    voice.write_bytes(b"OggS a voice note")
    await chat.say("/ask")
    await chat.press("ask:k:suggestion")
    await chat.press("ask:a:anon")
    await chat._send(kind=InboundKind.AUDIO, media_ref=str(voice))
    await chat.press("ask:send")
    await cda_chat.say("/inbox")
    assert "“📎”" in cda_chat.text  # a voice note alone: no words to quote
    await cda_chat.press("ib:o:1")
    media = cda_chat.last[-1].media
    assert media is not None and media.kind == "audio" and media.data == b"OggS a voice note"
    assert media.filename == "inbox-1.ogg"  # the item, not the sender's file
