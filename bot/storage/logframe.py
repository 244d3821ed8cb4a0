"""Log-frame rows and the values entered by hand (migration 0017, issue 18)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

LEVELS = ("goal", "purpose", "output", "activity")


@dataclass(frozen=True)
class Row:
    ref: str
    level: str
    statement: str
    indicator: str
    baseline: float | None
    target: float | None
    target_date: str | None  # YYYY-MM-DD
    source: str
    id: int = 0
    position: int = 0
    since: str = ""  # YYYY-MM-DD the row was first imported: where "on time" is counted from


@dataclass(frozen=True)
class Entered:
    value: float
    measured_on: str  # YYYY-MM-DD
    note: str
    entered_at: str


_COLUMNS = (
    "ref, level, statement, indicator, baseline, target, target_date, source, id, position,"
    " since"
)


def rows(conn: sqlite3.Connection, cluster_id: int) -> list[Row]:
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM logframe_rows WHERE cluster_id = ? ORDER BY position",
        (cluster_id,),
    ).fetchall()
    return [Row(*tuple(r)) for r in found]


def row(conn: sqlite3.Connection, cluster_id: int, row_id: int) -> Row | None:
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM logframe_rows WHERE cluster_id = ? AND id = ?",
        (cluster_id, row_id),
    ).fetchone()
    return Row(*tuple(found)) if found else None


def replace(
    conn: sqlite3.Connection, cluster_id: int, new: list[Row], today: str
) -> tuple[int, int, int]:
    """Make the cluster's log-frame exactly `new` (inside the caller's transaction): rows are
    matched by `ref`, so values entered for a row that stays are kept; rows no longer in the
    file go, with their values. Returns (added, changed, removed)."""
    old = {r.ref: r for r in rows(conn, cluster_id)}
    wanted = {r.ref for r in new}
    removed = [r.id for ref, r in old.items() if ref not in wanted]
    conn.executemany("DELETE FROM logframe_rows WHERE id = ?", [(i,) for i in removed])
    added = changed = 0
    for position, item in enumerate(new, start=1):
        values = (item.level, item.statement, item.indicator, item.baseline, item.target,
                  item.target_date, item.source, position)  # fmt: skip
        before = old.get(item.ref)
        if before is None:
            conn.execute(
                "INSERT INTO logframe_rows (level, statement, indicator, baseline, target,"
                " target_date, source, position, cluster_id, ref, since)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, cluster_id, item.ref, today),
            )
            added += 1
            continue
        conn.execute(
            "UPDATE logframe_rows SET level = ?, statement = ?, indicator = ?, baseline = ?,"
            " target = ?, target_date = ?, source = ?, position = ? WHERE id = ?",
            (*values, before.id),
        )
        same = (before.level, before.statement, before.indicator, before.baseline,
                before.target, before.target_date, before.source)  # fmt: skip
        changed += same != values[:-1]
    return added, changed, len(removed)


def enter(
    conn: sqlite3.Connection, row_id: int, value: float, measured_on: str, note: str,
    contact_id: int | None, now: str,
) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO logframe_values (row_id, value, measured_on, note, entered_by, entered_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (row_id, value, measured_on, note, contact_id, now),
    )


def latest_entered(conn: sqlite3.Connection, cluster_id: int) -> dict[int, Entered]:
    """row id -> the value measured last (the latest entry for that date wins)."""
    found: dict[int, Entered] = {}
    for row_id, value, measured_on, note, entered_at in conn.execute(
        "SELECT v.row_id, v.value, v.measured_on, v.note, v.entered_at FROM logframe_values v"
        " JOIN logframe_rows r ON r.id = v.row_id WHERE r.cluster_id = ?"
        " ORDER BY v.measured_on, v.id",
        (cluster_id,),
    ):
        found[row_id] = Entered(value, measured_on, note, entered_at)
    return found
