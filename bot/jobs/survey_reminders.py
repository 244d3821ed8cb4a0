"""One reminder to a person who left a survey half-done (issue 14).

    every answer (handlers/surveys/respond.py `_show`) -> arm(): the scheduled_jobs row
        'survey_reminder:<response id>' at that moment + 24 h, moved out of the night
    the scheduler fires (24 h without an answer) -> run(): one outbox row of kind
        'survey_reminder' (ref: the response id), in the person's language, with a
        Continue button (`cmd:survey`, which shows the open question again)

Rules:
- **At most once per response.** Each answer moves the same pending row; once it has run
  (sent, or found nothing to do) or was cancelled (the survey was finished) it is never
  armed again for that response, and the outbox row is unique per (person, kind, ref).
- **Never at night:** a moment between 21:00 and 08:00 in the cluster's time zone (the
  deployment's when the person has no cluster) becomes 08:00. A job that fires late at
  night (the bot was down) queues the message due at 08:00.
- **/stop stops it:** an opted-out person gets none (checked here, and again just before
  sending, since the kind is in `OPT_OUT_KINDS`); nor does an erased or unregistered
  person, nor anyone once the survey is finished or closed.
- **WhatsApp:** inside the 24-hour window the message goes out as it is; outside it as the
  approved template `clusterbot_survey_reminder` (bot/channels/whatsapp_templates.py), whose
  quick-reply button is the same `cmd:survey`.
- **Durable:** the job is a database row, re-armed by the scheduler at every start; a
  reminder due while the bot was down runs at start.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.config import Settings
from bot.i18n import N_, translator
from bot.jobs.scheduler import Due
from bot.messages import Choice
from bot.outbox.queue import Payload, enqueue
from bot.storage import clusters, contacts, schedule
from bot.storage import surveys as store
from bot.surveys.model import localized

JOB_KIND = "survey_reminder"
AFTER = timedelta(hours=24)
NIGHT_FROM, DAY_FROM = time(21, 0), time(8, 0)

TEXT = N_(
    "You have not finished “{title}” yet. Your answers are kept: press “Continue” to go on "
    "where you stopped."
)
BUTTON = N_("Continue")


def job_id(response_id: int) -> str:
    return f"{JOB_KIND}:{response_id}"


def by_day(at: datetime, tz: ZoneInfo) -> datetime:
    """`at`, or the next 08:00 in `tz` when `at` falls between 21:00 and 08:00 there (UTC)."""
    local = at.astimezone(tz)
    if local.time() >= NIGHT_FROM:
        local = datetime.combine(local.date() + timedelta(days=1), DAY_FROM, tz)
    elif local.time() < DAY_FROM:
        local = datetime.combine(local.date(), DAY_FROM, tz)
    return local.astimezone(UTC)


def zone_of(conn: sqlite3.Connection, cluster_id: int | None, default: str) -> ZoneInfo:
    cluster = clusters.by_id(conn, cluster_id) if cluster_id is not None else None
    return ZoneInfo(cluster.timezone if cluster else default)


def arm(
    conn: sqlite3.Connection, response_id: int, cluster_id: int | None, now: datetime, tz: str
) -> None:
    """After an answer: the reminder 24 h from now (by day). Nothing once this response's
    reminder has run or was cancelled: never a second one."""
    job = job_id(response_id)
    existing = schedule.get(conn, job)
    if existing is not None and existing.status != "pending":
        return
    at = by_day(now + AFTER, zone_of(conn, cluster_id, tz))
    schedule.put(conn, job, JOB_KIND, str(response_id), iso(at), iso(now))


def cancel(conn: sqlite3.Connection, response_id: int, now: datetime) -> None:
    """The survey was finished: no reminder."""
    schedule.finish(conn, job_id(response_id), "cancelled", iso(now), "survey finished")


def run(settings: Settings, conn: sqlite3.Connection, due: Due) -> str:
    """The scheduler's job function for kind 'survey_reminder' (ref: the response id)."""
    found = store.response_and_survey(conn, int(due.ref))
    if found is None:
        return "nothing to do: the response is gone"
    response, survey = found
    if response.status == "completed":
        return "nothing to do: survey finished"
    if not survey.open:
        return "nothing to do: survey closed"
    person = contacts.by_id(conn, response.contact_id)
    if person is None or not person.registered or not person.chat_id:
        return "nothing to do: person erased or not registered"
    if person.opted_out:
        return "not sent: opted out (/stop)"
    language = person.language or settings.default_language
    _ = translator(language)
    title = localized(survey.form(conn).titles, language, survey.languages[0]) or survey.title
    payload = Payload(text=_(TEXT).format(title=title), choices=(Choice("cmd:survey", _(BUTTON)),))
    send_at = by_day(due.now, zone_of(conn, person.cluster_id, settings.timezone))
    queued = enqueue(
        conn,
        channel=person.channel,
        contact_id=person.id,
        chat_id=person.chat_id,
        kind=JOB_KIND,
        ref=str(response.id),
        payload=payload,
        now=due.now,
        due=send_at,
    )
    if queued is None:
        return "already reminded"
    return "queued" if send_at <= due.now else f"queued for {iso(send_at)} (not at night)"
