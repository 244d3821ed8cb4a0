"""Conversation state: which flow and step a person is in, plus the flow's draft data."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Conversation:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def get(conn: sqlite3.Connection, contact_id: int) -> Conversation | None:
    row = conn.execute(
        "SELECT flow, step, data FROM conversations WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    if row is None:
        return None
    return Conversation(row["flow"], row["step"], json.loads(row["data"]))


def save(conn: sqlite3.Connection, contact_id: int, conv: Conversation | None, now: str) -> None:
    if conv is None:
        conn.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))
        return
    conn.execute(
        "INSERT INTO conversations (contact_id, flow, step, data, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET"
        " flow = excluded.flow, step = excluded.step, data = excluded.data,"
        " updated_at = excluded.updated_at",
        (contact_id, conv.flow, conv.step, json.dumps(conv.data, ensure_ascii=False), now),
    )


def last_choices(conn: sqlite3.Connection, contact_id: int) -> list[str]:
    row = conn.execute(
        "SELECT last_choices FROM conversations WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    return list(json.loads(row[0])) if row and row[0] else []


def save_last_choices(conn: sqlite3.Connection, contact_id: int, ids: list[str]) -> None:
    conn.execute(
        "UPDATE conversations SET last_choices = ? WHERE contact_id = ?",
        (json.dumps(ids) if ids else None, contact_id),
    )
