"""Shared helpers for event tests: a meeting or visit created straight in the database."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.clock import iso
from bot.jobs import reminders
from bot.storage import events as ev
from bot.storage.events import Event


def make_event(
    conn: sqlite3.Connection,
    cluster_id: int,
    now: datetime,
    *,
    kind: str = "visit",
    starts_in: timedelta = timedelta(days=7),
    seats: int | None = 30,
    offsets: tuple[int, ...] = ev.DEFAULT_OFFSETS,
) -> Event:
    event = ev.create(
        conn,
        cluster_id=cluster_id,
        kind=kind,
        title="Sanganer block printers" if kind == "visit" else "Cluster meeting",
        place="Sanganer" if kind == "visit" else "Community hall",
        starts_at=iso(now + starts_in),
        created_by="test:cda",
        now=iso(now),
        seats=seats if kind == "visit" else None,
        audience={"roles": ["artisan", "shg_member"]} if kind == "visit" else {},
        register_by=iso(now + starts_in - timedelta(days=2)) if kind == "visit" else None,
        contribution_paise=50000 if kind == "visit" else 0,
        reminder_offsets=offsets,
    )
    reminders.arm(conn, event, now)
    return event
