"""Erasure ends a person's web access (issue 16, bot/erasure.py): after /forget in the chat
or `clusterbot forget CHANNEL:ID`, the dashboard session they had open answers 401 and the
sign-in link they had not used yet answers 403; nothing of theirs is left in web_links or
web_sessions."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.clock import iso
from bot.config import Settings
from bot.storage import admins, contacts, web_access
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.storage.web_access import Identity
from bot.web import make_app
from tests.cli_env import isolated_cli
from tests.driver import ChatDriver, FakeClock

BASE = "http://cluster.example.org"  # not https: the test client sends no Secure cookie
LINK = re.compile(re.escape(BASE) + r"/dashboard/signin/([A-Za-z0-9_-]+)")
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db=tmp_path / "test.db", admins=frozenset({"test:cda"}), inbound_per_minute=0,
        public_url=BASE,
    )  # fmt: skip


@pytest.fixture
async def client(db: Database, settings: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    async with TestClient(TestServer(make_app(db, settings, clock=clock))) as found:
        yield found


def left(conn: sqlite3.Connection, who: Identity) -> int:
    return sum(
        conn.execute(
            f"SELECT count(*) FROM {table} WHERE channel = ? AND channel_user_id = ?",
            (who.channel, who.channel_user_id),
        ).fetchone()[0]
        for table in ("web_links", "web_sessions")
    )


async def sign_in(client: Client, token: str) -> None:
    response = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/dashboard")).status == 200


async def test_forget_in_the_chat_ends_the_session_and_the_unused_link(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, client: Client
) -> None:
    who = Identity("test", "cda")
    tokens = []
    for _ in range(2):
        await cda_chat.say("/dashboard")
        found = LINK.search(cda_chat.text)
        assert found, cda_chat.text
        tokens.append(found.group(1))
    used, unused = tokens
    await sign_in(client, used)
    assert (await client.get(f"/dashboard/signin/{unused}")).status == 200
    await cda_chat.say("/forget")
    await cda_chat.press("forget:yes")
    assert "erased" in cda_chat.text
    assert (await client.get("/dashboard")).status == 401
    assert (await client.get(f"/dashboard/signin/{unused}")).status == 403
    response = await client.post("/dashboard/signin", data={"token": unused})
    assert response.status == 403
    assert await db.read(lambda conn: left(conn, who)) == 0


async def test_clusterbot_forget_ends_a_telegram_cda_session(
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: Cluster,
    client: Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    who = Identity("telegram", "4242")
    now = iso(clock())

    def seed(conn: sqlite3.Connection) -> tuple[str, str]:
        admins.add(conn, "telegram", "4242", one_cluster.id, "cda", now)
        contacts.get_or_create(conn, "telegram", "4242", "4242", now)
        links = [web_access.new_link(conn, who, clock()) for _ in range(2)]
        assert links[0] and links[1]
        return links[0], links[1]

    used, unused = await db.write(seed)
    await sign_in(client, used)
    isolated_cli(tmp_path, monkeypatch)
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    assert main(["forget", "telegram:4242"]) == 0
    assert (await client.get("/dashboard")).status == 401
    assert (await client.get(f"/dashboard/signin/{unused}")).status == 403
    assert await db.read(lambda conn: left(conn, who)) == 0
