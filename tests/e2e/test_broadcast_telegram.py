"""Broadcasts end to end over python-telegram-bot against the Bot API stand-in (SPEC §5
/broadcast /updates, §8 outbox): composed by chat, one copy each, kill -9 mid-broadcast,
5xx and 429 storms."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.clock import iso, utc_now
from bot.config import Settings
from bot.jobs import broadcasts as broadcasting
from bot.storage import broadcasts, clusters
from bot.storage.db import connect_sync, migrate, run_in_transaction
from tests.e2e.harness import (
    BotProcess,
    bot_settings,
    known_chats,
    outbox_statuses,
    running_bot,
    wait_until,
)
from tests.e2e.test_telegram_onboarding import texts, turn
from tests.fakes.telegram_api import FakeTelegram
from tests.outbox_helpers import Person, seed_people

pytestmark = pytest.mark.e2e
CDA = 7007


def seed(db: Path, people: list[Person], *, broadcast: str = "") -> None:
    """A cluster with these members; optionally a broadcast already queued to them."""
    conn = connect_sync(db)
    migrate(conn)

    def write(c):  # type: ignore[no-untyped-def]
        cluster = clusters.add(c, "BAGRU", "Bagru printers", "Asia/Kolkata", "x")
        seed_people(c, cluster.id, people)
        if broadcast:
            b = broadcasts.create(
                c,
                cluster_id=cluster.id,
                author="cli",
                audience={},
                texts={"en": broadcast},
                now=iso(utc_now()),
            )
            broadcasting.release(c, b, utc_now())

    run_in_transaction(conn, write)
    conn.close()


def telegram_people(first: int, count: int, **kw: object) -> list[Person]:
    return [
        Person(f"P{uid}", user_id=str(uid), channel="telegram", **kw)  # type: ignore[arg-type]
        for uid in range(first, first + count)
    ]


def copies(fake: FakeTelegram, text: str) -> Counter[int]:
    return Counter(m.chat_id for m in fake.sent if m.text == text)


async def test_cda_broadcasts_by_chat_and_everyone_eligible_gets_one_copy(
    fake: FakeTelegram, settings: Settings
) -> None:
    people = [
        *telegram_people(6001, 6),
        Person("Opted", user_id="6007", channel="telegram", opted_out=True),
        Person("Blocker", user_id="6008", channel="telegram"),
    ]
    seed(settings.db, people)
    known_chats(fake, list(range(6001, 6009)))
    fake.block(6008)
    news = "The CFC will be closed on Monday for the new dyeing unit."
    async with running_bot(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"}))):
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/broadcast"))
        await turn(fake, CDA, lambda: fake.press(CDA, "Whole cluster"))
        preview = await turn(fake, CDA, lambda: fake.push_text(CDA, news))
        assert preview[0].text == news and "Recipients: 7" in texts(preview)
        assert "1 who stopped updates" in texts(preview)
        await turn(fake, CDA, lambda: fake.press(CDA, "Send now"))
        done = await turn(fake, CDA, lambda: fake.press(CDA, "Yes, send it"))
        assert "Recipients: 7; they get it" in texts(done)
        await wait_until(
            lambda: (
                outbox_statuses(settings.db).get("queued", 0) == 0
                and not outbox_statuses(settings.db).get("in_flight")
            ),
            15,
            "the broadcast to be sent",
        )
        got = {chat: n for chat, n in copies(fake, news).items() if chat != CDA}  # + preview
        assert got == {uid: 1 for uid in range(6001, 6007)}
        assert outbox_statuses(settings.db) == {"sent": 6, "opted_out": 1, "blocked": 1}
        # A stakeholder reads it later in the public log.
        log = await turn(fake, 6003, lambda: fake.push_text(6003, "/updates"))
        assert news in texts(log) and "Bagru printers" in texts(log)
        deliveries = await turn(fake, CDA, lambda: fake.push_text(CDA, "/deliveries"))
        assert "sent 6" in texts(deliveries) and "blocked the bot 1" in texts(deliveries)
    conn = connect_sync(settings.db)
    unreachable = conn.execute("SELECT unreachable FROM contacts WHERE name = 'Blocker'")
    assert unreachable.fetchone()[0] == 1


async def test_kill_9_in_the_middle_of_a_large_broadcast(
    fake: FakeTelegram, settings: Settings, tmp_path: Path
) -> None:
    fake.rate_limit_per_second = 30  # the stand-in answers 429 beyond 30 messages a second
    news = "Exposure visit to Sanganer: bus leaves at 7:00 from the panchayat office."
    seed(settings.db, telegram_people(10001, 300), broadcast=news)
    known_chats(fake, list(range(10001, 10301)))
    bot = BotProcess(bot_settings(settings, fake), tmp_path)
    bot.start()
    try:
        await wait_until(lambda: len(fake.sent) >= 100, 20, "100 messages out")
        bot.kill9()
        at_kill = outbox_statuses(settings.db)
        in_flight = at_kill.get("in_flight", 0)
        assert at_kill.get("queued", 0) > 0 and at_kill.get("sent", 0) >= 90
        bot.start()
        await wait_until(lambda: len(copies(fake, news)) == 300, 30, "all 300 recipients")
        await wait_until(
            lambda: outbox_statuses(settings.db) == {"sent": 300}, 10, "the ledger to settle"
        )
    finally:
        bot.stop()
    sent = copies(fake, news)
    duplicates = sum(n - 1 for n in sent.values())
    assert set(sent) == set(range(10001, 10301))  # nobody lost
    assert duplicates <= in_flight  # only sends in flight at the kill may repeat
    assert fake.rejected_429 <= 3  # <= 1 % of 300: the limiter keeps under the limit


async def test_5xx_and_429_storms_lose_nothing(fake: FakeTelegram, settings: Settings) -> None:
    news = "Loan mela at the SBI branch on Thursday."
    seed(settings.db, telegram_people(20001, 60), broadcast=news)
    known_chats(fake, list(range(20001, 20061)))
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=6)
    fake.fail_next("sendMessage", 500, "Internal Server Error", times=4)
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=15)
    async with running_bot(bot_settings(settings, fake)):
        await wait_until(lambda: len(copies(fake, news)) == 60, 30, "all 60 recipients")
        await wait_until(
            lambda: outbox_statuses(settings.db) == {"sent": 60}, 10, "the ledger to settle"
        )
    assert copies(fake, news) == {uid: 1 for uid in range(20001, 20061)}  # once each
    assert fake.rejected_429 == 15  # only the injected ones: none provoked
    conn = connect_sync(settings.db)
    retried = conn.execute("SELECT COUNT(*) FROM outbox WHERE attempts > 1").fetchone()[0]
    assert retried == 10  # each 5xx cost one attempt; a 429 costs none
