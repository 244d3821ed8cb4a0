"""The database: one writer connection, one reader connection, numbered migrations.

A write is a plain function of a `sqlite3.Connection` run inside `BEGIN IMMEDIATE` on the
writer's thread (the datasette `execute_write_fn` model): one thread hop per transaction
instead of one per statement, and a handler's reads and writes commit or roll back together.
A *quick* write (a chat turn) runs on the event loop's own thread instead, still one at a
time: handing every turn to a thread and back cost more than the turn itself under load
(the two threads take turns at the GIL): ~1.3x the CPU per answer and a p99 several times
longer at 3,000 answers/s in bench/bench_survey.py. A quick write never waits on the loop
for another process's write lock (`Busy`: it goes to the writer thread to wait).

WAL checkpoints (copying the log back into the database file, with an fsync) run on the
reader's thread, not inside a commit: done by the writer they stall every queued turn for
4-8 ms a few times a second under load (bench/bench_survey.py).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import iso, utc_now

T = TypeVar("T")
log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000  # how long a write waits for another process's write lock
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL in WAL mode is durable against an application crash (kill -9); only an OS
    # crash or power cut may lose the last transactions.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    # Deleted content is overwritten with zeros, so what /forget erased does not linger in
    # free pages or free space inside pages (bot/erasure.py; the WAL: `truncate_wal`).
    "PRAGMA secure_delete=ON",
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
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    return result


def _rollback(conn: sqlite3.Connection) -> None:
    # A COMMIT that failed (a deferred constraint, a full disk) may have left the
    # transaction open: the next BEGIN would fail for ever after. Or SQLite ended it.
    if conn.in_transaction:
        conn.execute("ROLLBACK")


MAX_GROUP = 100  # writes committed together at most: bounds what one commit waits for
CHECKPOINT_INTERVAL = 0.2  # seconds between WAL checkpoints while writes keep coming
# The log restarts from its beginning when a write finds it fully checkpointed, which
# never happens while batches follow each other without a pause. Past this many frames
# (pages, ~16 MB) the writer itself checkpoints between two batches: only the frames
# written since the reader's checkpoint are left to copy, and the next write restarts it.
WAL_RESTART_FRAMES = 4096
# After an erasure, every commit for this long is followed by a truncating checkpoint: what
# the erasing turn leaves for others to delete just after (the WhatsApp payload it came in,
# bot/storage/intake.py) must not stay in the database file or the log either.
WIPE_WINDOW = 10.0


class Busy(Exception):
    """Another connection holds the write lock and the caller would not wait: nothing ran."""


def begin(conn: sqlite3.Connection, *, wait: bool = True) -> None:
    """BEGIN IMMEDIATE. Without `wait`, raise Busy at once when another process is writing
    instead of waiting up to BUSY_TIMEOUT_MS (the event loop must not sleep on it)."""
    if wait:
        conn.execute("BEGIN IMMEDIATE")
        return
    conn.execute("PRAGMA busy_timeout=0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
            raise Busy(str(exc)) from exc
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def run_group(
    conn: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]], *, wait: bool = True
) -> list[tuple[bool, Any]]:
    """Run each fn in its own savepoint inside one transaction; (ok, result or exception).

    A fn that raises rolls back to its savepoint: its changes go, the others' stay. If the
    COMMIT fails, nothing of any fn is kept and this raises: no caller may then be told
    that its write happened (Database._drain fails them all). `wait`: see `begin`."""
    results: list[tuple[bool, Any]] = []
    begin(conn, wait=wait)
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
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    return results


def checkpoint(conn: sqlite3.Connection) -> int:
    """A PASSIVE checkpoint (never waits for the writer or readers); returns the frames
    in the WAL, checkpointed or not."""
    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


def truncate_wal(conn: sqlite3.Connection) -> bool:
    """Copy the whole WAL into the database file and truncate it to zero bytes, so the old
    pages an erasure replaced exist nowhere any more. False when a reader still used an
    older snapshot: the log then keeps them until the next successful truncation."""
    busy, _frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("the WAL could not be truncated yet: a reader is busy")
    return not busy


class Database:
    """Async access to one SQLite file: `write(fn)` for transactions, `read(fn)` for reports."""

    def __init__(
        self, path: str | Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ):
        self.path = str(path)
        self._writer = writer
        self._reader = reader
        self._pending: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any], bool]]
        self._pending = []
        self._draining = False
        self._checkpoint: asyncio.Task[None] | None = None
        self._checkpointed_at = asyncio.get_running_loop().time()
        self._restart_wal = False  # set by a checkpoint: the writer checkpoints too
        self._wipe_until = 0.0  # loop time until which checkpoints truncate (`wipe_wal`)
        self._wipe_again = False  # a commit came during a truncation: truncate once more
        self._lanes: dict[str, aiosqlite.Connection] = {}  # more readers (`read(lane=)`)
        self._opening: dict[str, asyncio.Task[aiosqlite.Connection]] = {}

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        # Used from its own thread and (quick writes) the loop's, never both at once.
        writer = await _connect(path, check_same_thread=False)
        await writer._execute(migrate, writer._conn)
        # Commits no longer checkpoint (see the module docstring): `_after_commit` does.
        await writer.execute("PRAGMA wal_autocheckpoint=0")
        reader = await _connect(path)
        return cls(path, writer, reader)

    async def write(self, fn: Callable[[sqlite3.Connection], T], *, quick: bool = False) -> T:
        """Run `fn(conn)` in an IMMEDIATE transaction on the writer thread; returns once it
        is committed. Its changes are all kept or (if it raises) all undone.

        Group commit: writes that arrive while the writer is busy run together in the next
        transaction, each inside its own savepoint, so one failing write undoes only itself.
        Under load one commit serves many turns (several times the throughput); alone, a
        write is still one transaction of its own.

        `quick`: a write of a few milliseconds at most, such as a chat turn (DESIGN: slow
        work stays out of turns). A group of quick writes runs on the event loop's thread,
        blocking it meanwhile; a slow one (a fan-out to thousands) must not be quick.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((fn, future, quick))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        # Runs on the event loop: only it touches _pending, so no lock is needed.
        try:
            while self._pending:
                # The writes in order, as long as they are all quick or all not (at most
                # MAX_GROUP): an outbox write queued among turns leaves them on the loop.
                quick = self._pending[0][2]
                size = 1
                while size < min(MAX_GROUP, len(self._pending)) and self._pending[size][2] is quick:
                    size += 1
                batch = self._pending[:size]
                del self._pending[:size]
                fns = [fn for fn, _, _ in batch]
                try:
                    results = await self._run(fns, quick)
                except BaseException as exc:  # the commit itself failed: nothing was kept
                    results = [(False, exc)] * len(batch)
                for (_, future, _), (ok, value) in zip(batch, results, strict=True):
                    if future.done():  # the caller was cancelled; its write still happened
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
                self._after_commit()
                if self._restart_wal:
                    self._restart_wal = False
                    try:
                        await self._writer._execute(checkpoint, self._writer._conn)
                    except Exception:  # housekeeping: the writes go on, the next one retries
                        log.exception("WAL checkpoint on the writer failed")
                if quick:
                    await asyncio.sleep(0)  # let the loop serve the replies and I/O first
        finally:
            self._draining = False

    async def _run(
        self, fns: list[Callable[[sqlite3.Connection], Any]], quick: bool
    ) -> list[tuple[bool, Any]]:
        conn = self._writer._conn
        if quick:
            try:
                return run_group(conn, fns, wait=False)
            except Busy:  # another process is writing: wait for it on the writer thread
                pass
        return await self._writer._execute(run_group, conn, fns)

    def _after_commit(self) -> None:
        """Start a WAL checkpoint on the reader's thread, at most one at a time and one
        per CHECKPOINT_INTERVAL: the writer goes on committing meanwhile."""
        loop = asyncio.get_running_loop()
        wiping = loop.time() < self._wipe_until  # soon after an erasure: never skipped
        if self._checkpoint is not None:
            self._wipe_again = self._wipe_again or wiping
            return
        if not wiping and loop.time() - self._checkpointed_at < CHECKPOINT_INTERVAL:
            return
        self._checkpointed_at = loop.time()
        self._checkpoint = loop.create_task(self._run_checkpoint(truncate=wiping))

    async def _run_checkpoint(self, *, truncate: bool = False) -> None:
        try:
            if truncate:
                await self._reader._execute(truncate_wal, self._reader._conn)
            else:
                frames = await self._reader._execute(checkpoint, self._reader._conn)
                # The writer's own connection is used by `_drain` alone: it checkpoints there.
                self._restart_wal = frames > WAL_RESTART_FRAMES
        except Exception:  # a checkpoint is housekeeping: the next one retries
            log.exception("WAL checkpoint failed")
        finally:
            self._checkpoint = None
            if self._wipe_again:
                self._wipe_again = False
                self._after_commit()

    async def read(self, fn: Callable[[sqlite3.Connection], T], *, lane: str = "") -> T:
        """Run `fn(conn)` on a reader connection (WAL: sees the last commit, never blocks).

        Each connection runs one read at a time on its own thread, so a slow read queues
        every read behind it on that connection. `lane` names another reader connection
        (opened on first use) for reads that must not wait behind the others: the web
        pages read on "web", and their minute-long caches rebuild on "bulk", so fifty
        browsers never hold up a chat's report, nor a page's session check a rebuild."""
        reader = await self._lane(lane) if lane else self._reader
        return await reader._execute(fn, reader._conn)

    async def _lane(self, name: str) -> aiosqlite.Connection:
        if name not in self._lanes:
            opening = self._opening.get(name)
            if opening is None:
                opening = asyncio.get_running_loop().create_task(_connect(self.path))
                self._opening[name] = opening
            connection = await asyncio.shield(opening)
            self._lanes.setdefault(name, connection)
            self._opening.pop(name, None)
        return self._lanes[name]

    async def wipe_wal(self) -> bool:
        """`truncate_wal` on the reader's thread (after an erasure has committed): it waits
        for a write in progress, then empties the log. Turns go on meanwhile. For
        WIPE_WINDOW seconds after, each commit is followed by a truncation too."""
        self._wipe_until = asyncio.get_running_loop().time() + WIPE_WINDOW
        if self._checkpoint is not None:
            await self._checkpoint
        return await self._reader._execute(truncate_wal, self._reader._conn)

    async def backup(self, target: str | Path) -> None:
        """A consistent online copy (SQLite backup API) while the bot keeps running."""
        dest = sqlite3.connect(str(target))
        try:
            await self._reader.backup(dest)
        finally:
            dest.close()

    async def close(self) -> None:
        while self._checkpoint is not None:  # (one may start another: `_wipe_again`)
            await self._checkpoint
        for name, opening in list(self._opening.items()):  # a lane still opening
            self._lanes.setdefault(name, await opening)
        for lane in self._lanes.values():
            await lane.close()
        self._lanes.clear()
        await self._reader.close()
        await self._writer.close()


async def _connect(path: str | Path, **kw: Any) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(str(path), isolation_level=None, **kw)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        await conn.execute(pragma)
    return conn
