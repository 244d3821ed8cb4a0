"""Events benchmarks (issue 5), a script, not a test.

    python bench/bench_events.py [--reminders 10000] [--crowd 200] [--seats 30]
                                 [--late 1000] [--window 20]

1. Start-up re-arm: N pending reminders in the database (N/2 meetings x 2 offsets, made
   through the real `reminders.arm`), then `Scheduler.start()` timed (goal <= 1 s).
2. A crowd presses Register at once through the engine for a visit with S seats (goal:
   exactly S confirmed, the rest waiting with positions 1..).
3. Reminder lateness: L one-person meetings whose reminders fall due within `window`
   seconds (the "same minute", compressed), the real scheduler firing them and an outbox
   sender handing them to an instant stand-in API with no rate limiter, so the figure is
   our own overhead on top of the platform's pacing (at Telegram's 30/s, 1,000 messages
   take ~33 s by design). Lateness = handed to the API - due time; p50/p99 printed.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import handlers
from bot.clock import iso, parse_iso, utc_now
from bot.config import Settings
from bot.engine import Engine
from bot.jobs import reminders
from bot.jobs.scheduler import Scheduler
from bot.messages import Inbound, InboundKind
from bot.outbox.queue import OutboxItem
from bot.outbox.retry import Outcome, SendResult
from bot.outbox.sender import OutboxSender
from bot.storage import clusters
from bot.storage import events as ev
from bot.storage.db import Database

KINDS = {reminders.JOB_KIND: reminders.run}


def seed_people(conn, cluster_id: int, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    conn.executemany(
        "INSERT INTO contacts (channel, channel_user_id, chat_id, language, status, consent_at,"
        " name, role, cluster_id, gender, created_at, registered_at)"
        " VALUES ('bench', ?, ?, 'en', 'registered', 'x', ?, 'artisan', ?, 'female', 'x', 'x')",
        [(f"u{i}", f"c{i}", f"p{i}", cluster_id) for i in range(n)],
    )
    return [r[0] for r in conn.execute("SELECT id FROM contacts ORDER BY id")]


async def open_db(folder: str, name: str) -> tuple[Database, int]:
    db = await Database.open(Path(folder) / f"{name}.db")
    cluster = await db.write(
        lambda conn: clusters.add(conn, "B", "Bench", "Asia/Kolkata", iso(utc_now()))
    )
    return db, cluster.id


async def rearm(folder: str, n: int) -> None:
    db, cid = await open_db(folder, "rearm")
    now = utc_now()

    def make(conn) -> None:  # type: ignore[no-untyped-def]
        for i in range(n // 2):
            event = ev.create(
                conn,
                cluster_id=cid,
                kind="meeting",
                title=f"m{i}",
                starts_at=iso(now + timedelta(days=3, minutes=i)),
                created_by="bench",
                now=iso(now),
            )
            reminders.arm(conn, event, now)

    await db.write(make)
    scheduler = Scheduler(db, KINDS)
    started = time.perf_counter()
    await scheduler.start()
    elapsed = time.perf_counter() - started
    armed = len(scheduler.armed)
    await scheduler.stop()
    await db.close()
    print(f"re-arm at start: {armed:,} reminders armed in {elapsed:.3f} s (goal <= 1 s)")


async def crowd(folder: str, n: int, seats: int) -> None:
    db, cid = await open_db(folder, "crowd")
    now = utc_now()
    await db.write(lambda conn: seed_people(conn, cid, n))
    visit = await db.write(
        lambda conn: ev.create(
            conn,
            cluster_id=cid,
            kind="visit",
            title="Visit",
            starts_at=iso(now + timedelta(days=7)),
            seats=seats,
            created_by="bench",
            now=iso(now),
        )
    )
    engine = Engine(db, Settings(db=Path(db.path)), handlers.route)
    presses = [
        Inbound("bench", f"u{i}", f"c{i}", InboundKind.CHOICE, choice=f"reg:{visit.id}")
        for i in range(n)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(engine.handle(p, f"k{i}") for i, p in enumerate(presses)))
    elapsed = time.perf_counter() - started
    counts = await db.read(lambda conn: ev.registration_counts(conn, visit.id))
    await db.close()
    print(
        f"{n} simultaneous registrations for {seats} seats: {counts['confirmed']} confirmed,"
        f" {counts['waiting']} waiting, in {elapsed:.3f} s"
        f" ({elapsed / n * 1000:.2f} ms per turn)"
    )


async def lateness(folder: str, n: int, window: float) -> None:
    db, cid = await open_db(folder, "late")
    start = utc_now() + timedelta(seconds=3)  # time to arm before the first is due

    def make(conn) -> None:  # type: ignore[no-untyped-def]
        people = seed_people(conn, cid, n)
        for i, pid in enumerate(people):
            due = start + timedelta(seconds=window * i / n)
            event = ev.create(
                conn,
                cluster_id=cid,
                kind="meeting",
                title=f"m{i}",
                starts_at=iso(due + timedelta(minutes=30)),
                reminder_offsets=(30,),
                created_by="bench",
                now=iso(utc_now()),
            )
            ev.rsvp(conn, event.id, pid, "yes", iso(utc_now()))
            reminders.arm(conn, event, utc_now())

    await db.write(make)
    handed: list[float] = []

    async def deliver(item: OutboxItem) -> SendResult:
        due = parse_iso(item.ref.split("@", 1)[1])
        handed.append((utc_now() - due).total_seconds())
        return SendResult(Outcome.SENT, platform_message_id="x")

    sender = OutboxSender(db, "bench", deliver, concurrency=16)
    scheduler = Scheduler(db, KINDS, after_run=sender.wake)
    await sender.start()
    await scheduler.start()
    deadline = time.monotonic() + window + 30
    while len(handed) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await scheduler.stop()
    await sender.stop()
    await db.close()
    if len(handed) < 2:
        print(f"reminder lateness: only {len(handed)} of {n} handed over")
        return
    # Due times are stored to the second: a reminder due at 10:00:00.7 is armed for
    # 10:00:00, so lateness can read slightly negative; the spread is what matters.
    q = statistics.quantiles(handed, n=100)
    print(
        f"reminder lateness, {len(handed):,} reminders due within {window:.0f} s, no rate"
        f" limiter: p50 {q[49]:.3f} s, p99 {q[98]:.3f} s, max {max(handed):.3f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--crowd", type=int, default=200)
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--late", type=int, default=1000)
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await rearm(folder, args.reminders)
        await crowd(folder, args.crowd, args.seats)
        await lateness(folder, args.late, args.window)


if __name__ == "__main__":
    asyncio.run(main())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
