"""Language versions of CDA content (issue 17, bot/storage/versions.py): stored with their
event, activity or note, read back field by field in the reader's language else the
original, removed with their row."""

from __future__ import annotations

import sqlite3

import pytest

from bot.clock import iso
from bot.storage import activities
from bot.storage import events as ev
from bot.storage import versions as vs
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import FakeClock
from tests.handlers.events.helpers import make_event

TE = {"title": "సహజ రంగుల శిక్షణ", "place": "సామాజిక భవనం"}


async def test_an_event_reads_its_version_else_the_original(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        created = ev.create(
            conn, cluster_id=one_cluster.id, kind="meeting", title="Natural dyes",
            place="Community hall", starts_at=iso(clock.now), created_by="test:cda",
            now=iso(clock.now), language="en", versions={"te": TE, "hi": {"title": "रंग"}},
        )  # fmt: skip
        event = ev.get(conn, created.id)
        assert event is not None and event.language == "en"
        assert event.versions == {"te": TE, "hi": {"title": "रंग"}}
        te = event.read("te")
        assert (te.title, te.place) == (TE["title"], TE["place"])
        hi = event.read("hi")  # a version of the title only: the place stays the original
        assert (hi.title, hi.place) == ("रंग", "Community hall")
        assert event.read("ta") is event  # no version in that language: the original
        assert ev.upcoming(conn, one_cluster.id, "2000-01-01")[0].versions == event.versions

    await db.write(scenario)


async def test_put_replaces_and_an_empty_text_removes(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        event = make_event(conn, one_cluster.id, clock.now, kind="meeting")
        vs.put(conn, "event", event.id, "te", TE)
        vs.put(conn, "event", event.id, "te", {"title": "కొత్త పేరు", "place": ""})
        assert vs.of(conn, "event", event.id) == {"te": {"title": "కొత్త పేరు"}}
        with pytest.raises(ValueError):
            vs.put(conn, "activity", 1, "te", {"place": "x"})  # an activity has no place

    await db.write(scenario)


async def test_a_stale_field_is_dropped_in_every_language(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    """A new place makes the place's versions wrong; the title's stay."""

    def scenario(conn: sqlite3.Connection) -> None:
        event = make_event(conn, one_cluster.id, clock.now, kind="meeting")
        vs.put(conn, "event", event.id, "te", TE)
        vs.put(conn, "event", event.id, "hi", {"place": "सामुदायिक भवन"})
        assert vs.drop(conn, "event", event.id, field="place") == ["hi", "te"]
        ev.update(conn, event.id, iso(clock.now), place="Panchayat bhawan")
        fresh = ev.get(conn, event.id)
        assert fresh is not None
        assert fresh.read("te").place == "Panchayat bhawan"  # the new original
        assert fresh.read("te").title == TE["title"]
        assert fresh.read("hi").place == "Panchayat bhawan"

    await db.write(scenario)


async def test_activity_and_note_versions(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        now = iso(clock.now)
        a = activities.add(
            conn, cluster_id=one_cluster.id, by="test:cda", now=now, title="Dye lab",
            category="pilot", language="en", versions={"hi": {"title": "रंग जाँच प्रयोगशाला"}},
        )  # fmt: skip
        note = activities.add_note(
            conn, a.id, "Site chosen", by="test:cda", now=now, language="en",
            versions={"hi": {"text": "जगह तय हो गई"}},
        )  # fmt: skip
        assert activities.in_cluster(conn, one_cluster.id)[0].read("hi").title == (
            "रंग जाँच प्रयोगशाला"
        )
        assert activities.in_cluster(conn, one_cluster.id)[0].read("te").title == "Dye lab"
        assert note.read("hi").text == "जगह तय हो गई"
        assert [n.read("te").text for n in activities.notes(conn, a.id)] == ["Site chosen"]
        assert [n.read("hi").text for n in activities.notes(conn, a.id)] == ["जगह तय हो गई"]

    await db.write(scenario)


async def test_deleting_an_event_or_a_cluster_removes_the_versions(
    db: Database, one_cluster: Cluster, clock: FakeClock
) -> None:
    """CDA content is not personal data (/forget leaves it), but what is deleted takes its
    versions with it: nothing points at a row that is gone."""

    def scenario(conn: sqlite3.Connection) -> None:
        event = make_event(conn, one_cluster.id, clock.now, kind="meeting")
        vs.put(conn, "event", event.id, "te", TE)
        a = activities.add(
            conn, cluster_id=one_cluster.id, by="x", now="x", title="Lab", category="pilot",
            versions={"hi": {"title": "लैब"}},
        )  # fmt: skip
        note = activities.add_note(conn, a.id, "n", by="x", now="x", versions={"hi": {"text": "न"}})
        for table in ("reminders",):
            conn.execute(f"DELETE FROM {table} WHERE event_id = ?", (event.id,))
        conn.execute("DELETE FROM events WHERE id = ?", (event.id,))
        assert conn.execute("SELECT COUNT(*) FROM event_versions").fetchone()[0] == 0
        # A whole cluster: its notes, activities, then the cluster.
        conn.execute("DELETE FROM activity_notes WHERE activity_id = ?", (a.id,))
        assert vs.of(conn, "note", note.id) == {}
        conn.execute("DELETE FROM activities WHERE cluster_id = ?", (one_cluster.id,))
        conn.execute("DELETE FROM clusters WHERE id = ?", (one_cluster.id,))
        for table in ("event_versions", "activity_versions", "note_versions"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0

    await db.write(scenario)
