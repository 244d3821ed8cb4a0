"""The name question mentions a button only when it offers one (SPEC §5 /start)."""

from __future__ import annotations

from bot.engine import Engine
from tests.driver import ChatDriver


async def _to_name(chat: ChatDriver) -> str:
    await chat.say("/start")
    await chat.press("lang:hi")
    await chat.press("consent:yes")
    return chat.text


async def test_no_profile_name_no_button_promised(engine: Engine, one_cluster) -> None:
    chat = ChatDriver(engine, user_id="2001")  # the console: no platform profile name
    text = await _to_name(chat)
    assert chat.choice_ids == []
    assert "नाम" in text and "बटन" not in text


async def test_profile_name_offered_as_a_button(engine: Engine, one_cluster) -> None:
    chat = ChatDriver(engine, user_id="2002", profile_name="Sunita Devi")
    text = await _to_name(chat)
    assert chat.choice_ids == ["name:profile"] and "बटन" in text
