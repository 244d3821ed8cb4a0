"""Shared helpers for outbox, scheduler and broadcast tests: seeded people and a fake channel."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from bot.outbox.queue import OutboxItem
from bot.outbox.retry import Outcome, SendResult


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "artisan"
    gender: str = "female"
    language: str = "en"
    opted_out: bool = False
    unreachable: bool = False
    status: str = "registered"
    channel: str = "test"
    user_id: str = ""  # the platform id (also the chat id); default u-<name> / c-<name>


def seed_people(conn: sqlite3.Connection, cluster_id: int, people: list[Person]) -> list[int]:
    """Insert contacts directly (no onboarding): quicker, and any mix of states."""
    ids = []
    for person in people:
        cur = conn.execute(
            "INSERT INTO contacts (channel, channel_user_id, chat_id, language, status,"
            " consent_at, name, role, cluster_id, gender, opted_out, unreachable, created_at,"
            " registered_at) VALUES (?, ?, ?, ?, ?, 'x', ?, ?, ?, ?, ?, ?, 'x', 'x')",
            (
                person.channel,
                person.user_id or f"u-{person.name}",
                person.user_id or f"c-{person.name}",
                person.language,
                person.status,
                person.name,
                person.role,
                cluster_id,
                person.gender,
                int(person.opted_out),
                int(person.unreachable),
            ),
        )
        ids.append(int(cur.lastrowid or 0))
    return ids


def ledger(conn: sqlite3.Connection, ref: str = "1") -> dict[str, str]:
    """contact name -> outbox status for one broadcast."""
    return {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT c.name, o.status FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " WHERE o.ref = ?",
            (ref,),
        )
    }


@dataclass
class FakeChannel:
    """A channel whose sends succeed unless `script[chat_id]` says otherwise (in order)."""

    script: dict[str, list[SendResult]] = field(default_factory=dict)
    calls: list[OutboxItem] = field(default_factory=list)
    hold: asyncio.Event | None = None  # set: sends wait for it (in flight at a "crash")

    async def deliver(self, item: OutboxItem) -> SendResult:
        self.calls.append(item)
        if self.hold is not None:
            await self.hold.wait()
        queue = self.script.get(item.chat_id)
        if queue:
            return queue.pop(0)
        return SendResult(Outcome.SENT, platform_message_id=f"m{len(self.calls)}")

    @property
    def per_chat(self) -> Counter[str]:
        return Counter(item.chat_id for item in self.calls)
