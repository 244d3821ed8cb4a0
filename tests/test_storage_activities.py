"""bot/storage/activities.py and the vocabulary in handlers/activities/words.py (issue 7)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.parse.numbers import AmountError, parse_rupees
from bot.storage import activities, clusters, updates
from bot.storage.db import connect_sync, migrate
from handlers.activities.words import CATEGORY_LABELS, STATUS_LABELS, key_for, rupees

NOW = "2026-11-28T09:00:00+00:00"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "a.db")
    migrate(connection)
    clusters.add(connection, "BAGRU", "Bagru", "Asia/Kolkata", NOW)
    clusters.add(connection, "COIR", "Coir", "Asia/Kolkata", NOW)
    yield connection
    connection.close()


def add(conn: sqlite3.Connection, title: str, cluster_id: int = 1, **fields: object):  # type: ignore[no-untyped-def]
    fields.setdefault("category", "pilot")
    return activities.add(
        conn, cluster_id=cluster_id, by="test:cda", now=NOW, title=title, **fields
    )


def test_add_and_get_keep_every_field(conn: sqlite3.Connection) -> None:
    a = add(
        conn,
        "Exposure visit",
        category="trust_building",
        target_group="Women printers",
        responsible="CDA",
        starts_on="2026-12-05",
        ends_on="2026-12-06",
        beneficiaries_paise=1_000_000,
        agency_paise=8_000_000,
        others_paise=1_000_000,
    )
    assert activities.get(conn, a.id) == a
    assert (a.status, a.created_by, a.created_at, a.updated_at) == ("planned", "test:cda", NOW, NOW)
    assert a.total_paise == 10_000_000
    assert activities.get(conn, 999) is None


def test_the_schema_refuses_bad_values(conn: sqlite3.Connection) -> None:
    for bad in (
        {"category": "party"},
        {"status": "finished"},
        {"agency_paise": -1},
        {"starts_on": "2026-12-06", "ends_on": "2026-12-05"},
        {"title": ""},
    ):
        with pytest.raises(sqlite3.IntegrityError):
            add(conn, **{"title": "x", **bad})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not activity fields"):
        add(conn, "x", colour="red")


def test_in_cluster_orders_by_start_filters_and_pages(conn: sqlite3.Connection) -> None:
    late = add(conn, "late", starts_on="2027-03-01")
    undated = add(conn, "undated")
    early = add(conn, "early", starts_on="2026-12-01", status="done")
    add(conn, "elsewhere", cluster_id=2)
    assert [a.title for a in activities.in_cluster(conn, 1)] == ["early", "late", "undated"]
    assert activities.in_cluster(conn, 1, status="done") == [early]
    assert activities.in_cluster(conn, 1, offset=1, limit=1) == [late]
    assert activities.in_cluster(conn, 1, status="planned", offset=1) == [undated]
    assert activities.count(conn, 1) == {"planned": 2, "ongoing": 0, "done": 1, "dropped": 0}


def test_set_status_logs_a_note_once(conn: sqlite3.Connection) -> None:
    a = add(conn, "lab")
    later = "2026-11-29T09:00:00+00:00"
    assert activities.set_status(conn, a.id, "ongoing", by="test:cda", now=later)
    assert not activities.set_status(conn, a.id, "ongoing", by="test:cda", now=later)
    assert not activities.set_status(conn, 999, "done", by="test:cda", now=later)
    fresh = activities.get(conn, a.id)
    assert fresh is not None and fresh.status == "ongoing" and fresh.updated_at == later
    assert [(n.status, n.text, n.by) for n in activities.notes(conn, a.id)] == [
        ("ongoing", "", "test:cda")
    ]


def test_notes_oldest_first_the_last_few_and_the_update_link(conn: sqlite3.Connection) -> None:
    a = add(conn, "training")
    update_id = updates.publish(
        conn, cluster_id=1, broadcast_id=None, texts={"en": "x"}, default_language="en", now=NOW
    )
    for n in range(1, 8):
        activities.add_note(conn, a.id, f"note {n}", by="test:cda", now=NOW)
    published = activities.add_note(
        conn, a.id, "published", by="test:cda", now=NOW, update_id=update_id
    )
    assert published.update_id == update_id
    assert [n.text for n in activities.notes(conn, a.id, last=3)] == [
        "note 6",
        "note 7",
        "published",
    ]
    assert len(activities.notes(conn, a.id)) == 8


def test_change_sets_only_the_given_fields(conn: sqlite3.Connection) -> None:
    a = add(conn, "cloth", responsible="SHG federation")
    assert activities.change(conn, a.id, now="later", agency_paise=500)
    fresh = activities.get(conn, a.id)
    assert fresh is not None and fresh.agency_paise == 500 and fresh.responsible == "SHG federation"
    assert not activities.change(conn, 999, now="later", agency_paise=1)


@pytest.mark.parametrize(
    ("typed", "paise"),
    [
        ("25000", 2_500_000),
        ("25,000", 2_500_000),
        ("₹25,000", 2_500_000),
        ("₹ 1,00,000/-", 10_000_000),
        ("Rs. 1500.50", 150_050),
        ("2.5 lakh", 25_000_000),
        ("2 लाख", 20_000_000),
        ("1 crore", 1_000_000_000),
        ("२५,०००", 2_500_000),
        ("0", 0),
        ("-500", AmountError.NEGATIVE),
        ("twenty", AmountError.FORMAT),
        ("5 apples", AmountError.FORMAT),
        ("", AmountError.FORMAT),
        ("5000 crore", AmountError.TOO_BIG),
    ],
)
def test_parse_rupees(typed: str, paise: int | AmountError) -> None:
    assert parse_rupees(typed) == paise


@pytest.mark.parametrize("language", ["en", "hi", "te"])
def test_rupees_use_indian_grouping_and_drop_zero_paise(language: str) -> None:
    _ = translator(language)
    assert rupees(_, 10_000_000) == "₹1,00,000"
    assert rupees(_, 150_050) == "₹1,500.50"
    assert rupees(_, 0) == "₹0"


def test_key_for_accepts_keys_and_english_labels_in_any_case() -> None:
    assert key_for("capacity_building", CATEGORY_LABELS) == "capacity_building"
    assert key_for("  Capacity Building ", CATEGORY_LABELS) == "capacity_building"
    assert key_for("trust-building", CATEGORY_LABELS) == "trust_building"
    assert key_for("DONE", STATUS_LABELS) == "done"
    assert key_for("finished", STATUS_LABELS) is None


def test_the_demo_has_a_small_action_plan_once(conn: sqlite3.Connection) -> None:
    from bot.app import seed_demo
    from bot.config import Settings

    seed_demo(conn, Settings())
    seed_demo(conn, Settings())
    bagru = clusters.by_code(conn, "BAGRU")
    assert bagru is not None
    plan = activities.in_cluster(conn, bagru.id)
    assert len(plan) == 4
    assert {a.status for a in plan} == {"planned", "ongoing", "done", "dropped"}
    assert len({a.category for a in plan}) == 4
    assert all(a.total_paise > 0 for a in plan)
    assert any(a.beneficiaries_paise and a.agency_paise and a.others_paise for a in plan)
