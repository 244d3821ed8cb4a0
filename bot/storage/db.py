"""The database: one writer connection, one reader connection, numbered migrations.

A write is a plain function of a `sqlite3.Connection` run inside `BEGIN IMMEDIATE` on the
writer's thread (the datasette `execute_write_fn` model): one thread hop per transaction
instead of one per statement, and a handler's reads and writes commit or roll back together.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import iso, utc_now

T = TypeVar("T")

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL in WAL mode is durable against an application crash (kill -9); only an OS
    # crash or power cut may lose the last transactions.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration, in order."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name.removesuffix(".sql"), entry.read_text("utf-8")))
    return sorted(found)


def connect_sync(path: str | Path) -> sqlite3.Connection:
    """A plain connection with our pragmas, for the CLI and tests."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations, each in its own transaction. Returns the names applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_sql(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, iso(utc_now())),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about quotes)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def run_in_transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


MAX_GROUP = 100  # writes committed together at most: bounds what one commit waits for


def run_group(
    conn: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """Run each fn in its own savepoint inside one transaction; (ok, result or exception)."""
    results: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for fn in fns:
            conn.execute("SAVEPOINT write")
            try:
                value = fn(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO write")
                conn.execute("RELEASE write")
                results.append((False, exc))
            else:
                conn.execute("RELEASE write")
                results.append((True, value))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return results


class Database:
    """Async access to one SQLite file: `write(fn)` for transactions, `read(fn)` for reports."""

    def __init__(
        self, path: str | Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ):
        self.path = str(path)
        self._writer = writer
        self._reader = reader
        self._pending: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._draining = False

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        writer = await _connect(path)
        await writer._execute(migrate, writer._conn)
        reader = await _connect(path)
        return cls(path, writer, reader)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` in an IMMEDIATE transaction on the writer thread; returns once it
        is committed. Its changes are all kept or (if it raises) all undone.

        Group commit: writes that arrive while the writer is busy run together in the next
        transaction, each inside its own savepoint, so one failing write undoes only itself.
        Under load one commit and one thread hop serve many turns (several times the
        throughput); alone, a write is still one transaction of its own.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((fn, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        # Runs on the event loop: only it touches _pending, so no lock is needed.
        try:
            while self._pending:
                batch = self._pending[:MAX_GROUP]
                del self._pending[:MAX_GROUP]
                fns = [fn for fn, _ in batch]
                try:
                    results = await self._writer._execute(run_group, self._writer._conn, fns)
                except BaseException as exc:  # the commit itself failed: nothing was kept
                    results = [(False, exc)] * len(batch)
                for (_, future), (ok, value) in zip(batch, results, strict=True):
                    if future.done():  # the caller was cancelled; its write still happened
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._draining = False

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` on the reader connection (WAL: sees the last commit, never blocks)."""
        return await self._reader._execute(fn, self._reader._conn)

    async def backup(self, target: str | Path) -> None:
        """A consistent online copy (SQLite backup API) while the bot keeps running."""
        dest = sqlite3.connect(str(target))
        try:
            await self._reader.backup(dest)
        finally:
            dest.close()

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()


async def _connect(path: str | Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        await conn.execute(pragma)
    return conn
