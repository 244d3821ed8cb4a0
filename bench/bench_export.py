"""Export speed and memory: 100,000 answers to CSV and XLSX (a script, not a test).

    python bench/bench_export.py [RESPONSES]

Fills a database with RESPONSES (default 2,000) responses to the shipped diagnostic survey,
50 answers each (100,000 answers, two rounds of the product repeat included), then runs
`clusterbot survey export` for CSV and for XLSX, each in a fresh process, and prints the
wall time and that process's peak RSS. Goals: XLSX <= 10 s, CSV <= 2 s, peak RSS <= 300 MB.
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage import clusters
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.surveys import shipped
from bot.surveys.model import Question

NOW = "2026-11-28T09:00:00+00:00"
PER_RESPONSE = 50


def value(question: Question, rng: random.Random) -> str:
    if question.choices:
        names = [c.name for c in question.choices]
        if question.type == "select_multiple":
            return " ".join(sorted(rng.sample(names, k=min(2, len(names)))))
        return rng.choice(names)
    return {
        "integer": str(rng.randint(1, 40)),
        "decimal": f"{rng.uniform(10, 900):.2f}",
        "range": str(rng.randint(1, 5)),
        "geopoint": "26.810000 75.550000 0 0",
        "image": "/media/telegram/abc.jpg",
        "date": "2019-03-05",
    }.get(question.type, rng.choice(["Cotton cloth", "सूती कपड़ा", "నూలు బట్ట", "Natural dyes"]))


def fill(conn: sqlite3.Connection, responses: int) -> int:
    cluster = clusters.add(conn, "BAGRU", "Bagru", "Asia/Kolkata", NOW)
    survey = shipped.install(conn, NOW)
    form = survey.form(conn)
    # Question paths in form order with two rounds of the product repeat, cut to 50.
    paths: list[tuple[str, Question]] = []
    for path, question in form.walk():
        if question.type == "note":
            continue
        if "product" in path[:-1]:
            paths += [(f"product[{r}]/{question.name}", question) for r in (1, 2)]
        else:
            paths.append((question.name, question))
    paths = paths[:PER_RESPONSE]
    rng = random.Random(7)
    contacts = [
        (f"u{i}", f"u{i}", ("en", "hi", "te")[i % 3], NOW, "registered",
         ("artisan", "entrepreneur", "shg_member")[i % 3], cluster.id,
         ("female", "male")[i % 2], NOW)
        for i in range(responses)
    ]  # fmt: skip
    conn.executemany(
        "INSERT INTO contacts (channel, channel_user_id, chat_id, language, created_at, status,"
        " role, cluster_id, gender, consent_at) VALUES ('bench', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        contacts,
    )
    ids = [r[0] for r in conn.execute("SELECT id FROM contacts ORDER BY id")]
    conn.executemany(
        "INSERT INTO responses (survey_id, contact_id, status, position, started_at,"
        " completed_at, updated_at) VALUES (?, ?, 'completed', NULL, ?, ?, ?)",
        [(survey.id, cid, NOW, NOW, NOW) for cid in ids],
    )
    response_ids = [r[0] for r in conn.execute("SELECT id FROM responses ORDER BY id")]
    rows = [
        (rid, path, value(question, rng), NOW) for rid in response_ids for path, question in paths
    ]
    conn.executemany(
        "INSERT INTO answers (response_id, path, value, answered_at) VALUES (?, ?, ?, ?)", rows
    )
    return len(rows)


def child(fmt: str, out: str) -> None:
    """One export in this process: prints seconds and peak RSS (MB)."""
    from bot.cli import main

    started = time.perf_counter()
    code = main(["survey", "export", "diagnostic", "--format", fmt, "--out", out])
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.3f} {peak_rss_mb():.0f} {code}")


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: on Linux ru_maxrss carries the
    parent's peak across fork and exec, which here is the big database fill."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(responses: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "export.db"
        conn = connect_sync(db)
        migrate(conn)
        answers = run_in_transaction(conn, lambda c: fill(c, responses))
        conn.close()
        print(f"{responses:,} responses, {answers:,} answers ({db.stat().st_size / 1e6:.1f} MB db)")
        env = {**os.environ, "CLUSTERBOT_DB": str(db)}
        for fmt, goal in (("csv", 2.0), ("xlsx", 10.0)):
            out = Path(tmp) / f"out.{fmt}"
            result = subprocess.run(
                [sys.executable, __file__, "--child", fmt, str(out)],
                env=env, capture_output=True, text=True, check=True, cwd=tmp,
            )  # fmt: skip
            seconds, peak, code = result.stdout.split()[-3:]
            size = sum(p.stat().st_size for p in Path(tmp).glob(f"out*.{fmt}")) / 1e6
            verdict = "ok" if float(seconds) <= goal and float(peak) <= 300 else "OVER GOAL"
            print(
                f"{fmt.upper():4} {float(seconds):6.2f} s (goal {goal:.0f} s), peak RSS {peak} MB "
                f"(goal 300 MB), {size:.1f} MB written, exit {code}: {verdict}"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
