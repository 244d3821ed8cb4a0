"""The action plan's vocabulary: category and status labels, rupee amounts as people type
them, and money shown with Babel's Indian grouping (₹1,00,000). Shared by /activity and
`clusterbot activity import/export`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import Enum

from bot.i18n import Translator

# Stored by key (the schema's words), shown translated: the M&E report's own table, so
# /activity, the import/export sheet and /report name a category or status alike.
from bot.reports.labels import CATEGORY_LABELS, STATUS_LABELS
from bot.storage.activities import CATEGORIES, STATUSES
from bot.surveys.dates import ascii_digits

assert tuple(CATEGORY_LABELS) == CATEGORIES and tuple(STATUS_LABELS) == STATUSES

# ₹1,000 crore: far above any cluster's budget line, so a bigger number is a typo.
MAX_PAISE = 1000 * 10**7 * 100
_UNITS = {
    "lakh": 10**5, "lakhs": 10**5, "lac": 10**5, "lacs": 10**5, "l": 10**5, "लाख": 10**5,
    "లక్ష": 10**5, "లక్షలు": 10**5, "crore": 10**7, "crores": 10**7, "cr": 10**7,
    "करोड़": 10**7, "करोड": 10**7, "కోటి": 10**7, "కోట్లు": 10**7,
    "thousand": 10**3, "k": 10**3, "हज़ार": 10**3, "हजार": 10**3, "వేలు": 10**3, "వెయ్యి": 10**3,
}  # fmt: skip
_AMOUNT = re.compile(r"(?P<sign>[-−])?\s*(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<unit>\S*)")
_CURRENCY = re.compile(r"(?i)^\s*(₹|rs\.?|inr|रु\.?|रुपये|రూ\.?)\s*")
_RUPEES_WORD = re.compile(r"(?i)\s*(rupees|rs\.?|/-|रुपये|रुपए|రూపాయలు)\s*$")


class AmountError(Enum):
    FORMAT = "format"  # not an amount
    NEGATIVE = "negative"
    TOO_BIG = "too_big"


def parse_rupees(text: str) -> int | AmountError:
    """An amount in rupees as typed -> paise: '25000', '25,000', '₹1,00,000', 'Rs. 1500.50',
    '2.5 lakh', '2 लाख', '1 crore', '२५०००'."""
    cleaned = _RUPEES_WORD.sub("", _CURRENCY.sub("", ascii_digits(text.strip())))
    match = _AMOUNT.fullmatch(cleaned.strip())
    if match is None:
        return AmountError.FORMAT
    unit = match["unit"].casefold().rstrip(".")
    if unit and unit not in _UNITS:
        return AmountError.FORMAT
    try:
        value = Decimal(match["number"].replace(",", "")) * _UNITS.get(unit, 1)
    except InvalidOperation:
        return AmountError.FORMAT
    if match["sign"] and value:
        return AmountError.NEGATIVE
    paise = int((value * 100).to_integral_value())
    return AmountError.TOO_BIG if paise > MAX_PAISE else paise


def rupees(_: Translator, paise: int) -> str:
    """'₹1,00,000' for whole rupees, '₹1,500.50' otherwise, in the reader's locale."""
    return _.money(paise / 100)


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text).strip().casefold()


def key_for(text: str, labels: dict[str, str]) -> str | None:
    """A category or status from its key ('capacity_building') or English label
    ('Capacity building'), any case; None when it is neither."""
    wanted = _fold(text)
    for key, label in labels.items():
        if wanted in (_fold(key), _fold(label)):
            return key
    return None
