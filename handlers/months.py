"""Month names a CDA may type in a date ("5 Dec 10:30", "5 दिसंबर 10:30", "5 డిసెంబర్ 10:30").

Built from Babel's wide and abbreviated names for every shipped language (so a new
catalogue brings its month names), plus the spellings people commonly type that Babel does
not list (दिसम्बर beside दिसंबर, డిసెంబరు beside డిసెంబర్, "Sept").
"""

from __future__ import annotations

from functools import cache

from babel import Locale

from bot.i18n import SHIPPED_LANGUAGES

_EXTRA = {
    "sept": 9,
    "फरवरी": 2,
    "सितम्बर": 9,
    "अक्तूबर": 10,
    "नवम्बर": 11,
    "दिसम्बर": 12,
    "జూలై": 7,
    "ఆగస్ట్": 8,
    "సెప్టెంబరు": 9,
    "అక్టోబరు": 10,
    "నవంబరు": 11,
    "డిసెంబరు": 12,
}


def _key(word: str) -> str:
    # Nukta (फ़ / फ) is often left out when typing; abbreviation marks (. and ॰) too.
    return word.casefold().replace("\u093c", "").rstrip(".॰")


@cache
def _table() -> dict[str, int]:
    table = {_key(word): month for word, month in _EXTRA.items()}
    for language in {"en", "hi", "te", *SHIPPED_LANGUAGES}:
        months = Locale.parse(language).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    table.setdefault(_key(name), number)
    return table


def month_number(word: str) -> int | None:
    """1-12 for a month name in any shipped language, else None."""
    return _table().get(_key(word.strip()))
