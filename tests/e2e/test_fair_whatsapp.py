"""The per-person inbound limit on WhatsApp too (issue 12): the limit sits where both
channels pass (bot/app.py), so a flood on WhatsApp gets one "slow down" and is dropped."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.e2e.harness import running_bot, whatsapp_settings
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.fakes.whatsapp_payloads import MEENA, SUNITA

pytestmark = pytest.mark.e2e
LIMIT = 4
SLOW = "You are sending messages very fast. Please wait a minute, then send your message again."


async def test_a_whatsapp_flood_gets_one_slow_down_and_others_are_answered(
    graph: FakeGraph, settings: Settings
) -> None:
    async with running_bot(whatsapp_settings(settings, graph, inbound_per_minute=LIMIT)):
        for i in range(3 * LIMIT):
            assert await graph.deliver(wp.text(MEENA, f"hello {i}")) == 200
        assert await graph.deliver(wp.text(SUNITA, "hello")) == 200
        await graph.wait_idle(quiet=0.5, timeout=20)
        flood = [m.text for m in graph.messages_to(MEENA.address)]
        assert flood.count(SLOW) == 1 and flood[-1] == SLOW  # told once, nothing after
        assert len(flood) > LIMIT  # each message within the limit was answered
        assert graph.messages_to(SUNITA.address)  # someone else is answered as usual
        assert SLOW not in [m.text for m in graph.messages_to(SUNITA.address)]
