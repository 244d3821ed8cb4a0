"""Answers that fit their type but are probably slips, confirmed once before they are stored
(issue 14): a place far outside India, a date more than a year ahead, a number far beyond
what others in the cluster answered. Only for questions without a constraint of their own:
a form that says what it accepts has said enough. Pure: the handler words the doubt.

    doubt(question, "3.000000 6.000000 0 0", today=..., others=Others(0, None))  -> "place"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from bot.surveys.model import Question

# India's GPS bounding box, roughly (Andaman and Nicobar to Ladakh, Kutch to Arunachal).
INDIA_LATITUDE = (6.0, 37.0)
INDIA_LONGITUDE = (68.0, 98.0)
FAR_AHEAD = timedelta(days=366)  # a date further ahead than a year: surely a typo
HUGE = Decimal("1e9")  # no artisan's count or price in rupees is this large
TIMES_LARGEST = 10  # ... nor ten times the largest answer others gave
MIN_OTHERS = 5  # ... once at least this many others answered


@dataclass(frozen=True)
class Others:
    """What others in the cluster answered to the same question: how many, the largest."""

    count: int = 0
    largest: float | None = None


def doubt(question: Question, value: str, *, today: date, others: Others = Others()) -> str:
    """What to confirm about `value` (stored form): "place", "date", "number", or "" (none)."""
    if question.constraint:
        return ""
    kind = question.type
    if kind == "geopoint":
        parts = value.split()
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            return ""
        inside = INDIA_LATITUDE[0] <= lat <= INDIA_LATITUDE[1] and (
            INDIA_LONGITUDE[0] <= lon <= INDIA_LONGITUDE[1]
        )
        return "" if inside else "place"
    if kind in ("date", "datetime"):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return ""
        return "date" if day > today + FAR_AHEAD else ""
    if kind in ("integer", "decimal"):
        try:
            number = abs(Decimal(value))
        except InvalidOperation:
            return ""
        if number > HUGE:
            return "number"
        if others.count >= MIN_OTHERS and others.largest is not None and others.largest > 0:
            return "number" if number > Decimal(str(others.largest)) * TIMES_LARGEST else ""
    return ""
