"""The CDA's digest of new inbox items (issue 15, bot/jobs/inbox_digest.py): one summary for
several items, at most every 30 minutes, never at night (21:00-08:00 in the cluster's
zone), only to the CDAs of the item's cluster, re-armed after a restart. Fake clock; the
job runs through the real Scheduler."""

from __future__ import annotations

import json
import sqlite3
from functools import partial

from bot.clock import iso
from bot.config import Settings
from bot.engine import Engine
from bot.jobs import inbox_digest as digest
from bot.jobs.scheduler import Scheduler
from bot.storage import admins, clusters, schedule
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.inbox.test_ask import ask
from tests.handlers.people.test_onboarding import register


def scheduler(db: Database, settings: Settings, clock: FakeClock) -> Scheduler:
    return Scheduler(db, {digest.JOB_KIND: partial(digest.run, settings)}, clock=clock)


def digests(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """(chat id, due, text, button) of every digest in the outbox."""
    out = []
    for chat_id, due, body in conn.execute(
        "SELECT o.chat_id, o.next_attempt_at, p.body FROM outbox o"
        " JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = 'inbox_digest'"
        " ORDER BY o.id"
    ):
        data = json.loads(body)
        out.append((chat_id, due, data["text"], data["choices"][0][0]))
    return out


async def job(db: Database, cluster_id: int = 1) -> schedule.Job | None:
    return await db.read(lambda conn: schedule.get(conn, digest.job_id(cluster_id)))


async def test_one_summary_for_several_items_at_most_every_30_minutes(
    chat: ChatDriver,
    cda_chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await cda_chat.say("/help")  # the CDA has written to the bot: a chat to write to
    await register(chat)
    await ask(chat, "question", "When is the training?")
    first = await job(db)
    assert first is not None and first.run_at == iso(clock.now)  # the first one: now
    clock.advance(minutes=5)
    await ask(chat, "suggestion", "Buy dyes together.")
    assert await job(db) == first  # one pending digest takes both
    assert await scheduler(db, settings, clock).fire(digest.job_id(1))
    [(chat_id, _due, text, button)] = await db.read(digests)
    assert chat_id == "cda" and button == "cmd:inbox"
    assert "2 (1 questions, 1 suggestions)" in text and "Bagru hand-block printers" in text
    assert "When is the training?" not in text  # a count, never the words or the sender
    # Another item soon after: the next digest waits for 30 minutes after the last one.
    clock.advance(minutes=10)
    await ask(chat, "complaint", "The yard is dirty.")
    second = await job(db)
    assert second is not None and second.status == "pending"
    assert second.run_at == "2026-11-28T09:30:00+00:00"  # 30 minutes after the first
    clock.now = clock.now.replace(minute=35)
    assert await scheduler(db, settings, clock).fire(digest.job_id(1))
    assert len(await db.read(digests)) == 2


async def test_never_at_night(
    chat: ChatDriver,
    cda_chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await cda_chat.say("/help")
    await register(chat)
    clock.now = clock.now.replace(hour=16, minute=0)  # 21:30 in Bagru
    await ask(chat, "question", "Late question")
    pending = await job(db)
    assert pending is not None and pending.run_at == "2026-11-29T02:30:00+00:00"  # 08:00 IST


async def test_only_the_clusters_cdas_and_nothing_when_all_are_opened(
    chat: ChatDriver,
    engine: Engine,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    two_clusters: list[clusters.Cluster],
) -> None:
    from dataclasses import replace

    from tests.outbox_helpers import Person, seed_people

    bagru, alleppey = two_clusters
    settings = replace(settings, admins=frozenset())
    engine.settings = settings

    def setup(conn: sqlite3.Connection) -> None:
        seed_people(conn, bagru.id, [Person("Sunita", user_id="1001")])
        seed_people(conn, bagru.id, [Person("Ramesh", user_id="bagru-cda")])
        seed_people(conn, alleppey.id, [Person("Anil", user_id="alleppey-cda")])
        admins.add(conn, "test", "bagru-cda", bagru.id, "cda", "x")
        admins.add(conn, "test", "alleppey-cda", alleppey.id, "cda", "x")

    await db.write(setup)
    await ask(chat, "question", "Where is the lab?")
    assert await scheduler(db, settings, clock).fire(digest.job_id(bagru.id))
    assert [d[0] for d in await db.read(digests)] == ["bagru-cda"]
    # The next digest finds nothing new once a CDA opened the item.
    clock.advance(minutes=5)
    await ask(chat, "question", "And the key?")
    cda = ChatDriver(engine, user_id="bagru-cda")
    await cda.say("/inbox")
    await cda.press("ib:o:2")
    clock.advance(minutes=30)
    assert await scheduler(db, settings, clock).fire(digest.job_id(bagru.id))
    assert len(await db.read(digests)) == 2  # #1 is still unopened: counted once more
    clock.advance(minutes=5)
    await cda.press("ib:o:1")
    await ask(chat, "question", "Third?")
    await cda.say("/inbox")
    await cda.press("ib:o:3")
    clock.advance(minutes=30)
    assert await scheduler(db, settings, clock).fire(digest.job_id(bagru.id))
    assert len(await db.read(digests)) == 2  # all opened: no message


async def test_a_pending_digest_survives_a_restart(
    chat: ChatDriver,
    cda_chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await cda_chat.say("/help")
    await register(chat)
    clock.now = clock.now.replace(hour=17)  # night in Bagru: due at 08:00
    await ask(chat, "question", "Night question")
    first = scheduler(db, settings, clock)
    await first.start()
    try:
        assert digest.job_id(1) in first.armed
    finally:
        await first.stop()
    clock.advance(hours=12)  # the bot was down past 08:00
    second = scheduler(db, settings, clock)
    await second.start()
    try:
        assert digest.job_id(1) in second.armed
        assert await second.fire(digest.job_id(1))
    finally:
        await second.stop()
    assert len(await db.read(digests)) == 1
