"""A moment a CDA types for something ahead ("25-12-2026 10:30", "5 दिसंबर 4 pm",
"tomorrow 10:00", "రేపు 10:00"), read in the cluster's time zone.

The date and time parts are read by `bot.parse.dates`, as everywhere else; what is added
here is the direction (ahead) and the checks a schedule needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum

from bot.parse.dates import DateError, parse_time, read_date, split_time

# How far ahead something may be scheduled: beyond a year it is surely a typo.
MAX_AHEAD = timedelta(days=366)


class WhenError(Enum):
    FORMAT = "format"  # not a date and time we can read
    NO_TIME = "no_time"  # a date without a time
    NO_SUCH_DATE = "no_such_date"  # 31-02-2027, 25:00
    PAST = "past"
    TOO_FAR = "too_far"


def parse_when(text: str, tz: tzinfo, now: datetime) -> datetime | WhenError:
    """The UTC instant a typed local date and time means, or why it cannot be used."""
    today = now.astimezone(tz).date()
    parts = split_time(text)
    if parts is None:
        alone = read_date(text, today, direction="future")
        return WhenError.NO_TIME if isinstance(alone, date) else WhenError.FORMAT
    day = read_date(parts[0], today, direction="future")
    if day is DateError.NO_SUCH_DATE:
        return WhenError.NO_SUCH_DATE
    if not isinstance(day, date):
        return WhenError.FORMAT
    clock = parse_time(parts[1], bare_hour=True)
    if clock is None:
        return WhenError.NO_SUCH_DATE
    local = datetime.combine(day, clock, tzinfo=tz)
    when = local.astimezone(UTC)
    if when <= now + timedelta(minutes=1):
        return WhenError.PAST
    if when > now + MAX_AHEAD:
        return WhenError.TOO_FAR
    return when
