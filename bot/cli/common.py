"""What every `clusterbot` sub-command shares: the usage error and a write to the database.

Kept apart from `bot.cli` (which imports every sub-command) so that a sub-command never
imports its own caller."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from bot.config import Settings
from bot.storage.db import connect_sync, migrate, run_in_transaction

T = TypeVar("T")


class UsageError(Exception):
    """A mistake on the command line: one line to stderr, exit code 2."""


def write_db(settings: Settings, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run `fn` in one transaction on the (migrated) database file of `settings`."""
    conn = connect_sync(settings.db)
    try:
        migrate(conn)
        return run_in_transaction(conn, fn)
    finally:
        conn.close()
