"""How long one erasure holds the single writer (a script, not a test).

    python bench/bench_erasure.py [PEOPLE] [AUDIT_ROWS]

PEOPLE (default 10,000) registered people, each with a completed survey response (a text,
a choice and a number answer), AUDIT_ROWS (default 100,000) audit entries spread over them,
and one broadcast fanned out to everyone (PEOPLE outbox rows). Then: one /forget-style
erasure alone, a retention run of 100 erasures in one transaction, and the WAL truncation
that follows an erasure (bot/erasure.py, bot/storage/db.py `truncate_wal`).
Goal: an erasure is a quick write (a few milliseconds), like a chat turn.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import erasure
from bot.clock import iso
from bot.outbox.queue import Payload, fan_out
from bot.storage import audit, clusters, contacts, surveys
from bot.storage.db import connect_sync, migrate, run_in_transaction, truncate_wal
from bot.surveys.model import Choice, Form, Question


def seed(conn: sqlite3.Connection, people: int, entries: int, now: datetime) -> None:
    stamp = iso(now)
    cluster = clusters.add(conn, "BAGRU", "Bagru", "Asia/Kolkata", stamp)
    yes_no = (Choice("yes"), Choice("no"))
    questions = (Question("about", "text"), Question("trained", "select_one", choices=yes_no))
    form = Form("b", "B", "1", "en", ("en",), (*questions, Question("n", "integer")))
    survey, _ = surveys.import_form(conn, form, now=stamp)
    for i in range(people):
        p = contacts.get_or_create(conn, "telegram", str(10**9 + i), str(10**9 + i), stamp)
        contacts.update(conn, p.id, name=f"Person {i}", phone=f"+9198{i:08d}", place="Bagru",
                        consent_at=stamp, status="registered", cluster_id=cluster.id)  # fmt: skip
        r = surveys.start_response(conn, survey.id, p.id, None, stamp)
        surveys.save_answers(conn, r.id, {"about": f"I am Person {i}", "trained": "yes",
                                          "n": "3"}, stamp)  # fmt: skip
    for j in range(entries):
        audit.record(conn, at=stamp, actor=f"telegram:{10**9 + j % people}",
                     action="profile.update", subject=f"contact:{j % people + 1}",
                     detail={"field": "name"})  # fmt: skip
    news = {"en": Payload("Meeting on Monday")}
    fan_out(conn, kind="broadcast", ref="1", where="c.status = 'registered'", params=[],
            payloads=news, default_language="en", now=now)  # fmt: skip


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    entries = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    now = datetime(2026, 12, 1, tzinfo=UTC)
    path = Path(tempfile.mkdtemp()) / "bench-erasure.db"
    conn = connect_sync(path)
    migrate(conn)
    run_in_transaction(conn, lambda c: seed(c, people, entries, now))
    print(f"{people:,} people, {entries:,} audit entries, {people:,} outbox rows")
    for batch in (1, 100):
        started = time.perf_counter()

        def erase(c: sqlite3.Connection, n: int = batch) -> None:
            ids = [r[0] for r in c.execute(
                "SELECT id FROM contacts WHERE status = 'registered' LIMIT ?", (n,))]  # fmt: skip
            for contact_id in ids:
                erasure.erase(c, contact_id, now=now, actor="retention", media_root=None)

        run_in_transaction(conn, erase)
        took = time.perf_counter() - started
        print(f"{batch} erasure(s) in one transaction: {took * 1000:.1f} ms"
              f" ({took / batch * 1000:.2f} ms each)")  # fmt: skip
    started = time.perf_counter()
    truncate_wal(conn)
    print(
        f"WAL checkpoint + truncation after them: {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    conn.close()


if __name__ == "__main__":
    main()
