"""Survey answers per second through the engine, with durable writes (a script, not a test).

    python bench/bench_survey.py [PEOPLE] [CONCURRENCY] [RATE]

PEOPLE (default 300) registered stakeholders answer the shipped diagnostic survey through
`Engine.handle` exactly as a channel calls it: one committed SQLite transaction per answer
(WAL file, synchronous=NORMAL: durable against kill -9), answers and position saved at
every step. Each reply is read to choose the next answer (buttons pressed, numbers typed,
a location and a photo sent), so every question type the survey uses is exercised.

Three runs, each printing answers/s, per-answer latency p50/p99 and the CPU time the
process spent per answer (event loop and writer thread together):
1. one person alone: the pure cost of a turn;
2. saturation: CONCURRENCY (default 50) people answering as fast as the bot replies;
   turns waiting for the writer are committed together (group commit, bot/storage/db.py);
3. steady load: answers arriving at RATE a second (default 3,000) spread over everyone, as
   real traffic would; latency includes any wait for the single writer.
Goal (issue 3): >= 3,000 answers/s with p99 <= 10 ms.

The machine's load average is printed first and last: the tail latencies depend on other
work competing for the same cores (the CPU per answer much less), so compare runs made
under the same load.
"""

from __future__ import annotations

import asyncio
import os
import resource
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
from bot.engine import Engine, freeze_heap
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
    reply: list[Outbound] | None = None

    async def send(self, engine: Engine, **kw: object) -> list[Outbound]:
        self.updates += 1
        inbound = Inbound(channel="bench", user_id=self.user_id, chat_id=self.user_id,
                          **kw)  # type: ignore[arg-type]  # fmt: skip
        self.reply = await engine.handle(inbound, f"{self.user_id}-{self.updates}")
        return self.reply


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
    if any(c.id.startswith(("cmd:", "sv:open:")) for c in last.choices):
        return None  # the main menu, or the diagnostic's modules offered: the survey is done
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
    question = next((questions[line] for line in last.text.split("\n") if line in questions), None)
    kind = question.type if question else "text"
    if kind == "image":
        return {"kind": InboundKind.PHOTO, "media_ref": "/media/bench.jpg"}
    text = {"integer": "3", "decimal": "120.5", "date": "5-3-2019"}.get(kind, "Cotton cloth")
    if question is not None and question.name == "years":
        text = "12"
    return {"kind": InboundKind.TEXT, "text": text}


async def answer_survey(engine: Engine, person: Person, questions: dict[str, Question]) -> None:
    reply = await person.send(engine, kind=InboundKind.TEXT, text="/survey diagnostic")
    while (answer := next_answer(reply, questions)) is not None:
        started = time.perf_counter()
        reply = await person.send(engine, **answer)
        person.latencies.append(time.perf_counter() - started)
        person.answers += 1
        if person.answers > 400:
            raise RuntimeError(f"stuck: {reply[-1].text!r}")


async def answer_one(engine: Engine, person: Person, questions: dict[str, Question]) -> None:
    """The person's next answer (a finished survey is started again)."""
    answer = next_answer(person.reply, questions) if person.reply else None
    if answer is None:
        reply = await person.send(engine, kind=InboundKind.TEXT, text="/survey diagnostic")
        again = next((c.id for m in reply for c in m.choices if c.id.startswith("sv:again:")), "")
        if again:
            await person.send(engine, kind=InboundKind.CHOICE, choice=again)
        answer = next_answer(person.reply or [], questions)
        assert answer is not None
    started = time.perf_counter()
    await person.send(engine, **answer)
    person.latencies.append(time.perf_counter() - started)


async def steady(
    engine: Engine, people: list[Person], questions: dict[str, Question], rate: int, seconds: float
) -> tuple[int, float]:
    """Answers arriving at `rate` a second from whoever is not waiting for a reply.

    Arrivals are released in 1 ms ticks (what is due by then), like messages coming in
    from many phones; one not served because everyone is still waiting counts as late."""
    idle = list(people)
    running: set[asyncio.Task[None]] = set()
    total, sent, late = int(rate * seconds), 0, 0
    loop = asyncio.get_running_loop()

    async def one(person: Person) -> None:
        await answer_one(engine, person, questions)
        idle.append(person)

    started = time.perf_counter()
    while sent + late < total:
        due = min(total, int((time.perf_counter() - started) * rate) + 1) - sent - late
        for _ in range(due):
            if not idle:
                late += 1  # everyone is waiting for a reply: the bot is behind
                continue
            task = loop.create_task(one(idle.pop()))
            running.add(task)
            task.add_done_callback(running.discard)
            sent += 1
        await asyncio.sleep(0.001)
    await asyncio.gather(*running)
    return late, time.perf_counter() - started


def report(title: str, people: list[Person], elapsed: float, cpu: float) -> None:
    latencies = sorted(x for p in people for x in p.latencies)
    count = len(latencies)
    p50 = latencies[count // 2] * 1000
    p99 = latencies[min(count - 1, int(count * 0.99))] * 1000
    print(
        f"{title}: {count} answers in {elapsed:.2f} s = {count / elapsed:,.0f} answers/s; "
        f"latency p50 {p50:.2f} ms, p99 {p99:.2f} ms,"
        f" mean {statistics.mean(latencies) * 1000:.2f} ms; cpu {cpu / count * 1e6:.0f} µs/answer"
    )


def load_average() -> str:
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


async def run(people: int, concurrency: int, rate: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = await Database.open(path)
        await db.write(lambda conn: seed(conn, people))
        questions = labels_to_types(path)
        clock = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        engine = Engine(db, Settings(db=path), handlers.route, clock=lambda: clock)
        freeze_heap()  # as `clusterbot run` does once started

        print(f"before: {load_average()}")
        alone = Person("u0", [])
        started, cpu = time.perf_counter(), time.process_time()
        await answer_survey(engine, alone, questions)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        report("1 person alone", [alone], elapsed, cpu)

        crowd = [Person(f"u{i}", []) for i in range(1, people)]
        queue: asyncio.Queue[Person] = asyncio.Queue()
        for person in crowd:
            queue.put_nowait(person)

        async def worker() -> None:
            while not queue.empty():
                await answer_survey(engine, queue.get_nowait(), questions)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        report(f"saturation, {concurrency} people at a time", crowd, elapsed, cpu)

        for person in crowd:
            person.latencies = []
        cpu = time.process_time()
        late, elapsed = await steady(engine, crowd, questions, rate, seconds=5.0)
        cpu = time.process_time() - cpu
        report(f"steady load of {rate:,}/s offered ({late} arrivals late)", crowd, elapsed, cpu)
        print(f"after: {load_average()}")

        rows = await db.read(lambda c: c.execute(
            "SELECT COUNT(*), SUM(status = 'completed') FROM responses").fetchone())  # fmt: skip
        answers = await db.read(lambda c: c.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
        print(f"stored: {rows[0]} responses ({rows[1]} completed), {answers} answer rows")
        await db.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    asyncio.run(run(*(args + [300, 50, 3000][len(args) :])))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
