"""The HTTP listener (CLUSTERBOT_LISTEN): /healthz, the channels' webhook routes, and, when it
is given the database, the web pages of issue 16 (`bot.web.routes`).

Every response, error pages included, carries the security headers (`bot.web.security`); an
unexpected error becomes a plain page in the reader's language and a log line, never a
traceback in the browser.
"""

from __future__ import annotations

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
        client_max_size=2 * 1024 * 1024, middlewares=[security.headers, _errors]
    )
    app.router.add_get("/healthz", healthz)
    if db is not None:
        links = links or JoinLinks.from_settings(settings)
        state = WebState(db, settings or Settings(), clock, links)
        app[WEB_STATE] = state
        add_routes(app)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
