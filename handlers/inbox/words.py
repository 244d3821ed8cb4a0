"""How inbox items read (issue 15): kinds, statuses, the reference number, a short quote.
Shared by the stakeholder side (ask.py), the CDA's desk (desk.py) and publishing."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.i18n import N_, Translator
from bot.storage import clusters
from bot.storage.inbox import Item
from handlers import when as when_

KIND_LABELS = {
    "question": N_("Question"),
    "suggestion": N_("Suggestion"),
    "complaint": N_("Complaint"),
    "privacy": N_("About my data"),
}
# What the person sees in /mine: waiting (new or open), answered, closed.
STATUS_LABELS = {
    "new": N_("waiting"),
    "open": N_("waiting"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}
QUOTE = 80  # characters of an item's text in a list line


def reference(item_id: int) -> str:
    return f"#{item_id}"


def kind_label(_: Translator, kind: str) -> str:
    return _(KIND_LABELS.get(kind, KIND_LABELS["question"]))


def quote(text: str, limit: int = QUOTE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def overdue_before(now: datetime, answer_days: int) -> str:
    """Items sent before this moment and not answered are overdue."""
    return iso(now - timedelta(days=answer_days))


def is_overdue(item: Item, now: datetime, answer_days: int) -> bool:
    return item.waiting and item.created_at < overdue_before(now, answer_days)


def sent_on(_: Translator, item: Item, zone: ZoneInfo) -> str:
    return when_.show(_, parse_iso(item.created_at), zone)


def zone_of(conn: sqlite3.Connection, cluster_id: int, default: str) -> ZoneInfo:
    cluster = clusters.by_id(conn, cluster_id)
    return ZoneInfo(cluster.timezone if cluster else default)
