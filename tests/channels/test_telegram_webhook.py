"""The Telegram webhook route (bot/channels/telegram.py `webhook_route`): bodies that are JSON
but not an Update are answered 400, never 500, and queue nothing (issue 12, item 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import Application

from bot.channels.telegram import build_application, webhook_route

SECRET = "s3cret-token"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
MESSAGE = {
    "message_id": 1,
    "date": 1764320000,
    "chat": {"id": 42, "type": "private"},
    "from": {"id": 42, "is_bot": False, "first_name": "Sunita"},
    "text": "hello",
}


App = Application[Any, Any, Any, Any, Any, Any]
Bot = tuple[TestClient[Any, Any], App]


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    application = build_application("123456:TEST-token", "http://127.0.0.1:9", polling=False)
    app = web.Application()
    app.router.add_post("/telegram/webhook", webhook_route(application, SECRET))
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, application
    await client.close()


BAD_BODIES = {
    "array": b"[]",
    "null": b"null",
    "number": b"5",
    "string": b'"update"',
    "no update id": b'{"message": 5}',
    "update id not a number": b'{"update_id": "1"}',
    "message a number": b'{"update_id": 1, "message": 5}',
    "message a list": b'{"update_id": 1, "message": [1, 2]}',
    "message without a chat": b'{"update_id": 1, "message": {"message_id": 1}}',
    "callback query a string": b'{"update_id": 1, "callback_query": "x"}',
    "deeply nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "nested arrays in a message": b'{"update_id": 1, "message": ' + b"[" * 500 + b"]" * 500 + b"}",
    "not JSON": b"{update_id: 1",
}


@pytest.mark.parametrize("body", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
async def test_json_that_is_not_an_update_is_400(body: bytes, bot: Bot) -> None:
    client, application = bot
    response = await client.post("/telegram/webhook", data=body, headers=HEADERS)
    assert response.status == 400
    assert application.update_queue.empty()


async def test_a_real_update_is_queued_and_a_wrong_secret_refused(
    bot: Bot,
) -> None:
    client, application = bot
    body = {"update_id": 7, "message": MESSAGE}
    wrong = {**HEADERS, "X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert (await client.post("/telegram/webhook", json=body, headers=wrong)).status == 403
    assert application.update_queue.empty()
    assert (await client.post("/telegram/webhook", json=body, headers=HEADERS)).status == 200
    update = application.update_queue.get_nowait()
    assert update.update_id == 7 and update.message.text == "hello"
