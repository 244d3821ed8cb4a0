"""Conversation state: which flow and step a person is in, plus the flow's draft data."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

# json.dumps(..., ensure_ascii=False) builds a new encoder per call; this runs every turn.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


@dataclass
class Conversation:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def get(conn: sqlite3.Connection, contact_id: int) -> Conversation | None:
    return load(conn, contact_id)[0]


def load(conn: sqlite3.Connection, contact_id: int) -> tuple[Conversation | None, list[str]]:
    """The conversation and the button ids offered last (a typed "2" presses the second),
    in one query: this runs on every turn."""
    row = conn.execute(
        "SELECT flow, step, data, last_choices FROM conversations WHERE contact_id = ?",
        (contact_id,),
    ).fetchone()
    if row is None:
        return None, []
    offered = list(json.loads(row[3])) if row[3] else []
    return Conversation(row[0], row[1], json.loads(row[2])), offered


def save(
    conn: sqlite3.Connection,
    contact_id: int,
    conv: Conversation | None,
    now: str,
    *,
    last_choices: list[str] | None = None,
) -> None:
    """Store the conversation (None deletes it). `last_choices`: the button ids just
    offered ([] for none); None keeps the stored ones (a turn that sent nothing)."""
    if conv is None:
        conn.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))
        return
    data = _ENCODER.encode(conv.data)
    offered = json.dumps(last_choices) if last_choices else None
    if last_choices is None:
        conn.execute(
            "INSERT INTO conversations (contact_id, flow, step, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET"
            " flow = excluded.flow, step = excluded.step, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (contact_id, conv.flow, conv.step, data, now),
        )
        return
    conn.execute(
        "INSERT INTO conversations (contact_id, flow, step, data, updated_at, last_choices)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET"
        " flow = excluded.flow, step = excluded.step, data = excluded.data,"
        " updated_at = excluded.updated_at, last_choices = excluded.last_choices",
        (contact_id, conv.flow, conv.step, data, now, offered),
    )
