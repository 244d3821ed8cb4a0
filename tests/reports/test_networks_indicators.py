"""Networks and linkages indicators (issue 19) on a hand-counted fixture: the /report text,
the workbook's Networks sheet and the log-frame sources all read `ind.networks`."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.i18n import translator
from bot.logframe import sources
from bot.outbox.queue import Payload, enqueue
from bot.reports import indicators as ind
from bot.reports.text import report_text
from bot.reports.workbook import report_workbook
from bot.storage import activities, clusters
from bot.storage import events as ev
from bot.storage import networks as nw
from bot.storage.db import connect_sync, migrate
from tests.outbox_helpers import Person, seed_people

ZONE = ZoneInfo("Asia/Kolkata")
SENT = datetime(2026, 5, 1, tzinfo=UTC)
T = "t"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "r.db")
    migrate(connection)
    clusters.add(connection, "BAGRU", "Bagru", "Asia/Kolkata", "2026-01-01T00:00:00+00:00")
    yield connection
    connection.close()


def fixture(conn: sqlite3.Connection) -> tuple[nw.Network, nw.Network, nw.Network]:
    """Six people (four women). Dyers (formed): asha, bina, chitra from January, devi from
    March; bina leaves in April. Printers (revived): esha (man), farid (man) from February.
    Old guild (existing): nobody. Linkages: two standing before the programme (2025), one
    from June, one from 2025 ended in May."""
    people = seed_people(conn, 1, [
        Person("asha"), Person("bina"), Person("chitra"), Person("devi"),
        Person("esha", gender="male"), Person("farid", gender="male"),
    ])  # fmt: skip
    dyers = nw.create(conn, 1, "Dyers", "shg", "formed", "2026-01-05", actor=T, now="x")
    printers = nw.create(conn, 1, "Printers", "producer_group", "revived", None, actor=T, now="x")
    guild = nw.create(conn, 1, "Old guild", "association", "existing", None, actor=T, now="x")
    for contact in people[:3]:
        nw.add_member(conn, dyers.id, contact, actor=T, now="2026-01-10T05:00:00+00:00")
    nw.add_member(conn, dyers.id, people[3], actor=T, now="2026-03-02T05:00:00+00:00")
    nw.leave(conn, dyers.id, people[1], actor=T, now="2026-04-15T05:00:00+00:00")
    for contact in people[4:]:
        nw.add_member(conn, printers.id, contact, actor=T, now="2026-02-20T05:00:00+00:00")
    link = nw.record_linkage
    link(conn, 1, ("role", "artisan"), ("role", "supplier"), "buys_from", "2025-06-01",
         actor=T, now="x")
    link(conn, 1, ("network", str(dyers.id)), ("role", "bank"), "lends_to", "2025-07-01",
         actor=T, now="x")  # a reading of the data as it was entered; kind counts only
    ended = link(conn, 1, ("role", "institute"), ("role", "artisan"), "trains", "2025-03-01",
                 actor=T, now="x")
    nw.end_linkage(conn, ended.id, "2026-05-01", actor=T, now="x")
    link(conn, 1, ("role", "artisan"), ("network", str(printers.id)), "buys_from", "2026-06-10",
         actor=T, now="x")
    # A meeting of the Dyers: three invited, two came; a whole-cluster meeting is not theirs.
    for audience, present in (({"network": dyers.id}, people[:2]), ({}, people[:1])):
        event = ev.create(conn, cluster_id=1, kind="meeting", title="M", place="P",
                          starts_at="2026-05-05T05:00:00+00:00", created_by=T, now="x",
                          audience=audience)  # fmt: skip
        for contact in people[:3]:
            enqueue(conn, channel="test", contact_id=contact, chat_id="c", kind="invitation",
                    ref=f"event:{event.id}", payload=Payload("x"), now=SENT)  # fmt: skip
        for contact in present:
            conn.execute("INSERT INTO attendance VALUES (?, ?, 1, 't', 'x')", (event.id, contact))
    # Budget: the Dyers' activity ₹3,000 from the beneficiaries of ₹10,000 in the plan.
    dyed = activities.add(conn, cluster_id=1, by=T, now="x", title="Dye shed", category="pilot",
                          beneficiaries_paise=300_000)  # fmt: skip
    conn.execute("UPDATE activities SET network_id = ? WHERE id = ?", (dyers.id, dyed.id))
    activities.add(conn, cluster_id=1, by=T, now="x", title="Fair", category="pilot",
                   beneficiaries_paise=700_000)  # fmt: skip
    return dyers, printers, guild


PERIOD = ind.Period("all", None, "2026-06-30T18:30:00+00:00")  # 1 July, 00:00 IST


def test_networks_on_a_hand_counted_fixture(conn: sqlite3.Connection) -> None:
    dyers, printers, guild = fixture(conn)
    found = ind.networks(conn, 1, PERIOD, ZONE)
    by_id = {s.network_id: s for s in found.networks}
    assert found.by_origin == {"formed": 1, "revived": 1, "existing": 1}
    assert [by_id[n.id].members for n in (dyers, printers, guild)] == [3, 2, 0]
    assert [by_id[n.id].women for n in (dyers, printers, guild)] == [3, 0, 0]
    assert (found.members, found.women) == (5, 3)  # asha, chitra, devi; esha, farid
    assert by_id[dyers.id].trend == [
        ("2026-01", 3), ("2026-02", 3), ("2026-03", 4), ("2026-04", 3), ("2026-05", 3),
        ("2026-06", 3),
    ]  # fmt: skip
    assert by_id[printers.id].trend[:2] == [("2026-01", 0), ("2026-02", 2)]
    meetings = by_id[dyers.id].meetings
    assert len(meetings) == 1 and (meetings[0].invited, meetings[0].attended) == (3, 2)
    assert by_id[dyers.id].participation == ind.Share(2, 3)
    assert by_id[printers.id].meetings == []
    # Baseline: the programme's first day (1 Jan 2026, after every 2025 linkage).
    assert found.baseline == "2026-01-01"
    assert found.linkages_baseline == {"buys_from": 1, "sells_to": 0, "supplies": 0,
                                       "trains": 1, "lends_to": 1, "advises": 0}
    assert found.linkages_now == {"buys_from": 2, "sells_to": 0, "supplies": 0,
                                  "trains": 0, "lends_to": 1, "advises": 0}
    assert by_id[dyers.id].beneficiaries_paise == 300_000
    assert found.committed_share(by_id[dyers.id]) == ind.Share(300_000, 1_000_000)
    # At the end of March: bina had not left yet, devi had joined.
    march = ind.networks(conn, 1, ind.Period("all", None, "2026-04-01T00:00:00+00:00"), ZONE)
    assert {s.name: s.members for s in march.networks} == {
        "Dyers": 4, "Printers": 2, "Old guild": 0}


def test_baseline_is_the_first_linkage_when_all_came_after_the_start(
    conn: sqlite3.Connection,
) -> None:
    assert ind.networks_baseline(conn, 1) is None
    nw.record_linkage(conn, 1, ("role", "artisan"), ("role", "bank"), "buys_from", "2026-03-01",
                      actor=T, now="x")
    assert ind.networks_baseline(conn, 1) == "2026-03-01"


def test_report_text_workbook_and_logframe_sources_hold_the_same_figures(
    conn: sqlite3.Connection,
) -> None:
    fixture(conn)
    report = ind.build(conn, 1, PERIOD)
    text = report_text(translator("en"), report)
    assert "Networks: 3 · formed 1 · revived 1 · existed before 1" in text
    assert "Members: 5 · women 3 of 5 (60%)" in text
    assert "Dyers (Formed now): 3 members, women 100%" in text
    assert "1 meeting, attended 2 of 3 (67%)" in text
    assert "committed ₹3,000 (30%)" in text
    assert "Linkages at the baseline (1 Jan 2026): 3 (buys from 1 · trains 1 · lends to 1)" in text
    assert "Linkages now: 3 (buys from 2 · lends to 1)" in text
    hindi = report_text(translator("hi"), report)
    assert "Dyers" in hindi and len(hindi) <= 4096
    out = io.BytesIO()
    report_workbook(translator("en"), report, out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Networks"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert ("Women members", 3, 0.6) in [r[:3] for r in rows]
    assert ("Dyers", "SHG", "Formed now", 3, 3) in [r[:5] for r in rows]
    assert ("buys from", 1, 2) in [r[:3] for r in rows]
    now = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
    figures = {f: sources.value(conn, sources.parse(f), 1, now) for f in
               ("networks_formed", "network_members", "women_members_share", "linkages")}
    assert figures == {"networks_formed": 2.0, "network_members": 5.0,
                       "women_members_share": 60.0, "linkages": 3.0}
