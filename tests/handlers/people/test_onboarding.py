"""Onboarding through the engine (SPEC §5 /start, §8 consent)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.storage import contacts, conversations
from bot.storage.db import Database
from tests.driver import ChatDriver


async def contact_row(db: Database, user_id: str = "1001") -> contacts.Contact:
    found = await db.read(lambda conn: contacts.find(conn, "test", user_id))
    assert found is not None
    return found


async def register(chat: ChatDriver, *, language: str = "lang:en") -> None:
    await chat.say("/start")
    await chat.press(language)
    await chat.press("consent:yes")
    await chat.press("name:profile")
    await chat.press("role:artisan")
    await chat.press("gender:female")
    await chat.say("Bagru")
    await chat.share_contact("+91 98290 12345")


async def test_full_onboarding_in_english(chat: ChatDriver, db: Database, one_cluster) -> None:
    await chat.say("/start")
    assert chat.choice_ids == [f"lang:{code}" for code in SHIPPED_LANGUAGES]
    await chat.press("lang:en")
    assert "Who sees it" in chat.text and "/forget" in chat.text
    await chat.press("consent:yes")
    assert "name" in chat.text
    assert chat.find("Sunita Devi")  # the Telegram profile name is offered
    await chat.press("name:profile")
    # 11 roles in two steps (WhatsApp's list holds 10 rows): a group, then its roles.
    assert "role" in chat.text and chat.choice_ids == ["rgrp:make", "rgrp:support"]
    await chat.press("rgrp:support")
    assert len(chat.choice_ids) == 7 and chat.choice_ids[-1] == "rgrp:back"
    await chat.press("rgrp:back")
    await chat.tap("Make or sell")
    assert chat.choice_ids == [
        "role:artisan", "role:shg_member", "role:entrepreneur", "role:large_enterprise",
        "role:supplier", "rgrp:back",
    ]  # fmt: skip
    await chat.press("role:shg_member")
    # one cluster only: the cluster question is skipped
    assert chat.choice_ids == ["gender:female", "gender:male", "gender:other", "gender:undisclosed"]
    await chat.press("gender:female")
    await chat.say("Bagru")
    assert chat.last[0].request.value == "contact"
    await chat.share_contact("+91 98290 12345")
    assert "registered" in chat.text
    assert "cmd:survey" in chat.choice_ids  # main menu
    row = await contact_row(db)
    assert (row.name, row.role, row.gender, row.place, row.phone) == (
        "Sunita Devi",
        "shg_member",
        "female",
        "Bagru",
        "+919829012345",
    )
    assert row.registered and row.cluster_id == one_cluster.id and row.consent_at


async def test_onboarding_in_hindi(chat: ChatDriver, db: Database, one_cluster) -> None:
    await chat.say("/start")
    await chat.press("lang:hi")
    # The consent text is in Devanagari, and so is every later question.
    hi = translator("hi")
    assert any("\u0900" <= ch <= "\u097f" for ch in chat.text)
    assert [c.label for c in chat.last[-1].choices] == [hi("I agree"), hi("No, thanks")]
    await chat.press("consent:yes")
    await chat.say("सुनीता देवी")
    assert hi("What is your role in the cluster?") in chat.text
    assert hi("What is your role in the cluster?") != "What is your role in the cluster?"
    await chat.press("role:artisan")
    await chat.press("gender:undisclosed")
    await chat.press("skip:place")
    await chat.say(chat.last[0].skip_label)  # the Hindi word for Skip, typed from the keyboard
    row = await contact_row(db)
    assert row.registered and row.name == "सुनीता देवी" and row.language == "hi"
    assert row.place is None and row.phone is None


async def test_nothing_personal_before_consent(chat: ChatDriver, db: Database, one_cluster) -> None:
    await chat.say("/start")
    await chat.press("lang:te")
    row = await contact_row(db)
    assert row.language == "te" and row.consent_at is None and row.name is None
    await chat.press("consent:no")
    row = await contact_row(db)
    assert (row.name, row.role, row.gender, row.place, row.phone, row.consent_at) == (None,) * 6
    # Coming back later starts at consent, in the language chosen before.
    await chat.say("/start")
    assert "consent:yes" in chat.choice_ids


async def test_cluster_from_deep_link_and_choice(
    chat: ChatDriver, db: Database, two_clusters
) -> None:
    await chat.say("/start ALLEPPEY")
    await chat.press("lang:en")
    await chat.press("consent:yes")
    await chat.say("Lakshmi")
    await chat.press("role:artisan")
    assert "gender:female" in chat.choice_ids  # cluster came from the link
    assert (await contact_row(db)).cluster_id == two_clusters[1].id

    other = ChatDriver(chat.engine, user_id="1002")
    await other.say("/start")
    await other.press("lang:en")
    await other.press("consent:yes")
    await other.say("Gopal")
    await other.press("role:artisan")
    assert other.choice_ids == ["cluster:ALLEPPEY", "cluster:BAGRU"]
    await other.press("cluster:BAGRU")
    assert (await contact_row(db, "1002")).cluster_id == two_clusters[0].id


async def test_resume_after_restart(engine: Engine, settings, clock, one_cluster) -> None:
    """Close the database mid-onboarding (as a crash would), reopen: same step."""
    first = ChatDriver(engine, user_id="2001")
    await first.say("/start")
    await first.press("lang:hi")
    await first.press("consent:yes")
    await first.say("Meena")
    await engine.db.close()

    reopened = await Database.open(settings.db)
    try:
        import handlers

        again = ChatDriver(Engine(reopened, settings, handlers.route, clock=clock), user_id="2001")
        again.updates = 100
        await again.say("/start")
        assert "rgrp:make" in again.choice_ids  # the role question again, not the start
        await again.press("role:artisan")
        assert "gender:female" in again.choice_ids
    finally:
        await reopened.close()
    # The db fixture closes the first database again at teardown (a no-op once closed);
    # opening another here would leave its threads running after the test.


async def test_registered_user_gets_menu_not_onboarding(chat: ChatDriver, one_cluster) -> None:
    await register(chat)
    await chat.say("/start")
    assert "cmd:survey" in chat.choice_ids and "lang:en" not in chat.choice_ids


@pytest.mark.parametrize(
    "bad",
    ["x" * 10_000, "😀😀😀", "12345", "/unknowncommand", ""],
)
async def test_bad_names_are_refused_clearly(
    chat: ChatDriver, db: Database, one_cluster, bad: str
) -> None:
    await chat.say("/start")
    await chat.press("lang:en")
    await chat.press("consent:yes")
    await chat.say(bad)
    assert chat.text  # a clear answer
    row = await contact_row(db)
    assert row.name is None
    conv = await db.read(lambda conn: conversations.get(conn, row.id))
    assert conv is not None and conv.step == "onboarding.name"


async def test_sticker_and_stale_button(chat: ChatDriver, db: Database, one_cluster) -> None:
    await chat.say("/start")
    await chat.press("lang:en")
    await chat.sticker()
    assert "buttons" in chat.text
    await chat.press("consent:yes")
    await chat.press("lang:hi")  # an old button from the first message
    assert "earlier question" in chat.text
    assert (await contact_row(db)).language == "en"


async def test_command_in_the_middle_of_onboarding(chat: ChatDriver, one_cluster) -> None:
    await chat.say("/start")
    await chat.press("lang:en")
    await chat.press("consent:yes")
    await chat.say("/profile")
    assert "finish registering" in chat.text and "What is your name?" in chat.text
    await chat.say("/help")
    assert "/start" in chat.text
    await chat.say("Asha")
    assert "rgrp:make" in chat.choice_ids


async def test_double_delivery_changes_state_once(
    chat: ChatDriver, db: Database, one_cluster
) -> None:
    await chat.say("/start")
    await chat.press("lang:en")
    chat.updates -= 1  # the same update key again, as after a crash before the offset moved
    assert await chat.press("lang:en") == []


def test_no_personal_columns_written_without_consent_by_schema(tmp_path) -> None:
    from bot.storage.db import connect_sync, migrate

    conn = connect_sync(tmp_path / "x.db")
    migrate(conn)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(contacts)")}
    assert {"consent_at", "name", "phone", "place"} <= columns
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO contacts (channel, status, created_at) VALUES ('t', 'bogus', 'x')"
        )


async def test_typed_number_presses_the_offered_button(
    chat: ChatDriver, db: Database, one_cluster
) -> None:
    """Numbered-text channels (console, long WhatsApp lists): "3" is the third button."""
    await chat.say("/start")
    await chat.say(str(SHIPPED_LANGUAGES.index("hi") + 1))
    assert (await contact_row(db)).language == "hi"
    await chat.say("1")  # consent: I agree
    await chat.say("42")  # not a button here: a (bad) name
    assert (await contact_row(db)).name is None
    await chat.say("Asha")
    await chat.say("1")  # the group: make or sell
    await chat.say("2")
    assert (await contact_row(db)).role == "shg_member"
    await chat.say("99")  # out of range: not a button, a clear answer
    assert chat.text and (await contact_row(db)).gender is None


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_first_screen_asks_in_every_language_and_guesses_the_clients(
    engine: Engine, one_cluster, language: str
) -> None:
    """The question is in every shipped language's own words; until the person picks, the
    Telegram client's language (any shipped one, not only Hindi and Telugu) is the guess."""
    chat = ChatDriver(engine, user_id="1002", language_code=language)
    await chat.say("/start")
    for code in SHIPPED_LANGUAGES:
        assert translator(code)("Choose your language") in chat.text
    assert chat.choice_ids == [f"lang:{code}" for code in SHIPPED_LANGUAGES]
    await chat.say("hello")  # not a button: the hint comes in the guessed language
    hint = translator(language)("Please choose one of the buttons.")
    assert hint in chat.text
    assert language == "en" or hint != "Please choose one of the buttons."
