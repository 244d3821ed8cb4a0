"""bot/storage/db.py: group commit (one transaction, one savepoint per write) and WAL
checkpoints kept out of the writer's commits (issue 3, answer throughput)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.storage import db as dbmod
from bot.storage.db import Database

Write = Callable[[sqlite3.Connection], Any]


def record_groups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many writes each transaction held, in order."""
    sizes: list[int] = []
    real = dbmod.run_group

    def counting(conn: sqlite3.Connection, fns: list[Write], **kw: Any) -> list[tuple[bool, Any]]:
        sizes.append(len(fns))
        return real(conn, fns, **kw)

    monkeypatch.setattr(dbmod, "run_group", counting)
    return sizes


def insert(value: int) -> Write:
    return lambda conn: conn.execute("INSERT INTO t (v) VALUES (?)", (value,)).rowcount


async def values(db: Database) -> list[int]:
    return await db.read(lambda conn: [r[0] for r in conn.execute("SELECT v FROM t ORDER BY v")])


async def deferred_fk_tables(db: Database) -> None:
    """`parent` and `child` whose foreign key is checked only at COMMIT: inserting an
    orphan `child` succeeds on its own and makes its whole group's commit fail."""
    await db.write(lambda conn: conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
    await db.write(lambda conn: conn.execute(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id)"
        " DEFERRABLE INITIALLY DEFERRED)"))  # fmt: skip


def record_checkpoints(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which connection ran each WAL checkpoint ("writer" or "reader"), in order, with no
    minimum interval between checkpoints."""
    threads: list[str] = []
    real = dbmod.checkpoint

    def recording(conn: sqlite3.Connection) -> int:
        threads.append("writer" if conn is db._writer._conn else "reader")
        return real(conn)

    monkeypatch.setattr(dbmod, "checkpoint", recording)
    monkeypatch.setattr(dbmod, "CHECKPOINT_INTERVAL", 0.0)
    return threads


@pytest.fixture
async def table(db: Database) -> None:
    await db.write(lambda conn: conn.execute("CREATE TABLE t (v INTEGER)"))


async def test_a_write_alone_is_a_transaction_of_its_own(
    db: Database, table: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = record_groups(monkeypatch)
    assert await db.write(insert(1)) == 1
    assert await db.write(insert(2)) == 1
    assert groups == [1, 1]
    assert await values(db) == [1, 2]


async def test_a_failing_write_in_a_group_undoes_only_itself(
    db: Database, table: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = record_groups(monkeypatch)

    def fails(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (v) VALUES (99)")
        raise ValueError("boom")

    results = await asyncio.gather(
        db.write(insert(1)), db.write(fails), db.write(insert(2)), return_exceptions=True
    )
    assert groups == [3]  # queued together: one transaction
    assert results[0] == 1 and results[2] == 1
    assert isinstance(results[1], ValueError)
    assert await values(db) == [1, 2]  # 99 was rolled back with its savepoint alone


async def test_a_failed_commit_keeps_nothing_and_fails_every_write_of_the_group(
    db: Database, table: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deferred foreign key is checked at COMMIT: the group's commit fails after every
    # write of it has succeeded on its own.
    await deferred_fk_tables(db)
    groups = record_groups(monkeypatch)
    orphan = lambda conn: conn.execute("INSERT INTO child VALUES (42)").rowcount  # noqa: E731
    results = await asyncio.gather(
        db.write(insert(1)), db.write(orphan), db.write(insert(2)), return_exceptions=True
    )
    assert groups == [3]
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert await values(db) == []
    # The failed transaction was rolled back: the writer goes on working.
    assert await db.write(insert(3)) == 1
    assert await values(db) == [3]


async def test_checkpoints_run_on_the_reader_not_in_a_commit(
    db: Database, table: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = record_checkpoints(db, monkeypatch)
    # The writer's commits never checkpoint by themselves...
    assert await db._writer._execute(
        lambda: db._writer._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    ) == 0  # fmt: skip
    await db.write(insert(7))
    # ...a committed group starts one on the reader's thread instead.
    assert db._checkpoint is not None
    await db._checkpoint
    assert threads == ["reader"]
    # The row reached the database file itself, not only the log.
    uri = f"file:{settings.db}?immutable=1"
    with sqlite3.connect(uri, uri=True) as plain:
        assert plain.execute("SELECT v FROM t").fetchall() == [(7,)]


async def test_a_log_that_never_restarted_is_checkpointed_by_the_writer_too(
    db: Database, table: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = record_checkpoints(db, monkeypatch)
    monkeypatch.setattr(dbmod, "WAL_RESTART_FRAMES", 0)
    await db.write(insert(1))
    assert db._checkpoint is not None
    await db._checkpoint
    assert threads == ["reader"]
    # The writer's connection belongs to the queue of writes: it checkpoints right after
    # the next one, before any later write.
    assert await db.write(insert(2)) == 1
    assert await db.write(insert(3)) == 1
    assert threads[0] == "reader" and "writer" in threads
    assert await values(db) == [1, 2, 3]


async def test_quick_writes_run_on_the_event_loops_thread(
    db: Database, table: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def where(conn: sqlite3.Connection) -> int:
        return threading.get_ident()

    loop = threading.get_ident()
    assert await db.write(where, quick=True) == loop
    writer = await db.write(where)
    assert writer != loop
    # Queued together, each kind still runs where it belongs (two transactions, in order).
    groups = record_groups(monkeypatch)
    both = await asyncio.gather(db.write(where, quick=True), db.write(where))
    assert both == [loop, writer] and groups == [1, 1]


async def test_a_quick_write_waits_for_another_process_off_the_loop(
    db: Database, table: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[bool] = []
    real = dbmod.run_group

    def recording(conn: sqlite3.Connection, fns: list[Write], wait: bool = True) -> Any:
        attempts.append(wait)
        return real(conn, fns, wait=wait)

    monkeypatch.setattr(dbmod, "run_group", recording)
    other = sqlite3.connect(settings.db, isolation_level=None)  # e.g. the CLI, writing
    try:
        other.execute("BEGIN IMMEDIATE")
        write = asyncio.ensure_future(db.write(insert(5), quick=True))
        for _ in range(5):
            await asyncio.sleep(0)  # the loop runs on: it is not stuck in busy_timeout
        assert attempts[:1] == [False] and not write.done()
        other.execute("COMMIT")
        assert await write == 1
        assert attempts == [False, True]  # tried on the loop, then waited on the thread
    finally:
        other.close()
    assert await values(db) == [5]


async def test_a_slow_read_on_one_lane_does_not_hold_up_another(tmp_path: Path) -> None:
    """The web pages' cache rebuilds read on their own connection ("bulk"), so a session
    check ("web") or a chat's report (the default reader) never waits behind one."""
    import time

    db = await Database.open(tmp_path / "lanes.db")
    finished: list[str] = []

    def slow(conn: sqlite3.Connection) -> int:
        time.sleep(0.6)
        finished.append("bulk")
        return int(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])

    def quick(name: str) -> Callable[[sqlite3.Connection], int]:
        def read(conn: sqlite3.Connection) -> int:
            finished.append(name)
            return int(conn.execute("SELECT 1").fetchone()[0])

        return read

    try:
        bulk = asyncio.ensure_future(db.read(slow, lane="bulk"))
        await asyncio.sleep(0.1)  # the slow read is under way
        assert await db.read(quick("web"), lane="web") == 1
        assert await db.read(quick("main")) == 1
        assert finished == ["web", "main"]
        assert await bulk == 0 and finished[-1] == "bulk"
        # one connection per lane, reused
        first = await db._lane("web")
        assert await db._lane("web") is first and first is not await db._lane("bulk")
    finally:
        await db.close()
