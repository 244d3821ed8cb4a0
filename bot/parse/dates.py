"""Dates and times as people type them, in any shipped language.

Dates: `25-12-2026`, `25/12/26`, `25.12.2026` (day first, as written in India),
`2026-12-25`, a month name in any shipped language (`25 December 2026`, `Dec 25 2026`,
`25 दिसंबर 2026`, `25 డిసెంబర్`), digits of any script, and day words: today, yesterday,
the day before yesterday, tomorrow, the day after (`आज`, `नిన్న`, `మొన్న`, `రేపు`, …).
Words that mean either of two days (Hindi `कल` is yesterday or tomorrow, `परसों` two days
either way) are resolved by the direction the caller knows (a meeting is ahead; a survey
date with a constraint `. <= today()` is behind), and are not a date without one.
A day and month without a year is the nearest such date in that direction (this year when
there is none). Times: `9:30`, `09.30`, `9 pm`, `21:15`, and with the locale's word for the
part of the day the bot writes them with (`शाम 4:30`, `10:30 ఉదయం`, `காலை 9`).
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from enum import Enum
from functools import cache
from typing import Literal

from babel import Locale
from babel.dates import get_month_names, get_period_id

from bot.parse.digits import ascii_digits, fold

Direction = Literal["past", "future"] | None

# Spellings people use that differ from CLDR's (nukta dropped, म्ब for ंब, Telugu -ు,
# Malayalam without the zero-width non-joiner CLDR writes in ഒക്‌ടോബർ, and common spellings).
_MONTH_ALIASES = {
    "sept": 9, "फरवरी": 2, "अप्रेल": 4, "जुलाइ": 7, "सितम्बर": 9, "अक्तूबर": 10,
    "अक्टोबर": 10, "नवम्बर": 11, "दिसम्बर": 12, "ఫిబ్రవరీ": 2, "జూలై": 7, "ఆగష్టు": 8,
    "ఆగస్ట్": 8, "సెప్టెంబరు": 9, "అక్టోబరు": 10, "నవంబరు": 11, "డిసెంబరు": 12,
    "જાનેવારી": 1, "ફેબ્રુવારી": 2, "એપ્રીલ": 4, "જુન": 6, "જુલાઇ": 7, "ઓગસ્ટ": 8, "ઓગષ્ટ": 8,
    "ઑગષ્ટ": 8, "સેપ્ટેમ્બર": 9, "ઓક્ટોબર": 10, "ઓક્ટો": 10, "નવેંબર": 11, "ડીસેમ્બર": 12,
    "பெப்ரவரி": 2, "ஆகஸ்டு": 8, "செப்டெம்பர்": 9, "ஒக்டோபர்": 10,
    "മെയ്": 5, "ആഗസ്റ്റ്": 8, "ആഗസ്ത്": 8, "സെപ്തംബർ": 9, "ഒക്ടോബർ": 10,
}  # fmt: skip
# Babel knows the month names of every locale; these are the languages people type in.
MONTH_LANGUAGES = ("en", "hi", "te", "ta", "ml", "gu", "pa")

# Day words -> the days they may mean, relative to today. Two values: ambiguous.
_DAY_WORDS: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(("today", "आज", "ఈరోజు", "ఈ రోజు", "నేడు", "இன்று", "ഇന്ന്", "આજે", "ਅੱਜ"), (0,)),
    **dict.fromkeys(("yesterday", "నిన్న", "நேற்று", "ഇന്നലെ", "ગઈકાલે"), (-1,)),
    **dict.fromkeys(("tomorrow", "రేపు", "நாளை", "നാളെ", "આવતીકાલે"), (1,)),
    **dict.fromkeys(("day before yesterday", "మొన్న", "நேற்று முன்தினம்", "മിനിഞ്ഞാന്ന്"), (-2,)),
    **dict.fromkeys(("മിനിയാന്ന്",), (-2,)),  # Malayalam as it is said
    # Tamil as it is said besides the written forms above
    **dict.fromkeys(("இன்னைக்கு", "இன்றைக்கு"), (0,)),
    **dict.fromkeys(("நேத்து", "நேற்றைக்கு"), (-1,)),
    **dict.fromkeys(("நாளைக்கு",), (1,)),
    **dict.fromkeys(("முந்தாநாள்", "முந்தா நாள்", "நேற்று முந்தினம்"), (-2,)),
    **dict.fromkeys(("நாளை மறுதினம்", "நாளன்னைக்கு"), (2,)),
    **dict.fromkeys(("day after tomorrow", "ఎల్లుండి", "நாளை மறுநாள்", "മറ്റന്നാൾ"), (2,)),
    **dict.fromkeys(("बीता कल", "बीते कल", "गुज़रा कल", "गुजरा कल"), (-1,)),
    **dict.fromkeys(("आने वाला कल", "आनेवाला कल", "आने वाले कल"), (1,)),
    **dict.fromkeys(("कल", "ਕੱਲ੍ਹ", "ਕੱਲ"), (-1, 1)),
    **dict.fromkeys(("परसों", "परसो", "ਪਰਸੋਂ"), (-2, 2)),
    # Punjabi: ਭਲਕੇ is only tomorrow; ਕੱਲ੍ਹ and ਪਰਸੋਂ take a word for the direction, as the
    # bot's own buttons say it (ਲੰਘਿਆ ਕੱਲ੍ਹ, ਆਉਣ ਵਾਲਾ ਕੱਲ੍ਹ)
    **dict.fromkeys(("ਭਲਕੇ", "ਭਲਕ"), (1,)),
    **dict.fromkeys(("ਲੰਘਿਆ ਕੱਲ੍ਹ", "ਬੀਤਿਆ ਕੱਲ੍ਹ", "ਲੰਘੇ ਕੱਲ੍ਹ", "ਬੀਤੇ ਕੱਲ੍ਹ"), (-1,)),
    **dict.fromkeys(("ਆਉਣ ਵਾਲਾ ਕੱਲ੍ਹ", "ਆਉਣ ਵਾਲੇ ਕੱਲ੍ਹ", "ਆਉਂਦਾ ਕੱਲ੍ਹ"), (1,)),
    **dict.fromkeys(("ਲੰਘੀ ਪਰਸੋਂ", "ਬੀਤੀ ਪਰਸੋਂ"), (-2,)),
    **dict.fromkeys(("ਆਉਣ ਵਾਲੀ ਪਰਸੋਂ", "ਆਉਂਦੀ ਪਰਸੋਂ"), (2,)),
    **dict.fromkeys(("ਕਲ੍ਹ", "ਪਰਸੋ"), (-1, 1)),
    # Gujarati: કાલે and પરમ દિવસે alone are either way, like कल and परसों.
    **dict.fromkeys(("આજ",), (0,)),
    **dict.fromkeys(("ગઈ કાલે", "ગઈકાલ", "ગઈ કાલ"), (-1,)),
    **dict.fromkeys(("આવતી કાલે", "આવતીકાલ", "આવતી કાલ"), (1,)),
    **dict.fromkeys(("ગયા પરમ દિવસે",), (-2,)),
    **dict.fromkeys(("આવતા પરમ દિવસે",), (2,)),
    **dict.fromkeys(("કાલે", "કાલ"), (-1, 1)),
    **dict.fromkeys(("પરમ દિવસે", "પરમદિવસે", "પરમ દિવસ", "પરમ દી"), (-2, 2)),
}  # fmt: skip
_SEPARATORS = re.compile(r"[\s,./\-]+")


class DateError(Enum):
    FORMAT = "format"  # not a date we can read
    NO_SUCH_DATE = "no_such_date"  # 31-02-2027
    AMBIGUOUS = "ambiguous"  # कल without a direction


@cache
def month_words() -> dict[str, int]:
    """Every month name and abbreviation in every language people type -> 1..12."""
    words: dict[str, int] = {}
    for language in MONTH_LANGUAGES:
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in get_month_names(width, context, locale=language).items():
                    words.setdefault(fold(name), number)
    words.update({fold(k): v for k, v in _MONTH_ALIASES.items()})
    return words


def month_number(word: str) -> int | None:
    """1-12 for a month name in any language we read, else None."""
    return month_words().get(fold(word.strip()))


def day_word(text: str) -> tuple[int, ...]:
    """The day offsets a day word may mean ((-1, 1) for कल), or () when it is none."""
    return _DAY_WORDS.get(" ".join(text.casefold().split()), ())


_PAST = re.compile(r"\.\s*<=?\s*today\(\)|today\(\)\s*>=?\s*\.")
_FUTURE = re.compile(r"\.\s*>=?\s*today\(\)|today\(\)\s*<=?\s*\.")


def direction_of(constraint: str | None) -> Direction:
    """The direction a form's constraint gives a day word such as कल: `. <= today()` means
    the past, `. >= today()` the future; None when it says neither (or both)."""
    past = bool(_PAST.search(constraint or ""))
    future = bool(_FUTURE.search(constraint or ""))
    return "past" if past and not future else "future" if future and not past else None


def day_choices(text: str, today: date) -> list[date]:
    """The days an ambiguous day word may mean (कल: yesterday and tomorrow), else []."""
    offsets = day_word(" ".join(ascii_digits(text.strip()).casefold().split()))
    return [today + timedelta(days=o) for o in offsets] if len(offsets) > 1 else []


def _year(text: str, today: date) -> int | None:
    if len(text) == 4:
        return int(text)
    if len(text) == 2:  # 24 -> 2024, 85 -> 1985: the nearest past-or-near-future year
        year = 2000 + int(text)
        return year if year <= today.year + 10 else year - 100
    return None


def _make(year: int | None, month: int, day: int) -> date | DateError:
    if year is None or not 1 <= year <= 9999:
        return DateError.FORMAT
    try:
        return date(year, month, day)
    except ValueError:
        return DateError.NO_SUCH_DATE


def _without_year(month: int, day: int, today: date, direction: Direction) -> date | DateError:
    """The nearest such date in `direction`; this year's without one."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return DateError.NO_SUCH_DATE
    candidates = [_make(today.year + k, month, day) for k in (-1, 0, 1)]
    dates = [d for d in candidates if isinstance(d, date)]
    if not dates:
        return DateError.NO_SUCH_DATE
    if direction == "future":
        ahead = [d for d in dates if d >= today]
        return ahead[0] if ahead else dates[-1]
    if direction == "past":
        behind = [d for d in dates if d <= today]
        return behind[-1] if behind else dates[0]
    return candidates[1]


def read_date(
    text: str, today: date, *, appearance: str = "", direction: Direction = None
) -> date | DateError:
    """The date meant by `text`, or why there is none (see the module docstring)."""
    cleaned = " ".join(ascii_digits(text.strip()).casefold().split())
    if offsets := day_word(cleaned):
        wanted = [o for o in offsets if direction is None or (o <= 0) == (direction == "past")]
        if len(offsets) > 1 and (direction is None or len(wanted) != 1):
            return DateError.AMBIGUOUS
        return today + timedelta(days=(wanted or offsets)[0])
    if match := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", cleaned):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := re.fullmatch(r"(\d{1,2})[-/.\s](\d{1,2})[-/.\s](\d{4}|\d{2})", cleaned):
        return _make(_year(match[3], today), int(match[2]), int(match[1]))
    words = [w for w in _SEPARATORS.split(cleaned) if w]
    named = [m for m in (month_words().get(fold(w)) for w in words) if m]
    numbers = [w for w in words if w.isdigit()]
    if len(named) != 1 or len(words) != len(numbers) + 1:
        if "year" in appearance.split() and re.fullmatch(r"\d{4}", cleaned):
            return _make(int(cleaned), 1, 1)
        return DateError.FORMAT
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) == 1 and len(days) == 1:
        return _make(int(years[0]), named[0], int(days[0]))
    if len(years) == 1 and not days and "month-year" in appearance:
        return _make(int(years[0]), named[0], 1)
    if not years and len(days) == 1:
        return _without_year(named[0], int(days[0]), today, direction)
    return DateError.FORMAT


def parse_date(
    text: str, today: date, *, appearance: str = "", direction: Direction = None
) -> date | None:
    """The date meant by `text`, or None."""
    found = read_date(text, today, appearance=appearance, direction=direction)
    return found if isinstance(found, date) else None


_TIME = re.compile(
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
)
# "o'clock" after an hour, as people write it: शाम 4 बजे, വൈകുന്നേരം 4 മണിക്ക്, સાંજે 4 વાગે.
_OCLOCK = ("बजे", "മണിക്ക്", "മണി", "વાગ્યે", "વાગે", "மணிக்கு", "மணி", "ਵਜੇ", "గంటలకు", "గంటకు")
# Parts of the day people say besides CLDR's words (ਸ਼ਾਮ ਨੂੰ 4 ਵਜੇ, ਰਾਤ ਦੇ 8 ਵਜੇ): CLDR's
# Punjabi night starts at 21:00, but 8 at night is still ਰਾਤ to people.
_PERIOD_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    **dict.fromkeys(("ਸਵੇਰ", "ਸਵੇਰ ਨੂੰ", "ਸਵੇਰ ਦੇ"), (("pa", "morning1"),)),
    **dict.fromkeys(("ਦੁਪਹਿਰ", "ਦੁਪਹਿਰ ਨੂੰ", "ਦੁਪਹਿਰ ਦੇ"), (("pa", "afternoon1"),)),
    **dict.fromkeys(("ਸ਼ਾਮ ਨੂੰ", "ਸ਼ਾਮ ਦੇ"), (("pa", "evening1"),)),
    **dict.fromkeys(("ਰਾਤ", "ਰਾਤ ਨੂੰ", "ਰਾਤ ਦੇ"), (("pa", "evening1"), ("pa", "night1"))),
}


@cache
def _period_words() -> dict[str, tuple[tuple[str, str], ...]]:
    """The words for a part of the day (CLDR's flexible day periods, which the bot shows
    times with: सुबह 10:30, 4:30 మధ్యాహ్నం), folded -> (locale, period id) pairs."""
    words: dict[str, set[tuple[str, str]]] = {}
    for language in MONTH_LANGUAGES:
        locale = Locale.parse(language)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for period, word in locale.day_periods[context][width].items():
                    if period not in ("am", "pm") and word:
                        words.setdefault(fold(word), set()).add((language, period))
    for word, meanings in _PERIOD_ALIASES.items():
        words.setdefault(fold(word), set()).update(meanings)
    return {word: tuple(sorted(found)) for word, found in words.items()}


def _split_period(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """('4:30', meanings) from 'शाम 4:30' or '4:30 మధ్యాహ్నం'; (text, ()) without one."""
    folded = fold(text)
    for word in _OCLOCK:
        folded = folded.removesuffix(word).strip()
    for word in sorted(_period_words(), key=len, reverse=True):
        if folded.startswith(word):
            return folded[len(word) :].strip(), _period_words()[word]
        if folded.endswith(word):
            return folded[: -len(word)].strip(), _period_words()[word]
    return text, ()


def _in_period(hour: int, minute: int, meanings: tuple[tuple[str, str], ...]) -> int:
    """The 24-hour hour an hour of 1-12 is in the part of the day named (CLDR's rules)."""
    fixed = {"midnight": 0, "noon": 12}  # CLDR rules name them "at", not a span
    for _language, period in meanings:
        if period in fixed and hour == 12 and minute == 0:
            return fixed[period]
    for candidate in (hour % 12, hour % 12 + 12):
        moment = time(candidate, minute)
        for language, period in meanings:
            for kind in (None, "selection"):  # None: the formatting rules
                if get_period_id(moment, type=kind, locale=language) == period:
                    return candidate
    # People stretch the parts of the day past CLDR's edges ("సాయంత్రం 4:15" where CLDR's
    # evening starts at 6): a morning is before noon, a night's small hours are too, the
    # rest is after noon.
    early = all(p.startswith("morning") or (p.startswith("night") and hour < 5)
                for _, p in meanings)  # fmt: skip
    return hour % 12 if early else hour % 12 + 12


def parse_time(text: str, *, bare_hour: bool = False) -> time | None:
    """'9:30', '09.30', '9 pm', '9:30 PM', '21:15', 'शाम 4:30', '10:30 ఉదయం' -> time;
    None when not a time. A bare number ('9') is a time only after a date
    ('25-12-2026 9') or with a part of the day ('शाम 4'): alone it is too often something
    else."""
    rest, period = _split_period(ascii_digits(text.strip()))
    match = _TIME.fullmatch(rest.casefold())
    if not match or (match["m"] is None and match["ampm"] is None and not (bare_hour or period)):
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if minute > 59:
        return None
    if period and not match["ampm"]:
        if not 1 <= hour <= 12:  # a 24-hour time with a word: the number says it all
            return time(hour, minute) if hour <= 23 else None
        return time(_in_period(hour, minute, period), minute)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].startswith("p") else 0)
    if hour > 23:
        return None
    return time(hour, minute)


_DAY_AND_TIME = re.compile(
    r"(?P<day>.+?)(?:\s*,\s*|\s+|(?<=\d)T(?=\d))"
    r"(?P<time>\d{1,2}(?:[:.]\d{2})?\s*(?:[aApP]\.?\s?[mM]\.?)?)"
)


def split_time(text: str) -> tuple[str, str] | None:
    """'25-12-2026 10:30' -> ('25-12-2026', '10:30'): a date part and what looks like a time
    at the end (not yet checked: 25:00 is split too, so it can be called no such time).
    A part of the day before or after the time stays with it ('5 दिस॰ शाम 4:30')."""
    plain = ascii_digits(text.strip())
    folded = fold(plain)
    for word in _OCLOCK:
        folded = folded.removesuffix(word).strip()
    for word in sorted(_period_words(), key=len, reverse=True):
        if folded.endswith(f" {word}"):
            found = _DAY_AND_TIME.fullmatch(folded[: -len(word)].strip())
            return (found["day"].strip(), f"{found['time']} {word}") if found else None
        at = folded.rfind(f" {word} ")
        if at > 0:
            found = _DAY_AND_TIME.fullmatch(f"{folded[:at]} {folded[at + len(word) + 2 :]}")
            if found and len(found["day"].strip()) <= at:
                return found["day"].strip(), f"{word} {found['time']}"
    match = _DAY_AND_TIME.fullmatch(plain)
    return (match["day"].strip(), match["time"]) if match else None
