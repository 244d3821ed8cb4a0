"""One-time dashboard sign-in links and the sessions they open (issue 16, migration 0020).

Tokens and session ids are random (`secrets.token_urlsafe`); only their SHA-256 is stored, so
neither a database copy nor a backup signs anyone in. Times are UTC ISO text (`bot.clock.iso`).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import iso

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
# Sign-in links one person may ask for in an hour: enough for a lost message or two, too few
# to fill someone's chat with links.
LINKS_PER_HOUR = 5


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    channel: str
    channel_user_id: str


@dataclass(frozen=True)
class Session:
    identity: Identity
    csrf: str
    expires_at: str


def links_in_last_hour(conn: sqlite3.Connection, who: Identity, now: datetime) -> int:
    row = conn.execute(
        "SELECT count(*) FROM web_links WHERE channel = ? AND channel_user_id = ?"
        " AND created_at > ?",
        (who.channel, who.channel_user_id, iso(now - timedelta(hours=1))),
    ).fetchone()
    return int(row[0])


def new_link(conn: sqlite3.Connection, who: Identity, now: datetime) -> str | None:
    """A fresh one-time token for `who`, or None when they asked for too many this hour."""
    if links_in_last_hour(conn, who, now) >= LINKS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO web_links (token_hash, channel, channel_user_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (_hash(token), who.channel, who.channel_user_id, iso(now), iso(now + LINK_LIFETIME)),
    )
    return token


def link_is_valid(conn: sqlite3.Connection, token: str, now: datetime) -> bool:
    """Whether the token would sign in now (the confirmation page asks, without using it)."""
    row = conn.execute(
        "SELECT 1 FROM web_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        (_hash(token), iso(now)),
    ).fetchone()
    return row is not None


def use_link(conn: sqlite3.Connection, token: str, now: datetime) -> Identity | None:
    """Spend the token (once, before it expires). Call inside a write transaction: the
    UPDATE's own WHERE makes two racing uses give one session."""
    row = conn.execute(
        "UPDATE web_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
        " AND expires_at > ? RETURNING channel, channel_user_id",
        (iso(now), _hash(token), iso(now)),
    ).fetchone()
    return Identity(row[0], row[1]) if row else None


def open_session(conn: sqlite3.Connection, who: Identity, now: datetime) -> tuple[str, Session]:
    """A new session for `who`: (the cookie's value, the session)."""
    session_id = secrets.token_urlsafe(32)
    session = Session(who, secrets.token_urlsafe(24), iso(now + SESSION_LIFETIME))
    conn.execute(
        "INSERT INTO web_sessions (id_hash, channel, channel_user_id, csrf, created_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            _hash(session_id),
            who.channel,
            who.channel_user_id,
            session.csrf,
            iso(now),
            session.expires_at,
        ),
    )
    return session_id, session


def session_for(conn: sqlite3.Connection, session_id: str, now: datetime) -> Session | None:
    row = conn.execute(
        "SELECT channel, channel_user_id, csrf, expires_at FROM web_sessions"
        " WHERE id_hash = ? AND ended_at IS NULL AND expires_at > ?",
        (_hash(session_id), iso(now)),
    ).fetchone()
    if row is None:
        return None
    return Session(Identity(row[0], row[1]), row[2], row[3])


def end_session(conn: sqlite3.Connection, session_id: str, now: datetime) -> bool:
    cur = conn.execute(
        "UPDATE web_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL",
        (iso(now), _hash(session_id)),
    )
    return cur.rowcount > 0


def forget(conn: sqlite3.Connection, channel: str, user_ids: set[str]) -> int:
    """Erasure: the person's links and sessions go (they name a chat identity)."""
    gone = 0
    for user_id in user_ids:
        for table in ("web_links", "web_sessions"):
            gone += conn.execute(
                f"DELETE FROM {table} WHERE channel = ? AND channel_user_id = ?",
                (channel, user_id),
            ).rowcount
    return gone


def prune(conn: sqlite3.Connection, now: datetime) -> int:
    """Housekeeping: links and sessions a day past their end are of no use to anyone."""
    cutoff = iso(now - timedelta(days=1))
    return (
        conn.execute("DELETE FROM web_links WHERE expires_at < ?", (cutoff,)).rowcount
        + conn.execute("DELETE FROM web_sessions WHERE expires_at < ?", (cutoff,)).rowcount
    )


def set_public_page(conn: sqlite3.Connection, cluster_id: int, on: bool) -> bool:
    """True when it changed."""
    cur = conn.execute(
        "UPDATE clusters SET public_page = ? WHERE id = ? AND public_page != ?",
        (int(on), cluster_id, int(on)),
    )
    return cur.rowcount > 0


def public_page_on(conn: sqlite3.Connection, cluster_id: int) -> bool:
    row = conn.execute("SELECT public_page FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    return bool(row and row[0])
