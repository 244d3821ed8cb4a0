"""The cluster's action plan (SPEC §5 /activity): activities and their progress notes.

Schema in migrations/0007_activities.sql. Money is whole paise; dates are local ISO dates
('YYYY-MM-DD') or None. The M&E report reads these tables with its own SQL, so the columns
are the contract: this module adds no meaning the tables do not hold.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from bot.storage import versions as vs

CATEGORIES = ("trust_building", "pilot", "capacity_building", "regular", "strategic", "other")
STATUSES = ("planned", "ongoing", "done", "dropped")

# The fields a CDA or an import may set; everything else is bookkeeping.
EDITABLE = (
    "title",
    "category",
    "target_group",
    "responsible",
    "starts_on",
    "ends_on",
    "beneficiaries_paise",
    "agency_paise",
    "others_paise",
    "status",
    "plan",  # planned | unplanned (issue 18)
)


@dataclass(frozen=True)
class Activity:
    id: int
    cluster_id: int
    title: str
    category: str
    target_group: str
    responsible: str
    starts_on: str | None
    ends_on: str | None
    beneficiaries_paise: int
    agency_paise: int
    others_paise: int
    status: str
    created_by: str
    created_at: str
    updated_at: str
    language: str | None = None  # the title's language (None: not known, e.g. imported)
    plan: str = "planned"  # or "unplanned": it came up after the action plan was agreed
    versions: vs.Versions = field(default_factory=dict, compare=False)  # {language: {"title": …}}

    @property
    def total_paise(self) -> int:
        return self.beneficiaries_paise + self.agency_paise + self.others_paise

    def read(self, language: str) -> Activity:
        """The activity as a reader of `language` sees it (their title, else the original)."""
        title = vs.pick(self.versions, language, "title", self.title)
        return self if title == self.title else replace(self, title=title)


@dataclass(frozen=True)
class Note:
    """A progress note, or a status change (`status` set), oldest first."""

    id: int
    activity_id: int
    text: str
    status: str | None
    update_id: int | None  # the /updates entry when the note was published
    by: str
    at: str
    language: str | None = None
    versions: vs.Versions = field(default_factory=dict, compare=False)  # {language: {"text": …}}

    def read(self, language: str) -> Note:
        text = vs.pick(self.versions, language, "text", self.text)
        return self if text == self.text else replace(self, text=text)


_STORED = ("versions",)  # dataclass fields that are not columns


def _activity(r: sqlite3.Row, versions: vs.Versions | None = None) -> Activity:
    columns = {name: r[name] for name in Activity.__dataclass_fields__ if name not in _STORED}
    return Activity(**columns, versions=versions or {})


def _activities(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Activity]:
    found = vs.of_many(conn, "activity", [r["id"] for r in rows])
    return [_activity(r, found.get(r["id"])) for r in rows]


def _note(r: sqlite3.Row, versions: vs.Versions | None = None) -> Note:
    columns = {name: r[name] for name in Note.__dataclass_fields__ if name not in _STORED}
    return Note(**columns, versions=versions or {})


def add(
    conn: sqlite3.Connection,
    *,
    cluster_id: int,
    by: str,
    now: str,
    language: str | None = None,
    versions: vs.Versions | None = None,
    **fields: Any,
) -> Activity:
    """A new activity; `fields` are among EDITABLE (title and category required);
    `versions` ({language: {"title": …}}) are saved with it."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not activity fields: {sorted(unknown)}")
    names = ["cluster_id", *fields, "created_by", "created_at", "updated_at", "language"]
    values = [cluster_id, *fields.values(), by, now, now, language]
    cur = conn.execute(
        f"INSERT INTO activities ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        values,
    )
    activity_id = int(cur.lastrowid or 0)
    vs.put_all(conn, "activity", activity_id, versions or {})
    found = get(conn, activity_id)
    assert found is not None
    return found


def change(conn: sqlite3.Connection, activity_id: int, *, now: str, **fields: Any) -> bool:
    """Set some EDITABLE fields of an activity; False when there is no such activity."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not activity fields: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in [*fields, "updated_at"])
    cur = conn.execute(
        f"UPDATE activities SET {assignments} WHERE id = ?",
        [*fields.values(), now, activity_id],
    )
    return cur.rowcount == 1


def get(conn: sqlite3.Connection, activity_id: int) -> Activity | None:
    row = conn.execute("SELECT * FROM activities WHERE id = ?", (activity_id,)).fetchone()
    return _activity(row, vs.of(conn, "activity", activity_id)) if row else None


def in_cluster(
    conn: sqlite3.Connection,
    cluster_id: int,
    *,
    status: str | None = None,
    offset: int = 0,
    limit: int = -1,
) -> list[Activity]:
    """A cluster's activities in plan order (by start date, undated last, then by id)."""
    rows = conn.execute(
        "SELECT * FROM activities WHERE cluster_id = ? AND (? IS NULL OR status = ?)"
        " ORDER BY starts_on IS NULL, starts_on, id LIMIT ? OFFSET ?",
        (cluster_id, status, status, limit, offset),
    ).fetchall()
    return _activities(conn, rows)


def count(conn: sqlite3.Connection, cluster_id: int) -> dict[str, int]:
    """Activities per status (every status present, zeros included)."""
    found = dict.fromkeys(STATUSES, 0)
    for status, n in conn.execute(
        "SELECT status, COUNT(*) FROM activities WHERE cluster_id = ? GROUP BY status",
        (cluster_id,),
    ):
        found[status] = n
    return found


def set_status(
    conn: sqlite3.Connection, activity_id: int, status: str, *, by: str, now: str
) -> bool:
    """Change the status and log it as a note; False when it is that status already."""
    current = get(conn, activity_id)
    if current is None or current.status == status:
        return False
    change(conn, activity_id, now=now, status=status)
    add_note(conn, activity_id, "", by=by, now=now, status=status)
    return True


def add_note(
    conn: sqlite3.Connection,
    activity_id: int,
    text: str,
    *,
    by: str,
    now: str,
    status: str | None = None,
    update_id: int | None = None,
    language: str | None = None,
    versions: vs.Versions | None = None,
) -> Note:
    """A note; `versions` ({language: {"text": …}}) are saved with it."""
    cur = conn.execute(
        "INSERT INTO activity_notes (activity_id, text, status, update_id, by, at, language)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (activity_id, text, status, update_id, by, now, language),
    )
    conn.execute("UPDATE activities SET updated_at = ? WHERE id = ?", (now, activity_id))
    note_id = int(cur.lastrowid or 0)
    vs.put_all(conn, "note", note_id, versions or {})
    return Note(
        note_id, activity_id, text, status, update_id, by, now, language,
        vs.of(conn, "note", note_id),
    )  # fmt: skip


def notes(conn: sqlite3.Connection, activity_id: int, *, last: int = -1) -> list[Note]:
    """The activity's notes oldest first; with `last`, only the newest that many."""
    rows = conn.execute(
        "SELECT * FROM (SELECT * FROM activity_notes WHERE activity_id = ?"
        " ORDER BY id DESC LIMIT ?) ORDER BY id",
        (activity_id, last),
    ).fetchall()
    found = vs.of_many(conn, "note", [r["id"] for r in rows])
    return [_note(r, found.get(r["id"])) for r in rows]


def update_of_broadcast(conn: sqlite3.Connection, broadcast_id: int) -> int | None:
    """The /updates entry a sent broadcast became (bot.jobs.broadcasts.release makes it)."""
    row = conn.execute(
        "SELECT id FROM updates WHERE broadcast_id = ? ORDER BY id DESC LIMIT 1", (broadcast_id,)
    ).fetchone()
    return int(row[0]) if row else None
