"""No accepted WhatsApp message is lost (issue 12): `clusterbot run` as a subprocess gets a
signed webhook, answers 200 and is killed with SIGKILL before it handles it; after a
restart the message is handled, and the person gets exactly one reply."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.channels.whatsapp import HOLD_ENV
from bot.config import Settings
from tests.e2e.harness import BotProcess, wait_until, whatsapp_settings
from tests.e2e.test_telegram_onboarding import seed_cluster
from tests.e2e.test_whatsapp import db_row
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.fakes.whatsapp_payloads import SUNITA

pytestmark = pytest.mark.e2e


def whatsapp_env(settings: Settings) -> dict[str, str]:
    return {
        "CLUSTERBOT_WHATSAPP_TOKEN": settings.whatsapp_token,
        "CLUSTERBOT_WHATSAPP_PHONE_NUMBER_ID": settings.whatsapp_phone_number_id,
        "CLUSTERBOT_WHATSAPP_APP_SECRET": settings.whatsapp_app_secret,
        "CLUSTERBOT_WHATSAPP_VERIFY_TOKEN": settings.whatsapp_verify_token,
        "CLUSTERBOT_WHATSAPP_API_SERVER": settings.whatsapp_api_server,
    }


async def wait_until_serving(bot: BotProcess, timeout: float = 20.0) -> None:
    url = f"http://127.0.0.1:{bot.settings.listen_port}/healthz"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            assert bot.proc is not None
            if bot.proc.poll() is not None:
                raise AssertionError("bot exited:\n" + bot.log.read_text())
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("bot did not start serving:\n" + bot.log.read_text())


def stored(settings: Settings) -> int:
    return int(db_row(settings, "SELECT COUNT(*) FROM webhook_intake")[0])  # type: ignore[call-overload]


async def test_a_message_answered_200_is_handled_after_kill_9(
    graph: FakeGraph, settings: Settings, tmp_path: Path
) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    # The hold makes the crash land between the 200 and the handling, every time.
    bot = BotProcess(s, tmp_path, **whatsapp_env(s), **{HOLD_ENV: "1"})
    bot.start()
    try:
        await wait_until_serving(bot)
        assert await graph.deliver(wp.text(SUNITA, "start")) == 200
        bot.kill9()
        assert graph.messages_to(SUNITA.address) == [] and stored(s) == 1
        assert db_row(s, "SELECT COUNT(*) FROM processed_updates") == (0,)

        del bot.env[HOLD_ENV]
        bot.start()
        await wait_until(lambda: len(graph.messages_to(SUNITA.address)) >= 1, 20, "the reply")
        await wait_until(lambda: stored(s) == 0, 10, "the stored payload to be removed")
        bot.kill9()  # and once more: nothing left to handle, nothing sent twice
        bot.start()
        await wait_until_serving(bot)
        await graph.wait_idle(quiet=0.5)
    finally:
        bot.stop()
    assert len(graph.messages_to(SUNITA.address)) == 1
    assert graph.messages_to(SUNITA.address)[0].buttons[0][0] == "lang:en"
    assert db_row(s, "SELECT COUNT(*) FROM processed_updates") == (1,)


async def test_kill_9_right_after_the_200_still_gives_exactly_one_reply(
    graph: FakeGraph, settings: Settings, tmp_path: Path
) -> None:
    """No hold: the kill races the handling. Whichever wins, one reply after the restart."""
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(settings, graph)
    bot = BotProcess(s, tmp_path, **whatsapp_env(s))
    bot.start()
    try:
        await wait_until_serving(bot)
        assert await graph.deliver(wp.text(SUNITA, "start")) == 200
        bot.kill9()
        bot.start()
        await wait_until(lambda: len(graph.messages_to(SUNITA.address)) >= 1, 20, "the reply")
        await wait_until(lambda: stored(s) == 0, 10, "the stored payload to be removed")
        await graph.wait_idle(quiet=0.5)
    finally:
        bot.stop()
    assert len(graph.messages_to(SUNITA.address)) == 1
