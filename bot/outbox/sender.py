"""The outbox sender: one task per channel drains due outbox rows (SPEC §8).

    claim (queued -> in_flight, one transaction) -> channel.deliver() -> decide() -> record

* A row is marked in flight *before* its send and sent only *after* the API confirmed it,
  so a crash can only repeat the sends in flight at that moment: at start, `start()`
  re-queues rows left in flight (at-least-once; duplicates <= `concurrency`).
* Up to `concurrency` sends run at once; the channel's `deliver` waits on the channel's
  shared `RateLimiter` (direct replies go first there). Concurrency is what lets a 100 ms
  round trip still fill 30 sends a second; the limiter, not concurrency, sets the rate.
* Outcomes go through `bot.outbox.retry.decide`: 429 pauses the row's chat (Telegram) or the
  whole channel (WhatsApp's number-wide limits) for retry_after (the row goes back
  without using an attempt), 5xx/timeouts back off with jitter up to
  `policy.max_attempts`, 403 marks the contact unreachable and the row `blocked`.
* Results are written with group commit: whatever finished while the previous write ran
  goes in the next single transaction, so the writer thread is not hammered at 1000/s.
* Just before sending, a row whose contact has since opted out (news kinds), been marked
  unreachable or erased is closed without a send (opted_out / blocked / skipped).
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from bot.clock import Clock, parse_iso, utc_now
from bot.outbox.queue import OutboxItem, iso_ms, take_claimed
from bot.outbox.ratelimit import RateLimiter
from bot.outbox.retry import Action, Decision, Outcome, RetryPolicy, SendResult, decide
from bot.storage import outbox
from bot.storage.db import Database

log = logging.getLogger(__name__)

Deliver = Callable[[OutboxItem], Awaitable[SendResult]]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        channel: str,
        deliver: Deliver,
        *,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        concurrency: int = 8,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        poll_interval: float = 1.0,
    ):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.db = db
        self.channel = channel
        self.deliver = deliver
        self.limiter = limiter
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.clock = clock
        self.rng = rng or random.Random()
        self.poll_interval = poll_interval
        self.stats: Counter[str] = Counter()  # sent, retried, paused, failed, blocked, ...
        self._active: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._pending: list[tuple[outbox.Change, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle

    async def recover(self) -> int:
        """Re-queue rows a crash left in flight; they are sent again (maybe twice)."""
        count = await self.db.write(partial(_requeue, self.channel, iso_ms(self.clock())))
        if count:
            log.warning(
                "outbox %s: %d message(s) were being sent when the bot stopped; sending them"
                " again (a few people may get them twice)",
                self.channel,
                count,
            )
        return count

    async def start(self) -> None:
        await self.recover()
        self._stopping = False
        self._loop_task = asyncio.create_task(self._run(), name=f"outbox-{self.channel}")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; let sends in flight finish for up to `grace` seconds.

        Sends still waiting after that are cancelled; their rows stay in flight and are
        re-queued at the next start.
        """
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        if self._active:
            _, late = await asyncio.wait(set(self._active), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    def wake(self) -> None:
        """Something may have been queued (called after every turn and scheduled job)."""
        self._wake.set()

    async def drain(self) -> None:
        """Send everything due now and wait until it is recorded (tests, benchmarks)."""
        while True:
            if await self._fill():
                continue
            if not self._active:
                return
            await asyncio.wait(set(self._active), return_when=asyncio.FIRST_COMPLETED)

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        while not self._stopping:
            try:
                taken = await self._fill()
                if not taken or len(self._active) >= self.concurrency:
                    await self._wait(idle=not taken)
            except Exception:  # a database hiccup must not end sending for good
                log.exception("outbox %s: sender loop error; retrying", self.channel)
                await asyncio.sleep(self.poll_interval)

    async def _fill(self) -> int:
        """Claim as many due rows as there are free slots; start their sends."""
        free = self.concurrency - len(self._active)
        if free <= 0 or self._stopping:
            return 0
        items, closed = await self.db.write(
            partial(_claim, self.channel, iso_ms(self.clock()), free)
        )
        self.stats.update(closed)
        for item in items:
            task = asyncio.create_task(self._send(item))
            self._active.add(task)
            task.add_done_callback(self._active.discard)
        return len(items) + sum(closed.values())

    async def _wait(self, *, idle: bool) -> None:
        timeout = self.poll_interval
        if idle:
            due = await self.db.read(partial(_next_due, self.channel))
            if due is not None:
                until = (parse_iso(due) - self.clock()).total_seconds()
                timeout = min(timeout, max(until, 0.0))
        self._wake.clear()
        waker = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait(
                {waker, *self._active}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waker.cancel()

    # ------------------------------------------------------------------ one send

    async def _send(self, item: OutboxItem) -> None:
        try:
            try:
                result = await self.deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a channel bug: the row retries, then fails
                log.exception("outbox %s: delivering row %d raised", self.channel, item.id)
                result = SendResult(Outcome.TRANSIENT, f"internal error: {exc!r}"[:200])
            decision = decide(result, item.attempts, self.policy, self.rng)
            if decision.action is Action.PAUSE_AND_RETRY and self.limiter is not None:
                if decision.chat_only:
                    self.limiter.pause_chat(item.chat_id, decision.pause)
                else:
                    self.limiter.pause_for(decision.pause)
            self.stats[decision.action.value] += 1
            await self._record(_change(item, decision, self.clock()))
        except asyncio.CancelledError:
            raise
        except Exception:
            # The row stays in flight and is re-queued at the next start.
            log.exception("outbox %s: could not record row %d", self.channel, item.id)

    async def _record(self, change: outbox.Change) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((change, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self.db.write(partial(_apply, [change for change, _ in batch]))
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)


# --------------------------------------------------------------- transactions


def _requeue(channel: str, now: str, conn: sqlite3.Connection) -> int:
    return outbox.requeue_in_flight(conn, channel, now)


def _next_due(channel: str, conn: sqlite3.Connection) -> str | None:
    return outbox.next_due(conn, channel)


def _apply(changes: list[outbox.Change], conn: sqlite3.Connection) -> None:
    outbox.apply(conn, changes)


def _claim(
    channel: str, now: str, limit: int, conn: sqlite3.Connection
) -> tuple[list[OutboxItem], Counter[str]]:
    """Take due rows: those to send go in flight; the rest are closed here and now."""
    items, closed = take_claimed(conn, outbox.claim(conn, channel, now, limit))
    return items, Counter(status for _, status, _ in closed)


def _change(item: OutboxItem, decision: Decision, now: datetime) -> outbox.Change:
    action = decision.action
    if action is Action.MARK_SENT:
        return outbox.Change(
            item.id,
            "sent",
            decision.attempts,
            sent_at=iso_ms(now),
            platform_message_id=decision.platform_message_id,
        )
    if action in (Action.RETRY, Action.PAUSE_AND_RETRY):
        due = now + timedelta(seconds=decision.delay)
        return outbox.Change(
            item.id,
            "queued",
            decision.attempts,
            next_attempt_at=iso_ms(due),
            last_error=decision.reason or None,
        )
    if action is Action.MARK_BLOCKED:
        return outbox.Change(
            item.id, "blocked", decision.attempts, last_error=decision.reason, contact_unreachable=1
        )
    return outbox.Change(item.id, "failed", decision.attempts, last_error=decision.reason)
