"""A new round asks the people who answered before (issue 18).

Opening a round (`clusterbot survey round open`, or a CDA in the chat) queues one outbox
message of kind 'survey' (ref `round:<id>`) to each person who finished the survey in an
earlier round and is still reachable by it: registered, not erased, in the survey's
cluster and roles. It goes through the outbox like every message the bot starts (ledger,
retries, rate limits, `/deliveries`); on WhatsApp outside the 24-hour window as the approved
template `clusterbot_survey`, whose button is the same `cmd:survey`. Never at night: a round
opened in the evening asks at 08:00 in the person's cluster. `/stop` stops it (the kind is
in `OPT_OUT_KINDS`). Idempotent per person and round."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.config import Settings
from bot.i18n import N_, translator
from bot.jobs.survey_reminders import by_day, zone_of
from bot.messages import Choice
from bot.outbox.queue import Payload, enqueue
from bot.storage import contacts, rounds
from bot.storage.surveys import Survey
from bot.surveys.change_text import round_label
from bot.surveys.model import localized

KIND = "survey"
TEXT = N_(
    "A new round of “{title}” has started: {round}. Please answer again: your answers show "
    "what has changed for your work since last time."
)
BUTTON = N_("Answer now")


def invite(
    conn: sqlite3.Connection, settings: Settings, survey: Survey, opened: rounds.Round,
    now: datetime,
) -> int:  # fmt: skip
    """Queue the invitations of round `opened`; returns how many were queued."""
    queued = 0
    titles = survey.form(conn).titles
    for person in recipients(conn, survey, opened.id):
        assert person.chat_id  # recipients() keeps only people the bot can write to
        language = person.language or settings.default_language
        _ = translator(language)
        title = localized(titles, language, survey.languages[0]) or survey.title
        name = round_label(_, opened)
        payload = Payload(
            text=_(TEXT).format(title=title, round=name),
            choices=(Choice("cmd:survey", _(BUTTON)),),
        )
        found = enqueue(
            conn,
            channel=person.channel,
            contact_id=person.id,
            chat_id=person.chat_id,
            kind=KIND,
            ref=f"round:{opened.id}",
            payload=payload,
            now=now,
            due=by_day(now, zone_of(conn, person.cluster_id, settings.timezone)),
        )
        queued += found is not None
    return queued


def recipients(
    conn: sqlite3.Connection, survey: Survey, before: int | None = None
) -> list[contacts.Contact]:
    """Whom a round is sent to: the people who finished `survey` in a round before round
    `before` (None: in any round so far, for a round about to be opened) and are still
    reachable by it."""
    found = []
    for contact_id in rounds.earlier_respondents(
        conn, survey.key, 2**62 if before is None else before
    ):
        person = contacts.by_id(conn, contact_id)
        if person is None or not person.registered or not person.chat_id:
            continue
        if survey.reaches(person.cluster_id, person.role):
            found.append(person)
    return found
