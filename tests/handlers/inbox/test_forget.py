"""/forget and the inbox (issue 15, README "Data and privacy"): what a person sent the CDA,
anonymous items included, loses its link to them, its words, the replies written to them
and its voice note; the counts stay for the report; nothing is left in the file or WAL."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.engine import Engine
from bot.messages import InboundKind
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.inbox.test_ask import ask, rows
from tests.handlers.people.test_onboarding import register

SECRET = "Zorawarsinghji"  # a word only this person wrote
REPLY = "Dear Qwertyal, the loan form is ready"  # a reply written to them alone


def traces(path: Path) -> list[str]:
    if not path.exists():
        return []
    data = path.read_bytes()
    return [s for s in (SECRET, "Qwertyal") if s.encode() in data]


async def test_forget_unlinks_and_blanks_what_was_sent_to_the_cda(
    engine: Engine, db: Database, settings: Settings, one_cluster: Cluster
) -> None:
    person = ChatDriver(engine, user_id="1001", profile_name="Sunita Devi")
    cda = ChatDriver(engine, user_id="cda")
    await register(person)
    await ask(person, "question", f"I am {SECRET}: where is the loan form?")
    await ask(person, "complaint", f"{SECRET} says the secretary keeps the money", anonymous=True)
    voice = settings.media_root / "test" / "voice.ogg"
    voice.parent.mkdir(parents=True)
    voice.write_bytes(b"OggS " + SECRET.encode())
    await person.say("/ask")
    await person.press("ask:k:suggestion")
    await person.press("ask:a:anon")
    await person._send(kind=InboundKind.AUDIO, media_ref=str(voice))
    await person.press("ask:send")
    await cda.say("/inbox")
    await cda.press("ib:o:1")
    await cda.press("ib:r:1")
    await cda.say(REPLY)
    await cda.press("ib:o:2")
    await cda.press("ib:b:2")  # blocked through the anonymous item
    assert traces(settings.db) or traces(Path(f"{settings.db}-wal"))

    await person.say("/forget")
    await person.press("forget:yes")
    assert "erased" in person.text

    items = await db.read(lambda c: rows(c, "SELECT * FROM inbox_items ORDER BY id"))
    assert [(i["kind"], i["status"]) for i in items] == [
        ("question", "answered"),
        ("complaint", "closed"),  # nobody left to answer
        ("suggestion", "closed"),
    ]
    assert all(i["contact_id"] is None and i["text"] == "" for i in items)
    assert all(i["media_path"] is None for i in items) and not voice.exists()
    assert items[0]["first_answer_at"] is not None  # the report keeps its timing
    texts = await db.read(lambda c: rows(c, "SELECT text FROM inbox_messages"))
    assert texts and all(t["text"] == "" for t in texts)
    assert await db.read(lambda c: rows(c, "SELECT * FROM inbox_blocks")) == []
    for path in (settings.db, Path(f"{settings.db}-wal")):
        assert traces(path) == [], path
    # The CDA sees that the sender erased their data, and nothing of theirs.
    await cda.say("/inbox")
    assert "No messages are waiting" in cda.text
    await cda.press("ib:a:1")
    await cda.press("ib:o:1")
    assert "someone who has erased their data" in cda.text and SECRET not in cda.text
    assert "ib:r:1" not in cda.choice_ids and "ib:b:1" not in cda.choice_ids


async def test_an_erased_senders_item_is_published_only_once_retyped(
    engine: Engine, db: Database, one_cluster: Cluster
) -> None:
    person = ChatDriver(engine, user_id="1001", profile_name="Sunita Devi")
    cda = ChatDriver(engine, user_id="cda")
    await register(person)
    await ask(person, "question", f"I am {SECRET}: is there a loan scheme for looms?")
    await cda.say("/inbox")
    await cda.press("ib:o:1")
    await cda.press("ib:r:1")
    await cda.say("Yes: the MUDRA Shishu loan, up to 50,000 rupees.")
    await cda.press("ib:x:1")  # closed: it can still be published
    await person.say("/forget")
    await person.press("forget:yes")
    await cda.press("ib:o:1")
    await cda.press("ib:p:1")
    await cda.press("ib:ps")
    assert "no question to publish yet" in cda.text
    await cda.say("Is there a loan scheme for looms?")
    await cda.press("ib:ps")
    assert "no answer to publish yet" in cda.text  # the reply went with the erasure too
    await cda.say("Yes: the MUDRA Shishu loan, up to 50,000 rupees.")
    await cda.press("ib:ps")
    assert "Published in /updates." in cda.text
    [published] = await db.read(lambda c: rows(c, "SELECT texts FROM updates"))
    assert "loan scheme for looms" in published["texts"] and SECRET not in published["texts"]
