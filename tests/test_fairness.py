"""The per-person inbound limit (bot.fairness, issue 12): one "please slow down", then drops,
counted in the log without personal data; the same for every channel."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from bot.engine import Engine, Prepare
from bot.fairness import WINDOW, Held, InboundLimiter, Verdict, limited
from bot.i18n import translator
from bot.messages import Inbound, InboundKind, Outbound
from bot.storage import contacts
from bot.storage.db import Database

SLOW = "You are sending messages very fast. Please wait a minute, then send your message again."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_message_over_the_limit_slows_down_the_rest_are_dropped() -> None:
    clock = Clock()
    limiter = InboundLimiter(20, clock=clock)
    verdicts = [limiter.check("telegram", "42") for _ in range(25)]
    assert verdicts == [Verdict.ALLOW] * 20 + [Verdict.SLOW_DOWN] + [Verdict.DROP] * 4
    assert limiter.check("telegram", "43") is Verdict.ALLOW  # someone else is not affected
    assert limiter.check("whatsapp", "42") is Verdict.ALLOW  # the same id on another channel
    assert limiter.dropped["telegram"] == 4 and limiter.slowed["telegram"] == 1


def test_the_window_slides_and_a_new_flood_is_told_again() -> None:
    clock = Clock()
    limiter = InboundLimiter(3, clock=clock)
    for second in (0, 10, 20):
        clock.now = 1000.0 + second
        assert limiter.check("telegram", "7") is Verdict.ALLOW
    clock.now = 1000.0 + 30
    assert limiter.check("telegram", "7") is Verdict.SLOW_DOWN
    assert limiter.check("telegram", "7") is Verdict.DROP
    clock.now = 1000.0 + WINDOW  # the first message left the rolling minute: room for one
    assert limiter.check("telegram", "7") is Verdict.ALLOW
    assert limiter.check("telegram", "7") is Verdict.SLOW_DOWN  # a new flood: told once more
    assert limiter.check("telegram", "7") is Verdict.DROP


def test_zero_means_no_limit_and_negative_is_refused() -> None:
    limiter = InboundLimiter(0)
    assert {limiter.check("telegram", "1") for _ in range(1000)} == {Verdict.ALLOW}
    with pytest.raises(ValueError):
        InboundLimiter(-1)


def test_people_who_went_quiet_are_forgotten() -> None:
    clock = Clock()
    limiter = InboundLimiter(5, clock=clock)
    for person in range(1000):
        limiter.check("telegram", str(person))
        clock.now += 1.0
    assert limiter.tracked < 600  # only people seen in the last minute or so are kept


def test_drops_are_logged_as_counts_without_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limiter = InboundLimiter(2, clock=clock)
    caplog.set_level(logging.INFO, logger="bot.fairness")
    for _ in range(10):
        limiter.check("whatsapp", "919829012345")
    clock.now += 61
    limiter.check("whatsapp", "919829012345")  # allowed again
    limiter.report(force=True)
    text = caplog.text
    assert "dropped 7 whatsapp message(s)" in text
    assert "919829012345" not in text and "9829" not in text


def inbound(user: str, text: str = "hello") -> Inbound:
    return Inbound(channel="test", user_id=user, chat_id=user, kind=InboundKind.TEXT, text=text)


async def test_over_the_limit_one_translated_slow_down_reply_through_the_engine(
    db: Database, settings: Settings, engine: Engine
) -> None:
    await db.write(lambda conn: contacts.get_or_create(conn, "test", "77", "77", "2026-11-28"))
    await db.write(
        lambda conn: conn.execute(
            "UPDATE contacts SET language = 'hi' WHERE channel_user_id = '77'"
        )
    )
    clock = Clock()
    handled: list[str] = []

    async def handle(
        message: Inbound, key: str = "", prepare: Prepare | None = None
    ) -> list[Outbound]:
        handled.append(message.text)
        return await engine.handle(message, key, prepare)

    fair = limited(handle, InboundLimiter(20, clock=clock), db, settings)
    replies = [await fair(inbound("77", f"m{i}"), f"k{i}") for i in range(30)]
    assert handled == [f"m{i}" for i in range(20)]  # the rest never reached a turn
    assert all(replies[:20])
    slow = translator("hi")(SLOW)
    assert slow != SLOW and replies[20] == [Outbound(slow)]  # once, in the person's language
    assert replies[21:] == [[]] * 9
    assert isinstance(replies[20], Held) and isinstance(replies[21], Held)  # not handled
    assert not isinstance(replies[0], Held)
    unknown = await fair(inbound("78"), "x")  # someone new is answered as usual
    assert unknown and unknown != [Outbound(translator("en")(SLOW))]


def test_setting_default_off_and_bad_values() -> None:
    from bot.config import ConfigError, load

    assert load({}).inbound_per_minute == 20
    assert load({"CLUSTERBOT_INBOUND_PER_MINUTE": "0"}).inbound_per_minute == 0  # no limit
    assert load({"CLUSTERBOT_INBOUND_PER_MINUTE": "60"}).inbound_per_minute == 60
    for bad in ("-1", "ten", "2.5", "1001"):
        with pytest.raises(ConfigError) as error:
            load({"CLUSTERBOT_INBOUND_PER_MINUTE": bad})
        assert error.value.problems[0].startswith("CLUSTERBOT_INBOUND_PER_MINUTE:")
