"""Erasure over WhatsApp (issue 12): the payloads themselves carry the phone number and the
profile name. After "No, thanks" at consent, or /forget, neither is left in the bytes of
the database file or its WAL once the stored payloads are handled (bot/erasure.py)."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.storage.db import Database
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.whatsapp.test_intake import poll, post, rows, webhook

NAME = "Zorawarsinghji Qwertyal"
PERSON = wp.Person(wa_id="919829011223", name=NAME)


def traces(settings: Settings) -> list[str]:
    found = []
    for path in (settings.db, Path(f"{settings.db}-wal")):
        if path.exists():
            data = path.read_bytes()
            found += [s for s in (NAME, PERSON.wa_id or "") if s.encode() in data]
    return found


async def say(client, db: Database, payload: wp.Payload) -> None:  # type: ignore[no-untyped-def]
    assert await post(client, payload) == 200
    await poll(lambda: _handled(db), "the payload to be handled")


async def _handled(db: Database) -> bool:
    return not await rows(db)


async def _clean(settings: Settings) -> bool:
    return not traces(settings)


async def test_refusing_consent_on_whatsapp_leaves_no_number_or_name(
    db: Database, settings: Settings, graph: FakeGraph
) -> None:
    async with webhook(db, settings, graph) as (client, _):
        await say(client, db, wp.text(PERSON, "namaste"))
        await say(client, db, wp.button_reply(PERSON, "lang:en", "English"))
        assert traces(settings)  # the test can see them
        await say(client, db, wp.button_reply(PERSON, "consent:no", "No, thanks"))
        assert "not even your phone number" in str(graph.messages_to(PERSON.address)[-1])
        await poll(lambda: _clean(settings), "no trace in the database or the WAL")


async def test_forget_on_whatsapp_leaves_no_number_or_name(
    db: Database, settings: Settings, graph: FakeGraph, one_cluster
) -> None:
    async with webhook(db, settings, graph) as (client, _):
        await say(client, db, wp.text(PERSON, "namaste"))
        for button in ("lang:en", "consent:yes", "name:profile", "role:artisan", "gender:male"):
            await say(client, db, wp.button_reply(PERSON, button, "x"))
        await say(client, db, wp.text(PERSON, "Khejarli"))
        await say(client, db, wp.text(PERSON, "skip"))
        await say(client, db, wp.text(PERSON, "forget"))
        await say(client, db, wp.button_reply(PERSON, "forget:yes", "Yes"))
        assert "Your data has been erased" in str(graph.messages_to(PERSON.address)[-1])
        await poll(lambda: _clean(settings), "no trace in the database or the WAL")
