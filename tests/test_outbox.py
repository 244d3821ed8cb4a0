"""The durable outbox (SPEC §8): ledger states, idempotent fan-out, retries on a fake clock,
and crash recovery (rows left in flight are sent again, nothing is lost)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.outbox.queue import (
    OutboxItem,
    Payload,
    enqueue,
    fan_out,
    fan_out_broadcast,
    iso_ms,
    triage,
)
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.outbox.retry import Outcome, RetryPolicy, SendResult
from bot.outbox.sender import OutboxSender, _claim
from bot.storage import broadcasts, contacts
from bot.storage import outbox as outbox_rows
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import FakeClock
from tests.outbox_helpers import FakeChannel, Person, ledger, seed_people

PEOPLE = [
    Person("asha", language="hi"),
    Person("bina", language="te", role="shg_member"),
    Person("chitra", role="supplier"),
    Person("dev", gender="male"),
    Person("esha", opted_out=True),
    Person("farid", gender="male", unreachable=True),
    Person("gita", status="new"),  # not registered: never in an audience
]


def new_broadcast(
    conn: sqlite3.Connection, cluster_id: int, **audience: object
) -> broadcasts.Broadcast:
    return broadcasts.create(
        conn,
        cluster_id=cluster_id,
        author="test:cda",
        audience=dict(audience),
        texts={"en": "Meeting on Friday", "hi": "शुक्रवार को बैठक"},
        now="2026-11-28T09:00:00+00:00",
    )


@pytest.fixture
async def seeded(db: Database, one_cluster: Cluster) -> list[int]:
    return await db.write(lambda conn: seed_people(conn, one_cluster.id, PEOPLE))


def sender(db: Database, channel: FakeChannel, clock: FakeClock, **kw: object) -> OutboxSender:
    return OutboxSender(db, "test", channel.deliver, clock=clock, rng=random.Random(7), **kw)  # type: ignore[arg-type]


# --- fan-out ------------------------------------------------------------------------------


async def test_fan_out_writes_the_ledger_and_is_idempotent(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    def run(conn: sqlite3.Connection) -> dict[str, int]:
        b = new_broadcast(conn, one_cluster.id)
        fan_out_broadcast(conn, b, clock.now)
        return fan_out_broadcast(conn, b, clock.now)  # again: a retried job, a double tap

    counts = await db.write(run)
    assert counts["queued"] == 4 and counts["opted_out"] == 1 and counts["blocked"] == 1
    assert sum(counts.values()) == 6  # gita is not registered
    rows = await db.read(ledger)
    assert rows == {
        "asha": "queued",
        "bina": "queued",
        "chitra": "queued",
        "dev": "queued",
        "esha": "opted_out",
        "farid": "blocked",
    }
    texts = await db.read(
        lambda conn: dict(
            conn.execute(
                "SELECT c.name, json_extract(p.body, '$.text') FROM outbox o"
                " JOIN contacts c ON c.id = o.contact_id"
                " JOIN outbox_payloads p ON p.id = o.payload_id"
            ).fetchall()
        )
    )
    # Each person gets their own language's version, else the default (English).
    assert texts["asha"] == "शुक्रवार को बैठक" and texts["bina"] == "Meeting on Friday"


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ({"roles": ["shg_member", "supplier"]}, {"bina", "chitra"}),
        ({"gender": "male"}, {"dev", "farid"}),
        ({"gender": "female"}, {"asha", "bina", "chitra", "esha"}),
    ],
)
async def test_audience_filters(
    db: Database,
    one_cluster: Cluster,
    seeded: list[int],
    clock: FakeClock,
    audience: dict[str, object],
    expected: set[str],
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(
            conn, new_broadcast(conn, one_cluster.id, **audience), clock.now
        )
    )
    assert set(await db.read(ledger)) == expected


async def test_reminders_still_reach_people_who_opted_out(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    counts = await db.write(
        lambda conn: fan_out(
            conn,
            kind="reminder",
            ref="ev1",
            where="c.cluster_id = ? AND c.status = 'registered'",
            params=[one_cluster.id],
            payloads={"en": Payload("Tomorrow 10:00")},
            default_language="en",
            now=clock.now,
        )
    )
    assert counts["queued"] == 5 and counts["blocked"] == 1 and counts["opted_out"] == 0


async def test_enqueue_is_idempotent_per_contact_kind_ref(
    db: Database, seeded: list[int], clock: FakeClock
) -> None:
    def twice(conn: sqlite3.Connection) -> tuple[int | None, int | None]:
        args = dict(
            channel="test",
            contact_id=seeded[0],
            chat_id="c-asha",
            kind="invitation",
            ref="meeting:3",
            payload=Payload("Come?"),
            now=clock.now,
        )
        return enqueue(conn, **args), enqueue(conn, **args)  # type: ignore[arg-type]

    first, second = await db.write(twice)
    assert first is not None and second is None
    with pytest.raises(ValueError):
        await db.write(
            lambda conn: enqueue(
                conn,
                channel="test",
                contact_id=None,
                chat_id="1",
                kind="spam",
                ref="x",
                payload=Payload("x"),
                now=clock.now,
            )
        )


async def test_fan_out_of_a_large_cluster_is_one_quick_statement(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    people = [Person(f"p{i}", language=("hi", "te", "en")[i % 3]) for i in range(5000)]
    await db.write(lambda conn: seed_people(conn, one_cluster.id, people))
    counts = await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    assert counts["queued"] == 5000
    # Two payload rows (en, hi) however many recipients: the text is not copied per person.
    assert (
        await db.read(
            lambda conn: conn.execute("SELECT COUNT(*) FROM outbox_payloads").fetchone()[0]
        )
        == 2
    )


# --- sending ------------------------------------------------------------------------------


async def test_drain_sends_each_once_and_records_it(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    channel = FakeChannel()
    await sender(db, channel, clock).drain()
    assert channel.per_chat == {"c-asha": 1, "c-bina": 1, "c-chitra": 1, "c-dev": 1}
    assert set((await db.read(ledger)).values()) == {"sent", "opted_out", "blocked"}
    row = await db.read(
        lambda conn: conn.execute("SELECT * FROM outbox WHERE status = 'sent' LIMIT 1").fetchone()
    )
    assert (
        row["attempts"] == 1 and row["platform_message_id"] and row["sent_at"] == iso_ms(clock.now)
    )
    # Draining again sends nothing more.
    await sender(db, channel, clock).drain()
    assert len(channel.calls) == 4


async def test_transient_errors_back_off_with_jitter_then_fail(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    flaky = SendResult(Outcome.TRANSIENT, "network error: 502")
    channel = FakeChannel({"c-asha": [flaky, flaky, flaky], "c-bina": [flaky]})
    s = sender(db, channel, clock, policy=RetryPolicy(max_attempts=3, base_delay=1.0))

    await s.drain()
    rows = await db.read(
        lambda conn: {r["chat_id"]: r for r in conn.execute("SELECT * FROM outbox")}
    )
    asha = rows["c-asha"]
    assert asha["status"] == "queued" and asha["attempts"] == 1 and "502" in asha["last_error"]
    delay = asha["next_attempt_at"]
    assert (
        iso_ms(clock.now + timedelta(seconds=0.5))
        <= delay
        <= iso_ms(clock.now + timedelta(seconds=1))
    )

    await s.drain()  # not due yet: nothing is sent early
    assert channel.per_chat["c-asha"] == 1
    clock.advance(seconds=1)
    await s.drain()  # second attempt fails too; next delay is 1-2 s
    clock.advance(seconds=2)
    await s.drain()  # third attempt: the last one allowed
    final = await db.read(ledger)
    assert final["asha"] == "failed" and final["bina"] == "sent"
    reason = await db.read(
        lambda conn: conn.execute(
            "SELECT last_error FROM outbox WHERE chat_id = 'c-asha'"
        ).fetchone()[0]
    )
    assert reason.startswith("gave up after 3 attempts")
    assert channel.per_chat["c-asha"] == 3 and channel.per_chat["c-bina"] == 2


async def test_429_pauses_the_channel_without_using_an_attempt(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    now = [100.0]
    limiter = RateLimiter(Limits(), clock=lambda: now[0])
    channel = FakeChannel({"c-chitra": [SendResult(Outcome.RETRY_AFTER, "flood", retry_after=7)]})
    await sender(db, channel, clock, limiter=limiter).drain()
    assert limiter.paused_until == pytest.approx(107.0)
    row = await db.read(
        lambda conn: conn.execute("SELECT * FROM outbox WHERE chat_id = 'c-chitra'").fetchone()
    )
    assert row["status"] == "queued" and row["attempts"] == 0
    assert row["next_attempt_at"] == iso_ms(clock.now + timedelta(seconds=7))
    clock.advance(seconds=7)
    await sender(db, channel, clock).drain()
    assert (await db.read(ledger))["chitra"] == "sent"


async def test_429_for_one_telegram_chat_pauses_that_chat_only(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    now = [100.0]
    limiter = RateLimiter(Limits(), clock=lambda: now[0])
    flood = SendResult(Outcome.RETRY_AFTER, "flood", retry_after=7, chat_only=True)
    channel = FakeChannel({"c-chitra": [flood]})
    await sender(db, channel, clock, limiter=limiter).drain()
    assert limiter.chat_paused_until("c-chitra") == pytest.approx(107.0)
    assert limiter.paused_until < 0  # the others were not held back
    ledger_now = await db.read(ledger)
    assert ledger_now["chitra"] == "queued"
    others = {status for name, status in ledger_now.items() if name != "chitra"}
    assert "sent" in others and "queued" not in others


async def test_403_blocks_and_marks_the_contact_unreachable(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    channel = FakeChannel(
        {
            "c-dev": [SendResult(Outcome.BLOCKED, "Forbidden: bot was blocked by the user")],
            "c-chitra": [SendResult(Outcome.FAILED, "chat not found")],
        }
    )
    await sender(db, channel, clock).drain()
    assert (await db.read(ledger))["dev"] == "blocked"
    assert (await db.read(ledger))["chitra"] == "failed"
    assert channel.per_chat["c-dev"] == 1 and channel.per_chat["c-chitra"] == 1  # no retries
    dev = await db.read(lambda conn: contacts.by_id(conn, seeded[3]))
    assert dev is not None and dev.unreachable
    # The next broadcast does not even try.
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    assert (await db.read(lambda conn: ledger(conn, "2")))["dev"] == "blocked"


async def test_state_changes_after_fan_out_are_honoured_before_sending(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    await db.write(lambda conn: contacts.update(conn, seeded[0], opted_out=1))  # asha: /stop
    await db.write(lambda conn: contacts.erase(conn, seeded[1], iso_ms(clock.now)))  # bina: /forget
    await db.write(lambda conn: contacts.update(conn, seeded[3], unreachable=1))  # dev: blocked us
    channel = FakeChannel()
    await sender(db, channel, clock).drain()
    rows = await db.read(ledger)
    assert rows["asha"] == "opted_out" and rows["chitra"] == "sent" and rows["dev"] == "blocked"
    erased = await db.read(
        lambda conn: conn.execute(
            "SELECT status, chat_id FROM outbox WHERE contact_id = ?", (seeded[1],)
        ).fetchone()
    )
    assert tuple(erased) == ("skipped", None)  # the ledger forgets the chat id too
    assert set(channel.per_chat) == {"c-chitra"}


def claimed(**changes: object) -> outbox_rows.Claimed:
    row = outbox_rows.Claimed(
        id=1, channel="test", contact_id=1, chat_id="c-1", kind="broadcast", ref="b:1",
        attempts=0, body=Payload("Meeting on Friday").dumps(), opted_out=False,
        unreachable=False, erased=False,
    )  # fmt: skip
    return replace(row, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"erased": True}, "skipped"),
        ({"chat_id": None}, "skipped"),
        ({"opted_out": True}, "opted_out"),
        ({"unreachable": True}, "blocked"),
        ({"body": "{not json"}, "failed"),
    ],
)
def test_triage_closes_what_no_sender_may_send(changes: dict[str, object], status: str) -> None:
    assert triage(claimed()) == OutboxItem(
        1, "test", "c-1", "broadcast", "b:1", 0, Payload("Meeting on Friday")
    )
    closed = triage(claimed(**changes))
    assert isinstance(closed, tuple) and closed[0] == status


def test_triage_sends_reminders_to_those_who_opted_out_of_news() -> None:
    assert isinstance(triage(claimed(kind="reminder", opted_out=True)), OutboxItem)


async def test_reminders_go_before_a_long_broadcast(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    clock.advance(seconds=1)
    await db.write(
        lambda conn: enqueue(
            conn,
            channel="test",
            contact_id=seeded[3],
            chat_id="c-dev",
            kind="reminder",
            ref="ev:1",
            payload=Payload("Tomorrow!"),
            now=clock.now,
        )
    )
    channel = FakeChannel()
    await sender(db, channel, clock, concurrency=1).drain()
    assert channel.calls[0].kind == "reminder" and channel.calls[0].payload.text == "Tomorrow!"


# --- crash safety -------------------------------------------------------------------------


async def test_rows_in_flight_at_a_crash_are_sent_again_and_nothing_is_lost(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    people = [Person(f"p{i}") for i in range(40)]
    await db.write(lambda conn: seed_people(conn, one_cluster.id, people))
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )

    # First run: 30 go through, then the platform stalls with 4 sends in flight, and the
    # process dies (the task is cancelled; nothing after the send is recorded).
    first = FakeChannel()
    crashed = sender(db, first, clock, concurrency=4)
    await crashed.start()
    while len(first.calls) < 30:
        await asyncio.sleep(0)
    first.hold = asyncio.Event()  # later sends reach the platform, but never return
    while len(first.calls) < 34:
        await asyncio.sleep(0.001)
    assert crashed._loop_task is not None
    crashed._loop_task.cancel()
    doomed = [
        crashed._loop_task,
        *crashed._active,
        *([crashed._flusher] if crashed._flusher else []),
    ]
    for task in doomed:
        task.cancel()
    await asyncio.gather(*doomed, return_exceptions=True)
    in_flight = await db.read(
        lambda conn: conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'in_flight'"
        ).fetchone()[0]
    )
    assert 0 < in_flight <= 4

    # Restart: rows left in flight go again; everyone gets it, duplicates <= in flight.
    second = FakeChannel()
    restarted = sender(db, second, clock, concurrency=4)
    assert await restarted.recover() == in_flight
    await restarted.drain()
    total = first.per_chat + second.per_chat
    assert set(total) == {f"c-p{i}" for i in range(40)}  # nobody lost
    duplicates = sum(n - 1 for n in total.values())
    assert duplicates <= in_flight
    assert set((await db.read(ledger)).values()) == {"sent"}


async def test_claim_marks_in_flight_before_the_send(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    items, closed = await db.write(lambda conn: _claim("test", iso_ms(clock.now), 2, conn))
    assert len(items) == 2 and not closed
    statuses = await db.read(ledger)
    assert sorted(statuses.values()).count("in_flight") == 2


async def test_sender_loop_wakes_up_for_new_rows_and_stops_cleanly(
    db: Database, one_cluster: Cluster, seeded: list[int], clock: FakeClock
) -> None:
    channel = FakeChannel()
    s = sender(db, channel, clock, poll_interval=30.0)
    await s.start()
    await db.write(
        lambda conn: fan_out_broadcast(conn, new_broadcast(conn, one_cluster.id), clock.now)
    )
    s.wake()  # what the app does after every turn
    for _ in range(1000):  # up to 10 s under load; done as soon as the 4 calls are made
        if len(channel.calls) == 4:
            break
        await asyncio.sleep(0.01)
    await s.stop()
    assert len(channel.calls) == 4
    assert set((await db.read(ledger)).values()) == {"sent", "opted_out", "blocked"}


# --- Telegram wiring ----------------------------------------------------------------------


async def test_telegram_outbox_sends_to_a_group_keep_to_20_a_minute() -> None:
    """Issue 4: at most 20 messages a minute to one group. The limiter's own tests prove
    the arithmetic; this proves the Telegram channel asks for it (a negative chat id is a
    group) when it delivers outbox rows. Virtual time: the injected sleep moves the clock."""
    from bot.channels.telegram import TelegramChannel, build_application
    from tests.e2e.harness import TOKEN, known_chats
    from tests.fakes.telegram_api import FakeTelegram

    now = [1000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds
        await asyncio.sleep(0)

    async def nothing(*_: object) -> list[object]:
        return []

    group, person = -100200300, 4242
    server = FakeTelegram(TOKEN)
    await server.start()
    application = build_application(TOKEN, server.root)
    await application.initialize()
    try:
        server.add_chat(group)
        known_chats(server, [person])
        limiter = RateLimiter(Limits(), clock=lambda: now[0], sleep=sleep)
        channel = TelegramChannel(application, nothing, limiter=limiter)  # type: ignore[arg-type]

        async def deliver(chat: int, n: int) -> float:
            item = OutboxItem(n, "telegram", str(chat), "broadcast", "1", 0, Payload(f"n{n}"))
            assert (await channel.deliver(item)).outcome is Outcome.SENT
            return now[0]

        start = now[0]
        times = [await deliver(group, n) for n in range(21)]
        # One a second after a burst of 3 (the chat limit) for 20 sends; the 21st waits
        # for the first to leave the rolling minute.
        assert times[19] - start < 20
        assert times[20] - start >= 60
        # A private chat is not held by that group's minute.
        assert await deliver(person, 99) - times[20] < 1
    finally:
        await application.shutdown()
        await server.stop()
    assert len([m for m in server.sent if m.chat_id == group]) == 21


async def test_kinds_are_checked_in_code_not_by_a_table_check(
    db: Database, seeded: list[int], clock: FakeClock
) -> None:
    """Migration 0021 dropped the CHECK on outbox.kind (a new kind no longer rebuilds the
    table); queue.py is where an unknown kind is refused, for one message and a fan-out."""
    schema = await db.read(
        lambda conn: conn.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()
    )
    assert "CHECK (kind" not in schema[0] and "CHECK (status" in schema[0]
    with pytest.raises(ValueError):
        await db.write(
            lambda conn: fan_out(
                conn,
                kind="spam",
                ref="x",
                where="c.id = ?",
                params=[seeded[0]],
                payloads={"en": Payload("x")},
                default_language="en",
                now=clock.now,
            )
        )
    rows = await db.read(lambda conn: conn.execute("SELECT count(*) FROM outbox").fetchone())
    assert rows[0] == 0
