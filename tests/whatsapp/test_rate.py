"""The WhatsApp number's send rate (issue 6: "80 messages/s per number by default
(configurable), per-recipient spacing for the pair limit"): `CLUSTERBOT_WHATSAPP_RATE`
reaches the limiter the channel's replies and outbox share, and the sender really paces
by it. Virtual time (tests/test_ratelimit.py's loop): nothing sleeps for real."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from typing import Any

import pytest

import handlers
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp_api import PAIR_RATE, THROUGHPUT, GraphClient, classify
from bot.channels.whatsapp_render import WaRequest
from bot.channels.whatsapp_send import WhatsAppSender, whatsapp_limits
from bot.config import Settings
from bot.engine import Engine
from bot.outbox.ratelimit import WHATSAPP_LIMITS, RateLimiter
from bot.outbox.retry import Action, Outcome, RetryPolicy, SendResult, decide
from bot.storage.db import Database
from tests.test_ratelimit import START, VirtualTimeLoop, max_in_window, run

TEXT = WaRequest({"type": "text", "text": {"body": "Meeting tomorrow at 10 am"}})


class RecordingApi:
    """Stands in for `GraphClient.send`: notes every call (virtual time) and answers with
    the queued WhatsApp error codes first, then accepts."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sent: list[tuple[str, float]] = []
        self.errors: list[int] = []

    async def send(self, chat_id: str, body: dict[str, Any]) -> SendResult:
        self.sent.append((chat_id, self.loop.time() - START))
        if self.errors:
            code = self.errors.pop(0)
            return classify(400, {"error": {"message": f"(#{code}) limit", "code": code}})
        return SendResult(Outcome.SENT, platform_message_id=f"wamid.{len(self.sent)}")


def sender_on(loop: VirtualTimeLoop, rate: float) -> tuple[WhatsAppSender, RecordingApi]:
    api = RecordingApi(loop)
    limiter = RateLimiter(whatsapp_limits(rate), clock=loop.time, sleep=asyncio.sleep)
    # The database is never touched by send_one.
    sender = WhatsAppSender(None, api, Settings(whatsapp_rate=rate), limiter)  # type: ignore[arg-type]
    return sender, api


def test_default_limits_are_whatsapps() -> None:
    assert whatsapp_limits(80.0) == WHATSAPP_LIMITS
    assert Settings().whatsapp_rate == 80.0


async def test_the_channel_limiter_follows_the_setting(db: Database, settings: Settings) -> None:
    api = GraphClient("http://127.0.0.1:9", "token", "1065")
    try:
        for rate in (80.0, 2.5, 1000.0):
            engine = Engine(db, replace(settings, whatsapp_rate=rate), handlers.route)
            channel = WhatsAppChannel(engine=engine, api=api)
            limits = channel.limiter.limits
            assert (limits.per_second, limits.window_cap) == (rate, int(rate))
            # The pair rate limit is WhatsApp's per person, whatever the number's rate.
            assert limits.per_chat_per_second == pytest.approx(1 / 6)
            assert channel.limiter is channel.sender.limiter  # replies and outbox share it
    finally:
        await api.close()


@pytest.mark.parametrize("rate", [2.0, 5.0, 80.0])
def test_outbox_sends_to_many_people_keep_the_configured_rate(rate: float) -> None:
    count = int(rate * 5)

    async def main(loop: VirtualTimeLoop) -> list[float]:
        sender, api = sender_on(loop, rate)
        await asyncio.gather(
            *(sender.send_one(f"9198290{i:05d}", TEXT, reply=False) for i in range(count))
        )
        return [at for _, at in api.sent]

    times = run(main)
    assert len(times) == count
    assert max_in_window(times, 1.0) <= int(rate)  # never more than the rate in any second
    # ...and not slower either: five seconds' worth within five seconds.
    assert (count / rate - 1) * 1.01 <= times[-1] < count / rate


def test_one_person_gets_bot_messages_6_s_apart_but_replies_at_once() -> None:
    person = "919829012345"

    async def main(loop: VirtualTimeLoop) -> list[float]:
        sender, api = sender_on(loop, 80.0)
        for _ in range(5):
            await sender.send_one(person, TEXT, reply=False)
        for _ in range(5):  # they wrote: the answer must not wait 6 s per message
            await sender.send_one(person, TEXT, reply=True)
        await sender.send_one(person, TEXT, reply=False)  # ...but the replies count
        return [at for _, at in api.sent]

    times = run(main)
    assert times[:5] == pytest.approx([0, 0, 0, 6, 12])  # a burst of 3, then one per 6 s
    assert times[5:10] == pytest.approx([12] * 5, abs=0.1)
    assert times[10] == pytest.approx(48)  # waits out what the replies spent of the pair budget


# --- WhatsApp's own pacing errors ----------------------------------------------------------


def test_130429_pauses_the_whole_number_then_the_reply_goes() -> None:
    async def main(loop: VirtualTimeLoop) -> tuple[SendResult, list[tuple[str, float]]]:
        sender, api = sender_on(loop, 80.0)
        api.errors = [THROUGHPUT]
        result = await sender.send_one("919829012345", TEXT, reply=True)
        await sender.send_one("919414012345", TEXT, reply=False)  # someone else waits too
        return result, api.sent

    result, sent = run(main)
    assert result.outcome is Outcome.SENT
    assert [at for _, at in sent] == pytest.approx([0, 1, 1])  # no Retry-After: a second


def test_131056_retries_the_reply_with_backoff_and_pauses_nobody() -> None:
    async def main(loop: VirtualTimeLoop) -> tuple[SendResult, list[tuple[str, float]]]:
        sender, api = sender_on(loop, 80.0)
        api.errors = [PAIR_RATE, PAIR_RATE]
        result = await sender.send_one("919829012345", TEXT, reply=True)
        return result, api.sent

    result, sent = run(main)
    assert result.outcome is Outcome.SENT
    assert [at for _, at in sent] == pytest.approx([0, 0.5, 1.5])  # 0.5 s, then 1 s


def test_outbox_decisions_for_whatsapps_pacing_errors() -> None:
    policy, rng = RetryPolicy(), random.Random(7)
    throughput = classify(
        400, {"error": {"message": "(#130429) Rate limit hit", "code": THROUGHPUT}}
    )
    decision = decide(throughput, 2, policy, rng)
    # The number's limit: pause every send on the channel; the attempt does not count.
    assert (decision.action, decision.pause, decision.attempts) == (Action.PAUSE_AND_RETRY, 1.0, 2)
    pair = classify(400, {"error": {"message": "(#131056) pair rate limit hit", "code": PAIR_RATE}})
    later = [decide(pair, n, policy, rng) for n in range(3)]
    # One person's limit: only this message waits, longer each time.
    assert {d.action for d in later} == {Action.RETRY} and all(d.pause == 0 for d in later)
    assert later[0].delay <= 1.0 < later[1].delay <= 2.0 < later[2].delay <= 4.0
