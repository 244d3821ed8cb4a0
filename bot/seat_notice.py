"""The notice to the waiting person who gets a freed seat of an exposure visit.

Shared by the "cancel registration" button (handlers/events/press.py) and erasure
(bot/erasure.py: /forget, `clusterbot forget`, the retention job), which free seats too.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.i18n import N_, translator
from bot.jobs.reminders import local_when
from bot.messages import Choice
from bot.outbox.queue import Payload, enqueue
from bot.storage import clusters, contacts
from bot.storage.events import Event

PROMOTED = N_(
    "Good news: a seat is free and it is yours. You are registered for {title} on {when}."
)


def notify_promoted(
    conn: sqlite3.Connection,
    event: Event,
    contact_id: int,
    now: datetime,
    *,
    default_language: str,
    timezone: str,
) -> None:
    """Queue the notice (through the outbox: the person is not in this chat), in their
    own language, with a button to cancel."""
    person = contacts.by_id(conn, contact_id)
    if person is None or not person.chat_id:
        return
    _ = translator(person.language or default_language)
    cluster = clusters.by_id(conn, event.cluster_id)
    tz = ZoneInfo(cluster.timezone if cluster else timezone)
    title = event.read(_.language).title
    text = _(PROMOTED).format(title=title, when=local_when(_, parse_iso(event.starts_at), tz))
    enqueue(
        conn,
        channel=person.channel,
        contact_id=person.id,
        chat_id=person.chat_id,
        kind="notice",
        ref=f"event:{event.id}:seat:{iso(now)}",
        payload=Payload(text, (Choice(f"reg:{event.id}:x", _("Cancel registration")),)),
        now=now,
    )
