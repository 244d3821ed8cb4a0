"""One reminder to a person who left a survey half-done (issue 14, bot/jobs/survey_reminders.py):
once, 24 hours after the last answer, never at night (21:00-08:00 in the cluster's zone ->
08:00), not when the survey was finished, not after /stop, and re-armed from the database
after a restart. Fake clock, no sleeping; the job runs through the real Scheduler."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.config import Settings
from bot.jobs import survey_reminders as sr
from bot.jobs.scheduler import Scheduler
from bot.outbox.queue import KINDS, OPT_OUT_KINDS, PRIORITY, iso_ms
from bot.storage import clusters, schedule
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.surveys.test_respond import install, start

IST = ZoneInfo("Asia/Kolkata")


def scheduler(db: Database, settings: Settings, clock: FakeClock) -> Scheduler:
    return Scheduler(db, {sr.JOB_KIND: partial(sr.run, settings)}, clock=clock)


def reminders(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """(status, due, text, button) of every survey reminder in the outbox."""
    out = []
    for status, due, body in conn.execute(
        "SELECT o.status, o.next_attempt_at, p.body FROM outbox o"
        " JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = 'survey_reminder'"
    ):
        data = json.loads(body)
        out.append((status, due, data["text"], data["choices"][0][0]))
    return out


async def job(db: Database) -> schedule.Job | None:
    return await db.read(lambda conn: schedule.get(conn, sr.job_id(1)))


async def half_done(chat: ChatDriver, db: Database) -> None:
    """diag_mini started and its first question answered: response 1 is in progress."""
    await install(db, "diag_mini.yaml")
    await start(chat)
    await chat.press(next(i for i in chat.choice_ids if i.endswith(":c0")))
    assert "Question 2" in chat.text


def test_the_kind_is_news_for_stop_and_has_a_template() -> None:
    from bot.channels.whatsapp_templates import TEMPLATES

    assert "survey_reminder" in KINDS and "survey_reminder" in OPT_OUT_KINDS
    assert PRIORITY["survey_reminder"] < PRIORITY["reminder"]
    template = TEMPLATES["survey_reminder"]
    assert template.name == "clusterbot_survey_reminder" and template.payload == "cmd:survey"


def test_by_day_moves_the_night_to_eight() -> None:
    def at(h: int, m: int = 0, day: int = 1) -> datetime:
        return datetime(2026, 12, day, h, m, tzinfo=IST)

    assert sr.by_day(at(14, 30), IST) == at(14, 30)
    assert sr.by_day(at(20, 59), IST) == at(20, 59)
    assert sr.by_day(at(21, 0), IST) == at(8, 0, day=2)
    assert sr.by_day(at(23, 45), IST) == at(8, 0, day=2)
    assert sr.by_day(at(3, 0), IST) == at(8, 0)
    assert sr.by_day(at(8, 0), IST) == at(8, 0)
    assert sr.by_day(at(7, 59), IST).tzinfo is UTC


async def test_reminded_once_after_24_hours(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await half_done(chat, db)
    armed = await job(db)
    assert armed is not None and armed.status == "pending"
    assert armed.run_at == iso(clock.now + timedelta(hours=24))  # 14:30 IST: by day
    # Another answer 3 hours later moves it: 24 hours after the *last* answer.
    clock.advance(hours=3)
    await chat.press(next(i for i in chat.choice_ids if i.endswith(":c0")))
    moved = await job(db)
    assert moved is not None and moved.run_at == iso(clock.now + timedelta(hours=24))

    clock.advance(hours=24, seconds=1)
    jobs = scheduler(db, settings, clock)
    assert await jobs.fire(sr.job_id(1))
    [(status, due, text, button)] = await db.read(reminders)
    assert status == "queued" and due == iso_ms(clock.now) and button == "cmd:survey"
    assert "You have not finished “Mini diagnostic” yet" in text
    assert not await jobs.fire(sr.job_id(1))  # ran: never again
    # Coming back and stopping again does not arm a second reminder for this response.
    await chat.say("/survey")
    done = await job(db)
    assert done is not None and done.status == "done"
    clock.advance(days=2)
    assert not await jobs.fire(sr.job_id(1))
    assert len(await db.read(reminders)) == 1
    # Continue (the reminder's button, as the WhatsApp template's) shows the open question.
    await chat.press("cmd:survey")
    assert "Question" in chat.text


async def test_in_the_persons_language(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await install(db, "diag_mini.yaml")
    await start(chat, language="lang:te")
    await chat.press(next(i for i in chat.choice_ids if i.endswith(":c0")))
    clock.advance(hours=25)
    assert await scheduler(db, settings, clock).fire(sr.job_id(1))
    [(_, _, text, _)] = await db.read(reminders)
    assert "చిన్న నిర్ధారణ" in text and "ఇంకా పూర్తి చేయలేదు" in text


async def test_not_at_night(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    clock.now = datetime(2026, 11, 28, 22, 30, tzinfo=IST).astimezone(UTC)
    await half_done(chat, db)
    armed = await job(db)
    eight = datetime(2026, 11, 30, 8, 0, tzinfo=IST)  # 22:30 + 24 h is night: next 08:00
    assert armed is not None and armed.run_at == iso(eight)
    # Fired late at night (the bot was down until 23:10): queued, but due at 08:00.
    clock.now = datetime(2026, 11, 29, 23, 10, tzinfo=IST).astimezone(UTC)
    assert await scheduler(db, settings, clock).fire(sr.job_id(1))
    [(status, due, _, _)] = await db.read(reminders)
    assert status == "queued" and due == iso_ms(eight)


async def test_not_when_finished(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await half_done(chat, db)
    for _ in range(20):  # answer the rest: the first choice, 1, or skip
        ids = chat.choice_ids
        if not any(":c" in i or ":skip" in i or ":t" in i for i in ids):
            if "Question" not in chat.text:
                break
            await chat.say("1")
        elif any(i.endswith(":c0") for i in ids):
            await chat.press(next(i for i in ids if i.endswith(":c0")))
        elif any(i.endswith(":t0") for i in ids):
            await chat.press(next(i for i in ids if i.endswith(":t0")))
            await chat.press(next(i for i in chat.choice_ids if i.endswith(":done")))
        else:
            await chat.press(next(i for i in ids if i.endswith(":skip")))
    status = await db.read(lambda conn: conn.execute("SELECT status FROM responses").fetchone())
    assert status[0] == "completed"
    finished = await job(db)
    assert finished is not None and finished.status == "cancelled"
    clock.advance(hours=25)
    assert not await scheduler(db, settings, clock).fire(sr.job_id(1))
    assert await db.read(reminders) == []


async def test_not_after_stop(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await half_done(chat, db)
    await chat.say("/stop")
    clock.advance(hours=25)
    assert await scheduler(db, settings, clock).fire(sr.job_id(1))
    assert await db.read(reminders) == []
    ran = await job(db)
    assert ran is not None and ran.status == "done"
    note = await db.read(
        lambda conn: conn.execute(
            "SELECT note FROM scheduled_jobs WHERE id = ?", (sr.job_id(1),)
        ).fetchone()[0]
    )
    assert note == "not sent: opted out (/stop)"


async def test_queued_then_stop_is_not_sent(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    """Queued for 08:00 during the night, /stop before it leaves: the sender's triage
    closes it as opted out (the kind is in OPT_OUT_KINDS)."""
    from bot.outbox.queue import triage
    from bot.storage import outbox

    clock.now = datetime(2026, 11, 28, 22, 0, tzinfo=IST).astimezone(UTC)
    await half_done(chat, db)
    clock.now = datetime(2026, 11, 29, 23, 0, tzinfo=IST).astimezone(UTC)
    assert await scheduler(db, settings, clock).fire(sr.job_id(1))
    await chat.say("/stop")
    clock.now = datetime(2026, 11, 30, 8, 1, tzinfo=IST).astimezone(UTC)

    def claim(conn: sqlite3.Connection) -> list[object]:
        rows = outbox.claim(conn, "test", iso(clock.now), 10)
        return [triage(r) for r in rows if r.kind == "survey_reminder"]

    assert await db.write(claim) == [("opted_out", "opted out (/stop)")]


async def test_survives_a_restart(
    chat: ChatDriver,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    one_cluster: clusters.Cluster,
) -> None:
    await half_done(chat, db)
    due = clock.now + timedelta(hours=24)
    first = scheduler(db, settings, clock)
    await first.start()
    try:
        assert iso(first.armed[sr.job_id(1)]) == iso(due)
    finally:
        await first.stop()
    # The bot was down past the due time: the new scheduler re-arms it from the table and
    # it runs at start.
    clock.advance(hours=30)
    second = scheduler(db, settings, clock)
    await second.start()
    try:
        assert sr.job_id(1) in second.armed
        assert await second.fire(sr.job_id(1))
    finally:
        await second.stop()
    assert [r[0] for r in await db.read(reminders)] == ["queued"]
