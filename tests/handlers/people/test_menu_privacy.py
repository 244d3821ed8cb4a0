"""/help, /language, /profile, /stop, /subscribe, /forget and CDA refusals (SPEC §5, §8)."""

from __future__ import annotations

import pytest

from bot.commands import CDA_PLANNED
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.storage import admins, audit, contacts
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import contact_row, register

CDA_COMMANDS = [name for name, _d, _a in CDA_PLANNED]


async def test_help_lists_what_a_stakeholder_can_do(chat: ChatDriver, one_cluster) -> None:
    await register(chat)
    await chat.say("/help")
    assert "/profile" in chat.text and "/forget" in chat.text
    assert "/broadcast" not in chat.text
    await chat.say("/menu")
    assert "cmd:profile" in chat.choice_ids


@pytest.mark.parametrize("command", CDA_COMMANDS)
async def test_cda_commands_refused_in_the_users_language(
    chat: ChatDriver, one_cluster, command: str
) -> None:
    await register(chat, language="lang:hi")
    await chat.say(f"/{command}")
    refusal = (
        "Sorry, this command is only for the cluster development agent (CDA). "
        "Send /help to see what you can do."
    )
    assert chat.text == translator("hi")(refusal) != refusal  # refused, and in Hindi


async def test_cda_from_settings_sees_cda_commands(cda_chat: ChatDriver, one_cluster) -> None:
    await cda_chat.say("/help")
    assert "/broadcast" in cda_chat.text and "/report" in cda_chat.text


async def test_cda_added_by_cli_is_a_cda_of_that_cluster_only(
    engine, db: Database, two_clusters
) -> None:
    await db.write(
        lambda conn: admins.add(conn, "test", "4242", two_clusters[0].id, "cda", "2026-01-01")
    )
    access = await db.read(lambda conn: admins.access_for(conn, "test", "4242", frozenset()))
    assert access.cda and access.may_manage(two_clusters[0].id)
    assert not access.may_manage(two_clusters[1].id)
    cda = ChatDriver(engine, user_id="4242")
    await cda.say("/newmeeting")
    # Not refused, and no cluster question: only the one cluster is theirs to manage.
    assert "What is the meeting about?" in cda.text


async def test_observer_gets_report_only(engine, db: Database, one_cluster) -> None:
    await db.write(lambda conn: admins.add(conn, "test", "99", None, "observer", "2026-01-01"))
    observer = ChatDriver(engine, user_id="99")
    await observer.say("/broadcast")
    assert "only for the cluster development agent" in observer.text
    await observer.say("/report")
    assert "which period?" in observer.text  # built now: tests/reports cover the rest


async def test_language_switch(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await chat.say("/language")
    # Asked in every shipped language's own words, as on the first screen
    for code in SHIPPED_LANGUAGES:
        assert translator(code)("Choose your language") in chat.text
    await chat.press("lang:te")
    assert "తెలుగు" in chat.text
    assert (await contact_row(db)).language == "te"
    await chat.say("/language")
    await chat.press("lang:gu")
    assert "ગુજરાતી" in chat.text
    assert (await contact_row(db)).language == "gu"


async def test_profile_view_and_correct(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await chat.say("/profile")
    assert "Sunita Devi" in chat.text and "+919829012345" in chat.text
    await chat.press("edit:name")
    await chat.say("Sunita Kumari")
    assert "Saved" in chat.text and "Sunita Kumari" in chat.text
    await chat.press("edit:role")
    await chat.press("role:entrepreneur")
    row = await contact_row(db)
    assert (row.name, row.role) == ("Sunita Kumari", "entrepreneur")
    entries = await db.read(lambda conn: audit.recent(conn))
    assert [e["action"] for e in entries][:2] == ["profile.update", "profile.update"]


async def test_stop_and_subscribe(chat: ChatDriver, db: Database, one_cluster) -> None:
    await register(chat)
    await chat.say("/stop")
    assert (await contact_row(db)).opted_out
    assert "/subscribe" in chat.text
    await chat.say("/subscribe")
    assert not (await contact_row(db)).opted_out


async def test_forget_needs_confirmation_then_erases_and_audits(
    chat: ChatDriver, db: Database, one_cluster
) -> None:
    await register(chat)
    await chat.say("/forget")
    await chat.press("forget:no")
    assert (await contact_row(db)).name == "Sunita Devi"
    await chat.say("/forget")
    await chat.press("forget:yes")
    assert "erased" in chat.text
    assert await db.read(lambda conn: contacts.find(conn, "test", "1001")) is None
    row = await db.read(
        lambda conn: conn.execute(
            "SELECT name, phone, place, channel_user_id, chat_id, status, role FROM contacts"
        ).fetchone()
    )
    assert tuple(row) == (None, None, None, None, None, "erased", "artisan")
    entry = (await db.read(lambda conn: audit.recent(conn)))[0]
    assert entry["action"] == "contact.erase" and "Sunita" not in str(tuple(entry))
    # Writing again starts a fresh registration.
    await chat.say("hello")
    assert "lang:en" in chat.choice_ids


async def test_unknown_command_and_cancel(chat: ChatDriver, one_cluster) -> None:
    await register(chat)
    await chat.say("/fly")
    assert "/help" in chat.text
    await chat.say("/cancel")
    assert "nothing to cancel" in chat.text
    await chat.say("/profile")
    await chat.say("/cancel")
    assert "Cancelled" in chat.text
    await chat.say("/back")
    assert "/survey" in chat.text
