"""Outbox throughput against the Bot API stand-in, the python-telegram-bot peer, and fan-out
(a script, not a test; prints figures).

    python bench/bench_outbox.py [--messages 2000] [--rate 30] [--fanout 100000] [--no-peer]

1. ours: a broadcast to N people is fanned out into the outbox and drained by
   `OutboxSender` + `TelegramChannel` (real python-telegram-bot over HTTP) under our
   `RateLimiter`, against the stand-in enforcing `--rate` messages/s (429 beyond, like
   Telegram). Reports the achieved rate as a share of the limit, 429s provoked, lost and
   duplicated messages, and that the ledger agrees.
2. peer: python-telegram-bot's own `AIORateLimiter` (overall_max_rate=rate, max_retries=5)
   sending the same N messages from memory (no database), against a fresh stand-in.
3. fan-out: one broadcast in three languages to `--fanout` people written into the outbox in
   one transaction (the time a CDA's "Yes, send it" holds the writer).

The stand-in runs in its own process, as a remote server would.
N messages at 30/s take N/30 seconds per run (2,000: ~67 s each).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")  # before telegram is imported
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import TELEGRAM_WINDOW_MARGIN, sender_concurrency
from bot.channels import telegram as tg
from bot.clock import iso, utc_now
from bot.jobs import broadcasts as broadcasting
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.outbox.sender import OutboxSender
from bot.storage import broadcasts, clusters
from bot.storage.db import Database, connect_sync, migrate, run_in_transaction
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:BENCH-token"
TEXT = "Bagru cluster: the dyeing unit opens on Monday at 10:00. Please come."
FIRST_CHAT = 100_000


def _serve_fake(pipe: Connection, rate: float, first: int, count: int) -> None:
    """Child process: the stand-in, until the parent asks for the figures."""

    async def serve() -> None:
        fake = FakeTelegram(TOKEN, rate_limit_per_second=rate)
        root = await fake.start()
        with fake._lock:  # people who wrote to the bot before: their chats exist
            for chat in range(first, first + count):
                fake._user(chat)
        pipe.send(root)
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "stop"
        await fake.stop()
        sent = [(m.chat_id, m.time) for m in fake.sent if m.text == TEXT]
        pipe.send((sent, fake.rejected_429))

    asyncio.run(serve())


class FakeServer:
    """The stand-in in its own process, as a remote server would be: its timing does not
    share our event loop or interpreter lock."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.pipe, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_serve_fake, args=(child, rate, 0, 0), daemon=True
        )
        self._child = child
        self.sent: list[tuple[int, float]] = []
        self.rejected = 0

    def start(self, chats: range) -> str:
        self.process._args = (self._child, self.rate, chats.start, len(chats))  # type: ignore[attr-defined]
        self.process.start()
        return str(self.pipe.recv())

    def stop(self) -> None:
        self.pipe.send("stop")
        self.sent, self.rejected = self.pipe.recv()
        self.process.join(10)

    def figures(self, n: int, rate: float) -> dict[str, float]:
        per_chat = Counter(chat for chat, _ in self.sent)
        times = sorted(t for _, t in self.sent)
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        achieved = (len(times) - 1) / span if span else float("nan")
        busiest = lo = 0  # most sends the server saw in any sliding 1 s window
        for hi, t in enumerate(times):
            while times[lo] <= t - 1.0:
                lo += 1
            busiest = max(busiest, hi - lo + 1)
        return {
            "busiest_second": busiest,
            "delivered": len(per_chat),
            "rate": achieved,
            "share": 100 * achieved / rate,
            "rejected_429": self.rejected,
            "share_429": 100 * self.rejected / n,
            "lost": n - len(per_chat),
            "duplicated": sum(c - 1 for c in per_chat.values()),
            "seconds": span,
        }


def seed(path: Path, n: int, languages: tuple[str, ...] = ("en",)) -> int:
    """A cluster of n Telegram members (ids from FIRST_CHAT) and a draft broadcast to all."""
    conn = connect_sync(path)
    migrate(conn)

    def write(c: sqlite3.Connection) -> int:
        cluster = clusters.add(c, "BAGRU", "Bagru printers", "Asia/Kolkata", iso(utc_now()))
        c.executemany(
            "INSERT INTO contacts (channel, channel_user_id, chat_id, language, status,"
            " consent_at, name, role, cluster_id, gender, created_at)"
            " VALUES ('telegram', ?, ?, ?, 'registered', 'x', ?, 'artisan', ?, 'female', 'x')",
            [
                (str(i), str(i), languages[i % len(languages)], f"P{i}", cluster.id)
                for i in range(FIRST_CHAT, FIRST_CHAT + n)
            ],
        )
        b = broadcasts.create(
            c,
            cluster_id=cluster.id,
            author="bench",
            audience={},
            texts={lang: TEXT if lang == "en" else f"{TEXT} ({lang})" for lang in languages},
            now=iso(utc_now()),
        )
        return b.id

    broadcast_id = run_in_transaction(conn, write)
    conn.close()
    return broadcast_id


async def ours(n: int, rate: float, folder: Path, margin: float) -> dict[str, float]:
    path = folder / "ours.db"
    broadcast_id = seed(path, n)
    server = FakeServer(rate)
    root = server.start(range(FIRST_CHAT, FIRST_CHAT + n))
    db = await Database.open(path)
    application = tg.build_application(TOKEN, root)
    await application.initialize()
    limiter = RateLimiter(Limits(per_second=rate, window_margin=margin))

    async def no_updates(*_: object) -> list[object]:
        return []

    channel = tg.TelegramChannel(application, no_updates, limiter=limiter)  # type: ignore[arg-type]
    sender = OutboxSender(
        db, "telegram", channel.deliver, limiter=limiter, concurrency=sender_concurrency(rate)
    )

    def release(conn: sqlite3.Connection) -> None:
        b = broadcasts.get(conn, broadcast_id)
        assert b is not None
        broadcasting.release(conn, b, utc_now())

    await db.write(release)

    def pending(conn: sqlite3.Connection) -> int:
        return int(
            conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'in_flight')"
            ).fetchone()[0]
        )

    await sender.start()
    while await db.read(pending):
        await asyncio.sleep(0.2)
    await sender.stop()
    ledger = dict(
        await db.read(
            lambda c: c.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
        )
    )
    await application.shutdown()
    await db.close()
    server.stop()
    result = server.figures(n, rate)
    result["ledger_sent"] = ledger.get("sent", 0)
    result["stats"] = dict(sender.stats)  # type: ignore[assignment]
    return result


async def peer(n: int, rate: float) -> dict[str, float]:
    from telegram.error import TelegramError
    from telegram.ext import AIORateLimiter, ApplicationBuilder

    server = FakeServer(rate)
    root = server.start(range(FIRST_CHAT, FIRST_CHAT + n))
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .rate_limiter(AIORateLimiter(overall_max_rate=rate, overall_time_period=1, max_retries=5))
        .build()
    )
    await application.initialize()
    results = await asyncio.gather(
        *(application.bot.send_message(chat, TEXT) for chat in range(FIRST_CHAT, FIRST_CHAT + n)),
        return_exceptions=True,
    )
    await application.shutdown()
    server.stop()
    result = server.figures(n, rate)
    result["errors"] = sum(isinstance(r, TelegramError | Exception) for r in results)
    return result


def fan_out(n: int, folder: Path) -> tuple[float, int]:
    path = folder / "fanout.db"
    broadcast_id = seed(path, n, languages=("en", "hi", "te"))
    conn = connect_sync(path)

    def release(c: sqlite3.Connection) -> int:
        b = broadcasts.get(c, broadcast_id)
        assert b is not None
        return sum(broadcasting.release(c, b, utc_now()).values())

    started = time.perf_counter()
    rows = run_in_transaction(conn, release)  # includes the COMMIT
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, rows


def show(name: str, r: dict[str, float], n: int, rate: float) -> None:
    print(f"\n{name}")
    print(f"  delivered          {int(r['delivered']):>8,} of {n:,} in {r['seconds']:.1f} s")
    print(f"  achieved rate      {r['rate']:>8.2f} msg/s = {r['share']:.1f} % of {rate:g}/s")
    print(f"  busiest 1 s window {int(r['busiest_second']):>8,} sends")
    print(f"  429s provoked      {int(r['rejected_429']):>8,} = {r['share_429']:.2f} % of sends")
    print(f"  lost               {int(r['lost']):>8,}")
    print(f"  duplicated         {int(r['duplicated']):>8,}")
    for key in ("ledger_sent", "errors"):
        if key in r:
            print(f"  {key.replace('_', ' '):<18} {int(r[key]):>8,}")
    if "stats" in r:
        print(f"  sender outcomes    {r['stats']}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0, help="the stand-in's limit, msg/s")
    parser.add_argument("--fanout", type=int, default=100_000, help="0 to skip")
    parser.add_argument("--no-peer", action="store_true", help="skip the PTB AIORateLimiter run")
    parser.add_argument(
        "--margin", type=float, default=TELEGRAM_WINDOW_MARGIN, help="our limiter's window_margin"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.fanout:
            seconds, rows = fan_out(args.fanout, folder)
            print(f"fan-out: {rows:,} outbox rows in one transaction in {seconds:.2f} s")
        if args.messages:
            show(
                "ours: OutboxSender + RateLimiter (durable)",
                await ours(args.messages, args.rate, folder, args.margin),
                args.messages,
                args.rate,
            )
            if not args.no_peer:
                show(
                    "peer: python-telegram-bot AIORateLimiter (from memory)",
                    await peer(args.messages, args.rate),
                    args.messages,
                    args.rate,
                )


if __name__ == "__main__":
    asyncio.run(main())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
