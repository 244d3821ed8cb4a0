"""One person cannot slow everyone (issue 12), end to end over python-telegram-bot against
the Bot API stand-in: updates of different people are handled at once, a flood meets the
per-person inbound limit (one "slow down", then drops counted in the log), and the
flooder's replies keep the per-chat limit without delaying anyone else's."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from tests.e2e.harness import bot_settings, known_chats, running_bot, wait_until
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
FLOODER, OTHER = 7001, 7002
LIMIT = 10
SLOW = "You are sending messages very fast. Please wait a minute, then send your message again."


async def test_a_flood_does_not_delay_another_person_and_meets_the_limit(
    fake: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.fairness")
    known_chats(fake, [FLOODER, OTHER])
    async with running_bot(bot_settings(settings, fake, inbound_per_minute=LIMIT)):
        for i in range(3 * LIMIT):
            fake.push_text(FLOODER, f"hello {i}")
        fake.push_text(OTHER, "/start")  # arrives after the whole flood

        def answered() -> bool:
            return bool(fake.messages_to(OTHER))

        await wait_until(answered, 15, "the other person's reply")
        # Causality, not wall-clock: the other person was answered while the flooder's
        # turns were still going out (serially, they would have come after all of them).
        flood_before = len(fake.messages_to(FLOODER))
        assert flood_before < LIMIT
        await wait_until(
            lambda: any(m.text == SLOW for m in fake.messages_to(FLOODER)), 30, "slow down"
        )
        await fake.wait_idle(quiet=1.5, timeout=30)
        flood = fake.messages_to(FLOODER)
        # A button pressed while held back is not taken, so it is not shown as chosen.
        edits, answered = len(fake.edits), len(fake.answered_callbacks)
        fake.press(FLOODER, "English")
        await wait_until(lambda: len(fake.answered_callbacks) > answered, 10, "the press")
        await fake.wait_idle(quiet=0.5)
        assert len(fake.edits) == edits  # the keyboard stays; nothing marked ✓
        assert fake.messages_to(FLOODER) == flood  # and nothing else was said
    assert [m.text for m in flood].count(SLOW) == 1  # told once
    assert flood[-1].text == SLOW  # and nothing was handled after it
    assert len(flood) > LIMIT  # every message within the limit was answered
    assert "dropped 20 telegram message(s)" in caplog.text  # 30 - 10 handled - 1 told + press
    assert str(FLOODER) not in caplog.text  # counts only, nobody named
