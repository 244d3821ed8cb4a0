"""Roles never mix on WhatsApp either (issue 12): a reply button's id arrives through the
signed webhook as the same press the engine routes for Telegram, so a forged CDA button
from someone who is CDA of another cluster and observer of this one changes nothing, and
the answer is the same as for an event that does not exist."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.clock import iso, utc_now
from bot.config import Settings
from bot.storage import admins, clusters
from bot.storage import events as ev
from bot.storage.db import Database
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.fakes.whatsapp_payloads import SUNITA
from tests.whatsapp.test_intake import post, webhook


async def test_a_forged_event_button_from_a_cda_of_another_cluster_changes_nothing(
    db: Database, settings: Settings, graph: FakeGraph
) -> None:
    def world(conn: sqlite3.Connection) -> int:
        a = clusters.add(conn, "BAGRU", "Bagru", "Asia/Kolkata", "x").id
        b = clusters.add(conn, "ALLEPPEY", "Alleppey", "Asia/Kolkata", "x").id
        admins.add(conn, "whatsapp", str(SUNITA.wa_id), a, "cda", "x")
        admins.add(conn, "whatsapp", str(SUNITA.wa_id), b, "observer", "x")
        now = utc_now()
        event = ev.create(
            conn, cluster_id=b, kind="meeting", title="Secret B meeting", place="Hall",
            starts_at=iso(now + timedelta(days=7)), created_by="test:cdab", now=iso(now),
            seats=None, audience={}, register_by=None, contribution_paise=0,
            reminder_offsets=(1440,),
        )  # fmt: skip
        return event.id

    event_id = await db.write(world)
    async with webhook(db, settings, graph) as (client, _channel):
        for pressed in (f"evm:{event_id}:drop", "evm:9999:drop"):
            assert await post(client, wp.button_reply(SUNITA, pressed, "Yes, cancel it")) == 200
        sent = await graph.wait_for(str(SUNITA.wa_id), 2)
    assert [s.text for s in sent] == ["Sorry, this is only for the cluster's CDA."] * 2
    event = await db.read(lambda conn: ev.get(conn, event_id))
    assert event is not None and event.status == "scheduled"
    queued = await db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
    assert queued == 0
