"""Where each log-frame indicator stands today: its latest value (computed from its source,
or the last one a CDA entered), how far it has come from the baseline to the target, and a
traffic light against the time that has passed.

- progress = (value − baseline) / (target − baseline): 0 at the baseline, 1 at the target;
  it works the same for targets below the baseline (fewer children out of school). A missing
  baseline counts from 0.
- expected = the share of the time from the row's first import to its target date that has
  passed (1 when there is no target date).
- green when progress ≥ expected − 0.1 or the target is reached; amber when progress ≥ half
  of expected; red below that; none when there is no value (or no target) to judge.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import N_
from bot.logframe import sources
from bot.storage import logframe as store

LIGHTS = {"green": "🟢", "amber": "🟠", "red": "🔴", "none": "⚪"}
LEVEL_LABELS = {
    "goal": N_("Goal"), "purpose": N_("Purpose"), "output": N_("Outputs"),
    "activity": N_("Activities"),
}  # fmt: skip


@dataclass(frozen=True)
class Standing:
    row: store.Row
    value: float | None
    measured_on: str | None  # YYYY-MM-DD
    note: str
    progress: float | None
    expected: float
    light: str  # green | amber | red | none


def progress_of(row: store.Row, value: float | None) -> float | None:
    if value is None or row.target is None:
        return None
    start = row.baseline if row.baseline is not None else 0.0
    if row.target == start:
        return 1.0 if value == row.target else 0.0
    return (value - start) / (row.target - start)


def expected_of(row: store.Row, today: date) -> float:
    if not row.target_date or not row.since:
        return 1.0
    since, due = date.fromisoformat(row.since), date.fromisoformat(row.target_date)
    if due <= since:
        return 1.0
    return min(1.0, max(0.0, (today - since).days / (due - since).days))


def light_of(progress: float | None, expected: float) -> str:
    if progress is None:
        return "none"
    if progress >= 1 or progress >= expected - 0.1:
        return "green"
    if progress >= expected / 2:
        return "amber"
    return "red"


def standings(conn: sqlite3.Connection, cluster_id: int, now: datetime,
              today: date) -> list[Standing]:  # fmt: skip
    """Every row of the cluster's log-frame, in the file's order."""
    entered = store.latest_entered(conn, cluster_id)
    memo: dict[str, object] = {}
    out = []
    for row in store.rows(conn, cluster_id):
        source = sources.parse(row.source)
        value: float | None
        if source.computed:
            value, measured, note = sources.value(conn, source, cluster_id, now, memo), today, ""
            measured_on = measured.isoformat() if value is not None else None
        else:
            last = entered.get(row.id)
            value = last.value if last else None
            measured_on, note = (last.measured_on, last.note) if last else (None, "")
        progress = progress_of(row, value)
        expected = expected_of(row, today)
        out.append(Standing(row, value, measured_on, note, progress, expected,
                            light_of(progress, expected)))  # fmt: skip
    return out
