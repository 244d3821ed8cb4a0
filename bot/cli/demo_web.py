"""`clusterbot demo` serves the web pages too (issue 16), so a newcomer sees the public page
and can sign in to the dashboard with the link `/dashboard` prints in the console.

The listener is a convenience of the demo: a port already taken costs the web pages, one
printed line, never the chat.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
from collections.abc import AsyncIterator

from bot.config import Settings
from bot.storage.db import Database


def with_public_url(settings: Settings) -> Settings:
    """The demo's links point at its own listener unless CLUSTERBOT_PUBLIC_URL says
    otherwise (`run` makes no such guess: there the URL is what people outside reach)."""
    if settings.public_url:
        return settings
    host = settings.listen_host
    if host in ("", "0.0.0.0", "::", "[::]"):  # listening everywhere: this machine is one
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return dataclasses.replace(settings, public_url=f"http://{host}:{settings.listen_port}")


@contextlib.asynccontextmanager
async def web_pages(db: Database, settings: Settings, code: str) -> AsyncIterator[bool]:
    """The listener with the web pages for the block's length; yields whether it is up.
    `code` is the demo cluster's, whose public page the first line names."""
    # Here, not at the top: every `clusterbot` command imports this module for
    # `with_public_url`, and only the demo needs the web stack.
    from aiohttp import web as aiohttp_web

    from bot.web import make_app

    runner = aiohttp_web.AppRunner(make_app(db, settings), access_log=None)
    await runner.setup()
    where = f"{settings.listen_host}:{settings.listen_port}"
    try:
        await aiohttp_web.TCPSite(runner, settings.listen_host, settings.listen_port).start()
    except OSError as exc:
        await runner.cleanup()
        reason = "the port is taken" if exc.errno == errno.EADDRINUSE else str(exc)
        print(
            f"Web pages: not served, cannot listen on {where} ({reason});"
            " set CLUSTERBOT_LISTEN to a free host:port to see them."
        )
        yield False
        return
    print(
        f"Web pages: {settings.public_url}/c/{code} (send /dashboard as the CDA to sign in)"
    )
    try:
        yield True
    finally:
        await runner.cleanup()
