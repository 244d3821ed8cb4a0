"""handlers/wizard.py through the engine (issue 11): the preview of every CDA wizard offers
Send / Add a language (issue 17) / Change a field / Cancel; "Change a field" retypes one
field and comes back to the preview, asking again whatever the change made wrong or
necessary; nothing is written before Send; the draft survives a restart of the engine."""

from __future__ import annotations

from bot.engine import Engine
from bot.storage import activities
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.events.test_visit import plan_visit
from tests.outbox_helpers import Person, seed_people
from tests.parse.test_same_meaning import _activity


async def _meeting_preview(cda: ChatDriver) -> None:
    await cda.say("/newmeeting")
    await cda.say("Natural dyes workshop")
    await cda.say("5 Dec 10:30")
    await cda.say("Community hall, Bagru")
    await cda.tap("Whole cluster")
    await cda.tap("1 day, 2 hours")


async def test_every_preview_offers_send_change_cancel(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await _meeting_preview(cda_chat)
    assert cda_chat.choice_ids == ["mt:yes", "mt:ver", "mt:edit", "mt:no"]
    await cda_chat.tap("Cancel")
    await plan_visit(cda_chat)
    assert cda_chat.choice_ids == ["vs:yes", "vs:ver", "vs:edit", "vs:no"]
    await cda_chat.tap("Cancel")
    assert "Nothing was sent" in cda_chat.text
    assert await db.read(lambda c: ev.get(c, 1)) is None


async def test_a_meeting_changes_one_field_and_comes_back_to_the_preview(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(lambda c: seed_people(c, one_cluster.id, [Person("asha")]))
    await _meeting_preview(cda_chat)
    await cda_chat.tap("Change a field")
    labels = [c.label for m in cda_chat.last for c in m.choices]
    assert labels == ["Title", "Date and time", "Place", "Who is invited", "Reminders"]
    await cda_chat.tap("Date and time")
    assert "When is the meeting?" in cda_chat.text
    await cda_chat.say("6 Dec 16:00")
    assert "Understood: 6 Dec 2026, 4:00" in cda_chat.text
    assert "Meeting: Natural dyes workshop" in cda_chat.text  # straight back to the preview
    assert "Where: Community hall, Bagru" in cda_chat.text
    await cda_chat.tap("Yes, invite them")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None and event.starts_at == "2026-12-06T10:30:00+00:00"


async def test_a_change_that_needs_another_field_asks_it(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    """Whole cluster -> roles: the roles were never asked, so they are asked now."""
    await _meeting_preview(cda_chat)
    await cda_chat.tap("Change a field")
    await cda_chat.tap("Who is invited")
    await cda_chat.tap("Choose roles")
    assert "Choose one or more roles" in cda_chat.text
    await cda_chat.press("mt:role:artisan")
    await cda_chat.press("mt:roles:done")
    assert "Audience: Artisan" in cda_chat.text
    assert "Roles" in [c.label for c in (await cda_chat.tap("Change a field"))[0].choices]


async def test_a_visit_moved_later_asks_its_end_and_deadline_again(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await plan_visit(cda_chat)  # 10 Dec 07:00 to 11 Dec 19:00, register by 5 Dec 18:00
    await cda_chat.tap("Change a field")
    await cda_chat.tap("Start")
    await cda_chat.say("12-12-2026 07:00")
    assert "The end must be after the start" in cda_chat.text
    await cda_chat.say("13-12-2026 19:00")
    assert "Above is the announcement" in cda_chat.text
    await cda_chat.tap("Yes, announce it")
    event = await db.read(lambda c: ev.get(c, 1))
    assert event is not None
    assert (event.starts_at, event.ends_at) == (
        "2026-12-12T01:30:00+00:00",
        "2026-12-13T13:30:00+00:00",
    )


async def test_an_activity_amount_is_changed_before_saving(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await cda_chat.say("/activity")
    await cda_chat.tap("Add an activity")
    for typed in ("Dye training", None, "", "", "05-12-2026", "06-12-2026", "2.5 lakh", "0"):
        if typed is None:
            await cda_chat.press("ac:cat:capacity_building")
        elif typed == "":
            await cda_chat.press("ac:skip")
        else:
            await cda_chat.say(typed)
    await cda_chat.say("10000")
    assert cda_chat.choice_ids == ["ac:save", "ac:ver", "ac:edit", "ac:drop"]
    await cda_chat.tap("Change a field")
    await cda_chat.tap("Beneficiaries' share")
    await cda_chat.say("3 लाख")
    assert "Beneficiaries: ₹3,00,000" in cda_chat.text
    await cda_chat.tap("Save")
    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.beneficiaries_paise == 3_00_000_00
    assert saved.others_paise == 10_000_00


async def test_the_draft_survives_a_restart(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, engine: Engine
) -> None:
    await _activity(cda_chat, money="5000")  # saved #1
    await cda_chat.say("/newmeeting")
    await cda_chat.say("Market linkages")
    restarted = ChatDriver(
        Engine(db, engine.settings, engine.router, clock=engine.clock), user_id="cda"
    )
    restarted.updates = cda_chat.updates  # the same chat goes on: no update id twice
    await restarted.say("5 Dec 10:30")
    assert "Understood: 5 Dec 2026, 10:30" in restarted.text
    assert "Where will it be held?" in restarted.text
