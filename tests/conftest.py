"""Shared fixtures: a real SQLite file per test, the engine, and a chat driver."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")  # before anything imports telegram

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import handlers
from bot.config import Settings
from bot.engine import Engine
from bot.storage import clusters
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.e2e.harness import TOKEN
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Tests type faster than people: no per-person inbound limit unless a test sets one.
    return Settings(db=tmp_path / "test.db", admins=frozenset({"test:cda"}), inbound_per_minute=0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(settings.db)
    yield database
    await database.close()


@pytest.fixture
async def engine(db: Database, settings: Settings, clock: FakeClock) -> Engine:
    return Engine(db, settings, handlers.route, clock=clock)


@pytest.fixture
async def one_cluster(db: Database) -> clusters.Cluster:
    return await db.write(
        lambda conn: clusters.add(
            conn, "BAGRU", "Bagru hand-block printers", "Asia/Kolkata", "2026-01-01T00:00:00+00:00"
        )
    )


@pytest.fixture
async def two_clusters(db: Database, one_cluster: clusters.Cluster) -> list[clusters.Cluster]:
    second = await db.write(
        lambda conn: clusters.add(
            conn, "ALLEPPEY", "Alleppey coir makers", "Asia/Kolkata", "2026-01-01T00:00:00+00:00"
        )
    )
    return [one_cluster, second]


@pytest.fixture
def chat(engine: Engine) -> ChatDriver:
    return ChatDriver(engine, user_id="1001", profile_name="Sunita Devi")


@pytest.fixture
def cda_chat(engine: Engine) -> ChatDriver:
    return ChatDriver(engine, user_id="cda", profile_name="Ramesh")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The loopback Telegram Bot API stand-in, serving the token of tests/e2e/harness.py."""
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    """The loopback WhatsApp Cloud API (Graph API) stand-in."""
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Never let a leftover worker thread (e.g. an unclosed aiosqlite connection) keep the
    test process alive after the summary: CI would hang until its time limit."""
    import sys
    import threading

    lingering = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    for thread in lingering:
        thread.join(timeout=2)  # a connection closed at the very end is still winding down
    lingering = [t for t in lingering if t.is_alive()]
    if lingering:
        names = ", ".join(t.name for t in lingering)
        print(f"\nconftest: worker threads left running: {names}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)
