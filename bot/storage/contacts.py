"""Contacts: one row per channel identity (a Telegram user, a WhatsApp user)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Any

# Fields a person may hold about themselves; everything /forget clears.
PERSONAL_FIELDS = ("name", "role", "gender", "place", "phone")
UPDATABLE = frozenset(
    {
        "chat_id",
        "language",
        "status",
        "consent_at",
        "cluster_id",
        "opted_out",
        "unreachable",
        "registered_at",
        "last_inbound_at",
        *PERSONAL_FIELDS,
    }
)


@dataclass(frozen=True)
class Contact:
    id: int
    channel: str
    channel_user_id: str | None
    chat_id: str | None
    language: str | None
    status: str
    consent_at: str | None
    name: str | None
    role: str | None
    cluster_id: int | None
    gender: str | None
    place: str | None
    phone: str | None
    opted_out: bool
    unreachable: bool
    registered_at: str | None

    @property
    def registered(self) -> bool:
        return self.status == "registered"

    @property
    def ref(self) -> str:
        """'telegram:123' — how admins and the audit log name a person."""
        return f"{self.channel}:{self.channel_user_id}"


# The columns of a Contact, in its field order: read by position (a turn reads one).
_COLUMNS = (
    "id, channel, channel_user_id, chat_id, language, status, consent_at, name, role,"
    " cluster_id, gender, place, phone, opted_out, unreachable, registered_at"
)


def _row(row: sqlite3.Row | tuple[Any, ...]) -> Contact:
    return Contact(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
        row[10], row[11], row[12], bool(row[13]), bool(row[14]), row[15],
    )  # fmt: skip


def find(conn: sqlite3.Connection, channel: str, user_id: str) -> Contact | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM contacts WHERE channel = ? AND channel_user_id = ?",
        (channel, user_id),
    ).fetchone()
    return _row(row) if row else None


def by_id(conn: sqlite3.Connection, contact_id: int) -> Contact | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return _row(row) if row else None


def get_or_create(
    conn: sqlite3.Connection, channel: str, user_id: str, chat_id: str, now: str
) -> Contact:
    """The contact for this identity, created on first contact with no personal data."""
    found = find(conn, channel, user_id)
    if found is not None:
        if found.chat_id != chat_id or found.unreachable:
            # Writing to us again means the chat works again (e.g. unblocked the bot).
            update(conn, found.id, chat_id=chat_id, unreachable=0, last_inbound_at=now)
            return replace(found, chat_id=chat_id, unreachable=False)
        # last_inbound_at is not part of Contact: no need to read the row again (hot path).
        # (A SELECT and an UPDATE by id cost less than one UPDATE ... RETURNING.)
        conn.execute("UPDATE contacts SET last_inbound_at = ? WHERE id = ?", (now, found.id))
        return found
    cur = conn.execute(
        "INSERT INTO contacts (channel, channel_user_id, chat_id, created_at, last_inbound_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (channel, user_id, chat_id, now, now),
    )
    contact = by_id(conn, int(cur.lastrowid or 0))
    assert contact is not None
    return contact


def update(conn: sqlite3.Connection, contact_id: int, **fields: Any) -> None:
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    if not fields:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(
        f"UPDATE contacts SET {assignments} WHERE id = ?",
        (*fields.values(), contact_id),
    )


def erase(conn: sqlite3.Connection, contact_id: int, now: str) -> None:
    """Remove everything that identifies the person; the row stays for anonymous counts.

    Role, cluster and gender stay too: they are what the anonymous aggregates
    (participation by role and gender) are made of, and without a name, phone, place or
    channel id they no longer point at anyone.
    """
    conn.execute(
        "UPDATE contacts SET channel_user_id = NULL, chat_id = NULL, name = NULL,"
        " place = NULL, phone = NULL, status = 'erased', erased_at = ?, opted_out = 1"
        " WHERE id = ?",
        (now, contact_id),
    )
    conn.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))


def registered_in(conn: sqlite3.Connection, cluster_id: int) -> list[Contact]:
    return [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE cluster_id = ? AND status = 'registered'"
            " ORDER BY id",
            (cluster_id,),
        )
    ]
