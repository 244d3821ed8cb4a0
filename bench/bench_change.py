"""Change per enterprise and `/logframe` speed (issue 18; a script that prints figures).

    python bench/bench_change.py [--runs N]

Fills a database with one cluster of 10,000 people who answered a 12-question survey in a
baseline and a follow-up round (20,000 responses, 240,000 answers; 10 outcome indicators:
8 numbers and 2 choice questions) and a 40-row log-frame (10 survey sources, 20 of the
report's figures, 10 manual rows with 5 values each). Then times:

- the paired change of the 10 indicators between the two rounds, with the gender and role
  splits (bot/surveys/change.py): goal <= 1 s;
- `/logframe` driven through the engine as a chat does (the turn, then the list built on
  the reader connection): goal <= 1 s.

Prints p50 / p99 over the runs and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import handlers
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Inbound, InboundKind
from bot.storage import logframe, rounds
from bot.storage import surveys as store
from bot.storage.db import Database, connect_sync, migrate
from bot.surveys.change import change, comparable
from bot.surveys.export import forms_of
from bot.surveys.loader import load_form

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
T0, T1 = "2026-01-10T09:00:00+00:00", "2026-11-10T09:00:00+00:00"
PEOPLE, NUMBERS = 10_000, 8
ROLES = ("artisan", "artisan", "shg_member", "entrepreneur", "supplier")
GENDERS = ("female", "female", "male", "male", None)
FORM = "\n".join([
    "| survey |",
    "| | type | name | label::English (en) | indicator |",
    *[f"| | integer | n{i} | Number {i}? | yes |" for i in range(NUMBERS)],
    "| | select_one yn | uses | Uses natural dyes? | yes |",
    "| | select_multiple market | markets | Where do you sell? | yes |",
    "| | text | note1 | Anything else? |  |",
    "| | text | note2 | And? |  |",
    "| choices |",
    "| | list_name | name | label::English (en) |",
    "| | yn | yes | Yes |",
    "| | yn | no | No |",
    *[f"| | market | m{i} | Market {i} |" for i in range(5)],
    "| settings |",
    "| | form_title | form_id | version |",
    "| | Enterprise | enterprise | 1 |",
])  # fmt: skip
NAMES = [*[f"n{i}" for i in range(NUMBERS)], "uses", "markets"]


def fill(path: Path, form_file: Path) -> None:
    rng = random.Random(18)
    conn = connect_sync(path)
    migrate(conn)
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO clusters (id, code, name, timezone, created_at)"
        " VALUES (1, 'BAGRU', 'Bagru hand-block printers', 'Asia/Kolkata', ?)",
        (T0,),
    )
    conn.executemany(
        "INSERT INTO contacts (id, channel, channel_user_id, chat_id, language, status,"
        " consent_at, name, role, cluster_id, gender, created_at, registered_at)"
        " VALUES (?, 'telegram', ?, ?, 'hi', 'registered', ?, ?, ?, 1, ?, ?, ?)",
        ((i, str(i), str(i), T0, f"Person {i}", rng.choice(ROLES), rng.choice(GENDERS), T0, T0)
         for i in range(1, PEOPLE + 1)),
    )  # fmt: skip
    survey, _ = store.import_form(conn, load_form(form_file).form, now=T0)
    baseline = rounds.current_or_baseline(conn, survey.key, T0)
    midline = rounds.open_round(conn, survey.key, "Midline", T1)
    response = 0
    for round_id, when in ((baseline.id, T0), (midline.id, T1)):
        rows, answers = [], []
        for person in range(1, PEOPLE + 1):
            response += 1
            rows.append((response, survey.id, person, when, when, when, round_id))
            for i in range(NUMBERS):
                answers.append((response, f"n{i}", str(rng.randint(0, 100_000)), when))
            answers.append((response, "uses", rng.choice(("yes", "no")), when))
            markets = " ".join(f"m{i}" for i in range(5) if rng.random() < 0.4)
            answers.append((response, "markets", markets, when))
            answers += [(response, "note1", "x", when), (response, "note2", "y", when)]
        conn.executemany(
            "INSERT INTO responses (id, survey_id, contact_id, status, started_at,"
            " completed_at, updated_at, round_id) VALUES (?, ?, ?, 'completed', ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO answers (response_id, path, value, answered_at) VALUES (?, ?, ?, ?)",
            answers,
        )
    figures = ("registered", "women_share", "participants", "meetings_held", "attended",
               "attendance_rate", "activities_done", "activities_done_share", "updates_sent",
               "beneficiaries_share")  # fmt: skip
    frame = [
        *[logframe.Row(f"S{i}", "purpose", "Incomes grow", f"Median n{i}", 100, 200,
                       "2027-12-31", f"survey:enterprise.n{i}:median") for i in range(8)],
        logframe.Row("S8", "purpose", "Natural dyes", "% natural dyes", 30, 60, None,
                     "survey:enterprise.uses:share=yes"),
        logframe.Row("S9", "purpose", "Incomes grow", "Change in n0", None, 1000, None,
                     "survey:enterprise.n0:change"),
        *[logframe.Row(f"R{i}", "output", "Reach", f"Figure {f}", 0, 100, None, f)
          for i, f in enumerate(figures * 2)],
        *[logframe.Row(f"M{i}", "activity", "Work", f"Manual {i}", 0, 10, "2027-06-30",
                       "manual") for i in range(10)],
    ]  # fmt: skip
    logframe.replace(conn, 1, frame, "2026-01-10")
    for row in logframe.rows(conn, 1):
        if row.source == "manual":
            for k in range(5):
                logframe.enter(conn, row.id, k, f"2026-0{k + 1}-15", "", None, T1)
    conn.execute("COMMIT")
    conn.close()


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path, form_file = Path(tmp) / "bench.db", Path(tmp) / "enterprise.md"
        form_file.write_text(FORM, encoding="utf-8")
        started = time.perf_counter()
        fill(path, form_file)
        print(f"filled in {time.perf_counter() - started:.1f} s: {PEOPLE:,} people × 2 rounds, "
              f"{PEOPLE * 2 * 12:,} answers, a 40-row log-frame")  # fmt: skip

        conn = connect_sync(path)
        baseline, midline = rounds.of_key(conn, "enterprise")
        nodes = comparable(forms_of(conn, "enterprise"))
        times, cpu = [], []
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            found = change(conn, "enterprise", baseline, midline, nodes, NAMES)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        assert all(f.pairs == PEOPLE for f in found[:NUMBERS])
        print(f"paired change, 10 indicators, {PEOPLE:,} pairs, gender and role splits: "
              f"p50 {statistics.median(times) * 1000:.0f} ms, p99 {p(times, 0.99) * 1000:.0f} ms"
              f" (CPU p50 {statistics.median(cpu) * 1000:.0f} ms; goal <= 1,000 ms)")  # fmt: skip
        conn.close()

        settings = Settings(db=path, admins=frozenset({"bench:cda"}))
        db = await Database.open(path)
        engine = Engine(db, settings, handlers.route)
        times, cpu = [], []
        try:
            for n in range(runs):
                inbound = Inbound("bench", "cda", "cda", InboundKind.TEXT, text="/logframe")
                t, c = time.perf_counter(), time.process_time()
                replies = await engine.handle(inbound, f"lf-{n}")
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                assert "Log-frame of" in replies[0].text, replies[0].text
        finally:
            await db.close()
        print(f"/logframe, 40 indicators (10 from the survey): p50 "
              f"{statistics.median(times) * 1000:.0f} ms, p99 {p(times, 0.99) * 1000:.0f} ms "
              f"(CPU p50 {statistics.median(cpu) * 1000:.0f} ms; goal <= 1,000 ms)")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(f"peak RSS {peak:.0f} MB; load average {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    asyncio.run(run(parser.parse_args().runs))
