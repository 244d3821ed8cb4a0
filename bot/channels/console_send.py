"""The console's outbox sender: bot-initiated messages (broadcasts, invitations, reminders,
notices) for the person at the terminal are printed there, as `clusterbot run`'s senders
send them on Telegram or WhatsApp (SPEC §2 console, §8 outbox).

    claim this chat's due rows (queued -> in_flight) -> deliver (print) -> record sent

Only rows of *this* console contact are taken: another console identity's rows (the demo
stakeholder when you are `--as cda`) stay queued for when that person opens the console,
possibly in a second terminal on the same database (a poll picks them up there), and
rows of other channels are never touched. A terminal has no rate limit and cannot fail,
so there is no limiter and no retry; the ledger still goes in flight before the print and
sent after it, so a crash prints a message at most twice, never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bot.channels.console import CHANNEL
from bot.clock import Clock, utc_now
from bot.messages import Media, Outbound
from bot.outbox.queue import OutboxItem, iso_ms, take_claimed
from bot.outbox.retry import Outcome, SendResult
from bot.storage import outbox
from bot.storage.db import Database

log = logging.getLogger(__name__)

# Rows looked at per claim: the console's queue is one person's, plus any other console
# identity's rows that stay queued (a demo has a handful).
CLAIM_WINDOW = 500
POLL_SECONDS = 1.0  # picks up rows queued by another process (a second terminal, the CLI)

Show = Callable[[Outbound], None]


def outbound_of(item: OutboxItem) -> Outbound:
    """The queued payload as the terminal renders it (media by name only)."""
    p = item.payload
    media = None
    if p.media_kind:
        try:
            content = Path(p.media_path).read_bytes()
        except OSError:
            content = b""
        media = Media(p.media_kind, p.media_name, content)
    return Outbound(p.text, p.choices, columns=p.columns, media=media)


class ConsoleSender:
    """Drains one console contact's outbox rows into `show` (the terminal)."""

    def __init__(self, db: Database, chat_id: str, show: Show, *, clock: Clock = utc_now):
        self.db = db
        self.chat_id = chat_id
        self.show = show
        self.clock = clock
        self.sent = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # the loop and the after-turn drain never overlap

    async def deliver(self, item: OutboxItem) -> SendResult:
        """The channel's send: print it."""
        self.show(outbound_of(item))
        return SendResult(Outcome.SENT, platform_message_id=f"console:{item.id}")

    async def drain(self) -> int:
        """Print everything due for this person now; returns how many were printed."""
        async with self._lock:
            return await self._drain()

    async def _drain(self) -> int:
        items = await self.db.write(partial(_claim, self.chat_id, iso_ms(self.clock())))
        changes = []
        for item in items:
            result = await self.deliver(item)
            changes.append(
                outbox.Change(
                    item.id,
                    "sent",
                    item.attempts + 1,
                    sent_at=iso_ms(self.clock()),
                    platform_message_id=result.platform_message_id,
                )
            )
        if changes:
            await self.db.write(partial(_apply, changes))
        self.sent += len(changes)
        return len(changes)

    def wake(self) -> None:
        """Something may have been queued (after a turn or a scheduled job)."""
        self._wake.set()

    async def start(self) -> None:
        """Re-queue what a console stopped mid-print left in flight, then keep draining."""
        await self.db.write(partial(_requeue, self.chat_id, iso_ms(self.clock())))
        self._task = asyncio.create_task(self._run(), name="outbox-console")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:  # a database hiccup must not end the chat
                log.exception("console outbox: could not drain")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()


def _requeue(chat_id: str, now: str, conn: sqlite3.Connection) -> int:
    """Rows this chat had in flight when a console stopped mid-print go again."""
    return conn.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = ?,"
        " last_error = 'interrupted by a restart; sent again'"
        " WHERE channel = ? AND chat_id = ? AND status = 'in_flight'",
        (now, CHANNEL, chat_id),
    ).rowcount


def _claim(chat_id: str, now: str, conn: sqlite3.Connection) -> list[OutboxItem]:
    """This chat's due rows go in flight; those no longer sendable are closed (the rules
    of every sender, bot.outbox.queue.triage: opted out of news, unreachable, unreadable)."""
    rows = outbox.claim(conn, CHANNEL, now, CLAIM_WINDOW)
    # Someone else's rows stay queued (an erased contact has no chat id).
    return take_claimed(conn, (row for row in rows if row.chat_id == chat_id))[0]


def _apply(changes: list[outbox.Change], conn: sqlite3.Connection) -> None:
    outbox.apply(conn, changes)
