"""/activity through the engine (SPEC §5, issue 7): add an activity step by step, list
it in pages, change its status, add a progress note and publish it to /updates."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from bot.engine import Engine
from bot.storage import activities, admins
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register
from tests.outbox_helpers import Person, ledger, seed_people


def rows(conn: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql)]


def make(conn: sqlite3.Connection, cluster_id: int, title: str, **fields: Any) -> int:
    return activities.add(
        conn,
        cluster_id=cluster_id,
        by="test:cda",
        now="2026-11-01T00:00:00+00:00",
        title=title,
        category=fields.pop("category", "pilot"),
        **fields,
    ).id


async def add_activity(cda: ChatDriver) -> None:
    """The happy path, with every optional answer given."""
    await cda.say("/activity")
    await cda.tap("Add an activity")
    await cda.say("Exposure visit to Sanganer")
    await cda.press("ac:cat:trust_building")
    await cda.say("Women block printers of Bagru")
    await cda.say("CDA with RUDA")
    await cda.say("05-12-2026")
    await cda.say("6 Dec 2026")
    await cda.say("₹10,000")
    await cda.say("80000")
    await cda.say("0.1 lakh")


async def test_a_cda_adds_an_activity_step_by_step(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await cda_chat.say("/activity")
    assert "Action plan of Bagru hand-block printers" in cda_chat.text  # one cluster: no question
    assert "No activities yet" in cda_chat.text
    assert cda_chat.choice_ids == ["ac:add"]
    await add_activity(cda_chat)
    summary = cda_chat.text
    for expected in (
        "New activity: Exposure visit to Sanganer",
        "Category: Trust building",
        "Target group: Women block printers of Bagru",
        "Responsible: CDA with RUDA",
        "Dates: 5 Dec 2026 – 6 Dec 2026",
        "Budget: ₹1,00,000",  # Indian grouping, whole rupees without paise
        "Beneficiaries: ₹10,000",
        "Implementing agency: ₹80,000",
        "Other institutions: ₹10,000",
    ):
        assert expected in summary, expected
    assert await db.read(lambda c: activities.in_cluster(c, one_cluster.id)) == []  # not yet
    await cda_chat.tap("Save")
    assert "Saved." in cda_chat.text and "#1 Exposure visit to Sanganer" in cda_chat.text

    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None
    assert (saved.category, saved.status, saved.starts_on, saved.ends_on) == (
        "trust_building",
        "planned",
        "2026-12-05",
        "2026-12-06",
    )
    assert (saved.beneficiaries_paise, saved.agency_paise, saved.others_paise) == (
        1_000_000,
        8_000_000,
        1_000_000,
    )
    assert saved.created_by == "test:cda" and saved.cluster_id == one_cluster.id
    audit = await db.read(
        lambda c: rows(c, "SELECT * FROM audit_log WHERE action = 'activity.add'")
    )
    assert len(audit) == 1 and audit[0]["subject"] == "activity:1"
    assert json.loads(audit[0]["detail"])["agency_paise"] == 8_000_000


async def test_optional_steps_are_skipped_with_the_button_or_slash_skip(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await cda_chat.say("/activity")
    await cda_chat.press("ac:add")
    await cda_chat.say("Common dye-testing lab")
    await cda_chat.tap("Pilot")
    await cda_chat.tap("Skip")  # target group
    await cda_chat.say("/skip")  # responsible
    await cda_chat.tap("Skip")  # start
    await cda_chat.say("/skip")  # end
    await cda_chat.tap("Nothing (₹0)")
    await cda_chat.say("1,00,000")
    await cda_chat.say("0")
    assert "Dates: no dates yet" in cda_chat.text and "Target group: —" in cda_chat.text
    await cda_chat.tap("Save")
    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.starts_on is None and saved.target_group == ""
    assert saved.total_paise == 10_000_000


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await cda_chat.say("/activity")
    await cda_chat.press("ac:add")
    await cda_chat.sticker()
    assert "Please type it as text." in cda_chat.text
    await cda_chat.say("x" * 121)
    assert "under 120 characters" in cda_chat.text
    await cda_chat.say("Natural dye training")
    await cda_chat.say("a category I made up")
    assert "Please choose one of the buttons." in cda_chat.text
    await cda_chat.press("ac:cat:capacity_building")
    await cda_chat.say("Printers")
    await cda_chat.say("NID Ahmedabad")
    await cda_chat.say("next tuesday-ish")
    assert "Please type a date like 28-11-2026" in cda_chat.text
    await cda_chat.say("10-01-2027")
    await cda_chat.say("31-02-2027")  # no such day
    assert "Please type a date like" in cda_chat.text
    await cda_chat.say("09-01-2027")  # before the start
    assert "The end cannot be before the start (10 Jan 2027)" in cda_chat.text
    await cda_chat.say("12-01-2027")
    await cda_chat.say("twenty thousand")
    assert "Please type an amount in rupees" in cda_chat.text
    await cda_chat.say("-5000")
    assert "cannot be negative" in cda_chat.text
    await cda_chat.sticker()
    assert "Please type an amount in rupees" in cda_chat.text
    await cda_chat.press("ac:cat:pilot")  # an old button
    assert "earlier question" in cda_chat.text
    await cda_chat.say("2.5 lakh")
    await cda_chat.say("Rs. 1500.50")
    await cda_chat.say("२५,०००")  # Devanagari digits
    assert "Beneficiaries: ₹2,50,000" in cda_chat.text
    assert "Implementing agency: ₹1,500.50" in cda_chat.text
    assert "Other institutions: ₹25,000" in cda_chat.text
    await cda_chat.tap("Cancel")
    assert "Nothing was saved" in cda_chat.text
    assert await db.read(lambda c: activities.in_cluster(c, one_cluster.id)) == []
    assert (
        await db.read(lambda c: rows(c, "SELECT * FROM audit_log WHERE action LIKE 'activity.%'"))
        == []
    )


async def test_the_list_is_paged_with_status_category_dates_and_budget(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    def seed(conn: sqlite3.Connection) -> None:
        for n in range(1, 8):
            make(
                conn,
                one_cluster.id,
                f"Activity number {n} with a long title that does not fit a button",
                starts_on=f"2026-12-{n:02d}",
                agency_paise=n * 100_000_000,
            )

    await db.write(seed)
    await cda_chat.say("/activity")
    assert "Planned: 7" in cda_chat.text and "Done: 0" in cda_chat.text
    await cda_chat.tap("List activities")
    assert "Activities 1–5 of 7" in cda_chat.text
    assert "Pilot · Planned · 1 Dec 2026 – —" in cda_chat.text
    assert "Budget: ₹10,00,000" in cda_chat.text  # ten lakh
    assert cda_chat.choice_ids[:5] == [f"ac:open:{n}" for n in range(1, 6)]
    assert all(len(c.label) <= 24 for c in cda_chat.last[-1].choices)  # WhatsApp list rows
    await cda_chat.tap("Next page")
    assert "Activities 6–7 of 7" in cda_chat.text
    assert "ac:open:6" in cda_chat.choice_ids and "ac:list:0" in cda_chat.choice_ids
    await cda_chat.press("ac:open:1")  # a button of the first page
    assert "earlier question" in cda_chat.text
    await cda_chat.press("ac:open:7")
    assert "#7 Activity number 7" in cda_chat.text and "Budget: ₹70,00,000" in cda_chat.text


async def test_status_changes_are_logged_and_audited(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: make(c, one_cluster.id, "Bulk purchase of cotton cloth"))
    await cda_chat.say("/activity")
    await cda_chat.tap("List activities")
    await cda_chat.press("ac:open:1")
    assert "Status: Planned" in cda_chat.text
    assert "ac:st:planned" not in cda_chat.choice_ids  # only the other statuses
    await cda_chat.tap("Set to Ongoing")
    assert "Status changed to Ongoing." in cda_chat.text
    assert "status changed to Ongoing" in cda_chat.text  # in the progress log
    await cda_chat.press("ac:st:ongoing")  # the button it no longer offers
    assert "earlier question" in cda_chat.text
    await cda_chat.press("ac:st:done")
    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.status == "done"
    notes = await db.read(lambda c: activities.notes(c, 1))
    assert [n.status for n in notes] == ["ongoing", "done"]
    audit = await db.read(
        lambda c: rows(c, "SELECT * FROM audit_log WHERE action = 'activity.status'")
    )
    assert [json.loads(a["detail"]) for a in audit] == [
        {"old": "planned", "new": "ongoing"},
        {"old": "ongoing", "new": "done"},
    ]


async def test_a_note_saved_only_is_not_published(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: make(c, one_cluster.id, "Natural dye training"))
    await cda_chat.say("/activity")
    await cda_chat.tap("List activities")
    await cda_chat.press("ac:open:1")
    await cda_chat.tap("Add progress note")
    await cda_chat.sticker()
    assert "Please type the note as text." in cda_chat.text
    await cda_chat.say("Trainer from Jaipur confirmed.")
    assert (
        cda_chat.last[0].text == "Action plan: Natural dye training\nTrainer from Jaipur confirmed."
    )
    await cda_chat.tap("Only save")
    assert "Note saved." in cda_chat.text and "Trainer from Jaipur confirmed." in cda_chat.text
    notes = await db.read(lambda c: activities.notes(c, 1))
    assert [(n.text, n.update_id) for n in notes] == [("Trainer from Jaipur confirmed.", None)]
    assert await db.read(lambda c: rows(c, "SELECT * FROM updates")) == []
    assert await db.read(lambda c: rows(c, "SELECT * FROM outbox")) == []


async def test_a_published_note_goes_to_updates_and_the_outbox(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(
        lambda c: seed_people(
            c,
            one_cluster.id,
            [Person("Asha", language="hi"), Person("Bina"), Person("Esha", opted_out=True)],
        )
    )
    await db.write(lambda c: make(c, one_cluster.id, "Common dye-testing lab"))
    await cda_chat.say("/activity")
    await cda_chat.tap("List activities")
    await cda_chat.press("ac:open:1")
    await cda_chat.tap("Add progress note")
    await cda_chat.say("The lab is open on Mondays from next week.")
    assert "to the whole cluster. Recipients: 2" in cda_chat.text
    await cda_chat.tap("Save and send")
    assert "Recipients: 2." in cda_chat.text and "(in /updates)" in cda_chat.text

    assert await db.read(ledger) == {"Asha": "queued", "Bina": "queued", "Esha": "opted_out"}
    update = (await db.read(lambda c: rows(c, "SELECT * FROM updates")))[0]
    texts = json.loads(update["texts"])
    assert texts["en"].startswith("Action plan: Common dye-testing lab\n")
    assert texts["hi"].endswith("The lab is open on Mondays from next week.")
    assert texts["hi"] != texts["en"]  # the heading in each reader's language
    notes = await db.read(lambda c: activities.notes(c, 1))
    assert notes[0].update_id == update["id"]
    actions = await db.read(
        lambda c: [r["action"] for r in rows(c, "SELECT action FROM audit_log ORDER BY id")]
    )
    assert actions == ["broadcast.send", "activity.note"]
    b = (await db.read(lambda c: rows(c, "SELECT * FROM broadcasts")))[0]
    assert b["status"] == "sent" and b["author"] == "test:cda"


async def test_non_cdas_are_refused(chat: ChatDriver, db: Database, one_cluster: Cluster) -> None:
    await register(chat)
    await chat.say("/activity")
    assert "only for the cluster development agent" in chat.text
    await chat.press("ac:add")  # a forged press changes nothing either
    assert await db.read(lambda c: rows(c, "SELECT * FROM conversations")) == []


async def test_a_cda_sees_only_the_clusters_they_manage(
    engine: Engine, db: Database, two_clusters: list[Cluster]
) -> None:
    bagru, alleppey = two_clusters
    await db.write(
        lambda c: admins.add(c, "test", "kochi", alleppey.id, "cda", "2026-01-01T00:00:00+00:00")
    )
    await db.write(lambda c: make(c, bagru.id, "Bagru only"))
    await db.write(lambda c: make(c, alleppey.id, "Coir only"))
    cda = ChatDriver(engine, user_id="kochi")
    await cda.say("/activity")
    assert "Action plan of Alleppey coir makers" in cda.text  # the only cluster they manage
    await cda.tap("List activities")
    assert "Coir only" in cda.text and "Bagru only" not in cda.text
    await cda.press("ac:open:1")  # Bagru's activity: not offered, not opened
    assert "Bagru only" not in cda.text
    await db.write(lambda c: c.execute("DELETE FROM admins WHERE channel_user_id = 'kochi'"))
    await cda.press("ac:open:2")
    assert "You no longer manage that cluster" in cda.text and "Coir only" not in cda.text
    await cda.say("/activity")
    assert "only for the cluster development agent" in cda.text


async def test_a_cda_of_several_clusters_picks_one_first(
    cda_chat: ChatDriver, db: Database, two_clusters: list[Cluster]
) -> None:
    await cda_chat.say("/activity")
    assert "Which cluster's action plan?" in cda_chat.text
    await cda_chat.say("hello")
    assert "Please choose one of the buttons." in cda_chat.text
    await cda_chat.press(f"ac:cluster:{two_clusters[1].id}")
    assert "Action plan of Alleppey coir makers" in cda_chat.text


@pytest.mark.parametrize("step", ["title", "budget"])
async def test_cancel_mid_way_saves_nothing(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, step: str
) -> None:
    await cda_chat.say("/activity")
    await cda_chat.press("ac:add")
    if step == "budget":
        await cda_chat.say("Title")
        await cda_chat.press("ac:cat:other")
        for _ in range(4):
            await cda_chat.say("/skip")
    await cda_chat.say("/cancel")
    assert "Cancelled." in cda_chat.text
    assert await db.read(lambda c: activities.in_cluster(c, one_cluster.id)) == []


async def test_a_typed_1_is_one_rupee_not_the_first_button(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    """Numbered-text channels turn a typed "1" into a press of button 1 (Nothing, ₹0)."""
    await cda_chat.say("/activity")
    await cda_chat.press("ac:add")
    await cda_chat.say("Stall at the Jaipur fair")
    await cda_chat.press("ac:cat:regular")
    for _ in range(4):
        await cda_chat.say("/skip")
    assert cda_chat.choice_ids == ["ac:zero"]
    await cda_chat.say("1")
    await cda_chat.press("ac:zero")
    await cda_chat.say("0")
    assert "Beneficiaries: ₹1\n" in cda_chat.text and "Budget: ₹1\n" in cda_chat.text


async def test_a_note_too_long_for_one_message_is_refused_once(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: make(c, one_cluster.id, "Lab"))
    await cda_chat.say("/activity")
    await cda_chat.press("ac:show:all")
    await cda_chat.press("ac:open:1")
    await cda_chat.press("ac:note")
    await cda_chat.say("x" * 4090)  # fits alone, not with the heading
    assert len(cda_chat.last) == 1 and "a message can have at most 4,096" in cda_chat.text
    await cda_chat.say("Short enough.")
    assert "Save and send" in [c.label for c in cda_chat.last[-1].choices]
    assert await db.read(lambda c: activities.notes(c, 1)) == []


async def test_the_menu_lists_activities_of_one_status(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    def seed(conn: sqlite3.Connection) -> None:
        make(conn, one_cluster.id, "Visit", status="done")
        make(conn, one_cluster.id, "Lab", status="ongoing")
        make(conn, one_cluster.id, "Training", status="done")

    await db.write(seed)
    await cda_chat.say("/activity")
    assert [c.label for c in cda_chat.last[-1].choices] == [
        "List activities",
        "Ongoing (1)",
        "Done (2)",  # no button for a status without activities
        "Add an activity",
    ]
    await cda_chat.tap("Done (2)")
    assert "Status: Done\nActivities 1–2 of 2:" in cda_chat.text
    assert "#1 Visit" in cda_chat.text and "#3 Training" in cda_chat.text
    assert "Lab" not in cda_chat.text
    await cda_chat.press("ac:open:3")
    await cda_chat.press("ac:st:dropped")
    await cda_chat.tap("Back to the list")
    assert "Activities 1–1 of 1:" in cda_chat.text and "Training" not in cda_chat.text
    await cda_chat.tap("Menu")
    await cda_chat.tap("List activities")
    assert "Activities 1–3 of 3:" in cda_chat.text and "Status:" not in cda_chat.text
