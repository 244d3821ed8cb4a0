"""Dates and times a CDA types ("25-12-2026 10:30", "25/12/26 4 pm", "2026-12-25 16:00"),
read in the cluster's time zone, and shown back with Babel in the reader's locale.

Day first, as written in India. Any script's digits work (२५-१२-२०२६ १०:३०): Python's
`\\d` and `int()` accept every Unicode decimal digit.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from enum import Enum

from bot.i18n import Translator
from handlers.months import month_number

_DMY = r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"
_YMD = r"(?P<Y>\d{4})-(?P<M>\d{1,2})-(?P<D>\d{1,2})"
_TIME = r"(?P<h>\d{1,2})(?:[:.](?P<min>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
_WHEN = re.compile(rf"^\s*(?:{_DMY}|{_YMD})\s*(?:,|T|\s)\s*{_TIME}\s*$", re.IGNORECASE)
_DATE_ONLY = re.compile(rf"^\s*(?:{_DMY}|{_YMD})\s*$")
# "5 Dec 10:30", "5 दिसंबर 2026 10:30": day first, a month name in any shipped language,
# the year optional (then the next such date that is still ahead).
_NAMED_DATE = r"(?P<dn>\d{1,2})\s*(?P<mon>[^\d\s,]+)\s*,?\s*(?:(?P<yn>\d{4})\s*,?\s*)?"
_NAMED = re.compile(rf"^\s*{_NAMED_DATE}\s{_TIME}\s*$", re.IGNORECASE)
_NAMED_ONLY = re.compile(rf"^\s*{_NAMED_DATE}$")

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
    named_only = _NAMED_ONLY.match(text)
    if _DATE_ONLY.match(text) or (named_only and month_number(named_only["mon"])):
        return WhenError.NO_TIME
    match = _WHEN.match(text) or _NAMED.match(text)
    if match is None:
        return WhenError.FORMAT
    g = match.groupdict()
    year_given = True
    if g.get("mon") is not None:
        named_month = month_number(g["mon"])
        if named_month is None:
            return WhenError.FORMAT
        year_given = g["yn"] is not None
        day, month = int(g["dn"]), named_month
        year = int(g["yn"]) if year_given else now.astimezone(tz).year
    elif g["d"] is not None:
        day, month, year = int(g["d"]), int(g["m"]), int(g["y"])
        if year < 100:
            year += 2000
    else:
        day, month, year = int(g["D"]), int(g["M"]), int(g["Y"])
    hour, minute = int(g["h"]), int(g["min"] or 0)
    ampm = (g["ampm"] or "").lower().replace(".", "").replace(" ", "")
    if ampm:
        if not 1 <= hour <= 12:
            return WhenError.NO_SUCH_DATE
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=tz)
        if not year_given and local <= now + timedelta(minutes=1):
            local = local.replace(year=year + 1)  # "5 Jan" typed in December
    except ValueError:
        return WhenError.NO_SUCH_DATE
    when = local.astimezone(UTC)
    if when <= now + timedelta(minutes=1):
        return WhenError.PAST
    if when > now + MAX_AHEAD:
        return WhenError.TOO_FAR
    return when


def example(tz: tzinfo, now: datetime) -> str:
    """Tomorrow at 10:00 in the typed format, e.g. '25-12-2026 10:00'."""
    tomorrow = (now.astimezone(tz) + timedelta(days=1)).date()
    return f"{tomorrow:%d-%m-%Y} 10:00"


def tomorrow_at(tz: tzinfo, now: datetime, hour: int) -> datetime:
    day = (now.astimezone(tz) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)


def show(_: Translator, when: datetime, tz: tzinfo) -> str:
    """'28 Nov 2026, 10:00 AM' in the reader's locale (Babel), in the cluster's zone."""
    return f"{_.date(when.astimezone(tz).date())}, {_.time(when, tz)}"
