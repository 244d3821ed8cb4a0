"""`/report` speed on a big cluster (a script that prints figures, not a test).

    python bench/bench_report.py [--runs N]

Fills a database with one cluster of 10,000 stakeholders, 200 events with 50,000
invitations, 50,000 RSVPs and 30,000 attendance marks, 2,000 survey responses with
100,000 answers, 20 broadcasts to everyone (200,000 outbox rows) and 40 activities
(bulk `executemany`), then drives `/report` through the engine exactly as a chat does:
the press on a period button runs the turn and builds the text and the chart on the
reader connection. Prints p50 / p99 over the runs for each period, the spreadsheet time,
and the process's peak RSS. Goal (issue 7): <= 2 s to the text and the chart.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import handlers
from bot.clock import iso
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Inbound, InboundKind
from bot.storage.db import Database, connect_sync, migrate

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PEOPLE, EVENTS, RSVPS, RESPONSES, PER_RESPONSE = 10_000, 200, 50_000, 2_000, 50
BROADCASTS, ACTIVITIES = 20, 40
ROLES = ("artisan", "artisan", "artisan", "shg_member", "entrepreneur", "supplier", "ngo")
GENDERS = ("female", "female", "male", "male", "undisclosed", "other", None)


def stamp(rng: random.Random, days: int = 365) -> str:
    return iso(NOW - timedelta(days=rng.uniform(1, days)))


def fill(path: Path) -> None:
    rng = random.Random(7)
    conn = connect_sync(path)
    migrate(conn)
    t0 = "2025-11-01T00:00:00+00:00"
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO clusters (id, code, name, timezone, created_at)"
        " VALUES (1, 'BAGRU', 'Bagru hand-block printers', 'Asia/Kolkata', ?)",
        (t0,),
    )
    conn.executemany(
        "INSERT INTO contacts (id, channel, channel_user_id, chat_id, language, status,"
        " consent_at, name, role, cluster_id, gender, opted_out, created_at, registered_at,"
        " last_inbound_at) VALUES (?, 'telegram', ?, ?, 'hi', 'registered', ?, ?, ?, 1, ?, ?,"
        " ?, ?, ?)",
        (
            (i, str(i), str(i), t0, f"Person {i}", rng.choice(ROLES), rng.choice(GENDERS),
             int(rng.random() < 0.03), t0, stamp(rng), stamp(rng, 120))
            for i in range(1, PEOPLE + 1)
        ),
    )  # fmt: skip
    conn.execute("INSERT INTO outbox_payloads (id, body) VALUES (1, '{}')")
    events = [(e, stamp(rng)) for e in range(1, EVENTS + 1)]
    conn.executemany(
        "INSERT INTO events (id, cluster_id, kind, title, starts_at, seats, status, created_by,"
        " created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, 'scheduled', 'bench', ?, ?)",
        (
            (e, "visit" if e % 5 == 0 else "meeting", f"Event {e}", when,
             40 if e % 5 == 0 else None, t0, t0)
            for e, when in events
        ),
    )  # fmt: skip
    per_event = RSVPS // EVENTS
    invited, rsvps, registrations, present = [], [], [], []
    for e, when in events:
        people = rng.sample(range(1, PEOPLE + 1), per_event)
        for n, contact in enumerate(people):
            invited.append((contact, str(contact), f"event:{e}"))
            rsvps.append((e, contact, rng.choice(("yes", "yes", "no", "maybe")), when))
            if e % 5 == 0 and n < 40:
                registrations.append((e, contact, n + 1, when))
            if n < 150:
                present.append((e, contact, int(rng.random() < 0.8), when))
    conn.executemany(
        "INSERT INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id, status,"
        " next_attempt_at, created_at) VALUES ('telegram', ?, ?, 'invitation', ?, 1, 'sent',"
        " '2026-01-01', '2026-01-01')",
        invited,
    )
    conn.executemany("INSERT INTO rsvps (event_id, contact_id, answer, at) VALUES (?,?,?,?)", rsvps)
    conn.executemany(
        "INSERT INTO registrations (event_id, contact_id, status, seq, at)"
        " VALUES (?, ?, 'confirmed', ?, ?)",
        registrations,
    )
    conn.executemany(
        "INSERT INTO attendance (event_id, contact_id, present, marked_by, at)"
        " VALUES (?, ?, ?, 'bench', ?)",
        present,
    )
    conn.execute(
        "INSERT INTO surveys (id, key, version, title, form, form_sha, languages,"
        " question_count, imported_at) VALUES (1, 'diag', '1', 'Diagnostic', '{}', 'x', 'en',"
        " 50, ?)",
        (t0,),
    )
    responses, answers = [], []
    for r, contact in enumerate(rng.sample(range(1, PEOPLE + 1), RESPONSES), start=1):
        started = NOW - timedelta(days=rng.uniform(1, 300))
        done = rng.random() < 0.8
        finished = iso(started + timedelta(minutes=rng.uniform(5, 40))) if done else None
        responses.append((r, contact, "completed" if done else "paused", iso(started), finished,
                          finished or iso(started)))  # fmt: skip
        answers.extend((r, f"q{q}", "x", iso(started)) for q in range(PER_RESPONSE))
    conn.executemany(
        "INSERT INTO responses (id, survey_id, contact_id, status, started_at, completed_at,"
        " updated_at) VALUES (?, 1, ?, ?, ?, ?, ?)",
        responses,
    )
    conn.executemany(
        "INSERT INTO answers (response_id, path, value, answered_at) VALUES (?, ?, ?, ?)", answers
    )
    for b in range(1, BROADCASTS + 1):
        when = stamp(rng)
        conn.execute(
            "INSERT INTO broadcasts (id, cluster_id, author, texts, default_language, status,"
            " created_at, sent_at, recipients) VALUES (?, 1, 'bench', '{}', 'en', 'sent', ?, ?,"
            " ?)",
            (b, when, when, PEOPLE),
        )
        conn.execute(
            "INSERT INTO updates (cluster_id, broadcast_id, published_at, texts,"
            " default_language) VALUES (1, ?, ?, '{}', 'en')",
            (b, when),
        )
        conn.executemany(
            "INSERT INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id, status,"
            " next_attempt_at, created_at) VALUES ('telegram', ?, ?, 'broadcast', ?, 1, ?,"
            " '2026-01-01', '2026-01-01')",
            (
                (c, str(c), str(b), "sent" if rng.random() < 0.9 else "failed")
                for c in range(1, PEOPLE + 1)
            ),
        )
    categories = ("trust_building", "pilot", "capacity_building", "regular", "strategic", "other")
    conn.executemany(
        "INSERT INTO activities (cluster_id, title, category, status, beneficiaries_paise,"
        " agency_paise, others_paise, created_by, created_at, updated_at)"
        " VALUES (1, ?, ?, ?, ?, ?, ?, 'bench', ?, ?)",
        (
            (f"Activity {a}", rng.choice(categories),
             rng.choice(("planned", "ongoing", "done", "dropped")),
             rng.randrange(0, 10**7), rng.randrange(0, 10**8), rng.randrange(0, 10**7), t0, t0)
            for a in range(ACTIVITIES)
        ),
    )  # fmt: skip
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(path: Path, runs: int) -> None:
    settings = Settings(db=path, admins=frozenset({"bench:cda"}))
    db = await Database.open(path)
    clock_now = NOW
    engine = Engine(db, settings, handlers.route, clock=lambda: clock_now)
    turn = 0

    async def send(**kw: str) -> float:
        nonlocal turn
        turn += 1
        kind = InboundKind.CHOICE if "choice" in kw else InboundKind.TEXT
        inbound = Inbound("bench", "cda", "cda", kind, language_code="hi", **kw)
        start = time.perf_counter()
        replies = await engine.handle(inbound, update_key=str(turn))
        elapsed = time.perf_counter() - start
        if kw.get("choice", "").startswith(("rep:p:", "rep:x")):  # a chart or a workbook came
            assert any(r.media for r in replies), [r.text for r in replies]
        return elapsed

    try:
        await send(text="/report")
        cold = await send(choice="rep:p:all")
        print(f"/report, first run (imports matplotlib, font cache): {cold:.2f} s")
        for kind in ("month", "quarter", "all"):
            times = []
            for _ in range(runs):
                await send(text="/report")
                times.append(await send(choice=f"rep:p:{kind}"))
            print(
                f"/report {kind:8} to text + chart: p50 {statistics.median(times):.2f} s,"
                f" p99 {percentile(times, 0.99):.2f} s, max {max(times):.2f} s ({runs} runs)"
            )
        sheet = []
        for _ in range(max(3, runs // 2)):
            await send(text="/report")
            await send(choice="rep:p:all")
            sheet.append(await send(choice="rep:x"))
        print(f"spreadsheet (.xlsx, whole programme): p50 {statistics.median(sheet):.2f} s")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-report.db"
        start = time.perf_counter()
        fill(path)
        print(
            f"filled in {time.perf_counter() - start:.1f} s: {PEOPLE:,} stakeholders, {EVENTS}"
            f" events, {RSVPS:,} RSVPs, {RESPONSES * PER_RESPONSE:,} answers,"
            f" {BROADCASTS * PEOPLE + RSVPS:,} outbox rows; {path.stat().st_size / 1e6:.0f} MB"
        )
        asyncio.run(run(path, args.runs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
