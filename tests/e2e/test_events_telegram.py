"""Exposure visits end to end over python-telegram-bot against the Bot API stand-in (SPEC §5
/newvisit, §8 outbox): a CDA plans a visit by chat, a crowd registers at once, seats are
not over-booked, one confirmed person cancels and the first waiting one is promoted and
told."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import reminders
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.i18n import translator
from bot.outbox import Payload, fan_out
from bot.storage import broadcasts
from bot.storage import events as ev
from bot.storage.db import connect_sync, run_in_transaction
from handlers.event_press import rsvp_choices
from tests.e2e.harness import BotProcess, bot_settings, known_chats, running_bot, wait_until
from tests.e2e.test_broadcast_telegram import seed, telegram_people
from tests.e2e.test_telegram_onboarding import texts, turn
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
CDA = 7007
IST = ZoneInfo("Asia/Kolkata")


def day(days: int) -> str:
    return (utc_now() + timedelta(days=days)).astimezone(IST).strftime("%d-%m-%Y")


def said(fake: FakeTelegram, chat: int, words: str) -> bool:
    return any(words in (m.text or "") for m in fake.messages_to(chat))


async def test_a_visit_planned_by_chat_fills_up_and_the_waiting_list_moves(
    fake: FakeTelegram, settings: Settings
) -> None:
    crowd = list(range(30001, 30007))
    seed(settings.db, telegram_people(30001, len(crowd)))
    known_chats(fake, crowd)
    async with running_bot(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"}))):
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/newvisit"))
        for text in (
            "Sanganer block printers",
            "Natural dyeing and the common facility centre",
            f"{day(10)} 07:00",
            f"{day(11)} 19:00",
            "2",
        ):
            await turn(fake, CDA, lambda text=text: fake.push_text(CDA, text))
        await turn(fake, CDA, lambda: fake.press(CDA, "Done"))
        await turn(fake, CDA, lambda: fake.push_text(CDA, f"{day(5)} 18:00"))
        preview = await turn(fake, CDA, lambda: fake.push_text(CDA, "1500"))
        assert "₹1,500.00" in texts(preview) and "goes to 6 people" in texts(preview)
        done = await turn(fake, CDA, lambda: fake.press(CDA, "Yes, announce it"))
        assert "goes to 6 people" in texts(done)
        await wait_until(
            lambda: all(said(fake, uid, "Sanganer block printers") for uid in crowd),
            15,
            "the announcement to reach everyone",
        )
        # Everyone presses Register at once (queued before the bot reads any of them).
        for uid in crowd:
            fake.press(uid, "Register")
        await wait_until(
            lambda: all(said(fake, uid, "You are") for uid in crowd), 15, "every answer"
        )
        registered = [uid for uid in crowd if said(fake, uid, "You are registered")]
        waiting = [uid for uid in crowd if said(fake, uid, "waiting list")]
        assert len(registered) == 2 and len(waiting) == 4
        first_waiting = next(uid for uid in waiting if said(fake, uid, "number 1 on"))

        await turn(fake, registered[0], lambda: fake.press(registered[0], "Cancel registration"))
        await wait_until(
            lambda: said(fake, first_waiting, "a seat is free"), 15, "the promotion notice"
        )
    conn = connect_sync(settings.db)
    try:
        assert ev.registration_counts(conn, 1) == {"confirmed": 2, "waiting": 3, "cancelled": 1}
    finally:
        conn.close()


def seed_meeting(db: Path, starts_in: timedelta, offset_minutes: int) -> None:
    """A meeting already planned (the chat flow is covered by tests/events): typed times
    have minute resolution, so planning one by chat would cost minutes of real waiting."""
    conn = connect_sync(db)

    def write(c):  # type: ignore[no-untyped-def]
        now = utc_now()
        event = ev.create(
            c,
            cluster_id=1,
            kind="meeting",
            title="Quality circle",
            place="Community hall",
            starts_at=iso(now + starts_in),
            reminder_offsets=(offset_minutes,),
            created_by="cli",
            now=iso(now),
        )
        reminders.arm(c, event, now)
        choices = rsvp_choices(translator("en"), event.id)
        where, params = broadcasts.audience_where(1, {})
        fan_out(
            c,
            kind="invitation",
            ref=f"event:{event.id}",
            where=where,
            params=params,
            payloads={"en": Payload("You are invited: Quality circle", choices)},
            default_language="en",
            now=now,
        )

    run_in_transaction(conn, write)
    conn.close()


async def test_a_reminder_survives_kill_9_and_reaches_exactly_yes_and_maybe(
    fake: FakeTelegram, settings: Settings, tmp_path: Path
) -> None:
    people = list(range(40001, 40005))
    seed(settings.db, telegram_people(40001, len(people)))
    known_chats(fake, people)
    seed_meeting(settings.db, timedelta(seconds=85), offset_minutes=1)  # reminder in ~25 s
    due = utc_now() + timedelta(seconds=25)
    bot = BotProcess(bot_settings(settings, fake), tmp_path)
    bot.start()
    try:
        await wait_until(
            lambda: all(said(fake, uid, "You are invited") for uid in people), 15, "invitations"
        )
        for uid, label in zip(people, ("Yes", "Maybe", "No"), strict=False):
            fake.press(uid, label)
        await wait_until(
            lambda: all(
                said(fake, uid, "Noted") or said(fake, uid, "Thank you") for uid in people[:3]
            ),
            15,
            "the answers",
        )
        bot.kill9()
        assert utc_now() < due - timedelta(seconds=3), "too slow: the reminder is already due"
        bot.start()
        await wait_until(
            lambda: said(fake, 40001, "Reminder:") and said(fake, 40002, "Reminder:"),
            45,
            "the reminder after the restart",
        )
    finally:
        bot.stop()
    assert not said(fake, 40003, "Reminder:") and not said(fake, 40004, "Reminder:")
    reminded = [m for m in fake.messages_to(40001) if "Reminder:" in (m.text or "")]
    assert len(reminded) == 1 and "late" not in (reminded[0].text or "")  # on time: no note
