"""Language versions in the action plan (issue 17) through the engine: an activity's title
in Hindi from the wizard's "Add a language", read by a Hindi-speaking CDA in /activity; a
progress note's versions, published to /updates in each reader's language."""

from __future__ import annotations

import json

from bot.engine import Engine
from bot.i18n import native_name
from bot.storage import activities, admins
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.activities.test_plan import make, rows
from tests.outbox_helpers import Person, seed_people

HI = native_name("hi")
TITLE_HI = "सांगानेर का एक्सपोज़र विज़िट"


async def test_a_hindi_title_shows_in_hindi_to_a_hindi_reader(
    engine: Engine, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await cda_chat.say("/activity")
    await cda_chat.tap("Add an activity")
    await cda_chat.say("Exposure visit to Sanganer")
    await cda_chat.press("ac:cat:trust_building")
    for _skipped in range(4):  # target group, responsible, start, end
        await cda_chat.press("ac:skip")
    for amount in ("0", "0", "0"):
        await cda_chat.say(amount)
    assert cda_chat.choice_ids == ["ac:save", "ac:ver", "ac:edit", "ac:drop"]
    await cda_chat.tap("Add a language")
    await cda_chat.tap(HI)
    assert "Original: Exposure visit to Sanganer" in cda_chat.text
    await cda_chat.say(TITLE_HI)
    assert TITLE_HI in "\n".join(m.text for m in cda_chat.last)
    await cda_chat.tap("Save")
    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.versions == {"hi": {"title": TITLE_HI}}
    assert saved.title == "Exposure visit to Sanganer" and saved.language == "en"
    audit = await db.read(lambda c: rows(c, "SELECT detail FROM audit_log"))
    assert TITLE_HI in json.loads(audit[-1]["detail"])["versions"]["hi"]["title"]

    await db.write(
        lambda c: admins.add(c, "test", "meena", one_cluster.id, "cda", "2026-01-01T00:00:00+00:00")
    )
    meena = ChatDriver(engine, user_id="meena", language_code="hi")
    await meena.say("/activity")
    await meena.press("ac:show:all")
    assert TITLE_HI in meena.text and "Exposure visit" not in meena.text
    await meena.press("ac:open:1")
    assert f"#1 {TITLE_HI}" in meena.text
    await cda_chat.say("/activity")
    await cda_chat.press("ac:show:all")
    assert "Exposure visit to Sanganer" in cda_chat.text and TITLE_HI not in cda_chat.text


async def test_a_note_with_a_hindi_version_is_published_in_each_language(
    engine: Engine, cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await db.write(
        lambda c: seed_people(c, one_cluster.id, [Person("Asha", language="hi"), Person("Bina")])
    )
    title_hi = {"hi": {"title": "रंग जाँच प्रयोगशाला"}}
    await db.write(lambda c: make(c, one_cluster.id, "Common dye-testing lab", versions=title_hi))
    await cda_chat.say("/activity")
    await cda_chat.tap("List activities")
    await cda_chat.press("ac:open:1")
    await cda_chat.tap("Add progress note")
    await cda_chat.say("The lab is open on Mondays.")
    await cda_chat.tap("Add a language")
    await cda_chat.tap(HI)
    await cda_chat.say("x" * 4100)  # over a Telegram message, heading included
    assert "4,096" in cda_chat.text
    await cda_chat.say("प्रयोगशाला सोमवार को खुली है।")
    shown = "\n".join(m.text for m in cda_chat.last)
    assert "प्रयोगशाला सोमवार को खुली है।" in shown and "The lab is open on Mondays." in shown
    await cda_chat.tap("Save and send")

    update = (await db.read(lambda c: rows(c, "SELECT * FROM updates")))[0]
    texts = json.loads(update["texts"])
    assert texts["hi"].endswith("प्रयोगशाला सोमवार को खुली है।")
    assert "रंग जाँच प्रयोगशाला" in texts["hi"]  # the title's Hindi version in the heading
    assert texts["en"] == "Action plan: Common dye-testing lab\nThe lab is open on Mondays."
    assert "Common dye-testing lab" in texts["te"] and texts["te"].endswith("Mondays.")
    note = (await db.read(lambda c: activities.notes(c, 1)))[0]
    assert note.read("hi").text == "प्रयोगशाला सोमवार को खुली है।"

    await db.write(
        lambda c: admins.add(c, "test", "meena", one_cluster.id, "cda", "2026-01-01T00:00:00+00:00")
    )
    meena = ChatDriver(engine, user_id="meena", language_code="hi")
    await meena.say("/activity")
    await meena.press("ac:show:all")
    await meena.press("ac:open:1")
    assert "प्रयोगशाला सोमवार को खुली है।" in meena.text
