"""Broadcasts: what a CDA sent (or scheduled) to whom in a cluster, and their audiences."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

# Audience spec (JSON in broadcasts.audience): {} = everyone registered in the cluster;
# {"roles": ["artisan", ...]}; {"gender": "female" | "male"}; {"event": 7} = the people of
# one of the cluster's events (EVENT_PEOPLE); {"network": 3} = the members of one of the
# cluster's networks now (NETWORK_PEOPLE, issue 19). Keys combine with AND.
Audience = dict[str, Any]

# "The people of an event": for a meeting those who answered Yes or Maybe, for a visit the
# confirmed and the waiting (a change of plan concerns the waiting list too). A meeting has
# no registrations and a visit no RSVPs, so the union needs no kind. The event must be of
# the same cluster: an event id from another cluster means nobody.
EVENT_PEOPLE = (
    "c.id IN (SELECT r.contact_id FROM rsvps r WHERE r.event_id = ? AND r.answer IN"
    " ('yes', 'maybe') UNION SELECT g.contact_id FROM registrations g WHERE g.event_id = ?"
    " AND g.status IN ('confirmed', 'waiting'))"
    " AND EXISTS (SELECT 1 FROM events e WHERE e.id = ? AND e.cluster_id = c.cluster_id)"
)

# The network must be of the same cluster too; invited people are not members yet.
NETWORK_PEOPLE = (
    "c.id IN (SELECT m.contact_id FROM network_members m JOIN networks n ON n.id ="
    " m.network_id WHERE m.network_id = ? AND m.status = 'member'"
    " AND n.cluster_id = c.cluster_id)"
)


@dataclass(frozen=True)
class Broadcast:
    id: int
    cluster_id: int
    author: str
    audience: Audience
    texts: dict[str, str]
    default_language: str
    media_kind: str | None
    media_path: str | None
    media_name: str | None
    scheduled_at: str | None
    status: str
    created_at: str
    sent_at: str | None
    recipients: int | None

    @property
    def job_id(self) -> str:
        """The scheduler's job id for this broadcast (scheduled_jobs.id)."""
        return f"broadcast:{self.id}"

    def text_for(self, language: str | None) -> str:
        return self.texts.get(language or "", self.texts[self.default_language])


@dataclass(frozen=True)
class AudienceCount:
    """Who a broadcast would reach now, and who it would leave out and why."""

    recipients: int = 0
    opted_out: int = 0
    unreachable: int = 0
    by_language: dict[str, int] = field(default_factory=dict)  # recipients per language


def _row(r: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=r["id"],
        cluster_id=r["cluster_id"],
        author=r["author"],
        audience=json.loads(r["audience"]),
        texts=json.loads(r["texts"]),
        default_language=r["default_language"],
        media_kind=r["media_kind"],
        media_path=r["media_path"],
        media_name=r["media_name"],
        scheduled_at=r["scheduled_at"],
        status=r["status"],
        created_at=r["created_at"],
        sent_at=r["sent_at"],
        recipients=r["recipients"],
    )


def create(
    conn: sqlite3.Connection,
    *,
    cluster_id: int,
    author: str,
    audience: Audience,
    texts: dict[str, str],
    now: str,
    default_language: str = "en",
    media_kind: str | None = None,
    media_path: str | None = None,
    media_name: str | None = None,
    scheduled_at: str | None = None,
    status: str = "draft",
) -> Broadcast:
    """A new broadcast; by default a text-only draft, to be sent now, English first."""
    if default_language not in texts:
        raise ValueError("the default language needs a text")
    cur = conn.execute(
        "INSERT INTO broadcasts (cluster_id, author, audience, texts, default_language,"
        " media_kind, media_path, media_name, scheduled_at, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cluster_id,
            author,
            json.dumps(audience, sort_keys=True),
            json.dumps(texts, ensure_ascii=False),
            default_language,
            media_kind,
            media_path,
            media_name,
            scheduled_at,
            status,
            now,
        ),
    )
    found = get(conn, int(cur.lastrowid or 0))
    assert found is not None
    return found


def get(conn: sqlite3.Connection, broadcast_id: int) -> Broadcast | None:
    row = conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
    return _row(row) if row else None


def recent(
    conn: sqlite3.Connection, cluster_ids: Collection[int] | None, limit: int = 5
) -> list[Broadcast]:
    """Newest first; `cluster_ids` None = every cluster."""
    if cluster_ids is None:
        rows = conn.execute("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
    else:
        ids = sorted(cluster_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = conn.execute(
            f"SELECT * FROM broadcasts WHERE cluster_id IN ({marks}) ORDER BY id DESC LIMIT ?",
            (*ids, limit),
        )
    return [_row(r) for r in rows]


def set_status(
    conn: sqlite3.Connection,
    broadcast_id: int,
    status: str,
    *,
    sent_at: str | None = None,
    recipients: int | None = None,
) -> None:
    conn.execute(
        "UPDATE broadcasts SET status = ?, sent_at = COALESCE(?, sent_at),"
        " recipients = COALESCE(?, recipients) WHERE id = ?",
        (status, sent_at, recipients, broadcast_id),
    )


def audience_where(cluster_id: int, audience: Audience) -> tuple[str, list[Any]]:
    """SQL condition on `contacts c` for the people an audience spec means."""
    sql = ["c.cluster_id = ?", "c.status = 'registered'", "c.chat_id IS NOT NULL"]
    params: list[Any] = [cluster_id]
    roles = [str(r) for r in audience.get("roles") or []]
    if roles:
        sql.append(f"c.role IN ({','.join('?' * len(roles))})")
        params += roles
    gender = audience.get("gender")
    if gender:
        sql.append("c.gender = ?")
        params.append(str(gender))
    if "event" in audience:
        event_id = int(audience["event"])
        sql.append(EVENT_PEOPLE)
        params += [event_id, event_id, event_id]
    if "network" in audience:
        sql.append(NETWORK_PEOPLE)
        params.append(int(audience["network"]))
    return " AND ".join(sql), params


def audience_count(conn: sqlite3.Connection, cluster_id: int, audience: Audience) -> AudienceCount:
    where, params = audience_where(cluster_id, audience)
    recipients = opted_out = unreachable = 0
    by_language: dict[str, int] = {}
    for row in conn.execute(
        f"SELECT c.opted_out, c.unreachable, c.language, COUNT(*) FROM contacts c WHERE {where}"
        " GROUP BY c.opted_out, c.unreachable, c.language",
        params,
    ):
        if row[0]:
            opted_out += row[3]
        elif row[1]:
            unreachable += row[3]
        else:
            recipients += row[3]
            by_language[row[2] or ""] = by_language.get(row[2] or "", 0) + row[3]
    return AudienceCount(recipients, opted_out, unreachable, by_language)


def audience_events(
    conn: sqlite3.Connection, cluster_id: int, now: str, since: str, limit: int, offset: int = 0
) -> list[int]:
    """Ids of the cluster's events a broadcast can go to the people of: scheduled ones not
    yet started (soonest first), then those started since `since` (latest first)."""
    rows = conn.execute(
        "SELECT id FROM events WHERE cluster_id = ? AND status = 'scheduled' AND starts_at >= ?"
        " ORDER BY starts_at < ?, CASE WHEN starts_at >= ? THEN starts_at END,"
        " starts_at DESC, id LIMIT ? OFFSET ?",
        (cluster_id, since, now, now, limit, offset),
    )
    return [int(r[0]) for r in rows]
