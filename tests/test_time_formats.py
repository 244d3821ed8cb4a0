"""Times as each locale writes them (issue 17: no "10:00 AM" on a Telugu screen).

Babel (CLDR) formats every clock time: English keeps "10:00 AM"; the other languages name
the part of the day in their own words (सुबह 10:00, 10:00 ఉదయం), CLDR's flexible day period
pattern. Checked on what people read (a reminder, an invitation, /events) in every shipped
language, and the bot reads back what it writes.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton, format_time

from bot.i18n import SHIPPED_LANGUAGES, Translator, babel_locale
from bot.jobs.reminders import reminder_payloads
from bot.parse.dates import parse_time, split_time
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event
from tests.handlers.people.test_onboarding import register

ZONE = ZoneInfo("Asia/Kolkata")
TEN = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)  # 10:00 in Bagru
LATIN_DAY_PERIOD = re.compile(r"\d\s?(AM|PM|am|pm|a\.m\.|p\.m\.)")


def babel_time(language: str, moment: datetime) -> str:
    """What Babel writes for this locale: CLDR's 'h:mm a' in English, its flexible day
    period pattern (Bhm) elsewhere."""
    locale = babel_locale(language)
    if language == "en":
        return format_time(moment, "short", tzinfo=ZONE, locale=locale)
    return format_skeleton("Bhm", moment, tzinfo=ZONE, locale=locale)


async def test_a_reminder_has_the_locales_time(db: Database, one_cluster: Cluster) -> None:
    def texts(conn: sqlite3.Connection) -> dict[str, str]:
        event = make_event(conn, one_cluster.id, TEN - timedelta(days=7), kind="meeting")
        conn.execute("UPDATE events SET starts_at = ? WHERE id = ?", (TEN.isoformat(), event.id))
        fresh = ev.get(conn, event.id)
        assert fresh is not None
        return {lang: p.text for lang, p in reminder_payloads(fresh, ZONE, late=False).items()}

    sent = await db.write(texts)
    assert set(sent) == set(SHIPPED_LANGUAGES)
    for language, text in sent.items():
        assert babel_time(language, TEN) in text, (language, text)
        if language != "en":
            assert not LATIN_DAY_PERIOD.search(text), (language, text)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_an_invitation_in_events_has_the_locales_time(
    chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock, language: str
) -> None:
    def meeting(conn: sqlite3.Connection) -> None:
        event = make_event(conn, one_cluster.id, clock.now, kind="meeting")
        conn.execute("UPDATE events SET starts_at = ? WHERE id = ?", (TEN.isoformat(), event.id))

    await db.write(meeting)
    await register(chat, language=f"lang:{language}")
    await chat.say("/events")
    assert babel_time(language, TEN) in chat.text, chat.text
    if language != "en":
        assert not LATIN_DAY_PERIOD.search(chat.text), chat.text


def test_no_latin_am_pm_outside_english() -> None:
    for language in SHIPPED_LANGUAGES:
        _ = Translator(language)
        for hour in range(24):
            shown = _.time(datetime(2026, 12, 5, hour, 0, tzinfo=ZONE), ZONE)
            assert shown == babel_time(language, datetime(2026, 12, 5, hour, 0, tzinfo=ZONE))
            if language != "en":
                assert not LATIN_DAY_PERIOD.search(shown), (language, shown)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_bot_reads_back_the_times_it_writes(language: str) -> None:
    """A CDA who copies a time from the bot's message gets the same time."""
    _ = Translator(language)
    for hour in range(24):
        for minute in (0, 30):
            clock = time(hour, minute)
            shown = _.time(clock)
            assert parse_time(shown) == clock, (language, shown)
            day = _.date(datetime(2026, 12, 5).date())
            assert split_time(f"{day} {shown}") is not None, (language, day, shown)


def test_typed_parts_of_the_day() -> None:
    assert parse_time("शाम 4 बजे") == time(16, 0)
    assert parse_time("सुबह 8:15") == time(8, 15)
    assert parse_time("7:30 సాయంత్రం") == time(19, 30)
    # Past CLDR's edges of a part of the day, as people speak: evening at 4, night at 2.
    assert parse_time("సాయంత్రం 4:15") == time(16, 15)
    assert parse_time("रात 2 बजे") == time(2, 0)
    assert parse_time("4") is None  # a bare number alone is not a time
    assert split_time("5 दिसंबर शाम 4:30") == ("5 दिसंबर", "शाम 4:30")


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_tomorrow_button_has_the_locales_time(language: str) -> None:
    from types import SimpleNamespace

    from handlers.broadcasts.preview import _when_choices

    ctx = SimpleNamespace(_=Translator(language))
    label = _when_choices(ctx)[0].label  # type: ignore[arg-type]
    nine = datetime(2026, 12, 5, 9, 0, tzinfo=ZONE)
    assert babel_time(language, nine) in label, (language, label)
    if language != "en":
        assert not LATIN_DAY_PERIOD.search(label), label
