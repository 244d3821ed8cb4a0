"""A CDA opens a survey round from the chat, /survey names the round, /results shows one
round (issue 18): handlers/surveys/rounds.py, respond.py, results.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.storage import admins, clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import ChatDriver

FORM = """
| survey |
| | type | name | label::English (en) | indicator |
| | integer | sales | Sales in a normal month? | yes |
| | select_one yn | dyes | Do you use natural dyes? | yes |
| choices |
| | list_name | name | label::English (en) |
| | yn | yes | Yes |
| | yn | no | No |
| settings |
| | form_title | form_id | version |
| | Enterprise | enterprise | 1 |
"""
KEY = "enterprise"
# Baseline answers (sales, dyes): p1..p3 finished, p4 stopped half-way (not asked again).
BASELINE = {"p1": ("1000", "yes"), "p2": ("2000", "no"), "p3": ("3000", "no")}


def _person(conn: sqlite3.Connection, uid: str, cluster: int) -> int:
    contact = contacts.get_or_create(conn, "test", uid, uid, "2026-01-01T00:00:00+00:00")
    contacts.update(conn, contact.id, cluster_id=cluster, role="artisan", gender="female",
                    language="en", status="registered", name=uid)  # fmt: skip
    return contact.id


async def _fill(db: Database, tmp_path: Path, cluster_id: int | None, home: int) -> None:
    path = tmp_path / "enterprise.md"
    path.write_text(FORM, encoding="utf-8")

    def fill(conn: sqlite3.Connection) -> None:
        survey, _ = store.import_form(conn, load_form(path).form, now="x", cluster_id=cluster_id)
        for uid, (sales, dyes) in BASELINE.items():
            response = store.start_response(conn, survey.id, _person(conn, uid, home), None,
                                             "2026-01-10T09:00:00+00:00")  # fmt: skip
            store.save_answers(conn, response.id, {"sales": sales, "dyes": dyes}, "x")
            store.move(conn, response.id, None, "completed", "2026-01-10T09:05:00+00:00")
        half = store.start_response(conn, survey.id, _person(conn, "p4", home), None, "x")
        store.save_answers(conn, half.id, {"sales": "500"}, "x")

    await db.write(fill)


@pytest.fixture
async def enterprise(db: Database, tmp_path: Path, one_cluster: clusters.Cluster) -> None:
    """The survey for BAGRU, its baseline answered by three people."""
    await _fill(db, tmp_path, one_cluster.id, one_cluster.id)


def _rounds(db: Database) -> list[str]:
    conn = sqlite3.connect(db.path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT name FROM survey_rounds WHERE key = ? ORDER BY id", (KEY,))]  # fmt: skip
    finally:
        conn.close()


def _one(db: Database, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db.path)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


async def test_cda_names_confirms_and_opens_a_round_that_asks_the_earlier_respondents(
    cda_chat: ChatDriver, enterprise: None, db: Database
) -> None:
    await cda_chat.say(f"/results {KEY}")
    assert "New round" in [c.label for c in cda_chat.last[-1].choices]
    assert "This round only" not in [c.label for c in cda_chat.last[-1].choices]  # one round
    await cda_chat.tap("New round")
    assert "Type the name of the new round of “Enterprise”" in cda_chat.text
    assert "“Baseline”" in cda_chat.text  # the rounds so far
    await cda_chat.say("   ")
    assert "Please type a name for the round" in cda_chat.text
    await cda_chat.say("x" * 61)
    assert "at most 60 characters; this one has 61" in cda_chat.text
    await cda_chat.say("baseline")  # the first round's name, however typed
    assert "“Enterprise” already has a round called “baseline”" in cda_chat.text
    assert _rounds(db) == ["Baseline"]  # nothing opened while naming
    await cda_chat.say("  Midline   2027 ")
    assert cda_chat.text == "Open “Midline 2027” and ask 3 people to answer again?"
    assert [c.label for c in cda_chat.last[-1].choices] == ["Open", "Cancel"]
    await cda_chat.say("Open it")  # words, not a button: asked again, nothing opened
    assert "Please press “Open” or “Cancel”" in cda_chat.text
    await cda_chat.tap("Open")
    assert "“Midline 2027” of “Enterprise” is open. 3 people who answered before" in (
        cda_chat.text)  # fmt: skip
    assert _rounds(db) == ["Baseline", "Midline 2027"]
    # The invitations wait in the outbox, one per earlier respondent (not p4, unfinished).
    asked = _one(db, "SELECT c.channel_user_id FROM outbox o JOIN contacts c"
                     " ON c.id = o.contact_id WHERE o.kind = 'survey' ORDER BY 1")  # fmt: skip
    assert asked == [("p1",), ("p2",), ("p3",)]
    [(detail,)] = _one(db, "SELECT detail FROM audit_log WHERE action = 'survey.round_open'")
    assert "Midline 2027" in str(detail) and '"asked": 3' in str(detail)
    await cda_chat.tap("Summary")  # back to the results: now with two rounds
    labels = [c.label for c in cda_chat.last[-1].choices]
    assert "This round only" in labels and "Change per enterprise" in labels
    await cda_chat.tap("This round only")
    assert cda_chat.text.startswith("📊 Enterprise · Midline 2027\n")
    assert "Responses: 0" in cda_chat.text  # nobody has answered the new round yet
    await cda_chat.tap("All together")
    assert "Responses: 4" in cda_chat.text  # every round


async def test_the_round_in_survey_and_results_of_one_round(
    cda_chat: ChatDriver, engine: Engine, enterprise: None, db: Database
) -> None:
    person = ChatDriver(engine, user_id="p1")
    await person.say("/survey")
    assert [c.label for c in person.last[-1].choices] == ["✓ Enterprise"]  # one round: no name
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("New round")
    await cda_chat.say("Midline 2027")
    await cda_chat.tap("Open")
    await person.say("/survey")
    assert [c.label for c in person.last[-1].choices] == ["Enterprise · Midline 2027"]
    await person.tap("Enterprise · Midline 2027")
    assert "A new round of “Enterprise” has started: Midline 2027" in person.text
    await person.say("1500")
    await person.tap("Yes")
    newcomer = ChatDriver(engine, user_id="p5")
    await db.write(lambda conn: _person(conn, "p5", conn.execute(
        "SELECT id FROM clusters").fetchone()[0]))  # fmt: skip
    await newcomer.say(f"/survey {KEY}")  # first time: the first screen names the round
    assert "This is the round “Midline 2027”." in newcomer.text
    await newcomer.say("4000")
    await newcomer.tap("No")
    await cda_chat.say(f"/results {KEY}")
    assert "Responses: 6 · completed: 5 of 6" in cda_chat.text
    await cda_chat.tap("This round only")
    # Midline: p1 (1500, yes) and p5 (4000, no).
    assert "Responses: 2 · completed: 2 of 2 (100%)" in cda_chat.text
    await cda_chat.tap("Split by gender")  # the split covers every round again
    assert "Woman: responses 6" in cda_chat.text


async def test_cancel_and_a_closed_survey_open_no_round(
    cda_chat: ChatDriver, enterprise: None, db: Database
) -> None:
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("New round")
    await cda_chat.say("Endline")
    await cda_chat.tap("Cancel")
    assert "Cancelled: no new round." in cda_chat.text
    await cda_chat.say(f"/results {KEY}")
    await db.write(lambda conn: store.set_status(conn, KEY, "closed"))
    await cda_chat.tap("New round")
    assert "“Enterprise” is closed, so it cannot have a new round" in cda_chat.text
    assert "clusterbot survey open enterprise" in cda_chat.text
    await db.write(lambda conn: store.set_status(conn, KEY, "open"))
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("New round")
    await cda_chat.say("Endline")
    await db.write(lambda conn: store.set_status(conn, KEY, "closed"))  # closed meanwhile
    await cda_chat.tap("Open")
    assert "is closed" in cda_chat.text
    assert _rounds(db) == ["Baseline"]
    assert not _one(db, "SELECT 1 FROM outbox WHERE kind = 'survey'")


async def test_only_a_cda_of_every_cluster_opens_a_round_of_an_all_cluster_survey(
    engine: Engine, db: Database, tmp_path: Path, two_clusters: list[clusters.Cluster]
) -> None:
    bagru, alleppey = two_clusters
    await _fill(db, tmp_path, None, bagru.id)  # a survey for every cluster

    def staff(conn: sqlite3.Connection) -> None:
        admins.add(conn, "test", "bagru_cda", bagru.id, "cda", "x")
        admins.add(conn, "test", "both_cda", bagru.id, "cda", "x")
        admins.add(conn, "test", "both_cda", alleppey.id, "cda", "x")
        admins.add(conn, "test", "watcher", None, "observer", "x")

    await db.write(staff)
    one = ChatDriver(engine, user_id="bagru_cda")
    await one.say(f"/results {KEY}")
    assert "Responses: 4" in one.text  # may read Bagru's answers…
    assert "New round" not in [c.label for c in one.last[-1].choices]  # …not ask Alleppey
    await one.press(f"svn:new:{KEY}")
    assert "Please send /results or /export again." in one.text
    watcher = ChatDriver(engine, user_id="watcher")
    await watcher.press(f"svn:new:{KEY}")
    await watcher.say(f"/results {KEY}")
    assert "only for the cluster development agent" in watcher.text
    assert _rounds(db) == ["Baseline"]
    both = ChatDriver(engine, user_id="both_cda")
    await both.say(f"/results {KEY}")
    await both.tap("New round")
    await both.say("Midline")
    await both.tap("Open")
    assert _rounds(db) == ["Baseline", "Midline"]


async def test_a_telugu_cda_opens_a_round_in_telugu(
    cda_chat: ChatDriver, enterprise: None, db: Database
) -> None:
    await cda_chat.say("/start")  # the CDA's contact row, then their language
    await db.write(lambda conn: conn.execute(
        "UPDATE contacts SET language = 'te' WHERE channel_user_id = 'cda'"))  # fmt: skip
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("కొత్త విడత")
    assert "“మొదటి విడత”" in cda_chat.text  # the Baseline in the reader's words
    await cda_chat.say("మొదటి విడత")  # …so its Telugu name is taken too
    assert "అనే విడత ఇప్పటికే ఉంది" in cda_chat.text
    await cda_chat.say("రెండో విడత")
    assert cda_chat.text == "“రెండో విడత” మొదలుపెట్టి, 3 మందిని మళ్ళీ జవాబివ్వమని అడగాలా?"
    await cda_chat.tap("మొదలుపెట్టండి")
    assert _rounds(db) == ["Baseline", "రెండో విడత"]
    await cda_chat.tap("సారాంశం")
    assert "ఈ విడత మాత్రమే" in [c.label for c in cda_chat.last[-1].choices]
