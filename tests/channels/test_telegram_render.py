"""Telegram rendering stays inside the Bot API's limits for every message, in every language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.channels.telegram import markup_for, split_text
from bot.limits import TELEGRAM_MAX_TEXT
from bot.messages import Choice, Outbound, Request
from tests.driver import ChatDriver


@given(st.text(alphabet=st.sampled_from("अब क\n ab."), max_size=20_000))
def test_split_text_respects_the_limit_and_keeps_the_words(text: str) -> None:
    parts = split_text(text)
    assert all(len(part) <= TELEGRAM_MAX_TEXT for part in parts)
    assert "".join(text.split()) == "".join("".join(parts).split())


def test_split_prefers_paragraphs() -> None:
    text = ("a" * 3000) + "\n\n" + ("b" * 3000)
    assert split_text(text) == ["a" * 3000, "b" * 3000]


def test_inline_keyboard_in_columns_with_check_marks() -> None:
    message = Outbound(
        "Pick",
        tuple(Choice(f"c:{i}", f"Option {i}") for i in range(5)),
        columns=2,
        selected=frozenset({"c:1"}),
    )
    markup = markup_for(message)
    assert isinstance(markup, InlineKeyboardMarkup)
    rows = markup.inline_keyboard
    assert [len(r) for r in rows] == [2, 2, 1]
    assert rows[0][1].text == "✓ Option 1" and rows[0][1].callback_data == "c:1"


def test_callback_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        markup_for(Outbound("x", (Choice("x" * 65, "too long"),)))


def test_contact_request_and_keyboard_removal() -> None:
    markup = markup_for(
        Outbound("Phone?", request=Request.CONTACT, request_label="Share", skip_label="Skip")
    )
    assert isinstance(markup, ReplyKeyboardMarkup)
    assert markup.keyboard[0][0].request_contact and markup.keyboard[1][0].text == "Skip"
    assert isinstance(markup_for(Outbound("done", remove_keyboard=True)), ReplyKeyboardRemove)


@pytest.mark.parametrize("language", ["lang:en", "lang:hi", "lang:te"])
async def test_every_onboarding_message_renders(
    chat: ChatDriver, one_cluster, language: str
) -> None:
    rendered = []
    steps = [
        lambda: chat.say("/start"),
        lambda: chat.press(language),
        lambda: chat.press("consent:yes"),
        lambda: chat.say("Asha"),
        lambda: chat.press("role:artisan"),
        lambda: chat.press("gender:female"),
        lambda: chat.press("skip:place"),
        lambda: chat.share_contact("9829012345"),
        lambda: chat.say("/help"),
        lambda: chat.say("/profile"),
        lambda: chat.say("/forget"),
    ]
    for step in steps:
        replies = await step()
        assert replies, "every step of onboarding answers"  # else nothing below is checked
        for message in replies:
            markup_for(message)  # raises on a bad button
            rendered += split_text(message.text)
    assert all(0 < len(part) <= TELEGRAM_MAX_TEXT for part in rendered)
