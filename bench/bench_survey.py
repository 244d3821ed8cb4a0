"""Survey answers per second through the engine, with durable writes (a script, not a test).

    python bench/bench_survey.py [PEOPLE] [CONCURRENCY]

PEOPLE (default 300) registered stakeholders each answer the shipped diagnostic survey
from start to finish, CONCURRENCY (default 50) of them at a time, through
`Engine.handle` exactly as a channel calls it: one SQLite transaction per answer on a WAL
database file (synchronous=NORMAL, durable against kill -9), answers and position saved
at every step. Each reply is read to choose the next answer (buttons pressed, numbers
typed, a location and a photo sent), so every question type the survey uses is exercised.

Prints answers/s over the whole run and the per-answer latency p50/p99, first for one
person alone (pure cost of a turn), then with CONCURRENCY people at once (what a busy
bot sees, queueing on the single writer included). Goal: >= 3,000 answers/s, p99 <= 10 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import handlers
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Inbound, InboundKind, Outbound, Request
from bot.storage import clusters, contacts
from bot.storage.db import Database
from bot.surveys import shipped
from bot.surveys.model import Question

NOW = "2026-11-28T09:00:00+00:00"


@dataclass
class Person:
    user_id: str
    latencies: list[float]
    answers: int = 0
    updates: int = 0


def seed(conn: object, people: int) -> None:
    import sqlite3

    assert isinstance(conn, sqlite3.Connection)
    cluster = clusters.add(conn, "BAGRU", "Bagru", "Asia/Kolkata", NOW)
    shipped.install(conn, NOW)
    for i in range(people):
        contact = contacts.get_or_create(conn, "bench", f"u{i}", f"u{i}", NOW)
        contacts.update(conn, contact.id, language=("en", "hi", "te")[i % 3], consent_at=NOW,
                        name=f"Person {i}", role="artisan", cluster_id=cluster.id,
                        gender="female", status="registered", registered_at=NOW)  # fmt: skip


def labels_to_types(db_path: Path) -> dict[str, Question]:
    from bot.surveys.loader import load_form

    path = shipped.shipped_form("diagnostic")
    assert path is not None
    form = load_form(path).form
    return {label: q for _, q in form.walk() for label in q.labels.values()}


def next_answer(reply: list[Outbound], questions: dict[str, Question]) -> dict[str, object] | None:
    """What a person would send after these replies; None when the survey is over."""
    last = reply[-1]
    if any(c.id.startswith("cmd:") for c in last.choices):
        return None  # the main menu: the survey is done
    ids = [c.id for c in last.choices]
    for action in (":no", ":c0", ":r3", ":ok"):
        found = next((i for i in ids if i.endswith(action)), None)
        if found:
            return {"kind": InboundKind.CHOICE, "choice": found}
    toggles = [i for i in ids if ":t" in i]
    if toggles:
        if last.selected or last.replace:
            return {
                "kind": InboundKind.CHOICE,
                "choice": next(i for i in ids if i.endswith(":done")),
            }
        return {"kind": InboundKind.CHOICE, "choice": toggles[0]}
    if last.request is Request.LOCATION:
        return {"kind": InboundKind.LOCATION, "latitude": 26.8, "longitude": 75.5}
    question = next((q for label, q in questions.items() if label in last.text), None)
    kind = question.type if question else "text"
    if kind == "image":
        return {"kind": InboundKind.PHOTO, "media_ref": "/media/bench.jpg"}
    text = {"integer": "3", "decimal": "120.5", "date": "5-3-2019"}.get(kind, "Cotton cloth")
    if question is not None and question.name == "years":
        text = "12"
    return {"kind": InboundKind.TEXT, "text": text}


async def answer_survey(engine: Engine, person: Person, questions: dict[str, Question]) -> None:
    async def send(**kw: object) -> list[Outbound]:
        person.updates += 1
        inbound = Inbound(channel="bench", user_id=person.user_id, chat_id=person.user_id,
                          **kw)  # type: ignore[arg-type]  # fmt: skip
        return await engine.handle(inbound, f"{person.user_id}-{person.updates}")

    reply = await send(kind=InboundKind.TEXT, text="/survey diagnostic")
    while (answer := next_answer(reply, questions)) is not None:
        started = time.perf_counter()
        reply = await send(**answer)
        person.latencies.append(time.perf_counter() - started)
        person.answers += 1
        if person.answers > 400:
            raise RuntimeError(f"stuck: {reply[-1].text!r}")


def report(title: str, people: list[Person], elapsed: float) -> None:
    latencies = sorted(x for p in people for x in p.latencies)
    count = len(latencies)
    p50 = latencies[count // 2] * 1000
    p99 = latencies[min(count - 1, int(count * 0.99))] * 1000
    print(
        f"{title}: {count} answers in {elapsed:.2f} s = {count / elapsed:,.0f} answers/s; "
        f"latency p50 {p50:.2f} ms, p99 {p99:.2f} ms,"
        f" mean {statistics.mean(latencies) * 1000:.2f} ms"
    )


async def run(people: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = await Database.open(path)
        await db.write(lambda conn: seed(conn, people))
        questions = labels_to_types(path)
        clock = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        engine = Engine(db, Settings(db=path), handlers.route, clock=lambda: clock)

        alone = Person("u0", [])
        started = time.perf_counter()
        await answer_survey(engine, alone, questions)
        report("1 person alone", [alone], time.perf_counter() - started)

        crowd = [Person(f"u{i}", []) for i in range(1, people)]
        queue: asyncio.Queue[Person] = asyncio.Queue()
        for person in crowd:
            queue.put_nowait(person)

        async def worker() -> None:
            while not queue.empty():
                await answer_survey(engine, queue.get_nowait(), questions)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        report(
            f"{len(crowd)} people, {concurrency} at a time", crowd, time.perf_counter() - started
        )
        rows = await db.read(lambda c: c.execute(
            "SELECT COUNT(*), SUM(status = 'completed') FROM responses").fetchone())  # fmt: skip
        answers = await db.read(lambda c: c.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
        print(f"stored: {rows[0]} responses ({rows[1]} completed), {answers} answer rows")
        await db.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(run(*(args + [300, 50][len(args) :])))
