"""Drive the Telegram stand-in with the real python-telegram-bot client."""

import os

os.environ["PTB_TIMEDELTA"] = "true"  # before telegram is imported: opt in to timedelta

import asyncio
import datetime as dtm
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegram

USER = 4242


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    root = fake.root
    async with Bot(fake.token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot") as b:
        yield b


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=f"cb:{x}")]
                                 for x in labels])


@pytest.mark.asyncio
async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == BOT_USERNAME
    assert me.is_bot and me.can_join_groups
    assert me.id == 123


@pytest.mark.asyncio
async def test_send_message_with_inline_keyboard_is_echoed_and_recorded(
        fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    msg = await bot.send_message(USER, "Pick one", reply_markup=keyboard("A", "B"))
    assert msg.chat.id == USER and msg.chat.type == "private"
    assert msg.from_user is not None and msg.from_user.username == BOT_USERNAME
    assert msg.message_id == 2  # per-chat counter, after the user's message
    assert msg.reply_markup is not None
    assert msg.reply_markup.inline_keyboard[1][0].callback_data == "cb:B"
    [sent] = await fake.wait_for(USER, 1)
    assert sent.method == "sendMessage" and sent.text == "Pick one"
    assert sent.buttons == ["A", "B"]
    assert sent.reply_markup == {"inline_keyboard": [
        [{"text": "A", "callback_data": "cb:A"}], [{"text": "B", "callback_data": "cb:B"}]]}
    assert fake.messages_to(USER) == [sent]


@pytest.mark.asyncio
async def test_press_yields_callback_query(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "/start", language_code="hi")
    sent = await bot.send_message(USER, "Menu", reply_markup=keyboard("Next", "Back"))
    with pytest.raises(AssertionError, match="available: \\['Next', 'Back'\\]"):
        fake.press(USER, "Missing")
    query_id = fake.press(USER, "Back")

    updates = await bot.get_updates(timeout=1)
    assert updates[0].message is not None and updates[0].message.text == "/start"
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.language_code == "hi"
    query = updates[1].callback_query
    assert query is not None and query.id == query_id and query.data == "cb:Back"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == USER

    assert await bot.answer_callback_query(query_id, text="ok")
    assert fake.answered_callbacks[0]["callback_query_id"] == query_id
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    # Confirmed updates are gone.
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


@pytest.mark.asyncio
async def test_command_entity_parsed_by_ptb(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, f"/start@{BOT_USERNAME} ref42")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.parse_entities() != {}
    [entity] = update.message.entities
    assert entity.type == "bot_command" and entity.length == len(f"/start@{BOT_USERNAME}")


@pytest.mark.asyncio
async def test_validation_errors(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "t", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("b", callback_data="é" * 32 + "x")]]))  # 65 bytes
    await bot.send_message(USER, "t", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("b", callback_data="x" * 64)]]))
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "nobody here")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "1 < 2 <b>bold</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Character '.' is reserved"):
        await bot.send_message(USER, "Done.", parse_mode="MarkdownV2")
    ok = await bot.send_message(USER, "<b>a &lt; b</b>", parse_mode="HTML")
    assert ok.text == "a < b"
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(USER, b"\xff\xd8jpeg", caption="c" * 1025)
    assert [m.text for m in fake.messages_to(USER)] == ["x" * 4096, "t", "<b>a &lt; b</b>"]
    assert any("too long" in e[2] for e in fake.errors)


@pytest.mark.asyncio
async def test_edits(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    msg = await bot.send_message(USER, "v1", reply_markup=keyboard("A"))
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("v2", chat_id=USER, message_id=99)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v1", chat_id=USER, message_id=msg.message_id,
                                    reply_markup=keyboard("A"))
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("v2", chat_id=USER, message_id=1)  # the user's message
    edited = await bot.edit_message_reply_markup(USER, msg.message_id,
                                                 reply_markup=keyboard("B"))
    assert not isinstance(edited, bool) and edited.reply_markup is not None
    assert fake.press(USER, "B")
    # Without reply_markup Telegram drops the keyboard: press() must not find it any more.
    await bot.edit_message_text("v2", chat_id=USER, message_id=msg.message_id)
    current = fake.message(USER, msg.message_id)
    assert current is not None and current["text"] == "v2" and "reply_markup" not in current
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        fake.press(USER, "B")
    assert [e["method"] for e in fake.edits] == ["editMessageReplyMarkup", "editMessageText"]


@pytest.mark.asyncio
async def test_fail_next_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "first")
    assert info.value.retry_after == dtm.timedelta(seconds=7)
    assert fake.rejected_429 == 1
    await bot.send_message(USER, "second")
    assert [m.text for m in fake.sent] == ["second"]


@pytest.mark.asyncio
async def test_block_gives_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    fake.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "anyone there?")
    fake.push_text(USER, "I'm back")  # writing to the bot implies unblocking it
    await bot.send_message(USER, "welcome back")


@pytest.mark.asyncio
async def test_document_upload_and_file_download(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    payload = bytes(range(256)) * 40
    msg = await bot.send_document(USER, payload, filename="report.xlsx", caption="Report")
    [sent] = await fake.wait_for(USER, 1)
    assert sent.method == "sendDocument" and sent.text == "Report"
    assert sent.file_name == "report.xlsx" and sent.file == payload
    assert msg.document is not None and msg.document.file_name == "report.xlsx"
    tg_file = await msg.document.get_file()
    assert bytes(await tg_file.download_as_bytearray()) == payload

    photo = b"\xff\xd8\xff\xe0photo-bytes\xff\xd9"
    fake.push_photo(USER, photo)
    update = (await bot.get_updates())[-1]
    assert update.message is not None
    largest = update.message.photo[-1]
    assert bytes(await (await largest.get_file()).download_as_bytearray()) == photo


@pytest.mark.asyncio
async def test_set_my_commands_per_language(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    await bot.set_my_commands([BotCommand("start", "शुरू करें")], language_code="hi")
    await bot.set_my_commands([BotCommand("help", "Help")],
                              scope=BotCommandScopeChat(USER))
    assert fake.commands[("default", "hi")] == [{"command": "start",
                                                 "description": "शुरू करें"}]
    assert [c.command for c in await bot.get_my_commands(language_code="hi")] == ["start"]
    assert await bot.get_my_commands() == ()
    chat_key = next(k for k in fake.commands if k[0] != "default")
    assert '"chat_id":4242' in chat_key[0]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start-Now", "bad")])
    await bot.delete_my_commands(language_code="hi")
    assert ("default", "hi") not in fake.commands


@pytest.mark.asyncio
async def test_long_poll_returns_early(fake: FakeTelegram, bot: Bot) -> None:
    start = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake.push_text(USER, "wake up")
    updates = await poll
    assert time.monotonic() - start < 2
    assert updates[0].message is not None and updates[0].message.text == "wake up"
    # An empty long poll lasts its timeout.
    start = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert 0.9 < time.monotonic() - start < 3


@pytest.mark.asyncio
async def test_global_rate_limit() -> None:
    server = FakeTelegram(rate_limit_per_second=3)
    root = await server.start()
    try:
        async with Bot(server.token, base_url=f"{root}/bot") as bot:
            server.push_text(USER, "hi")
            for i in range(3):
                await bot.send_message(USER, f"m{i}")
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(USER, "too fast")
            assert info.value.retry_after == dtm.timedelta(seconds=1)
            assert server.rejected_429 == 1
            await asyncio.sleep(1.05)
            await bot.send_message(USER, "later")
            assert len(server.sent) == 4
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_group_rate_limit_per_minute() -> None:
    server = FakeTelegram(per_chat_per_minute_groups=2)
    root = await server.start()
    group = -1001234567890
    try:
        async with Bot(server.token, base_url=f"{root}/bot") as bot:
            server.push_text(USER, "hi all", chat_id=group)
            await bot.send_message(group, "g1")
            await bot.send_message(group, "g2")
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(group, "g3")
            retry = info.value.retry_after
            assert isinstance(retry, dtm.timedelta)
            assert 1 <= retry.total_seconds() <= 60
            await bot.send_message(USER, "private chats are not limited")
            assert server.rejected_429 == 1
            [update] = await bot.get_updates()
            assert update.message is not None and update.message.chat.type == "supergroup"
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_wait_for_cursor_and_wait_idle(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_text(USER, "hi")
    await bot.get_updates()
    await bot.send_message(USER, "one")
    await bot.send_message(USER, "two")
    assert [m.text for m in await fake.wait_for(USER, 1)] == ["one"]
    assert [m.text for m in await fake.wait_for(USER, 1)] == ["two"]
    with pytest.raises(AssertionError, match="expected 1 new message"):
        await fake.wait_for(USER, 1, timeout=0.2)
    await fake.wait_idle(quiet=0.1, timeout=2)
    fake.push_text(USER, "not fetched by anybody")
    with pytest.raises(AssertionError, match="1 update"):
        await fake.wait_idle(quiet=0.1, timeout=0.3)


@pytest.mark.asyncio
async def test_raw_http_encodings_and_not_found(fake: FakeTelegram) -> None:
    fake.push_text(USER, "hi")
    async with aiohttp.ClientSession() as http:
        url = f"{fake.root}/bot{fake.token}"
        async with http.post(f"{url}/sendMessage", json={
                "chat_id": USER, "text": "json body",
                "reply_markup": {"inline_keyboard": [[{"text": "X", "callback_data": "x"}]]}}
        ) as resp:
            body = await resp.json()
            assert body["ok"] and body["result"]["reply_markup"]["inline_keyboard"]
        async with http.get(f"{url}/SENDMESSAGE", params={"chat_id": str(USER),
                                                          "text": "query"}) as resp:
            assert (await resp.json())["result"]["text"] == "query"
        async with http.post(f"{fake.root}/bot1:WRONG/getMe") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404,
                                         "description": "Not Found"}
        async with http.post(f"{url}/noSuchMethod") as resp:
            assert resp.status == 404
    assert [m.text for m in fake.sent] == ["json body", "query"]
    wrong = Bot("1:WRONG", base_url=f"{fake.root}/bot")
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()


@pytest.mark.asyncio
async def test_cli_subprocess_mode(unused_tcp_port: int) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", "--port", str(unused_tcp_port),
        stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        root = line.decode().strip()
        assert root == f"http://127.0.0.1:{unused_tcp_port}"
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{root}/_fake/push_text",
                                 json={"user_id": USER, "text": "remote"}) as resp:
                assert (await resp.json())["result"] == 1
            async with Bot("123:TEST", base_url=f"{root}/bot") as bot:
                await bot.send_message(USER, "reply")
            async with http.get(f"{root}/_fake/state") as resp:
                state = (await resp.json())["result"]
        assert [m["text"] for m in state["sent"]] == ["reply"]
    finally:
        proc.terminate()
        await proc.wait()


@pytest.mark.asyncio
async def test_full_application_round_trip(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        await context.bot.send_message(update.effective_chat.id, "<b>Menu</b>",
                                       parse_mode="HTML", reply_markup=keyboard("Go"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {query.data}")

    root = fake.root
    app = (Application.builder().token(fake.token).base_url(f"{root}/bot")
           .base_file_url(f"{root}/file/bot").build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=5))
        fake.push_text(USER, f"/start@{BOT_USERNAME}")
        [menu] = await fake.wait_for(USER, 1)
        assert menu.text == "<b>Menu</b>" and menu.buttons == ["Go"]
        fake.press(USER, "Go")
        await fake.wait_idle(quiet=0.2)
        stopped = time.monotonic()
        await app.updater.stop()
        await app.stop()
    assert time.monotonic() - stopped < 3
    assert fake.edits[-1]["text"] == "pressed cb:Go"
    assert len(fake.answered_callbacks) == 1
    assert {"deleteWebhook", "getMe", "sendChatAction"} <= {m for m, _ in fake.requests}


@pytest.mark.asyncio
async def test_other_update_kinds_and_methods(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_contact(USER, "+919800000000")
    fake.push_location(USER, 26.1, 91.7)
    fake.push_voice(USER, b"OggS-voice")
    fake.push_sticker(USER)
    contact, location, voice, sticker = [u.message for u in await bot.get_updates()]
    assert contact is not None and contact.contact is not None
    assert contact.contact.phone_number == "+919800000000" and contact.contact.user_id == USER
    assert location is not None and location.location is not None
    assert location.location.latitude == 26.1
    assert voice is not None and voice.voice is not None
    assert bytes(await (await voice.voice.get_file()).download_as_bytearray()) == b"OggS-voice"
    assert sticker is not None and sticker.sticker is not None

    sent_location = await bot.send_location(USER, latitude=26.2, longitude=91.8)
    assert sent_location.location is not None and sent_location.location.longitude == 91.8
    photo = await bot.send_photo(USER, b"\xff\xd8jpeg", caption="old")
    edited = await bot.edit_message_caption(USER, photo.message_id, caption="new")
    assert not isinstance(edited, bool) and edited.caption == "new"
    assert await bot.delete_message(USER, photo.message_id)
    assert fake.message(USER, photo.message_id) is None
    assert [m.method for m in fake.messages_to(USER)] == ["sendLocation", "sendPhoto"]

    # Webhook mode and getUpdates exclude each other, like on Telegram.
    await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    fake.push_text(USER, "only callbacks wanted")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
