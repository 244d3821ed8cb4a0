"""bot/engine.py: a turn is one atomic write and its replies leave only after the commit,
also when turns are committed together (DESIGN "One turn = one transaction"; issue 3)."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from dataclasses import fields

import pytest

from bot.engine import Context, Engine, freeze_heap, thaw_heap
from bot.messages import Inbound, InboundKind, Outbound
from bot.storage import contacts, conversations
from bot.storage.conversations import Conversation
from bot.storage.db import Database
from tests.test_db import deferred_fk_tables, record_groups

SORRY = "Sorry, something went wrong on our side. Please try again."


def hello(user: str) -> Inbound:
    return Inbound(channel="test", user_id=user, chat_id=user, kind=InboundKind.TEXT, text="/start")


def ids(replies: list[Outbound]) -> list[str]:
    return [c.id for m in replies for c in m.choices]


async def stored(db: Database) -> tuple[set[str], set[str]]:
    """(people known, updates recorded as processed)."""

    def read(conn: sqlite3.Connection) -> tuple[set[str], set[str]]:
        people = {r[0] for r in conn.execute("SELECT channel_user_id FROM contacts")}
        done = {r[0] for r in conn.execute("SELECT update_key FROM processed_updates")}
        return people, done

    return await db.read(read)


async def test_a_failing_turn_among_turns_committed_together_changes_nothing(
    engine: Engine, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = record_groups(monkeypatch)
    route = engine.router

    def buggy(ctx: Context) -> None:
        route(ctx)
        if ctx.inbound.user_id == "bad":
            raise RuntimeError("a handler bug")

    engine.router = buggy
    first, bad, second = await asyncio.gather(
        engine.handle(hello("a"), "a-1"),
        engine.handle(hello("bad"), "bad-1"),
        engine.handle(hello("b"), "b-1"),
    )
    assert groups == [3]  # one transaction for the three turns
    assert "lang:en" in ids(first) and "lang:en" in ids(second)
    assert [m.text for m in bad] == [SORRY]
    # Not even the dedupe record of the failed turn stays: a redelivery is handled anew.
    assert await stored(db) == ({"a", "b"}, {"a-1", "b-1"})
    engine.router = route
    assert "lang:en" in ids(await engine.handle(hello("bad"), "bad-1"))


async def test_no_reply_leaves_for_a_turn_whose_commit_failed(
    engine: Engine, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another write in the same group breaks a deferred foreign key: the COMMIT fails, so
    # the turn's answer was never stored and its real replies must not be sent.
    await deferred_fk_tables(db)
    groups = record_groups(monkeypatch)
    orphan = lambda conn: conn.execute("INSERT INTO child VALUES (1)").rowcount  # noqa: E731
    replies, failed = await asyncio.gather(
        engine.handle(hello("c"), "c-1"), db.write(orphan, quick=True), return_exceptions=True
    )
    assert groups == [2]
    assert isinstance(failed, sqlite3.IntegrityError)
    assert isinstance(replies, list) and [m.text for m in replies] == [SORRY]
    assert await stored(db) == (set(), set())
    assert "lang:en" in ids(await engine.handle(hello("c"), "c-1"))  # the redelivery


async def test_an_update_delivered_twice_into_one_group_is_handled_once(
    engine: Engine, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = record_groups(monkeypatch)
    first, again = await asyncio.gather(
        engine.handle(hello("d"), "d-1"), engine.handle(hello("d"), "d-1")
    )
    assert groups == [2]
    assert "lang:en" in ids(first) and again == []


def test_contacts_are_read_by_column_position() -> None:
    # The turn reads a contact by position (bot/storage/contacts.py): same order as Contact.
    columns = [c.strip() for c in contacts._COLUMNS.split(",")]
    assert columns == [f.name for f in fields(contacts.Contact)]


async def test_the_buttons_offered_last_are_kept_with_the_conversation(db: Database) -> None:
    """A typed "2" presses the second of them, on every channel (engine._numbered_choice)."""

    def steps(conn: sqlite3.Connection) -> list[tuple[Conversation | None, list[str]]]:
        who = contacts.get_or_create(conn, "test", "e", "e", "t0").id
        draft = Conversation("survey", "survey.answer", {"response": 1})
        seen = []
        conversations.save(conn, who, draft, "t1", last_choices=["sv:a:c0", "sv:a:c1"])
        seen.append(conversations.load(conn, who))
        conversations.save(conn, who, draft, "t2")  # a turn that sent nothing keeps them
        seen.append(conversations.load(conn, who))
        conversations.save(conn, who, draft, "t3", last_choices=[])  # text only: none now
        seen.append(conversations.load(conn, who))
        conversations.save(conn, who, None, "t4")
        seen.append(conversations.load(conn, who))
        return seen

    draft = Conversation("survey", "survey.answer", {"response": 1})
    assert await db.write(steps) == [
        (draft, ["sv:a:c0", "sv:a:c1"]),
        (draft, ["sv:a:c0", "sv:a:c1"]),
        (draft, []),
        (None, []),
    ]


def test_the_start_up_heap_can_be_frozen_and_thawed() -> None:
    try:
        freeze_heap()
        assert gc.get_freeze_count() > 0  # out of every collection from now on
    finally:
        thaw_heap()
    assert gc.get_freeze_count() == 0


async def test_a_turn_says_who_its_replies_are_for(engine: Engine, one_cluster: object) -> None:
    """Issue 11 (seams): the channel renders with the turn's own view of the person —
    language and menu rights — instead of reading the database again."""
    from bot.engine import Recipient, Replies

    hello = Inbound(channel="test", user_id="cda", chat_id="cda", kind=InboundKind.TEXT,
                    text="/help")  # fmt: skip
    replies = await engine.handle(hello, "seam-1")
    assert isinstance(replies, Replies) and replies
    assert replies.recipient == Recipient(language="en", registered=False, cda=True)
    again = await engine.handle(hello, "seam-1")  # a redelivery: no turn, no recipient
    assert again == [] and getattr(again, "recipient", None) is None


def test_a_whatsapp_cda_named_by_phone_is_known_by_the_address(tmp_path: object) -> None:
    """CLUSTERBOT_ADMINS names a WhatsApp CDA by phone; their contact is keyed by the
    business-scoped id: the storage recognises the address (no per-channel engine)."""
    from pathlib import Path

    from bot.storage import admins
    from bot.storage.db import connect_sync, migrate

    conn = connect_sync(Path(str(tmp_path)) / "a.db")
    migrate(conn)
    contacts.get_or_create(conn, "whatsapp", "IN.123BSUID", "919829012345", "2026-11-28")
    bootstrap = frozenset({"whatsapp:919829012345"})
    assert admins.access_for(conn, "whatsapp", "IN.123BSUID", bootstrap).cda
    assert not admins.access_for(conn, "whatsapp", "IN.999OTHER", bootstrap).cda
    assert not admins.access_for(conn, "whatsapp", "IN.123BSUID", frozenset()).cda
    conn.close()
