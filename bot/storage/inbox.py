"""The two-way inbox (issue 15, migration 0014): items people send to their cluster's CDA,
the messages of both directions, status changes, and who is blocked.

Every function runs inside the caller's transaction (a turn or a job), so an item, its
first message and its change row are written together or not at all.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

KINDS = ("question", "suggestion", "complaint", "privacy")
# Kinds that may be sent without the sender's name shown to the CDA.
ANONYMOUS_KINDS = frozenset({"suggestion", "complaint"})
OPEN_STATUSES = ("new", "open")  # waiting for the CDA
MAX_OPEN_PER_PERSON = 10
MAX_TEXT = 2000


@dataclass(frozen=True)
class Item:
    id: int
    cluster_id: int
    contact_id: int | None
    kind: str
    anonymous: bool
    status: str
    text: str
    media_kind: str | None
    media_path: str | None
    created_at: str
    taken_by: int | None
    taken_at: str | None
    first_answer_at: str | None
    closed_at: str | None
    update_id: int | None

    @property
    def waiting(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Message:
    id: int
    item_id: int
    direction: str
    author: int | None
    text: str
    at: str


def _item(r: sqlite3.Row) -> Item:
    return Item(
        id=r["id"],
        cluster_id=r["cluster_id"],
        contact_id=r["contact_id"],
        kind=r["kind"],
        anonymous=bool(r["anonymous"]),
        status=r["status"],
        text=r["text"],
        media_kind=r["media_kind"],
        media_path=r["media_path"],
        created_at=r["created_at"],
        taken_by=r["taken_by"],
        taken_at=r["taken_at"],
        first_answer_at=r["first_answer_at"],
        closed_at=r["closed_at"],
        update_id=r["update_id"],
    )


def _change(conn: sqlite3.Connection, item_id: int, at: str, actor: int | None, action: str,
            status: str) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO inbox_changes (item_id, at, actor, action, status) VALUES (?, ?, ?, ?, ?)",
        (item_id, at, actor, action, status),
    )


def add(
    conn: sqlite3.Connection,
    *,
    cluster_id: int,
    contact_id: int,
    kind: str,
    anonymous: bool,
    text: str,
    media_kind: str | None,
    media_path: str | None,
    role: str | None,
    gender: str | None,
    now: str,
) -> Item:
    if kind not in KINDS:
        raise ValueError(f"unknown inbox kind {kind!r}")
    anonymous = anonymous and kind in ANONYMOUS_KINDS
    cur = conn.execute(
        "INSERT INTO inbox_items (cluster_id, contact_id, kind, anonymous, sender_role,"
        " sender_gender, text, media_kind, media_path, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cluster_id,
            contact_id,
            kind,
            int(anonymous),
            None if anonymous else role,
            None if anonymous else gender,
            text,
            media_kind,
            media_path,
            now,
        ),
    )
    item_id = int(cur.lastrowid or 0)
    conn.execute(
        "INSERT INTO inbox_messages (item_id, direction, author, text, at)"
        " VALUES (?, 'in', NULL, ?, ?)",
        (item_id, text, now),
    )
    # The item row is the one place an anonymous sender is linked (to deliver the reply).
    _change(conn, item_id, now, None if anonymous else contact_id, "sent", "new")
    found = get(conn, item_id)
    assert found is not None
    return found


def get(conn: sqlite3.Connection, item_id: int) -> Item | None:
    row = conn.execute("SELECT * FROM inbox_items WHERE id = ?", (item_id,)).fetchone()
    return _item(row) if row else None


def open_count(conn: sqlite3.Connection, contact_id: int) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM inbox_items WHERE contact_id = ? AND status IN ('new', 'open')",
            (contact_id,),
        ).fetchone()[0]
    )


def of_sender(conn: sqlite3.Connection, contact_id: int, limit: int = 10) -> list[Item]:
    """What a person sent, newest first."""
    return [
        _item(r)
        for r in conn.execute(
            "SELECT * FROM inbox_items WHERE contact_id = ? ORDER BY id DESC LIMIT ?",
            (contact_id, limit),
        )
    ]


def waiting(conn: sqlite3.Connection, cluster_id: int, overdue_before: str) -> list[Item]:
    """New and open items of a cluster: overdue ones (sent before `overdue_before`) first,
    then oldest first."""
    return [
        _item(r)
        for r in conn.execute(
            "SELECT * FROM inbox_items WHERE cluster_id = ? AND status IN ('new', 'open')"
            " ORDER BY created_at >= ?, created_at, id",
            (cluster_id, overdue_before),
        )
    ]


def answered(conn: sqlite3.Connection, cluster_id: int, limit: int = 10) -> list[Item]:
    """Items answered and not closed, most recently sent first: to publish or close."""
    return [
        _item(r)
        for r in conn.execute(
            "SELECT * FROM inbox_items WHERE cluster_id = ? AND status = 'answered'"
            " ORDER BY id DESC LIMIT ?",
            (cluster_id, limit),
        )
    ]


def answered_count(conn: sqlite3.Connection, cluster_id: int) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM inbox_items WHERE cluster_id = ? AND status = 'answered'",
            (cluster_id,),
        ).fetchone()[0]
    )


def new_since(conn: sqlite3.Connection, cluster_id: int, since: str) -> dict[str, int]:
    """Items sent to the cluster since `since` and still waiting, by kind."""
    return {
        kind: count
        for kind, count in conn.execute(
            "SELECT kind, COUNT(*) FROM inbox_items WHERE cluster_id = ? AND created_at >= ?"
            " AND status IN ('new', 'open') GROUP BY kind",
            (cluster_id, since),
        )
    }


def messages(conn: sqlite3.Connection, item_id: int) -> list[Message]:
    return [
        Message(r["id"], r["item_id"], r["direction"], r["author"], r["text"], r["at"])
        for r in conn.execute(
            "SELECT * FROM inbox_messages WHERE item_id = ? ORDER BY id", (item_id,)
        )
    ]


def last_answer(conn: sqlite3.Connection, item_id: int) -> Message | None:
    row = conn.execute(
        "SELECT * FROM inbox_messages WHERE item_id = ? AND direction = 'out'"
        " ORDER BY id DESC LIMIT 1",
        (item_id,),
    ).fetchone()
    if row is None:
        return None
    return Message(row["id"], row["item_id"], row["direction"], row["author"], row["text"],
                   row["at"])  # fmt: skip


def mark_open(conn: sqlite3.Connection, item: Item, by: int | None, now: str) -> None:
    """The first time a CDA opens a new item it is no longer new."""
    if item.status == "new":
        conn.execute("UPDATE inbox_items SET status = 'open' WHERE id = ?", (item.id,))
        _change(conn, item.id, now, by, "opened", "open")


def take(conn: sqlite3.Connection, item: Item, by: int | None, now: str) -> None:
    status = "open" if item.status == "new" else item.status
    conn.execute(
        "UPDATE inbox_items SET taken_by = ?, taken_at = ?, status = ? WHERE id = ?",
        (by, now, status, item.id),
    )
    _change(conn, item.id, now, by, "taken", status)


def answer(conn: sqlite3.Connection, item: Item, by: int | None, text: str, now: str) -> int:
    """Record a CDA's reply; the message id (the outbox ref of its delivery)."""
    cur = conn.execute(
        "INSERT INTO inbox_messages (item_id, direction, author, text, at)"
        " VALUES (?, 'out', ?, ?, ?)",
        (item.id, by, text, now),
    )
    conn.execute(
        "UPDATE inbox_items SET status = 'answered',"
        " first_answer_at = COALESCE(first_answer_at, ?),"
        " taken_by = COALESCE(taken_by, ?), taken_at = COALESCE(taken_at, ?) WHERE id = ?",
        (now, by, now, item.id),
    )
    _change(conn, item.id, now, by, "answered", "answered")
    return int(cur.lastrowid or 0)


def close(conn: sqlite3.Connection, item: Item, by: int | None, now: str) -> None:
    conn.execute(
        "UPDATE inbox_items SET status = 'closed', closed_at = ? WHERE id = ?", (now, item.id)
    )
    _change(conn, item.id, now, by, "closed", "closed")


def published(
    conn: sqlite3.Connection, item: Item, by: int | None, update_id: int, now: str
) -> None:
    conn.execute(
        "UPDATE inbox_items SET update_id = ?, published_at = ? WHERE id = ?",
        (update_id, now, item.id),
    )
    _change(conn, item.id, now, by, "published", item.status)


def is_blocked(conn: sqlite3.Connection, cluster_id: int, contact_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM inbox_blocks WHERE cluster_id = ? AND contact_id = ?",
            (cluster_id, contact_id),
        ).fetchone()
        is not None
    )


def block(conn: sqlite3.Connection, cluster_id: int, contact_id: int, by: int, now: str) -> bool:
    cur = conn.execute(
        "INSERT OR IGNORE INTO inbox_blocks (cluster_id, contact_id, blocked_by, at)"
        " VALUES (?, ?, ?, ?)",
        (cluster_id, contact_id, by, now),
    )
    return cur.rowcount > 0


def unblock(conn: sqlite3.Connection, cluster_id: int, contact_id: int) -> bool:
    cur = conn.execute(
        "DELETE FROM inbox_blocks WHERE cluster_id = ? AND contact_id = ?",
        (cluster_id, contact_id),
    )
    return cur.rowcount > 0


@dataclass(frozen=True)
class Forgotten:
    items: list[int]
    media: list[str]  # files to delete (unless another item or answer names them)


def names_file(conn: sqlite3.Connection, path: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM inbox_items WHERE media_path = ? LIMIT 1", (path,)).fetchone()
        is not None
    )


def forget_sender(conn: sqlite3.Connection, contact_id: int, now: str) -> Forgotten:
    """Erasure (bot/erasure.py): unlink the person from what they sent (anonymous items
    too), blank their texts and the replies written to them alone, and drop their blocks.
    Kind, dates and status stay for the report; items still waiting are closed, since no
    reply could reach anyone."""
    rows = conn.execute(
        "SELECT id, status, media_path FROM inbox_items WHERE contact_id = ?", (contact_id,)
    ).fetchall()
    ids = [r["id"] for r in rows]
    for r in rows:
        conn.execute("UPDATE inbox_messages SET text = '' WHERE item_id = ?", (r["id"],))
        if r["status"] in OPEN_STATUSES:
            conn.execute(
                "UPDATE inbox_items SET status = 'closed', closed_at = ? WHERE id = ?",
                (now, r["id"]),
            )
            _change(conn, r["id"], now, None, "erased", "closed")
    conn.execute(
        "UPDATE inbox_items SET contact_id = NULL, text = '', media_kind = NULL,"
        " media_path = NULL WHERE contact_id = ?",
        (contact_id,),
    )
    conn.execute("UPDATE inbox_changes SET actor = NULL WHERE actor = ?", (contact_id,))
    conn.execute("DELETE FROM inbox_blocks WHERE contact_id = ?", (contact_id,))
    return Forgotten(ids, [r["media_path"] for r in rows if r["media_path"]])


@dataclass(frozen=True)
class ReplyDelivery:
    item_id: int
    message_id: int
    at: str
    status: str  # the outbox row's status; 'none': nobody to deliver to (erased)
    error: str | None


def recent_replies(
    conn: sqlite3.Connection, cluster_ids: frozenset[int] | None, limit: int
) -> list[ReplyDelivery]:
    """The CDAs' latest replies in these clusters (None: every cluster) with what became of
    their delivery (/deliveries): item and time only, never who they went to."""
    where, params = "1", []
    if cluster_ids is not None:
        ids = sorted(cluster_ids)
        where, params = f"i.cluster_id IN ({','.join('?' * len(ids)) or 'NULL'})", list(ids)
    rows = conn.execute(
        "SELECT m.item_id, m.id, m.at, COALESCE(o.status, 'none'), o.last_error"
        " FROM inbox_messages m JOIN inbox_items i ON i.id = m.item_id"
        " LEFT JOIN outbox o ON o.kind = 'inbox_reply' AND o.ref = CAST(m.id AS TEXT)"
        f" WHERE m.direction = 'out' AND {where} ORDER BY m.id DESC LIMIT ?",
        (*params, limit),
    )
    return [ReplyDelivery(r[0], r[1], r[2], r[3], r[4]) for r in rows]
