"""The outbox table: every bot-initiated message and what became of it (the ledger).

Statuses (see migrations/0003_outbox.sql for the transitions): queued, in_flight, sent,
failed, blocked, opted_out, skipped. Only `bot.outbox.queue` decides transitions; this module is
the SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass

STATUSES = ("queued", "in_flight", "sent", "failed", "blocked", "opted_out", "skipped")
FINAL = frozenset({"sent", "failed", "blocked", "opted_out", "skipped"})


@dataclass(frozen=True)
class Claimed:
    """A queued row taken for sending, with the contact's state at that moment."""

    id: int
    channel: str
    contact_id: int | None
    chat_id: str | None  # the contact's current chat id when there is a contact
    kind: str
    ref: str
    attempts: int
    body: str  # the payload JSON
    opted_out: bool
    unreachable: bool
    erased: bool


@dataclass(frozen=True)
class Change:
    """A new state for one in-flight row (what a send attempt decided)."""

    id: int
    status: str
    attempts: int
    next_attempt_at: str | None = None  # for status queued
    last_error: str | None = None
    sent_at: str | None = None
    platform_message_id: str | None = None
    contact_unreachable: int | None = None  # set the contact's flag (403) when not None


def add_payload(conn: sqlite3.Connection, body: str) -> int:
    cur = conn.execute("INSERT INTO outbox_payloads (body) VALUES (?)", (body,))
    return int(cur.lastrowid or 0)


def insert(
    conn: sqlite3.Connection,
    *,
    channel: str,
    contact_id: int | None,
    chat_id: str | None,
    kind: str,
    ref: str,
    payload_id: int,
    priority: int,
    due: str,
    now: str,
    status: str = "queued",
    last_error: str | None = None,
) -> int | None:
    """One row; None when (contact, kind, ref) is already in the outbox."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id,"
        " priority, status, next_attempt_at, last_error, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            channel,
            contact_id,
            chat_id,
            kind,
            ref,
            payload_id,
            priority,
            status,
            due,
            last_error,
            now,
        ),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


def insert_for_contacts(
    conn: sqlite3.Connection,
    *,
    kind: str,
    ref: str,
    where: str,
    params: list[object],
    payload_ids: dict[str, int],
    default_language: str,
    priority: int,
    honour_opt_out: bool,
    now: str,
) -> None:
    """One row per contact matching `where` (SQL on `contacts c`), with the payload of
    their language (else `default_language`'s), in one INSERT ... SELECT; INSERT OR IGNORE
    keeps it idempotent per (contact, kind, ref). People who opted out (when
    `honour_opt_out`) or blocked the bot get a row with that status and no send."""
    others = [lang for lang in payload_ids if lang != default_language]
    if others:
        whens = " ".join("WHEN ? THEN ?" for _ in others)
        payload_sql = f"CASE c.language {whens} ELSE ? END"
        payload_params: list[object] = [x for lang in others for x in (lang, payload_ids[lang])]
    else:
        payload_sql, payload_params = "?", []
    payload_params.append(payload_ids[default_language])
    opted = "c.opted_out" if honour_opt_out else "0"
    conn.execute(
        "INSERT OR IGNORE INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id,"
        " priority, status, next_attempt_at, last_error, created_at)"
        f" SELECT c.channel, c.id, c.chat_id, ?, ?, {payload_sql}, ?,"
        f" CASE WHEN {opted} THEN 'opted_out' WHEN c.unreachable THEN 'blocked'"
        " ELSE 'queued' END, ?,"
        f" CASE WHEN {opted} THEN 'opted out (/stop)'"
        " WHEN c.unreachable THEN 'blocked the bot earlier' END, ?"
        f" FROM contacts c WHERE {where}",
        [kind, ref, *payload_params, priority, now, now, *params],
    )


def claim(conn: sqlite3.Connection, channel: str, now: str, limit: int) -> list[Claimed]:
    """The next due queued rows of a channel, highest priority and oldest first.

    Does not change them: the caller decides (send -> `mark_in_flight`, or resolve without
    sending) inside the same transaction.
    """
    rows = conn.execute(
        "SELECT o.id, o.channel, o.contact_id, o.chat_id, o.kind, o.ref, o.attempts, p.body,"
        " c.id AS cid, c.chat_id AS contact_chat, c.opted_out, c.unreachable, c.status AS cstatus"
        " FROM outbox o JOIN outbox_payloads p ON p.id = o.payload_id"
        " LEFT JOIN contacts c ON c.id = o.contact_id"
        " WHERE o.channel = ? AND o.status = 'queued' AND o.next_attempt_at <= ?"
        " ORDER BY o.priority DESC, o.next_attempt_at, o.id LIMIT ?",
        (channel, now, limit),
    ).fetchall()
    claimed = []
    for r in rows:
        has_contact = r["contact_id"] is not None
        erased = has_contact and (
            r["cid"] is None or r["cstatus"] == "erased" or r["contact_chat"] is None
        )
        claimed.append(
            Claimed(
                id=r["id"],
                channel=r["channel"],
                contact_id=r["contact_id"],
                chat_id=r["contact_chat"] if has_contact else r["chat_id"],
                kind=r["kind"],
                ref=r["ref"],
                attempts=r["attempts"],
                body=r["body"],
                opted_out=bool(r["opted_out"]),
                unreachable=bool(r["unreachable"]),
                erased=bool(erased),
            )
        )
    return claimed


def mark_in_flight(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    conn.executemany(
        "UPDATE outbox SET status = 'in_flight' WHERE id = ? AND status = 'queued'",
        [(i,) for i in ids],
    )


def resolve(conn: sqlite3.Connection, items: Iterable[tuple[int, str, str]]) -> None:
    """Close queued rows without a send: (id, status, reason)."""
    conn.executemany(
        "UPDATE outbox SET status = ?, last_error = ? WHERE id = ? AND status = 'queued'",
        [(status, reason, row_id) for row_id, status, reason in items],
    )


def apply(conn: sqlite3.Connection, changes: Iterable[Change]) -> None:
    """Record send outcomes. Only in-flight rows change: an erasure meanwhile wins."""
    for ch in changes:
        cur = conn.execute(
            "UPDATE outbox SET status = ?, attempts = ?,"
            " next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?,"
            " sent_at = COALESCE(?, sent_at),"
            " platform_message_id = COALESCE(?, platform_message_id)"
            " WHERE id = ? AND status = 'in_flight'",
            (
                ch.status,
                ch.attempts,
                ch.next_attempt_at,
                ch.last_error,
                ch.sent_at,
                ch.platform_message_id,
                ch.id,
            ),
        )
        if cur.rowcount and ch.contact_unreachable is not None:
            conn.execute(
                "UPDATE contacts SET unreachable = ? WHERE id ="
                " (SELECT contact_id FROM outbox WHERE id = ?)",
                (ch.contact_unreachable, ch.id),
            )


def requeue_in_flight(conn: sqlite3.Connection, channel: str, now: str) -> int:
    """After a crash: rows that were being sent go again (at-least-once)."""
    cur = conn.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = ?,"
        " last_error = 'interrupted by a restart; sent again'"
        " WHERE channel = ? AND status = 'in_flight'",
        (now, channel),
    )
    return cur.rowcount


def next_due(conn: sqlite3.Connection, channel: str) -> str | None:
    row = conn.execute(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE channel = ? AND status = 'queued'",
        (channel,),
    ).fetchone()
    return row[0] if row else None


def counts(conn: sqlite3.Connection, kind: str, refs: Collection[str]) -> dict[str, dict[str, int]]:
    """{ref: {status: n}} for these refs (every status present, zeros included)."""
    result: dict[str, dict[str, int]] = {ref: dict.fromkeys(STATUSES, 0) for ref in refs}
    if not refs:
        return result
    marks = ",".join("?" * len(refs))
    for row in conn.execute(
        f"SELECT ref, status, COUNT(*) FROM outbox WHERE kind = ? AND ref IN ({marks})"
        " GROUP BY ref, status",
        (kind, *refs),
    ):
        result[row[0]][row[1]] = row[2]
    return result


def not_delivered(conn: sqlite3.Connection, kind: str, ref: str, limit: int) -> list[sqlite3.Row]:
    """Rows not (yet) sent, with who they were for: name, role, status, reason."""
    return list(
        conn.execute(
            "SELECT o.status, o.last_error, o.attempts, c.name, c.role, c.channel,"
            " c.channel_user_id FROM outbox o LEFT JOIN contacts c ON c.id = o.contact_id"
            " WHERE o.kind = ? AND o.ref = ? AND o.status != 'sent'"
            " ORDER BY CASE o.status WHEN 'failed' THEN 0 WHEN 'blocked' THEN 1"
            " WHEN 'opted_out' THEN 2 WHEN 'skipped' THEN 3 ELSE 4 END, c.name, o.id LIMIT ?",
            (kind, ref, limit),
        )
    )


def messaged_events(
    conn: sqlite3.Connection, cluster_ids: Collection[int] | None, limit: int, offset: int = 0
) -> list[int]:
    """Ids of the events of these clusters (None: every cluster) that the ledger holds
    invitations or reminders for, latest start first (/deliveries, meetings and visits).

    Refs as written by their senders: invitations `event:<id>`, reminders
    `reminder:<id>:<offset>m@<due>` (bot.jobs.reminders.run); the reminder test is a range on
    the (kind, ref) index rather than a LIKE.
    """
    where, params = "1", []
    if cluster_ids is not None:
        ids = sorted(cluster_ids)
        where, params = f"e.cluster_id IN ({','.join('?' * len(ids)) or 'NULL'})", list(ids)
    rows = conn.execute(
        f"SELECT e.id FROM events e WHERE {where} AND (EXISTS (SELECT 1 FROM outbox o"
        " WHERE o.kind = 'invitation' AND o.ref = 'event:' || e.id) OR EXISTS (SELECT 1"
        " FROM outbox o WHERE o.kind = 'reminder' AND o.ref >= 'reminder:' || e.id || ':'"
        " AND o.ref < 'reminder:' || e.id || ';'))"
        " ORDER BY e.starts_at DESC, e.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [int(row[0]) for row in rows]
