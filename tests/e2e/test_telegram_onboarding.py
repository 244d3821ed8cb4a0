"""End to end over the real python-telegram-bot against the loopback Bot API stand-in
(SPEC §2 Telegram, §5 onboarding, §8 crash safety)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import aiohttp
import pytest

from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES, native_name, translator
from bot.storage import clusters
from bot.storage.db import connect_sync, migrate, run_in_transaction
from tests.e2e.harness import BotProcess, bot_settings, running_bot, wait_until
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e
USER = 5001


def seed_cluster(path: Path, *codes: str) -> None:
    conn = connect_sync(path)
    migrate(conn)
    for code in codes:
        run_in_transaction(
            conn, lambda c, code=code: clusters.add(c, code, f"{code} cluster", "Asia/Kolkata", "x")
        )
    conn.close()


async def turn(
    fake: FakeTelegram,
    chat: int,
    action: Callable[[], object],
    *,
    expect: Literal["reply", "edit"] = "reply",
) -> list[SentMessage]:
    """Do `action`, then collect what the bot sent to `chat` in answer.

    Idleness alone is not enough: a slow turn (a loaded machine, a fresh process) makes no
    API call while it runs. So first wait for the first reply (every turn that answers sends
    one; a turn meant to stay silent costs REPLY_GRACE), then for the bot to go quiet.

    `expect="edit"` is for a turn the test knows the bot answers by editing a message of
    `chat` (a multi-select tick): a new message or an edit ends the wait at once instead
    of after REPLY_GRACE, and neither within EDIT_TIMEOUT fails the test. An answered
    callback query alone does not end it: handlers answer the query before they edit.
    Opt-in, because an edit that is followed by a new message (a pressed keyboard frozen,
    then the next question) would end the wait too early for turns that do not expect it."""
    before = len([m for m in fake.sent if m.chat_id == chat])
    edits_before = len(fake.edits)
    action()
    if expect == "edit":
        await wait_until(
            lambda: len([m for m in fake.sent if m.chat_id == chat]) > before
            or any(e.get("chat_id") == chat for e in fake.edits[edits_before:]),
            EDIT_TIMEOUT,
            f"the bot to edit a message of chat {chat} or send one",
        )
    else:
        deadline = asyncio.get_running_loop().time() + REPLY_GRACE
        while len([m for m in fake.sent if m.chat_id == chat]) == before:
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.01)
    await fake.wait_idle(quiet=0.2)
    return [m for m in fake.sent if m.chat_id == chat][before:]


REPLY_GRACE = 5.0  # seconds a turn may take before its first reply
EDIT_TIMEOUT = 20.0  # only a failing turn waits this long: generous for a loaded CI box


def registered_in_hindi(name: str) -> str:
    """The last word of onboarding, as a Hindi speaker reads it."""
    return translator("hi")("Thank you, {name}! You are registered.").format(name=name)


def texts(messages: list[SentMessage]) -> str:
    return "\n".join(m.text or "" for m in messages)


async def onboard(
    fake: FakeTelegram, user: int, language: str, steps: list[Callable[[], object]] | None = None
) -> list[SentMessage]:
    await turn(fake, user, lambda: fake.push_text(user, "/start", first_name="Sunita"))
    await turn(fake, user, lambda: fake.press(user, language))
    await turn(
        fake, user, lambda: fake.push_callback(user, last_keyboard(fake, user), "consent:yes")
    )
    await turn(fake, user, lambda: fake.push_text(user, "सुनीता देवी"))
    await turn(
        fake, user, lambda: fake.push_callback(user, last_keyboard(fake, user), "role:artisan")
    )
    await turn(
        fake, user, lambda: fake.push_callback(user, last_keyboard(fake, user), "gender:female")
    )
    await turn(fake, user, lambda: fake.push_text(user, "Bagru"))
    return await turn(fake, user, lambda: fake.push_contact(user, "+919829012345"))


def last_keyboard(fake: FakeTelegram, chat: int) -> int:
    for message in reversed(fake.messages_to(chat)):
        markup = message.reply_markup or {}
        if "inline_keyboard" in markup:
            return message.message_id
    raise AssertionError("no inline keyboard")


async def test_onboarding_in_english_over_telegram(fake: FakeTelegram, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(bot_settings(settings, fake)):
        first = await turn(fake, USER, lambda: fake.push_text(USER, "/start", first_name="Sunita"))
        assert first[-1].buttons == [native_name(code) for code in SHIPPED_LANGUAGES]
        consent = await turn(fake, USER, lambda: fake.press(USER, "English"))
        assert "/forget" in texts(consent)
        # The pressed message was frozen: keyboard gone, choice shown.
        edit = fake.edits[-1]
        assert "✓ English" in edit["text"] and not edit.get("reply_markup")
        name = await turn(fake, USER, lambda: fake.press(USER, "I agree"))
        assert name[-1].buttons == ["Sunita"]  # the profile name is offered
        await turn(fake, USER, lambda: fake.press(USER, "Sunita"))
        roles = await turn(fake, USER, lambda: fake.press(USER, "Make or sell"))
        assert "Other roles" in roles[-1].buttons  # the role question's second step
        await turn(fake, USER, lambda: fake.press(USER, "Artisan"))
        await turn(fake, USER, lambda: fake.press(USER, "Woman"))
        phone = await turn(fake, USER, lambda: fake.push_text(USER, "Bagru"))
        keyboard = phone[-1].reply_markup or {}
        assert keyboard["keyboard"][0][0]["request_contact"] is True
        done = await turn(fake, USER, lambda: fake.push_contact(USER, "+919829012345"))
        assert "registered" in texts(done)
        assert done[0].reply_markup == {"remove_keyboard": True}
        assert "Answer a survey" in done[-1].buttons
        # Registered commands: a menu per shipped language.
        assert {key[1] for key in fake.commands} >= {"", "hi", "te"}
    conn = connect_sync(settings.db)
    row = conn.execute("SELECT name, role, gender, place, phone, status FROM contacts").fetchone()
    assert tuple(row) == ("Sunita", "artisan", "female", "Bagru", "+919829012345", "registered")


async def test_onboarding_in_hindi_over_telegram(fake: FakeTelegram, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(bot_settings(settings, fake)):
        done = await onboard(fake, USER, "हिन्दी")
        all_text = texts(fake.messages_to(USER))
        assert "सहमत" in all_text  # consent in Hindi
        assert registered_in_hindi("सुनीता देवी") in texts(done)
    conn = connect_sync(settings.db)
    assert conn.execute("SELECT name, language FROM contacts").fetchone()[:] == ("सुनीता देवी", "hi")


async def test_cda_commands_refused_and_bad_input(fake: FakeTelegram, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(bot_settings(settings, fake, admins=frozenset({"telegram:7007"}))):
        await onboard(fake, USER, "English")
        refused = await turn(fake, USER, lambda: fake.push_text(USER, "/broadcast"))
        assert "only for the cluster development agent" in texts(refused)
        sticker = await turn(fake, USER, lambda: fake.push_sticker(USER))
        assert "did not understand" in texts(sticker)
        long = await turn(fake, USER, lambda: fake.push_text(USER, "क" * 4096))
        assert long and all(len(m.text or "") <= 4096 for m in long)
        unknown = await turn(fake, USER, lambda: fake.push_text(USER, "/frobnicate"))
        assert "/help" in texts(unknown)
        cda = await turn(fake, 7007, lambda: fake.push_text(7007, "/broadcast"))
        assert "Who should receive this update" in texts(cda)  # the CDA may broadcast
        helped = await turn(fake, 7007, lambda: fake.push_text(7007, "/help"))
        assert "/newmeeting" in texts(helped)
    # Every request the bot made was one Telegram accepts, except the staff command menu
    # for an admin who had not opened the chat yet at start (expected, and logged).
    assert [e for e in fake.errors if e[0] != "setMyCommands"] == []


async def test_blocked_user_is_marked_unreachable(fake: FakeTelegram, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    async with running_bot(bot_settings(settings, fake)):
        await onboard(fake, USER, "English")
        assert unreachable(settings.db) == 0
        # The user blocks the bot while it is answering: the reply gets a 403.
        fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        fake.push_text(USER, "/profile")
        await wait_until(lambda: unreachable(settings.db) == 1, 10, "the contact unreachable")
        # Writing again means the chat works again.
        await turn(fake, USER, lambda: fake.push_text(USER, "/profile"))
        assert unreachable(settings.db) == 0


def unreachable(db: Path) -> int:
    conn = connect_sync(db)
    try:
        return int(conn.execute("SELECT unreachable FROM contacts").fetchone()[0])
    finally:
        conn.close()


async def test_webhook_mode_checks_the_secret(fake: FakeTelegram, settings: Settings) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = bot_settings(
        settings,
        fake,
        telegram_webhook_url="https://bot.example.org/telegram/webhook",
        telegram_webhook_secret="s3cret-token",
    )
    update = {
        "update_id": 900,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "chat": {"id": USER, "type": "private", "first_name": "A"},
            "from": {"id": USER, "is_bot": False, "first_name": "A"},
        },
    }
    fake.add_chat(USER)
    url = f"http://127.0.0.1:{s.listen_port}/telegram/webhook"
    async with running_bot(s), aiohttp.ClientSession() as http:
        assert any(
            r[0] == "setWebhook" and r[1].get("secret_token") == "s3cret-token"
            for r in fake.requests
        )
        async with http.post(url, json=update) as response:
            assert response.status == 403
        async with http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        ) as response:
            assert response.status == 403
        await fake.wait_idle(quiet=0.2)
        assert fake.messages_to(USER) == []
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 200
        await fake.wait_for(USER, 1)
        async with http.get(f"http://127.0.0.1:{s.listen_port}/healthz") as response:
            assert (await response.json()) == {"ok": True}


async def test_onboarding_survives_kill_9(
    fake: FakeTelegram, settings: Settings, tmp_path: Path
) -> None:
    """SIGKILL the bot process at each step of onboarding; it resumes at the same step."""
    seed_cluster(settings.db, "BAGRU")
    bot = BotProcess(bot_settings(settings, fake), tmp_path)
    bot.start()
    try:
        await bot.wait_until_polling(fake)
        await turn(fake, USER, lambda: fake.push_text(USER, "/start", first_name="Sunita"))
        await turn(fake, USER, lambda: fake.press(USER, "हिन्दी"))
        await turn(
            fake, USER, lambda: fake.push_callback(USER, last_keyboard(fake, USER), "consent:yes")
        )
        bot.kill9()
        # While the bot is down the person keeps typing; the update waits at the server.
        fake.push_text(USER, "मीना")
        bot.start()
        await bot.wait_until_polling(fake)
        await wait_until(  # the first turn of a fresh process may be slow: wait for its reply
            lambda: "rgrp:make" in str(fake.messages_to(USER)[-1].reply_markup),
            20,
            "the name typed while the bot was down to be handled",
        )
        await fake.wait_idle(quiet=0.3)
        role = fake.messages_to(USER)[-1]
        assert "rgrp:make" in [  # the role question's first step: a group of roles
            b["callback_data"] for row in role.reply_markup["inline_keyboard"] for b in row
        ]
        bot.kill9()
        bot.start()
        await bot.wait_until_polling(fake)
        resumed = await turn(fake, USER, lambda: fake.push_text(USER, "/start"))
        assert "rgrp:make" in str(resumed[-1].reply_markup)  # same question again
        await turn(
            fake,
            USER,
            lambda: fake.push_callback(USER, last_keyboard(fake, USER), "role:shg_member"),
        )
        await turn(
            fake, USER, lambda: fake.push_callback(USER, last_keyboard(fake, USER), "gender:female")
        )
        bot.kill9()
        bot.start()
        await bot.wait_until_polling(fake)
        await turn(fake, USER, lambda: fake.push_text(USER, "छोड़ें"))
        done = await turn(fake, USER, lambda: fake.push_text(USER, "छोड़ें"))
        assert registered_in_hindi("मीना") in texts(done)
    finally:
        bot.stop()
    conn = connect_sync(settings.db)
    row = conn.execute("SELECT name, role, gender, status FROM contacts").fetchone()
    assert tuple(row) == ("मीना", "shg_member", "female", "registered")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
