"""At most PAGES_AT_ONCE web pages are handled at once, so chat turns on the same event loop
never queue behind fifty renders; webhooks and /healthz are never held by pages."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.storage.db import Database
from bot.web import make_app
from bot.web.server import PAGES_AT_ONCE


async def test_pages_wait_for_a_slot_and_webhooks_do_not(db: Database, settings: Settings) -> None:
    app = make_app(db, settings)
    inside = {"now": 0, "most": 0}

    async def slow(request: web.Request) -> web.Response:
        inside["now"] += 1
        inside["most"] = max(inside["most"], inside["now"])
        await asyncio.sleep(0.05)
        inside["now"] -= 1
        return web.Response(text="ok")

    app.router.add_get("/static/probe", slow)  # a page path
    app.router.add_post("/probe/webhook", slow)  # not a page path
    async with TestClient(TestServer(app)) as client:
        answers = await asyncio.gather(*(client.get("/static/probe") for _ in range(12)))
        assert {a.status for a in answers} == {200}
        assert inside["most"] == PAGES_AT_ONCE
        inside["most"] = 0
        answers = await asyncio.gather(*(client.post("/probe/webhook") for _ in range(12)))
        assert {a.status for a in answers} == {200}
        assert inside["most"] == 12
