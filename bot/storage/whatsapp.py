"""WhatsApp identities: one contact per person whether Meta names them by phone number,
by business-scoped user id (BSUID, since April 2026), or by both.

A contact is keyed (`channel_user_id`) by the BSUID when we have one, else by the phone
number; `chat_id` holds where replies go (the phone number when known). A person first
seen by phone and later with a BSUID keeps their contact, conversation and admin rights.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

CHANNEL = "whatsapp"


def adopt(conn: sqlite3.Connection, user_id: str, wa_id: str) -> None:
    """When a payload names both the business-scoped user id and the phone, rows keyed by
    the phone (the contact, `clusterbot admin add whatsapp:<phone>` grants) move to the
    user id. Runs inside the turn's transaction (the engine's `prepare`). Idempotent."""
    if not (user_id and wa_id and wa_id != user_id):
        return
    taken = conn.execute(
        "SELECT 1 FROM contacts WHERE channel = ? AND channel_user_id = ?",
        (CHANNEL, user_id),
    ).fetchone()
    if taken is None:
        conn.execute(
            "UPDATE contacts SET channel_user_id = ? WHERE channel = ? AND channel_user_id = ?",
            (user_id, CHANNEL, wa_id),
        )
    conn.execute(
        "UPDATE OR IGNORE admins SET channel_user_id = ? WHERE channel = ?"
        " AND channel_user_id = ?",
        (user_id, CHANNEL, wa_id),
    )
    conn.execute("DELETE FROM admins WHERE channel = ? AND channel_user_id = ?", (CHANNEL, wa_id))


def address(conn: sqlite3.Connection, user_id: str, wa_id: str) -> tuple[str, str]:
    """(contact key, where replies go) for a sender, as they will be once `adopt` has run
    (it changes neither): read only."""
    if user_id and wa_id and wa_id != user_id:
        return user_id, wa_id
    if user_id:
        # No phone in this payload (a username user): keep replying to the number we
        # learnt earlier, if any; Meta advises phone numbers where they are known.
        row = conn.execute(
            "SELECT chat_id FROM contacts WHERE channel = ? AND channel_user_id = ?",
            (CHANNEL, user_id),
        ).fetchone()
        known = str(row[0]) if row and row[0] else ""
        return user_id, known if known.isdigit() else user_id
    # Phone only (an older payload, or a test number): someone we already know by BSUID
    # whose replies go to this phone is the same person.
    if conn.execute(
        "SELECT 1 FROM contacts WHERE channel = ? AND channel_user_id = ?", (CHANNEL, wa_id)
    ).fetchone():
        return wa_id, wa_id
    row = conn.execute(
        "SELECT channel_user_id FROM contacts WHERE channel = ? AND chat_id = ?"
        " AND channel_user_id IS NOT NULL ORDER BY id LIMIT 1",
        (CHANNEL, wa_id),
    ).fetchone()
    return (str(row[0]) if row else wa_id), wa_id


def resolve(conn: sqlite3.Connection, user_id: str, wa_id: str) -> tuple[str, str]:
    """`adopt`, then `address`, in the caller's transaction."""
    adopt(conn, user_id, wa_id)
    return address(conn, user_id, wa_id)


def keys_for_phones(conn: sqlite3.Connection, phones: set[str]) -> dict[str, str]:
    """phone -> contact key, for contacts whose replies go to one of these phone numbers."""
    if not phones:
        return {}
    marks = ", ".join("?" for _ in phones)
    rows = conn.execute(
        f"SELECT chat_id, channel_user_id FROM contacts WHERE channel = ? AND chat_id IN ({marks})"
        " AND channel_user_id IS NOT NULL",
        (CHANNEL, *sorted(phones)),
    ).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def mark_unreachable(conn: sqlite3.Connection, recipient: str) -> int:
    """WhatsApp said the person cannot get our messages (131026)."""
    cur = conn.execute(
        "UPDATE contacts SET unreachable = 1 WHERE channel = ? AND (chat_id = ?"
        " OR channel_user_id = ?)",
        (CHANNEL, recipient, recipient),
    )
    return cur.rowcount


# --- the 24-hour window and delivery statuses (migration 0005) -----------------------------


@dataclass(frozen=True)
class Recipient:
    """What a bot-initiated send needs to know about the person (see `window_open`)."""

    contact_id: int
    language: str | None
    consented: bool
    last_inbound_at: str | None
    closed_at: str | None  # when WhatsApp last refused a free-form message (131047)


def recipient(conn: sqlite3.Connection, chat_id: str) -> Recipient | None:
    row = conn.execute(
        "SELECT c.id, c.language, c.consent_at, c.last_inbound_at, w.at AS closed_at"
        " FROM contacts c LEFT JOIN whatsapp_window_closed w ON w.contact_id = c.id"
        " WHERE c.channel = ? AND c.chat_id = ? ORDER BY c.id LIMIT 1",
        (CHANNEL, chat_id),
    ).fetchone()
    if row is None:
        return None
    return Recipient(
        contact_id=int(row["id"]),
        language=row["language"],
        consented=row["consent_at"] is not None,
        last_inbound_at=row["last_inbound_at"],
        closed_at=row["closed_at"],
    )


def close_window(conn: sqlite3.Connection, contact_id: int, now: str) -> None:
    conn.execute(
        "INSERT INTO whatsapp_window_closed (contact_id, at) VALUES (?, ?)"
        " ON CONFLICT (contact_id) DO UPDATE SET at = excluded.at",
        (contact_id, now),
    )


def contact_for(conn: sqlite3.Connection, address: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM contacts WHERE channel = ? AND (chat_id = ? OR channel_user_id = ?)"
        " ORDER BY id LIMIT 1",
        (CHANNEL, address, address),
    ).fetchone()
    return int(row[0]) if row else None


def apply_status(
    conn: sqlite3.Connection,
    wamid: str,
    state: str,
    errors: Sequence[tuple[int, str]],
    now: str,
    *,
    outside_window: int,
    undeliverable: int,
) -> str:
    """Record one status webhook in the outbox ledger. Returns what was done (for logs).

    delivered / read stamp the row. failed: 131047 (window closed) puts the row back in
    the queue, to go out as a template; 131026 marks the row blocked and the person
    unreachable; anything else marks it failed with WhatsApp's reason.
    """
    row = conn.execute(
        "SELECT id, contact_id, status FROM outbox WHERE platform_message_id = ? AND channel = ?",
        (wamid, CHANNEL),
    ).fetchone()
    if row is None:
        return "not an outbox message"
    if state == "delivered":
        conn.execute(
            "UPDATE outbox SET delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
            (now, row["id"]),
        )
        return "delivered"
    if state == "read":
        conn.execute(
            "UPDATE outbox SET delivered_at = COALESCE(delivered_at, ?),"
            " read_at = COALESCE(read_at, ?) WHERE id = ?",
            (now, now, row["id"]),
        )
        return "read"
    if state != "failed" or row["status"] != "sent":
        return "nothing to do"
    codes = [code for code, _ in errors]
    reason = "; ".join(f"(#{code}) {title}" for code, title in errors) or "failed"
    if outside_window in codes and row["contact_id"] is not None:
        close_window(conn, row["contact_id"], now)
        conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ?, platform_message_id = NULL,"
            " sent_at = NULL, last_error = ? WHERE id = ?",
            (now, f"{reason}: sending the approved template", row["id"]),
        )
        return "queued again as a template"
    if undeliverable in codes:
        conn.execute(
            "UPDATE outbox SET status = 'blocked', last_error = ? WHERE id = ?",
            (reason, row["id"]),
        )
        if row["contact_id"] is not None:
            conn.execute("UPDATE contacts SET unreachable = 1 WHERE id = ?", (row["contact_id"],))
        return "blocked"
    conn.execute(
        "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (reason, row["id"])
    )
    return "failed"


def receipts(conn: sqlite3.Connection, kind: str, ref: str) -> dict[str, int]:
    """Delivered and read counts of one broadcast's WhatsApp messages (for /deliveries)."""
    row = conn.execute(
        "SELECT COUNT(delivered_at), COUNT(read_at) FROM outbox"
        " WHERE kind = ? AND ref = ? AND channel = ?",
        (kind, ref, CHANNEL),
    ).fetchone()
    return {"delivered": int(row[0]), "read": int(row[1])}
