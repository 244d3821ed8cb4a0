"""Meetings and exposure visits: events, RSVPs, registrations with a waiting list,
reminders and attendance (see migrations/0006_events.sql). Reminders
are in `event_reminders`, attendance and participation counts in `attendance`.

Seat counting is safe because every caller runs inside one IMMEDIATE transaction on the
single writer thread (DESIGN.md "One turn = one transaction"): `register` counts and then
inserts with nobody else writing in between. The seat triggers back this up in SQL.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from bot.storage import versions as vs

KINDS = ("meeting", "visit")
ANSWERS = ("yes", "no", "maybe")
DEFAULT_OFFSETS = (24 * 60, 2 * 60)  # minutes before the start: 1 day and 2 hours


@dataclass(frozen=True)
class Event:
    id: int
    cluster_id: int
    kind: str
    title: str
    place: str
    purpose: str
    starts_at: str
    ends_at: str | None
    seats: int | None
    audience: dict[str, Any]
    register_by: str | None
    contribution_paise: int
    reminder_offsets: tuple[int, ...]
    status: str
    created_by: str
    created_at: str
    updated_at: str
    language: str | None = None  # the originals' language (None: not known)
    # {language: {field: text}}: the CDA's versions of title, place and purpose
    versions: vs.Versions = field(default_factory=dict, compare=False)

    def read(self, language: str) -> Event:
        """The event as a reader of `language` sees it: their version of each field that
        has one, else the original."""
        mine = self.versions.get(language)
        if not mine:
            return self
        return replace(
            self,
            title=mine.get("title") or self.title,
            place=mine.get("place") or self.place,
            purpose=mine.get("purpose") or self.purpose,
        )


@dataclass(frozen=True)
class Registration:
    status: str  # confirmed / waiting / cancelled
    position: int = 0  # on the waiting list, from 1; 0 when not waiting
    changed: bool = True  # False when the person was already in that state


def _event(r: sqlite3.Row, versions: vs.Versions | None = None) -> Event:
    return Event(
        id=r["id"],
        cluster_id=r["cluster_id"],
        kind=r["kind"],
        title=r["title"],
        place=r["place"],
        purpose=r["purpose"],
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        seats=r["seats"],
        audience=json.loads(r["audience"]),
        register_by=r["register_by"],
        contribution_paise=r["contribution_paise"],
        reminder_offsets=tuple(json.loads(r["reminder_offsets"])),
        status=r["status"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        language=r["language"],
        versions=versions or {},
    )


def _events(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Event]:
    found = vs.of_many(conn, "event", [r["id"] for r in rows])
    return [_event(r, found.get(r["id"])) for r in rows]


# --- events ---------------------------------------------------------------------------------


def create(
    conn: sqlite3.Connection,
    *,
    cluster_id: int,
    kind: str,
    title: str,
    starts_at: str,
    created_by: str,
    now: str,
    place: str = "",
    purpose: str = "",
    ends_at: str | None = None,
    seats: int | None = None,
    audience: dict[str, Any] | None = None,
    register_by: str | None = None,
    contribution_paise: int = 0,
    reminder_offsets: tuple[int, ...] = DEFAULT_OFFSETS,
    language: str | None = None,
    versions: vs.Versions | None = None,
) -> Event:
    """A new event; `versions` ({language: {field: text}}) are saved with it."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    cur = conn.execute(
        "INSERT INTO events (cluster_id, kind, title, place, purpose, starts_at, ends_at,"
        " seats, audience, register_by, contribution_paise, reminder_offsets, created_by,"
        " created_at, updated_at, language)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cluster_id,
            kind,
            title,
            place,
            purpose,
            starts_at,
            ends_at,
            seats,
            json.dumps(audience or {}, sort_keys=True),
            register_by,
            contribution_paise,
            json.dumps(sorted(set(reminder_offsets), reverse=True)),
            created_by,
            now,
            now,
            language,
        ),
    )
    event_id = int(cur.lastrowid or 0)
    vs.put_all(conn, "event", event_id, versions or {})
    found = get(conn, event_id)
    assert found is not None
    return found


def get(conn: sqlite3.Connection, event_id: int) -> Event | None:
    row = conn.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
    return _event(row, vs.of(conn, "event", event_id)) if row else None


def update(conn: sqlite3.Connection, event_id: int, now: str, **fields: Any) -> Event:
    """Change time, place or status (a notice to the invited is the caller's job)."""
    allowed = {"starts_at", "ends_at", "place", "status", "register_by"}
    if set(fields) - allowed:
        raise ValueError(f"not updatable: {sorted(set(fields) - allowed)}")
    assignments = "".join(f"{name} = ?, " for name in fields)
    conn.execute(
        f"UPDATE events SET {assignments}updated_at = ? WHERE id = ?",
        (*fields.values(), now, event_id),
    )
    found = get(conn, event_id)
    assert found is not None
    return found


def invited_where(event_id: int) -> tuple[str, list[Any]]:
    """SQL on `contacts c`: everyone invited to the event, i.e. who must hear of a change.

    Those the invitation or announcement was for (not those it skipped because they had
    used /stop: they never heard of the event), plus anyone who answered or registered
    (from /events, e.g. after joining the cluster later, so without an invitation row).
    """
    sql = (
        "(c.id IN (SELECT o.contact_id FROM outbox o WHERE o.kind = 'invitation'"
        " AND o.ref = ? AND o.status != 'opted_out')"
        " OR c.id IN (SELECT r.contact_id FROM rsvps r WHERE r.event_id = ?)"
        " OR c.id IN (SELECT g.contact_id FROM registrations g WHERE g.event_id = ?"
        " AND g.status IN ('confirmed', 'waiting')))"
    )
    return sql, [f"event:{event_id}", event_id, event_id]


def upcoming(conn: sqlite3.Connection, cluster_id: int, now: str, limit: int = 20) -> list[Event]:
    """Scheduled events of a cluster that have not started, soonest first."""
    rows = conn.execute(
        "SELECT * FROM events WHERE cluster_id = ? AND status = 'scheduled' AND starts_at > ?"
        " ORDER BY starts_at, id LIMIT ?",
        (cluster_id, now, limit),
    ).fetchall()
    return _events(conn, rows)


# --- meeting answers ------------------------------------------------------------------------


def rsvp(conn: sqlite3.Connection, event_id: int, contact_id: int, answer: str, now: str) -> None:
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    conn.execute(
        "INSERT INTO rsvps (event_id, contact_id, answer, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (event_id, contact_id) DO UPDATE SET answer = excluded.answer,"
        " at = excluded.at",
        (event_id, contact_id, answer, now),
    )


def answer_of(conn: sqlite3.Connection, event_id: int, contact_id: int) -> str | None:
    row = conn.execute(
        "SELECT answer FROM rsvps WHERE event_id = ? AND contact_id = ?", (event_id, contact_id)
    ).fetchone()
    return row[0] if row else None


def answer_counts(conn: sqlite3.Connection, event_id: int) -> dict[str, int]:
    counts = dict.fromkeys(ANSWERS, 0)
    for answer, count in conn.execute(
        "SELECT answer, COUNT(*) FROM rsvps WHERE event_id = ? GROUP BY answer", (event_id,)
    ):
        counts[answer] = count
    return counts


# --- visit registrations --------------------------------------------------------------------


def confirmed_count(conn: sqlite3.Connection, event_id: int) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM registrations WHERE event_id = ? AND status = 'confirmed'",
        (event_id,),
    ).fetchone()
    return int(row[0])


def registration_of(conn: sqlite3.Connection, event_id: int, contact_id: int) -> Registration:
    """The person's state; status '' when they never registered."""
    row = conn.execute(
        "SELECT status, seq FROM registrations WHERE event_id = ? AND contact_id = ?",
        (event_id, contact_id),
    ).fetchone()
    if row is None:
        return Registration("", changed=False)
    position = _position(conn, event_id, row["seq"]) if row["status"] == "waiting" else 0
    return Registration(row["status"], position, changed=False)


def _position(conn: sqlite3.Connection, event_id: int, seq: int) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM registrations WHERE event_id = ? AND status = 'waiting' AND seq <= ?",
        (event_id, seq),
    ).fetchone()
    return int(row[0])


def register(conn: sqlite3.Connection, event: Event, contact_id: int, now: str) -> Registration:
    """A seat if one is free, else a place at the back of the waiting list.

    Must run inside the caller's write transaction (count, then insert, atomically).
    Registering again while confirmed or waiting changes nothing.
    """
    current = registration_of(conn, event.id, contact_id)
    if current.status in ("confirmed", "waiting"):
        return current
    full = event.seats is not None and confirmed_count(conn, event.id) >= event.seats
    status = "waiting" if full else "confirmed"
    seq = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM registrations WHERE event_id = ?", (event.id,)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO registrations (event_id, contact_id, status, seq, at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, contact_id) DO UPDATE SET"
        " status = excluded.status, seq = excluded.seq, at = excluded.at",
        (event.id, contact_id, status, seq, now),
    )
    return Registration(status, _position(conn, event.id, seq) if full else 0)


def cancel_registration(
    conn: sqlite3.Connection, event: Event, contact_id: int, now: str
) -> tuple[bool, int | None]:
    """(cancelled?, contact id of the waiting person promoted into the freed seat)."""
    current = registration_of(conn, event.id, contact_id)
    if current.status not in ("confirmed", "waiting"):
        return False, None
    conn.execute(
        "UPDATE registrations SET status = 'cancelled', at = ? WHERE event_id = ?"
        " AND contact_id = ?",
        (now, event.id, contact_id),
    )
    if current.status != "confirmed":
        return True, None
    return True, promote_next(conn, event, now)


def promote_next(conn: sqlite3.Connection, event: Event, now: str) -> int | None:
    """Move the first waiting person into a free seat; their contact id, or None."""
    if event.seats is not None and confirmed_count(conn, event.id) >= event.seats:
        return None
    row = conn.execute(
        "SELECT contact_id FROM registrations WHERE event_id = ? AND status = 'waiting'"
        " ORDER BY seq LIMIT 1",
        (event.id,),
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        "UPDATE registrations SET status = 'confirmed', at = ? WHERE event_id = ?"
        " AND contact_id = ?",
        (now, event.id, row[0]),
    )
    return int(row[0])


def registration_counts(conn: sqlite3.Connection, event_id: int) -> dict[str, int]:
    counts = {"confirmed": 0, "waiting": 0, "cancelled": 0}
    for status, count in conn.execute(
        "SELECT status, COUNT(*) FROM registrations WHERE event_id = ? GROUP BY status",
        (event_id,),
    ):
        counts[status] = count
    return counts
