"""Durable WhatsApp intake (issue 12, bot/storage/intake.py, migration 0009): a signed
payload is in SQLite before the 200; a full intake answers 503 so Meta retries; a database
error while recording statuses keeps the payload, which is retried until it goes in. The
crash test (kill -9 after the 200) is in tests/e2e/test_whatsapp.py."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import handlers
from bot.channels import whatsapp as wa
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp_api import GraphClient
from bot.config import Settings
from bot.engine import Engine
from bot.limits import WHATSAPP_INTAKE_MAX_PENDING
from bot.storage.db import Database
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import TOKEN, FakeGraph
from tests.fakes.whatsapp_payloads import MEENA, SUNITA


@asynccontextmanager
async def webhook(
    db: Database, settings: Settings, graph: FakeGraph, **options: Any
) -> AsyncIterator[tuple[TestClient[Any, Any], WhatsAppChannel]]:
    s = replace(
        settings,
        whatsapp_token=TOKEN,
        whatsapp_phone_number_id=wp.PHONE_NUMBER_ID,
        whatsapp_app_secret=wp.APP_SECRET,
        whatsapp_verify_token=wp.VERIFY_TOKEN,
        whatsapp_api_server=graph.root,
    )
    api = GraphClient(graph.root, TOKEN, wp.PHONE_NUMBER_ID)
    channel = WhatsAppChannel(engine=Engine(db, s, handlers.route), api=api, **options)
    app = web.Application()
    channel.add_routes(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client, channel
    finally:
        await client.close()
        await channel.close(grace=5)


async def post(client: TestClient[Any, Any], payload: wp.Payload) -> int:
    body = wp.encode(payload)
    response = await client.post(wa.WEBHOOK_PATH, data=body, headers=wp.signed_headers(body))
    return response.status


async def rows(db: Database) -> list[tuple[Any, ...]]:
    return await db.read(lambda conn: [tuple(r) for r in conn.execute(
        "SELECT channel, status, attempts, payload FROM webhook_intake ORDER BY id")])  # fmt: skip


async def poll(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


def test_the_limit_is_a_named_constant() -> None:
    assert WHATSAPP_INTAKE_MAX_PENDING == 10_000


async def test_a_signed_payload_is_stored_before_the_200(
    db: Database, settings: Settings, graph: FakeGraph
) -> None:
    payload = wp.text(SUNITA, "start")
    async with webhook(db, settings, graph, hold=True) as (client, _):
        assert await post(client, payload) == 200
        stored = await rows(db)
        assert [r[:3] for r in stored] == [("whatsapp", "pending", 0)]
        assert stored[0][3] == wp.encode(payload).decode()
        # Unsigned: nothing stored.
        response = await client.post(wa.WEBHOOK_PATH, data=wp.encode(payload))
        assert response.status == 401
        # Nothing for our number: answered, not kept.
        other = wp.text(SUNITA, "hi")
        other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
        assert await post(client, other) == 200
    assert len(await rows(db)) == 1
    assert graph.sent == []  # held: nothing handled


async def test_a_full_intake_answers_503_until_it_drains(
    db: Database, settings: Settings, graph: FakeGraph
) -> None:
    async with webhook(db, settings, graph, hold=True, max_pending=3) as (client, _):
        assert [await post(client, wp.text(SUNITA, f"m{i}")) for i in range(3)] == [200] * 3
        assert await post(client, wp.text(MEENA, "one more")) == 503  # Meta retries later
        assert len(await rows(db)) == 3
    # Handling them frees room: the same webhook is then accepted.
    async with webhook(db, settings, graph, max_pending=3) as (client, channel):
        assert await channel.recover() == 3
        await poll(lambda: _empty(db), "the stored payloads to be handled")
        assert await post(client, wp.text(MEENA, "one more")) == 200
        await poll(lambda: _empty(db), "the new payload to be handled")
    assert len(graph.messages_to(SUNITA.address)) >= 1 and graph.messages_to(MEENA.address)


async def _empty(db: Database) -> bool:
    return not await rows(db)


async def test_a_stored_message_is_handled_once_and_its_row_removed(
    db: Database, settings: Settings, graph: FakeGraph
) -> None:
    payload = wp.text(SUNITA, "start")
    async with webhook(db, settings, graph) as (client, _):
        assert await post(client, payload) == 200
        await poll(lambda: _empty(db), "the payload to be handled")  # after the reply went
        assert len(graph.messages_to(SUNITA.address)) == 1
        assert await post(client, payload) == 200  # Meta redelivers the same wamid
        await poll(lambda: _empty(db), "the redelivery to be handled")
        await graph.wait_idle(quiet=0.2)
    assert len(graph.messages_to(SUNITA.address)) == 1


async def test_a_database_error_on_statuses_keeps_them_for_a_retry(
    db: Database, settings: Settings, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = wa.identities.apply_status

    def flaky(conn: sqlite3.Connection, wamid: str, *args: Any, **kw: Any) -> str:
        calls.append(wamid)
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        return real(conn, wamid, *args, **kw)

    monkeypatch.setattr(wa.identities, "apply_status", flaky)
    async with webhook(db, settings, graph, retry_delay=0.01) as (client, _):
        assert await post(client, wp.status("wamid.X1", "delivered", MEENA)) == 200
        await poll(lambda: _empty(db), "the statuses to go in on a retry")
    assert calls == ["wamid.X1", "wamid.X1"]


async def test_statuses_that_keep_failing_stay_stored(
    db: Database, settings: Settings, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> str:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(wa.identities, "apply_status", broken)
    monkeypatch.setattr(wa, "WHATSAPP_INTAKE_MAX_ATTEMPTS", 3)
    async with webhook(db, settings, graph, retry_delay=0.01) as (client, _):
        assert await post(client, wp.status("wamid.X2", "read", MEENA)) == 200

        async def set_aside() -> bool:
            return [r[1:3] for r in await rows(db)] == [("failed", 3)]

        await poll(set_aside, "the payload to be set aside after 3 attempts")
