"""TelegramChannel.deliver: one outbox row over real python-telegram-bot against the stand-in,
and how each Bot API answer maps to a ledger outcome
(bot.channels.telegram_errors.classify_telegram_error)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram import TelegramChannel, build_application
from bot.messages import Choice, Media, Outbound
from bot.outbox.queue import OutboxItem, Payload
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.outbox.retry import Outcome
from tests.e2e.harness import TOKEN, known_chats, wait_until
from tests.fakes.telegram_api import FakeTelegram

CHAT = 4242


@pytest.fixture
async def channel(fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    application = build_application(TOKEN, fake.root)
    await application.initialize()

    async def nothing(*_: object) -> list[object]:
        return []

    known_chats(fake, [CHAT])
    yield TelegramChannel(application, nothing, limiter=RateLimiter(Limits()))  # type: ignore[arg-type]
    await application.shutdown()


def item(payload: Payload, chat: int = CHAT) -> OutboxItem:
    return OutboxItem(1, "telegram", str(chat), "broadcast", "1", 0, payload)


async def test_text_with_buttons(channel: TelegramChannel, fake: FakeTelegram) -> None:
    payload = Payload("Meeting on Friday?", choices=(Choice("rsvp:yes", "Yes"),))
    result = await channel.deliver(item(payload))
    assert result.outcome is Outcome.SENT and result.platform_message_id
    [sent] = fake.messages_to(CHAT)
    assert sent.text == "Meeting on Friday?" and sent.buttons == ["Yes"]


async def test_photo_is_uploaded_once_then_sent_by_file_id(
    channel: TelegramChannel, fake: FakeTelegram, tmp_path: Path
) -> None:
    photo = tmp_path / "design.jpg"
    photo.write_bytes(b"\xff\xd8\xff-new-block-design")
    payload = Payload(
        "New block design", media_kind="photo", media_path=str(photo), media_name="design.jpg"
    )
    known_chats(fake, [CHAT + 1])
    assert (await channel.deliver(item(payload))).outcome is Outcome.SENT
    assert (await channel.deliver(item(payload, CHAT + 1))).outcome is Outcome.SENT
    first, second = fake.sent
    assert first.method == second.method == "sendPhoto"
    assert first.text == "New block design" and first.file == b"\xff\xd8\xff-new-block-design"
    assert second.file == first.file  # the same stored file...
    uploads = [r for r in fake.requests if r[0] == "sendPhoto"]
    assert isinstance(uploads[1][1]["photo"], str)  # ...sent by file_id, not uploaded again


@pytest.mark.parametrize(
    ("kind", "name", "method"),
    [
        ("audio", "loom_hi.ogg", "sendVoice"),  # OGG/Opus: a voice note, played in the chat
        ("audio", "loom_en.mp3", "sendAudio"),
        ("video", "loom.mp4", "sendVideo"),
        ("photo", "loom.jpg", "sendPhoto"),
        ("document", "plan.pdf", "sendDocument"),
    ],
)
async def test_question_media_are_sent_by_kind(
    channel: TelegramChannel, fake: FakeTelegram, kind: str, name: str, method: str
) -> None:
    data = b"content of " + name.encode()
    await channel.send_one(CHAT, Outbound("", media=Media(kind, name, data)))
    await channel.send_one(CHAT, Outbound("Caption", media=Media(kind, name, data)))
    first, second = fake.messages_to(CHAT)
    assert first.method == second.method == method
    assert first.file == data and first.text is None and second.text == "Caption"


async def test_a_missing_media_file_fails_without_retry(channel: TelegramChannel) -> None:
    payload = Payload("x", media_kind="document", media_path="/nowhere/plan.pdf", media_name="p")
    result = await channel.deliver(item(payload))
    assert result.outcome is Outcome.FAILED and "missing" in result.reason


@pytest.mark.parametrize(
    ("status", "description", "outcome"),
    [
        (403, "Forbidden: bot was blocked by the user", Outcome.BLOCKED),
        (400, "Bad Request: chat not found", Outcome.FAILED),
        (429, "Too Many Requests: retry after 3", Outcome.RETRY_AFTER),
        (502, "Bad Gateway", Outcome.TRANSIENT),
        (500, "Internal Server Error", Outcome.TRANSIENT),
    ],
)
async def test_api_errors_map_to_ledger_outcomes(
    channel: TelegramChannel, fake: FakeTelegram, status: int, description: str, outcome: Outcome
) -> None:
    fake.fail_next("sendMessage", status, description, retry_after=3 if status == 429 else None)
    result = await channel.deliver(item(Payload("hello")))
    assert result.outcome is outcome
    if outcome is Outcome.RETRY_AFTER:
        assert result.retry_after == 3


async def test_reply_meeting_flood_control_waits_and_retries(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await channel.send(CHAT, [Outbound("Your answer was saved.")])
    assert [m.text for m in fake.messages_to(CHAT)] == ["Your answer was saved."]
    limiter = channel.limiter
    assert limiter is not None and limiter.chat_paused_until(str(CHAT)) > 0
    assert limiter.paused_until < 0  # flood control of one chat pauses that chat only


async def test_flood_control_for_one_chat_does_not_stop_another(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    other = CHAT + 7
    known_chats(fake, [other])
    fake.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=CHAT
    )
    first = asyncio.create_task(channel.send(CHAT, [Outbound("to A")]))
    await wait_until(
        lambda: ("sendMessage", 429, "Too Many Requests: retry after 1") in fake.errors,
        5,
        "A meets flood control",
    )
    await channel.send(other, [Outbound("to B")])  # goes now, while A is paused
    assert [m.text for m in fake.sent] == ["to B"]
    await first
    assert [m.text for m in fake.sent] == ["to B", "to A"]


async def test_replies_keep_the_per_chat_limit_per_turn(channel: TelegramChannel) -> None:
    """Replies go first but keep Telegram's ~1 a second per chat (bursts of 3), counted per
    turn: a turn's messages go out together, the next turns wait for the chat's bucket."""
    limiter = channel.limiter
    assert limiter is not None
    await channel.send(CHAT, [Outbound(f"part {i}") for i in range(3)])  # one turn
    assert limiter.delay_for(str(CHAT)) == 0.0  # took one of the chat's three
    await channel.send(CHAT, [Outbound("second turn")])
    await channel.send(CHAT, [Outbound("third turn")])
    assert limiter.delay_for(str(CHAT)) > 0.5  # the chat's burst is spent now...
    assert limiter.delay_for(str(CHAT + 1)) < 0.1  # ...another chat's is not (overall pacing)
