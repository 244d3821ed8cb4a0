"""Dates and times as people type them in a chat, in English, Hindi or Telugu.

Accepted dates: `25-12-2024`, `25/12/2024`, `25.12.24` (day first, as written in India),
`2024-12-25`, and month names in any shipped language (`25 December 2024`, `Dec 25 2024`,
`25 दिसंबर 2024`, `25 డిసెంబర్ 2024`), with ASCII, Devanagari or Telugu digits. A question
with appearance `month-year` or `year` also takes `March 2024` or `2024`, stored as the
first day (as ODK does). Times: `9:30`, `09.30`, `9 pm`, `21:15`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from functools import cache

from babel.dates import get_month_names

from bot.i18n import SHIPPED_LANGUAGES

# Spellings people use that differ from CLDR's (nukta dropped, म्ब for ंब, Telugu -ు).
_MONTH_ALIASES = {
    "फरवरी": 2, "अप्रेल": 4, "जुलाइ": 7, "सितम्बर": 9, "अक्तूबर": 10, "अक्टोबर": 10,
    "नवम्बर": 11, "दिसम्बर": 12, "ఫిబ్రవరీ": 2, "జూలై": 7, "ఆగష్టు": 8, "ఆగస్ట్": 8,
    "సెప్టెంబరు": 9, "అక్టోబరు": 10, "నవంబరు": 11, "డిసెంబరు": 12, "sept": 9,
}  # fmt: skip
_TODAY = frozenset({"today", "आज", "ఈరోజు", "ఈ రోజు", "నేడు"})
_SEPARATORS = re.compile(r"[\s,./\-]+")


def ascii_digits(text: str) -> str:
    """'२०२४' -> '2024': any Unicode decimal digit becomes its ASCII digit."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _fold(word: str) -> str:
    return word.casefold().replace("\u093c", "").replace("॰", "").rstrip(".")


@cache
def month_words() -> dict[str, int]:
    """Every month name and abbreviation in every shipped language -> month number."""
    words: dict[str, int] = {}
    for language in ("en", *SHIPPED_LANGUAGES):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, "format", locale=language).items():
                words.setdefault(_fold(name), number)
    words.update({_fold(k): v for k, v in _MONTH_ALIASES.items()})
    return words


def _year(text: str, today: date) -> int | None:
    if len(text) == 4:
        return int(text)
    if len(text) == 2:  # 24 -> 2024, 85 -> 1985: the nearest past-or-near-future year
        year = 2000 + int(text)
        return year if year <= today.year + 10 else year - 100
    return None


def _make(year: int | None, month: int, day: int) -> date | None:
    if year is None or not 1 <= year <= 9999:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, today: date, *, appearance: str = "") -> date | None:
    """The date meant by `text`, or None."""
    cleaned = ascii_digits(text.strip()).casefold()
    if cleaned in _TODAY:
        return today
    if match := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", cleaned):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := re.fullmatch(r"(\d{1,2})[-/.\s](\d{1,2})[-/.\s](\d{4}|\d{2})", cleaned):
        return _make(_year(match[3], today), int(match[2]), int(match[1]))
    words = [w for w in _SEPARATORS.split(cleaned) if w]
    months = [month_words().get(_fold(w)) for w in words]
    numbers = [w for w in words if w.isdigit()]
    named = [m for m in months if m]
    appearance = appearance or ""
    if len(named) == 1 and len(words) == len(numbers) + 1:
        years = [n for n in numbers if len(n) == 4]
        days = [n for n in numbers if len(n) <= 2]
        if len(years) == 1 and len(days) == 1:
            return _make(int(years[0]), named[0], int(days[0]))
        if len(years) == 1 and not days and "month-year" in appearance:
            return _make(int(years[0]), named[0], 1)
    if "year" in appearance.split() and re.fullmatch(r"\d{4}", cleaned):
        return _make(int(cleaned), 1, 1)
    return None


def parse_time(text: str) -> time | None:
    """'9:30', '09.30', '9 pm', '9:30 PM', '21:15' -> time; None when not a time."""
    cleaned = ascii_digits(text.strip()).casefold().replace(" ", "")
    match = re.fullmatch(
        r"(\d{1,2})(?:[:.](\d{2})(?::\d{2}(?:\.\d+)?)?)?(am|pm|a\.m\.|p\.m\.)?", cleaned
    )
    if not match or (match[2] is None and match[3] is None):
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[3].startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
