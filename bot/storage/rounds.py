"""Rounds of a survey (issue 18): a baseline, then follow-ups of the same form for the same
people. A round belongs to a survey key, so a newer version of the form answered in a later
round still compares by question name. Exactly one round of a key is open at a time: the
one new responses join. A key's first round, "Baseline", is made when it is first needed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

BASELINE = "Baseline"
MAX_NAME = 60


class RoundError(ValueError):
    """A round that cannot be opened (empty or duplicate name, unknown survey)."""


@dataclass(frozen=True)
class Round:
    id: int
    key: str
    name: str
    opened_at: str
    closed_at: str | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


def _round(row: sqlite3.Row | tuple[object, ...]) -> Round:
    return Round(*row)


_COLUMNS = "id, key, name, opened_at, closed_at"


def of_key(conn: sqlite3.Connection, key: str) -> list[Round]:
    """Every round of `key`, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM survey_rounds WHERE key = ? ORDER BY id", (key,)
    ).fetchall()
    return [_round(tuple(row)) for row in rows]


def current(conn: sqlite3.Connection, key: str) -> Round | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM survey_rounds WHERE key = ? AND closed_at IS NULL"
        " ORDER BY id DESC LIMIT 1",
        (key,),
    ).fetchone()
    return _round(tuple(row)) if row else None


def current_or_baseline(conn: sqlite3.Connection, key: str, now: str) -> Round:
    """The open round of `key`; the baseline is opened when the key has no round yet."""
    found = current(conn, key)
    if found is not None:
        return found
    if of_key(conn, key):  # every round closed: answers go to the latest
        return of_key(conn, key)[-1]
    conn.execute(
        "INSERT INTO survey_rounds (key, name, opened_at) VALUES (?, ?, ?)", (key, BASELINE, now)
    )
    opened = current(conn, key)
    assert opened is not None
    return opened


def by_name(conn: sqlite3.Connection, key: str, name: str) -> Round | None:
    """A round by its name (case-insensitive: people type it) or by its number (1 = first)."""
    rounds = of_key(conn, key)
    if name.strip().isdigit() and 1 <= int(name) <= len(rounds):
        return rounds[int(name) - 1]
    wanted = name.strip().casefold()
    return next((r for r in rounds if r.name.casefold() == wanted), None)


def open_round(conn: sqlite3.Connection, key: str, name: str, now: str) -> Round:
    """Open a new round of `key` (closing the open one). Call inside one transaction."""
    name = " ".join(name.split())
    if not name:
        raise RoundError("a round needs a name, for example “Midline 2027”")
    if len(name) > MAX_NAME:
        raise RoundError(f"a round's name can have at most {MAX_NAME} characters")
    if not conn.execute("SELECT 1 FROM surveys WHERE key = ?", (key,)).fetchone():
        raise RoundError(f"there is no survey {key!r}")
    current_or_baseline(conn, key, now)  # the answers so far are the baseline
    if by_name(conn, key, name) is not None:
        raise RoundError(f"survey {key!r} already has a round called {name!r}")
    conn.execute(
        "UPDATE survey_rounds SET closed_at = ? WHERE key = ? AND closed_at IS NULL", (now, key)
    )
    conn.execute(
        "INSERT INTO survey_rounds (key, name, opened_at) VALUES (?, ?, ?)", (key, name, now)
    )
    opened = current(conn, key)
    assert opened is not None
    return opened


def of_response(conn: sqlite3.Connection, response_id: int) -> int | None:
    row = conn.execute("SELECT round_id FROM responses WHERE id = ?", (response_id,)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def completed_in(conn: sqlite3.Connection, contact_id: int, key: str, round_id: int) -> bool:
    """Has the person finished `key` in this round?"""
    return (
        conn.execute(
            "SELECT 1 FROM responses r JOIN surveys s ON s.id = r.survey_id"
            " WHERE r.contact_id = ? AND s.key = ? AND r.round_id = ? AND r.status = 'completed'"
            " LIMIT 1",
            (contact_id, key, round_id),
        ).fetchone()
        is not None
    )


def earlier_respondents(conn: sqlite3.Connection, key: str, round_id: int) -> list[int]:
    """The people who finished `key` in a round before `round_id`: whom a new round asks."""
    rows = conn.execute(
        "SELECT DISTINCT r.contact_id FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " WHERE s.key = ? AND r.status = 'completed' AND r.round_id < ?"
        " ORDER BY r.contact_id",
        (key, round_id),
    ).fetchall()
    return [int(row[0]) for row in rows]


def set_indicators(conn: sqlite3.Connection, key: str, names: Iterable[str]) -> None:
    """Mark the outcome questions of `key` (replaces the earlier marking)."""
    conn.execute("DELETE FROM survey_indicators WHERE key = ?", (key,))
    conn.executemany(
        "INSERT OR IGNORE INTO survey_indicators (key, name) VALUES (?, ?)",
        [(key, name) for name in names],
    )


def indicators(conn: sqlite3.Connection, key: str) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM survey_indicators WHERE key = ? ORDER BY name", (key,)
    ).fetchall()
    return [str(row[0]) for row in rows]
