"""Moments shown back to a CDA with Babel in the reader's locale, in the cluster's zone, and
the example a wizard offers. Reading what they type is `bot.parse.when`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from bot.i18n import Translator


def example(tz: tzinfo, now: datetime) -> str:
    """Tomorrow at 10:00 in the typed format, e.g. '25-12-2026 10:00'."""
    tomorrow = (now.astimezone(tz) + timedelta(days=1)).date()
    return f"{tomorrow:%d-%m-%Y} 10:00"


def tomorrow_at(tz: tzinfo, now: datetime, hour: int) -> datetime:
    day = (now.astimezone(tz) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)


def show(_: Translator, when: datetime, tz: tzinfo) -> str:
    """'28 Nov 2026, 10:00 AM' in the reader's locale (Babel), in the cluster's zone."""
    return _.moment(when, tz)
