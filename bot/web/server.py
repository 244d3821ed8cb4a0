"""The HTTP listener (CLUSTERBOT_LISTEN): /healthz, the channels' webhook routes, and, when it
is given the database, the web pages of issue 16 (`bot.web.routes`).

Every response, error pages included, carries the security headers (`bot.web.security`); an
unexpected error becomes a plain page in the reader's language and a log line, never a
traceback in the browser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.storage.db import Database
from bot.web import security
from bot.web.render import error_page
from bot.web.routes import add as add_routes
from bot.web.state import WEB_STATE, JoinLinks, WebState

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """HTTP errors of the pages get a page of their own; anything else is logged and
    answered 500 without detail."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or WEB_STATE not in request.app:
            raise
        if error.content_type != "text/plain":  # a page already made its own answer
            raise
        return error_page(request, error.status)
    except Exception:
        log.exception("web page %s failed", request.path)
        if WEB_STATE not in request.app:
            raise
        return error_page(request, 500)


# Pages handled at once. Rendering a page holds the event loop for a few milliseconds, and
# the chat's turns share that loop (`clusterbot run`): with fifty browsers in flight, a turn
# would queue behind fifty renders. Pages past this many wait their turn here instead, so a
# chat reply waits for at most a few (bench/bench_web.py measures both).
PAGES_AT_ONCE = 3
PAGE_PREFIXES = ("/c/", "/dashboard", "/static/")
PAGE_SLOTS = web.AppKey("clusterbot.page_slots", asyncio.Semaphore)


@web.middleware
async def _page_slots(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PAGE_PREFIXES) or PAGE_SLOTS not in request.app:
        return await handler(request)  # webhooks and /healthz never wait behind pages
    async with request.app[PAGE_SLOTS]:
        return await handler(request)


def make_app(
    db: Database | None = None,
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    links: JoinLinks | None = None,
) -> web.Application:
    """The listener's app. Without a database it serves /healthz and whatever the channels
    add (their webhooks); with one, the public pages and the dashboard too."""
    app = web.Application(
        client_max_size=2 * 1024 * 1024, middlewares=[security.headers, _errors, _page_slots]
    )
    app.router.add_get("/healthz", healthz)
    if db is not None:
        links = links or JoinLinks.from_settings(settings)
        state = WebState(db, settings or Settings(), clock, links)
        app[WEB_STATE] = state
        app[PAGE_SLOTS] = asyncio.Semaphore(PAGES_AT_ONCE)
        add_routes(app)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
