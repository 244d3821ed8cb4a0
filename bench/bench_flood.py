"""One person floods while 50 answer a survey: the others' reply latency (a script, not a test).

    python bench/bench_flood.py [PEOPLE] [FLOOD] [PER_MINUTE] [SPEED]

PEOPLE (default 50) registered stakeholders answer the shipped diagnostic survey through
`Engine.handle` at a person's pace (THINK seconds between a reply and the next answer).
Every message goes the way a Telegram update does in `clusterbot run`: the update
processor (`PerPersonUpdates`: people at once, each in order), the per-person inbound
limit (`bot.fairness.limited`, PER_MINUTE a person, default 20), the engine's turn on the
single writer (group commit), then the reply through the channel's `RateLimiter`
(Telegram limits; a turn waits once for its chat's limit, as TelegramChannel.send does;
no network). Meanwhile one more person sends FLOOD messages (default 1,000) as fast as a
script can, without waiting for replies.

Time: the limits (inbound minute, send pacing) and the think time run on a clock SPEED
times faster than the wall (default 50), so 50 people answering every 5 s take seconds,
not minutes; the engine and the database run at real speed. Latencies are wall-clock ms
from the message's arrival at the processor to its reply's send permission.

Runs, each on a fresh database:
1. no flood: the others' latency p50/p99 alone;
2. flood, as built: the others' p50/p99 and what happened to the flood (handled, told to
   slow down, dropped). Goal (issue 12): p99 with the flood <= 2 x p99 without;
3. flood without the inbound limit (PER_MINUTE 0): what the processor alone buys;
4. flood with updates handled one at a time (`concurrent_updates(False)`, before issue 12)
   and no limit: the others wait behind the flood.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Chat, Message, Update, User

import handlers
from bench.bench_survey import labels_to_types, next_answer, seed
from bot.channels.telegram_updates import PerPersonUpdates
from bot.config import Settings
from bot.engine import Engine, freeze_heap, thaw_heap
from bot.fairness import InboundLimiter, limited
from bot.messages import Inbound, InboundKind, Outbound
from bot.outbox.ratelimit import TELEGRAM_LIMITS, RateLimiter
from bot.storage.db import Database
from bot.surveys.model import Question

CHANNEL = "bench"  # the channel bench_survey.seed registers people on
Deliver = Callable[[str, Inbound], Awaitable[list[Outbound]]]
_STAMP = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
THINK = 5.0  # seconds a person takes to answer (on the fast clock)


def update_of(update_id: int, user: int) -> Update:
    """The PTB update the processor orders by (its sender)."""
    chat = Chat(user, "private")
    message = Message(update_id, _STAMP, chat, from_user=User(user, "B", False))
    return Update(update_id, message=message)


class Dispatcher:
    """Hands each message to the processor as PTB's update fetcher does (one task per
    update, in arrival order), or to one queue handled one at a time (`serial`)."""

    def __init__(
        self,
        handle: Callable[[Inbound, str], Awaitable[list[Outbound]]],
        serial: bool,
        sends: RateLimiter,
    ):
        self.handle = handle
        self.sends = sends
        self.processor = PerPersonUpdates()
        self.serial = serial
        self.queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self.seq = 0
        if serial:
            self._spawn(self._consume())

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _consume(self) -> None:
        while True:
            work = await self.queue.get()
            await work()

    def submit(self, inbound: Inbound) -> asyncio.Future[list[Outbound]]:
        self.seq += 1
        key = str(self.seq)
        reply: asyncio.Future[list[Outbound]] = asyncio.get_running_loop().create_future()

        async def work() -> None:
            replies = await self.handle(inbound, key)
            for i, _ in enumerate(replies):  # the turn waits once for its chat's limit
                await self.sends.acquire(inbound.chat_id, priority=True, per_chat=i == 0)
            reply.set_result(replies)

        if self.serial:
            self.queue.put_nowait(work)
        else:
            user = int(inbound.user_id.lstrip("u"))
            self._spawn(self.processor.process_update(update_of(self.seq, user), work()))
        return reply


def inbound(user_id: str, **kw: object) -> Inbound:
    return Inbound(channel=CHANNEL, user_id=user_id, chat_id=user_id, **kw)  # type: ignore[arg-type]


async def answer_survey(
    dispatch: Dispatcher,
    user_id: str,
    questions: dict[str, Question],
    latencies: list[float],
    speed: float,
) -> None:
    reply = await dispatch.submit(inbound(user_id, kind=InboundKind.TEXT, text="/survey"))
    reply = await dispatch.submit(
        inbound(user_id, kind=InboundKind.TEXT, text="/survey diagnostic")
    )
    while (answer := next_answer(reply, questions)) is not None:
        await asyncio.sleep(THINK / speed)
        started = time.perf_counter()
        reply = await dispatch.submit(inbound(user_id, **answer))
        latencies.append(time.perf_counter() - started)
        if len(latencies) > 100_000:
            raise RuntimeError("stuck")


async def flood(dispatch: Dispatcher, user_id: str, count: int) -> list[int]:
    """`count` messages at once, not waiting for replies; how many replies each got."""
    await asyncio.sleep(THINK / 50)  # once the others are under way
    replies = [
        dispatch.submit(inbound(user_id, kind=InboundKind.TEXT, text=f"hello {i}"))
        for i in range(count)
    ]
    return [len(r) for r in await asyncio.gather(*replies)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def scenario(
    title: str, people: int, flood_count: int, per_minute: int, serial: bool, speed: float
) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = await Database.open(path)
        await db.write(lambda conn: seed(conn, people + 1))
        questions = labels_to_types(path)
        settings = Settings(db=path, inbound_per_minute=per_minute)
        engine = Engine(db, settings, handlers.route, clock=lambda: _STAMP)

        def fast() -> float:
            return time.monotonic() * speed

        async def sleep(seconds: float) -> None:
            await asyncio.sleep(seconds / speed)

        limiter = InboundLimiter(per_minute, clock=fast)
        sends = RateLimiter(TELEGRAM_LIMITS, clock=fast, sleep=sleep)
        dispatch = Dispatcher(limited(engine.handle, limiter, db, settings), serial, sends)
        freeze_heap()
        latencies: list[float] = []
        started = time.perf_counter()
        others = [
            answer_survey(dispatch, f"u{i}", questions, latencies, speed) for i in range(people)
        ]
        flooded = flood(dispatch, f"u{people}", flood_count) if flood_count else None
        flood_task = asyncio.ensure_future(flooded) if flooded else None
        await asyncio.gather(*others)
        elapsed = time.perf_counter() - started  # the others' run (the flood may go on)
        flood_replies = await flood_task if flood_task else []
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        print(
            f"{title}: {len(latencies)} answers by {people} people in {elapsed:.2f} s;"
            f" their latency p50 {p50:.2f} ms, p99 {p99:.2f} ms,"
            f" max {max(latencies) * 1000:.1f} ms"
        )
        if flood_task:
            answered = sum(1 for n in flood_replies if n)
            print(
                f"    flood of {flood_count}:"
                f" {answered - sum(limiter.slowed.values())} handled,"
                f" {sum(limiter.slowed.values())} told to slow down,"
                f" {sum(limiter.dropped.values())} dropped"
            )
        for task in list(dispatch.tasks):
            task.cancel()
        await asyncio.gather(*dispatch.tasks, return_exceptions=True)
        await db.close()
        thaw_heap()
        return p99


async def run(people: int, flood_count: int, per_minute: int, speed: float) -> None:
    print(f"before: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{people} people answer every {THINK:g} s; limits and think time {speed:g}x fast")
    base = await scenario("1. no flood", people, 0, per_minute, False, speed)
    built = await scenario(
        f"2. flood, limit {per_minute}/min", people, flood_count, per_minute, False, speed
    )
    await scenario("3. flood, no inbound limit", people, flood_count, 0, False, speed)
    await scenario("4. flood, one update at a time, no limit", people, flood_count, 0, True, speed)
    verdict = "met" if built <= 2 * base else "NOT met"
    print(f"p99 with the flood / without: {built / base:.2f} (goal <= 2: {verdict})")
    print(f"after: load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    numbers = [float(a) for a in sys.argv[1:5]]
    people, flood_count, per_minute, speed = numbers + [50, 1000, 20, 50][len(numbers) :]
    asyncio.run(run(int(people), int(flood_count), int(per_minute), speed))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
