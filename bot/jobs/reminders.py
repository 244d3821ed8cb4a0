"""Event reminders (SPEC §8): stored in the database, armed by the scheduler, sent through
the outbox to the people who said Yes or Maybe (meetings) or hold a seat (visits).

    arm(event) -> reminders rows + scheduled_jobs rows 'reminder:<event>:<offset>m'
    scheduler fires -> run(conn, due) -> fan-out into the outbox, in each person's language

The job id does not contain the time, so moving an event re-arms the same jobs
(`schedule.put` moves a row; `Scheduler.sync` replaces the APScheduler job).

Lateness policy: the scheduler runs with `misfire_grace_time=None` (see bot.jobs.scheduler), so
a reminder is never dropped by APScheduler; this module decides. Up to `LATE_NOTE_AFTER`
late is normal jitter. Later than that (the bot was down) but before the event starts, it
is sent with a note saying it is late. Once the event has started it is useless: the
outbox rows are written as `skipped` with the reason (so the ledger shows who missed it)
and the job is recorded as missed.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.i18n import N_, SHIPPED_LANGUAGES, Translator, translator
from bot.jobs.scheduler import Due, JobMissed
from bot.outbox.queue import Payload, fan_out
from bot.storage import clusters, schedule
from bot.storage import event_reminders as er
from bot.storage import events as ev
from bot.storage.events import Event

JOB_KIND = "reminder"
LATE_NOTE_AFTER = timedelta(minutes=5)

REMINDER_TEXT = {
    "meeting": N_("Reminder: {title} on {when}, at {place}."),
    "visit": N_("Reminder: the exposure visit to {place} starts on {when}."),
}
LATE_NOTE = N_("(This reminder is late: the bot was offline for a while.)")
SKIPPED_REASON = "event already started when the reminder could run"


def local_when(_: Translator, when: datetime, tz: ZoneInfo) -> str:
    """'5 Dec 2026, 10:30 AM' in the reader's locale, in the cluster's zone."""
    return _.moment(when, tz)


def arm(conn: sqlite3.Connection, event: Event, now: datetime) -> list[er.Reminder]:
    """Create or move the event's reminders. One already due is not created: a reminder
    for a meeting planned 3 hours ahead has no '1 day before'."""
    starts = parse_iso(event.starts_at)
    armed = []
    for offset in event.reminder_offsets:
        due = starts - timedelta(minutes=offset)
        existing = [r for r in er.reminders_of(conn, event.id) if r.offset_minutes == offset]
        if due <= now:
            for old in existing:
                _cancel_one(conn, old, now, "due before the event was (re)scheduled")
            continue
        rem = er.put_reminder(conn, event.id, offset, iso(due))
        schedule.put(conn, rem.job_id, JOB_KIND, str(rem.id), rem.due_at, iso(now))
        armed.append(rem)
    return armed


def cancel_all(conn: sqlite3.Connection, event: Event, now: datetime) -> None:
    for rem in er.reminders_of(conn, event.id):
        if rem.status == "pending":
            _cancel_one(conn, rem, now, "event cancelled")


def _cancel_one(conn: sqlite3.Connection, rem: er.Reminder, now: datetime, why: str) -> None:
    er.finish_reminder(conn, rem.id, "cancelled", iso(now), why)
    schedule.finish(conn, rem.job_id, "cancelled", iso(now), why)


def recipients_where(event: Event) -> tuple[str, list[object]]:
    """SQL on `contacts c`: who gets this event's reminders."""
    if event.kind == "meeting":
        chosen = "SELECT contact_id FROM rsvps WHERE event_id = ? AND answer IN ('yes', 'maybe')"
    else:
        chosen = "SELECT contact_id FROM registrations WHERE event_id = ? AND status = 'confirmed'"
    where = f"c.id IN ({chosen}) AND c.status = 'registered' AND c.chat_id IS NOT NULL"
    return where, [event.id]


def reminder_payloads(event: Event, tz: ZoneInfo, *, late: bool) -> dict[str, Payload]:
    starts = parse_iso(event.starts_at)
    payloads = {}
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        shown = event.read(language)  # the CDA's version in this language, if any
        text = _(REMINDER_TEXT[event.kind]).format(
            title=shown.title, when=local_when(_, starts, tz), place=shown.place
        )
        if late:
            text = f"{text}\n{_(LATE_NOTE)}"
        payloads[language] = Payload(text=text)
    return payloads


def run(conn: sqlite3.Connection, due: Due) -> str:
    """The scheduler's job function for kind 'reminder' (ref: the reminder id)."""
    rem = er.reminder(conn, int(due.ref))
    event = ev.get(conn, rem.event_id) if rem else None
    if rem is None or event is None or rem.status != "pending":
        return "nothing to do: reminder is no longer pending"
    if event.status != "scheduled":
        er.finish_reminder(conn, rem.id, "cancelled", iso(due.now), "event cancelled")
        return "event cancelled"
    cluster = clusters.by_id(conn, event.cluster_id)
    tz = ZoneInfo(cluster.timezone if cluster else "Asia/Kolkata")
    started = due.now >= parse_iso(event.starts_at)
    where, params = recipients_where(event)
    ref = rem.ledger_ref
    counts = fan_out(
        conn,
        kind="reminder",
        ref=ref,
        where=where,
        params=params,
        payloads=reminder_payloads(event, tz, late=due.late > LATE_NOTE_AFTER),
        default_language="en",
        now=due.now,
    )
    if started:
        # Recorded, not sent: the ledger shows who would have had it and why not.
        conn.execute(
            "UPDATE outbox SET status = 'skipped', last_error = ?"
            " WHERE kind = 'reminder' AND ref = ? AND status = 'queued'",
            (SKIPPED_REASON, ref),
        )
        er.finish_reminder(conn, rem.id, "skipped", iso(due.now), SKIPPED_REASON)
        raise JobMissed(SKIPPED_REASON)
    note = f"queued {counts.get('queued', 0)}"
    if due.late > LATE_NOTE_AFTER:
        note += f", {int(due.late.total_seconds())} s late (sent with a note)"
    er.finish_reminder(conn, rem.id, "sent", iso(due.now), note)
    return note
