"""The `linkage` question kind (issue 19): answers to a marked select become linkages when
the response is completed, and reach the cluster map."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.networks import graph
from bot.storage import clusters
from bot.storage import networks as nw
from bot.storage.db import Database
from bot.surveys.loader import load_form
from bot.surveys.model import form_from_json, form_to_json
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register
from tests.handlers.surveys.test_respond import FORMS, install

NOW = "2026-11-28T09:00:00+00:00"


def _linkages(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return [tuple(row) for row in conn.execute(
        "SELECT from_kind, from_ref, to_kind, to_ref, kind, source, reported_by, response_id,"
        " since FROM linkages ORDER BY id"
    )]


async def test_chosen_actors_become_linkages_on_completion(
    chat: ChatDriver, db: Database, one_cluster: clusters.Cluster
) -> None:
    shg = await db.write(lambda conn: nw.create(
        conn, one_cluster.id, "Mahila SHG", "shg", "formed", "2026-01-01", actor="cli", now=NOW))
    await install(db, "linkages.md")
    await register(chat)  # an artisan of the cluster
    await chat.say("/survey linkages")
    for label in ("A dye supplier", "Our SHG", "Nobody"):
        await chat.tap(label)
    await chat.tap("Done")
    await chat.tap("Training institute")
    assert await db.read(_linkages) == []  # not before the response is complete
    await chat.tap("Yes")
    assert "You have answered all the questions" in chat.text
    contact, response, since = await db.read(lambda conn: conn.execute(
        "SELECT r.contact_id, r.id, date(r.updated_at) FROM responses r").fetchone())
    rows = await db.read(_linkages)
    assert rows == [
        ("role", "artisan", "role", "supplier", "buys_from", "survey", contact, response, since),
        ("role", "artisan", "network", str(shg.id), "buys_from", "survey", contact, response,
         since),
        ("role", "institute", "role", "artisan", "trains", "survey", contact, response, since),
    ]
    now = await db.read(lambda conn: graph.build(conn, one_cluster.id))
    assert [(e.source, e.target, e.kind, e.weight) for e in now.edges] == [
        (("role", "artisan"), ("role", "supplier"), "buys_from", 1),
        (("role", "artisan"), ("network", str(shg.id)), "buys_from", 1),
        (("role", "institute"), ("role", "artisan"), "trains", 1),
    ]


async def test_a_deleted_response_takes_its_linkages_along(
    chat: ChatDriver, db: Database, one_cluster: clusters.Cluster
) -> None:
    await install(db, "linkages.md")
    await register(chat)
    await chat.say("/survey linkages")
    await chat.tap("A dye supplier")
    await chat.tap("Done")
    await chat.tap("Nobody")  # no actor: nothing for this question
    await chat.tap("No")
    assert len(await db.read(_linkages)) == 1
    await db.write(lambda conn: conn.execute("DELETE FROM responses"))
    assert await db.read(_linkages) == []


def test_the_column_is_read_kept_and_checked(tmp_path: Path) -> None:
    form = load_form(FORMS / "linkages.md").form
    assert [(q.name, q.linkage) for _p, q in form.walk()] == [
        ("dyes_from", "buys_from:role"), ("trained_by", "trains:chosen"), ("happy", None)]
    again = form_from_json(form_to_json(form))
    assert again == form
    assert '"linkage"' not in form_to_json(load_form(FORMS / "quotes.md").form)  # unchanged
    bad = tmp_path / "bad.md"
    bad.write_text(
        "| survey |\n"
        "| | type | name | label | linkage |\n"
        "| | select_one who | a | Who? | hugs:role |\n"
        "| | text | b | Name? | buys_from |\n"
        "| | select_one who | c | And? | Sells_To |\n"
        "| choices |\n"
        "| | list_name | name | label |\n"
        "| | who | bank | A bank |\n",
        encoding="utf-8",
    )
    loaded = load_form(bad)
    assert loaded.warnings == [
        "survey sheet, row 2: linkage 'hugs:role' is ignored (the kind is one of buys_from,"
        " sells_to, supplies, trains, lends_to, advises): no linkage is recorded from this"
        " question",
        "survey sheet, row 3: linkage 'buys_from' is ignored (it goes on a select_one or"
        " select_multiple question): no linkage is recorded from this question",
    ]
    assert [q.linkage for _p, q in loaded.form.walk()] == [None, None, "sells_to:role"]


@pytest.mark.parametrize("role", [None, "nonsense"])
def test_no_role_no_linkage(tmp_path: Path, role: str | None) -> None:
    from bot.networks import survey_links
    from bot.storage.db import connect_sync, migrate

    conn = connect_sync(tmp_path / "x.db")
    migrate(conn)
    clusters.add(conn, "BAGRU", "Bagru", "Asia/Kolkata", NOW)
    form = load_form(FORMS / "linkages.md").form
    found = survey_links.record_response(
        conn, form, {"dyes_from": "supplier"}, cluster_id=1, role=role, contact_id=1,
        response_id=1, day="2026-11-28", actor="cli", now=NOW)
    assert found == [] and conn.execute("SELECT COUNT(*) FROM linkages").fetchone()[0] == 0
    conn.close()
