"""The durable outbox (SPEC §8): every message the bot starts goes through here.

Handlers and scheduled jobs only *enqueue*, inside their own transaction, so a message
exists exactly when the change that caused it was committed. A sender task per channel
(`bot.outbox.sender.OutboxSender`) drains the table under the channel's rate limiter.

Nothing here knows a platform: a channel turns an `OutboxItem` into API calls and returns
a `bot.outbox.retry.SendResult`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.messages import Choice
from bot.storage import broadcasts, outbox
from bot.storage.broadcasts import Broadcast

KINDS = (
    "broadcast", "invitation", "reminder", "notice", "survey_reminder", "inbox_reply",
    "inbox_digest", "survey", "network_invitation",
)
# /stop stops news (broadcasts, invitations to new events) and the one reminder about a
# survey left half-done (bot/jobs/survey_reminders.py); reminders and notices about events
# the person joined still come (SPEC §5 /stop).
# A new round of a survey (issue 18, kind "survey") and an invitation to join a network
# (issue 19) are news too.
OPT_OUT_KINDS = frozenset(
    {"broadcast", "invitation", "survey_reminder", "survey", "network_invitation"}
)
# Higher goes first: a reminder due now must not wait behind an hour-long broadcast.
# A reply to what someone asked (issue 15) comes even after /stop: they asked for it.
PRIORITY = {
    "notice": 2, "reminder": 2, "inbox_reply": 2, "inbox_digest": 1, "survey_reminder": 1,
    "invitation": 1, "network_invitation": 1, "survey": 0, "broadcast": 0,
}


def iso_ms(dt: datetime) -> str:
    """Outbox timestamps: UTC ISO-8601 with milliseconds (retries are sub-second apart).

    One fixed width, so text comparison in SQL is time comparison.
    """
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Payload:
    """What to send: a channel-neutral, serialisable Outbound (media by file path)."""

    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    media_kind: str = ""  # "photo" | "document" | ""
    media_path: str = ""
    media_name: str = ""

    def dumps(self) -> str:
        body: dict[str, object] = {"text": self.text}
        if self.choices:
            body["choices"] = [[c.id, c.label] for c in self.choices]
            body["columns"] = self.columns
        if self.media_kind:
            body["media"] = {
                "kind": self.media_kind,
                "path": self.media_path,
                "name": self.media_name,
            }
        return json.dumps(body, ensure_ascii=False)

    @classmethod
    def loads(cls, body: str) -> Payload:
        data = json.loads(body)
        media = data.get("media") or {}
        return cls(
            text=data.get("text", ""),
            choices=tuple(Choice(i, label) for i, label in data.get("choices", [])),
            columns=int(data.get("columns", 1)),
            media_kind=media.get("kind", ""),
            media_path=media.get("path", ""),
            media_name=media.get("name", ""),
        )


@dataclass(frozen=True)
class OutboxItem:
    """One row handed to a channel for sending."""

    id: int
    channel: str
    chat_id: str
    kind: str
    ref: str
    attempts: int  # counted attempts before this one
    payload: Payload


def triage(row: outbox.Claimed) -> OutboxItem | tuple[str, str]:
    """A claimed row: the item to send, or the (status, reason) that closes it unsent.

    The one rule set of every sender (bot.outbox.sender and the console): nothing goes to an
    erased contact, news not to one who opted out, nothing to one who blocked the bot."""
    if row.erased or not row.chat_id:
        return "skipped", "erased"
    if row.opted_out and row.kind in OPT_OUT_KINDS:
        return "opted_out", "opted out (/stop)"
    if row.unreachable:
        return "blocked", "blocked the bot earlier"
    try:
        payload = Payload.loads(row.body)
    except (ValueError, TypeError, KeyError) as exc:
        return "failed", f"unreadable payload: {exc}"
    return OutboxItem(row.id, row.channel, row.chat_id, row.kind, row.ref, row.attempts, payload)


def take_claimed(
    conn: sqlite3.Connection, rows: Iterable[outbox.Claimed]
) -> tuple[list[OutboxItem], list[tuple[int, str, str]]]:
    """Claimed rows: those to send go in flight and are returned; the others are closed
    now, by `triage`, and returned as (id, status, reason)."""
    items: list[OutboxItem] = []
    closed: list[tuple[int, str, str]] = []
    for row in rows:
        match triage(row):
            case OutboxItem() as item:
                items.append(item)
            case (status, reason):
                closed.append((row.id, status, reason))
    outbox.mark_in_flight(conn, (item.id for item in items))
    outbox.resolve(conn, closed)
    return items, closed


def enqueue(
    conn: sqlite3.Connection,
    *,
    channel: str,
    contact_id: int | None,
    chat_id: str,
    kind: str,
    ref: str,
    payload: Payload,
    now: datetime,
    due: datetime | None = None,
) -> int | None:
    """Queue one message (call inside the turn or job that causes it).

    Idempotent per (contact, kind, ref): returns None when that message is already queued
    or was sent. `due` delays the first attempt.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    payload_id = outbox.add_payload(conn, payload.dumps())
    return outbox.insert(
        conn,
        channel=channel,
        contact_id=contact_id,
        chat_id=chat_id,
        kind=kind,
        ref=ref,
        payload_id=payload_id,
        priority=PRIORITY[kind],
        due=iso_ms(due or now),
        now=iso_ms(now),
    )


def fan_out(
    conn: sqlite3.Connection,
    *,
    kind: str,
    ref: str,
    where: str,
    params: list[object],
    payloads: dict[str, Payload],
    default_language: str,
    now: datetime,
) -> dict[str, int]:
    """Queue one message per contact matching `where` (SQL on `contacts c`), each in
    their language (else `default_language`), in one INSERT ... SELECT.

    Idempotent: running it twice for the same (kind, ref) adds nobody twice. People who
    opted out (for news kinds) or blocked the bot get a ledger row with that status and
    no send, so /deliveries can say who was left out and why. Returns counts by status.
    """
    if kind not in KINDS or default_language not in payloads:
        raise ValueError("unknown kind, or no payload for the default language")
    ids = {lang: outbox.add_payload(conn, p.dumps()) for lang, p in payloads.items()}
    outbox.insert_for_contacts(
        conn,
        kind=kind,
        ref=ref,
        where=where,
        params=params,
        payload_ids=ids,
        default_language=default_language,
        priority=PRIORITY[kind],
        honour_opt_out=kind in OPT_OUT_KINDS,
        now=iso_ms(now),
    )
    return outbox.counts(conn, kind, [ref])[ref]


def fan_out_broadcast(conn: sqlite3.Connection, b: Broadcast, now: datetime) -> dict[str, int]:
    """Queue a broadcast for its whole audience (one transaction: the caller's)."""
    where, params = broadcasts.audience_where(b.cluster_id, b.audience)
    payloads = {
        lang: Payload(
            text=text,
            media_kind=b.media_kind or "",
            media_path=b.media_path or "",
            media_name=b.media_name or "",
        )
        for lang, text in b.texts.items()
    }
    return fan_out(
        conn,
        kind="broadcast",
        ref=str(b.id),
        where=where,
        params=params,
        payloads=payloads,
        default_language=b.default_language,
        now=now,
    )
