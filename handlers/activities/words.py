"""The action plan's vocabulary in chat: category and status labels (the M&E report's own
table, so /activity, the import/export sheet and /report name them alike) and money shown
with Babel's Indian grouping (₹1,00,000). Amounts as typed are read by `bot.parse.numbers`."""

from __future__ import annotations

from bot.i18n import Translator
from bot.reports.labels import CATEGORY_LABELS, STATUS_LABELS, key_for
from bot.storage.activities import CATEGORIES, STATUSES

__all__ = ["CATEGORY_LABELS", "STATUS_LABELS", "key_for", "rupees"]

assert tuple(CATEGORY_LABELS) == CATEGORIES and tuple(STATUS_LABELS) == STATUSES


def rupees(_: Translator, paise: int) -> str:
    """'₹1,00,000' for whole rupees, '₹1,500.50' otherwise, in the reader's locale."""
    return _.money(paise / 100)
