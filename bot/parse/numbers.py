"""Numbers and rupee amounts as people type them.

`25000`, `25,000`, `1,00,000` (Indian grouping), `2.5 lakh`, `2 लाख`, `25 వేలు`, `1 crore`,
`₹250`, `Rs. 1500.50`, `1500 रुपये`, `२५०००`, `౨౫౦౦౦`, and a count with its unit word
after it (`5 लोग`, `5 మంది`, `5 workers`). A comma (or a space: `1 200`) separates
thousands, never decimals; grouped digits must be grouped as Indians or the West group them,
so `1,5` is refused rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum

from bot.parse.digits import ascii_digits, fold

# Multiplier words of every language we ship or are adding (the seed's clusters).
MULTIPLIERS: dict[str, int] = {
    **dict.fromkeys(("thousand", "thousands", "k", "हज़ार", "हजार", "వేలు", "వెయ్యి", "వేల"), 10**3),
    **dict.fromkeys(("ஆயிரம்", "ആയിരം", "હજાર", "ਹਜ਼ਾਰ", "ਹਜਾਰ"), 10**3),
    **dict.fromkeys(("lakh", "lakhs", "lac", "lacs", "l", "लाख", "లక్ష", "లక్షలు"), 10**5),
    **dict.fromkeys(("லட்சம்", "இலட்சம்", "ലക്ഷം", "લાખ", "ਲੱਖ"), 10**5),
    **dict.fromkeys(("crore", "crores", "cr", "करोड़", "करोड", "కోటి", "కోట్లు"), 10**7),
    **dict.fromkeys(("கோடி", "കോടി", "કરોડ", "ਕਰੋੜ"), 10**7),
}
_MULTIPLIERS = {fold(word): factor for word, factor in MULTIPLIERS.items()}

_CURRENCY_BEFORE = re.compile(r"(?i)^(₹|rs\.?|inr|रु\.?|रू\.?|రూ\.?|രൂ\.?|ரூ\.?|ਰੁ\.?|રૂ\.?)\s*")
_CURRENCY_AFTER = re.compile(
    r"(?i)(?:(?<=\d)|\s+)(/-|rupees?|rs\.?|inr|रुपये|रुपए|रुपया|రూపాయలు|రూపాయి|ரூபாய்|രൂപ|રૂપિયા|ਰੁਪਏ|ਰੁਪਈਏ|ਰੁਪਇਆ|ਰੁਪਿਆ)$"
)
_NUMBER = re.compile(
    r"(?P<sign>[-−+])?\s*"
    r"(?P<digits>\d{1,3}(?:[, ]\d{2})*[, ]\d{3}(?:\.\d+)?|\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?"
    r"|\d+(?:\.\d+)?|\.\d+)(?![\d,.])"
    r"\s*(?P<rest>.*)"
)
MAX_UNIT_WORD = 20


@dataclass(frozen=True)
class Number:
    """A typed number: its value, whether rupees were named, the unit word after it."""

    value: Decimal
    money: bool = False
    unit: str = ""


def _is_word(text: str) -> bool:
    """Letters and combining marks only (a Devanagari or Telugu word has both)."""
    return bool(text) and len(text) <= MAX_UNIT_WORD and all(
        unicodedata.category(ch)[0] in "LM" for ch in text
    )


def parse_number(text: str) -> Number | None:
    """The number in `text` (see the module docstring), or None."""
    cleaned = " ".join(ascii_digits(text).split())
    money = False
    if match := _CURRENCY_BEFORE.match(cleaned):
        cleaned, money = cleaned[match.end() :], True
    if match := _CURRENCY_AFTER.search(cleaned):
        cleaned, money = cleaned[: match.start()], True
    found = _NUMBER.fullmatch(cleaned.strip())
    if found is None:
        return None
    try:
        value = Decimal(found["digits"].replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None
    words = found["rest"].split()
    if words and fold(words[0]) in _MULTIPLIERS:
        value *= _MULTIPLIERS[fold(words.pop(0))]
    if len(words) > 1 or (words and not _is_word(words[0])):
        return None
    if found["sign"] in ("-", "−"):
        value = -value
    return Number(value, money, words[0] if words else "")


class AmountError(Enum):
    FORMAT = "format"  # not an amount
    NEGATIVE = "negative"
    TOO_BIG = "too_big"


# ₹1,000 crore: far above any cluster's budget line or contribution, so a bigger one is a typo.
MAX_PAISE = 1000 * 10**7 * 100


def parse_rupees(text: str) -> int | AmountError:
    """An amount in rupees as typed -> whole paise."""
    number = parse_number(text)
    if number is None or number.unit:
        return AmountError.FORMAT
    if number.value < 0:
        return AmountError.NEGATIVE
    paise = int((number.value * 100).to_integral_value())
    return AmountError.TOO_BIG if paise > MAX_PAISE else paise
