"""Run the real bot (`bot.app.run`: python-telegram-bot over HTTP) against the loopback
Bot API stand-in, in-process or as a subprocess that a test can kill -9."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Settings
from tests.fakes.graph_api import TOKEN as GRAPH_TOKEN
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_settings(base: Settings, fake: FakeTelegram, **changes: object) -> Settings:
    return replace(
        base,
        telegram_token=TOKEN,
        telegram_api_server=fake.root,
        listen_port=free_port(),
        **changes,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """`clusterbot run` in this event loop until the block ends."""
    from bot import app

    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(app.run(settings, stop=stop, ready=ready))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # raise what made the bot stop
    assert ready.is_set(), "bot did not start within 15 s"
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


def bot_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERBOT_")}
    env.update(
        CLUSTERBOT_DB=str(settings.db),
        CLUSTERBOT_TELEGRAM_TOKEN=settings.telegram_token,
        CLUSTERBOT_TELEGRAM_API_SERVER=settings.telegram_api_server,
        CLUSTERBOT_LISTEN=f"127.0.0.1:{settings.listen_port}",
        CLUSTERBOT_ADMINS=",".join(sorted(a for a in settings.admins if not a.startswith("test:"))),
        CLUSTERBOT_INBOUND_PER_MINUTE=str(settings.inbound_per_minute),
        PTB_TIMEDELTA="true",
        **extra,
    )
    return env


class BotProcess:
    """`python -m bot run` as a child process, for crash (SIGKILL) tests."""

    def __init__(self, settings: Settings, workdir: Path, **env: str):
        self.settings = settings
        self.workdir = workdir
        self.env = bot_env(settings, **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "bot.log"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.workdir,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    async def wait_until_polling(self, fake: FakeTelegram, timeout: float = 20.0) -> None:
        """The bot is up once it has asked for updates."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen = len([r for r in fake.requests if r[0] == "getUpdates"])
        while loop.time() < deadline:
            if len([r for r in fake.requests if r[0] == "getUpdates"]) > seen:
                return
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError("bot exited:\n" + self.log.read_text())
            await asyncio.sleep(0.05)
        raise AssertionError("bot did not start polling:\n" + self.log.read_text())


# --- WhatsApp ------------------------------------------------------------------------------


def whatsapp_settings(base: Settings, graph: FakeGraph, **changes: object) -> Settings:
    """WhatsApp on, against the Graph API stand-in; point `graph.webhook_url` at the bot."""
    from tests.fakes import whatsapp_payloads as wp

    settings = replace(
        base,
        whatsapp_token=GRAPH_TOKEN,
        whatsapp_phone_number_id=wp.PHONE_NUMBER_ID,
        whatsapp_app_secret=wp.APP_SECRET,
        whatsapp_verify_token=wp.VERIFY_TOKEN,
        whatsapp_api_server=graph.root,
        listen_port=free_port(),
        **changes,  # type: ignore[arg-type]
    )
    graph.webhook_url = f"http://127.0.0.1:{settings.listen_port}/whatsapp/webhook"
    return settings


# --- outbox and broadcasts -----------------------------------------------------------------


def known_chats(fake: FakeTelegram, chat_ids: list[int]) -> None:
    """People seeded straight into SQLite: make the stand-in know their private chats, as
    if each had written to the bot once (Telegram answers "chat not found" otherwise)."""
    with fake._lock:
        for chat_id in chat_ids:
            fake._user(chat_id)


async def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def outbox_statuses(db: Path) -> dict[str, int]:
    from bot.storage.db import connect_sync

    conn = connect_sync(db)
    try:
        return dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    finally:
        conn.close()


# --- reminders -----------------------------------------------------------------------------


def bring_event_forward(db: Path, event_id: int, offset: timedelta, due_in: timedelta) -> datetime:
    """Move the event so that its `offset` reminder is due `due_in` from now, and return
    that moment. Typed times have minute resolution, so a reminder armed by chat is due at a
    minute boundary, up to a minute of real waiting; this moves it the way the bot moves an
    event (events.update, then reminders.arm re-arms the same scheduled job), to the second.
    The armed row is checked first, so the chat's arming is still what the test verified."""
    from bot.clock import iso, parse_iso, utc_now
    from bot.jobs import reminders
    from bot.storage import event_reminders, schedule
    from bot.storage import events as ev
    from bot.storage.db import connect_sync, run_in_transaction

    def move(conn: sqlite3.Connection) -> datetime:
        event = ev.get(conn, event_id)
        assert event is not None
        (armed,) = [r for r in event_reminders.reminders_of(conn, event_id)
                    if r.offset_minutes * 60 == offset.total_seconds()]  # fmt: skip
        assert armed.status == "pending", armed
        assert parse_iso(armed.due_at) == parse_iso(event.starts_at) - offset, armed
        job = schedule.get(conn, armed.job_id)
        assert job is not None and job.status == "pending" and job.run_at == armed.due_at, job
        now = utc_now()
        due = now.replace(microsecond=0) + due_in
        moved = ev.update(conn, event_id, iso(now), starts_at=iso(due + offset))
        (rearmed,) = reminders.arm(conn, moved, now)
        assert rearmed.job_id == armed.job_id and parse_iso(rearmed.due_at) == due, rearmed
        return due

    conn = connect_sync(db)
    try:
        return run_in_transaction(conn, move)
    finally:
        conn.close()
