"""The demo's cluster served as a real site, for the browser tests and the README's screenshots:
`clusterbot demo`'s data (bot/app.py `seed_demo`: BAGRU, 24 stakeholders, four months of
meetings, updates, an action plan with its budget, networks) and a dozen answers to the
cluster diagnostic (the demo has none); its public page turned on, a
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
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web

import handlers
from bot.app import DEMO_CLUSTER, seed_demo
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.engine import Engine
from bot.storage import admins, clusters, contacts, web_access
from bot.storage import surveys as survey_store
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


# The demo's members who answered the cluster diagnostic (the demo has no answers), with
# what they said: enterprise type, main product (free text: never on a page an observer or
# the public sees), workers, of them women, sales a month, top problem, what they would join.
DIAGNOSTIC = "diagnostic"
ANSWERS = (
    (1, "home", "Dabu printed sarees", 3, 2, 18000, "finance", "bulk cfc"),
    (2, "workshop", "Indigo bedsheets", 8, 3, 95000, "markets", "fair"),
    (3, "home", "Block-printed dupattas", 2, 2, 9000, "finance", "bulk"),
    (4, "workshop", "Table linen for export", 14, 5, 240000, "raw_material", "cfc fair"),
    (5, "home", "Cotton kurtas", 2, 1, 12000, "finance", "visit"),
    (6, "job_worker", "Printing for traders", 4, 1, 30000, "technology", "cfc"),
    (8, "group", "SHG quilts", 6, 6, 22000, "finance", "bulk visit"),
    (11, "home", "Hand-printed stoles", 2, 2, 8000, "markets", "fair"),
    (12, "group", "Mahila SHG dupattas", 9, 9, 27000, "finance", "bulk"),
    (14, "home", "Cushion covers", 3, 2, 15000, "workers", "none"),
    (15, "group", "Natural-dye yardage", 7, 7, 31000, "raw_material", "cfc visit"),
    (17, "workshop", "Sanganeri-style prints", 10, 4, 120000, "infrastructure", "cfc"),
)  # fmt: skip


def _answer_diagnostic(conn: sqlite3.Connection, now: datetime) -> None:
    """The answers above, as the survey runner would have saved them, over the last weeks."""
    survey = survey_store.current(conn, DIAGNOSTIC)
    assert survey is not None
    for n, (member, kind, product, workers, women, sales, problem, join) in enumerate(ANSWERS):
        person = contacts.find(conn, "console", f"member{member:02d}")
        assert person is not None
        at = iso(now - timedelta(days=30 - 2 * n))
        response = survey_store.start_response(conn, survey.id, person.id, None, at)
        answers = {
            "ent_type": kind, "main_product": product, "workers_total": str(workers),
            "workers_women": str(women), "sales_month": str(sales), "top_problem": problem,
            "join_interest": join,
        }  # fmt: skip
        if workers > 1:
            answers["workers_hired"] = str(workers - 1)
        if join != "none":
            answers["will_pay"] = ("yes", "small", "no")[n % 3]
        survey_store.save_answers(conn, response.id, answers, at)
        survey_store.move(conn, response.id, None, "completed", at)


def _seed(conn: sqlite3.Connection, settings: Settings) -> Cluster:
    seed_demo(conn, settings)
    cluster = clusters.by_code(conn, DEMO_CLUSTER[0])
    assert cluster is not None
    _answer_diagnostic(conn, utc_now())
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
