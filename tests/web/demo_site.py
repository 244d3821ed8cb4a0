"""The demo's cluster served as a real site, for the browser tests and the README's screenshots:
`clusterbot demo`'s data (bot/app.py `seed_demo`: BAGRU, 24 stakeholders, four months of
meetings, an update, an action plan with its budget, networks), its public page turned on, a
CDA (the settings' bootstrap admin "test:cda") and an observer ("test:obs"), the web app on a
loopback port and an `Engine` to talk to the bot as either of them.

The settings' public URL is the served one, so the links the bot writes in the chat open
this site: the port is taken before the app is made.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

import handlers
from bot.app import DEMO_CLUSTER, seed_demo
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.engine import Engine
from bot.storage import admins, clusters, web_access
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.web import make_app
from bot.web.state import JoinLinks
from tests.driver import ChatDriver, FakeClock

CDA, OBSERVER = "cda", "obs"  # user ids on the test channel
BOT_USERNAME, WHATSAPP_NUMBER = "bagru_cluster_bot", "919876543210"
SIGN_IN_LINK = re.compile(r"(https?://\S+/dashboard/signin/[A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Site:
    base: str  # http://127.0.0.1:<port>, no trailing slash
    db: Database
    settings: Settings
    clock: FakeClock
    engine: Engine
    cluster: Cluster
    chats: dict[str, ChatDriver] = field(default_factory=dict)

    def chat(self, user_id: str) -> ChatDriver:
        """One driver per person: the engine drops an update whose key it has seen, and a
        driver numbers its updates itself."""
        if user_id not in self.chats:
            self.chats[user_id] = ChatDriver(self.engine, user_id=user_id)
        return self.chats[user_id]

    async def sign_in_link(self, user_id: str) -> str:
        """What the bot answers `/dashboard` with: the person's one-time link."""
        chat = self.chat(user_id)
        await chat.say("/dashboard")
        found = SIGN_IN_LINK.search(chat.text)
        assert found, f"no sign-in link in the bot's reply: {chat.text!r}"
        return found.group(1)


def _seed(conn: sqlite3.Connection, settings: Settings) -> Cluster:
    seed_demo(conn, settings)
    cluster = clusters.by_code(conn, DEMO_CLUSTER[0])
    assert cluster is not None
    web_access.set_public_page(conn, cluster.id, True)
    admins.add(conn, "test", OBSERVER, cluster.id, "observer", iso(utc_now()))
    return cluster


@contextlib.asynccontextmanager
async def demo_site(folder: Path) -> AsyncIterator[Site]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = Settings(
        db=folder / "site.db",
        admins=frozenset({f"test:{CDA}"}),
        inbound_per_minute=0,
        public_url=base,
    )
    db = await Database.open(settings.db)
    runner: web.AppRunner | None = None
    try:
        cluster = await db.write(lambda conn: _seed(conn, settings))
        # After the seed, which dates everything by the real clock: the chat and the pages
        # then agree on one "now", and nothing seeded lies after it.
        clock = FakeClock(utc_now())
        links = JoinLinks(BOT_USERNAME, WHATSAPP_NUMBER)
        runner = web.AppRunner(make_app(db, settings, clock=clock, links=links))
        await runner.setup()
        await web.SockSite(runner, listener).start()
        engine = Engine(db, settings, handlers.route, clock=clock)
        yield Site(base, db, settings, clock, engine, cluster)
    finally:
        if runner is not None:
            await runner.cleanup()
        listener.close()
        await db.close()
