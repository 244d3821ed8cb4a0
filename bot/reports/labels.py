"""Words and number formats every report renderer shares (chat text, chart, workbook), so a
label or a percentage reads the same in all three and is translated once."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from babel.numbers import format_percent

from bot.clock import parse_iso
from bot.i18n import N_, NC_, Translator
from bot.reports.indicators import Share
from bot.vocabulary import GENDERS, ROLES

# The bot's own role and gender words (bot/vocabulary.py, the ones onboarding offers), plus
# the reports' "unknown" bucket: a person registered before the question, or a bad value.
NOT_GIVEN = N_("Not given")
ROLE_LABELS: dict[str, str] = {**ROLES, "unknown": NOT_GIVEN}
GENDER_LABELS: dict[str, str] = {**GENDERS, "unknown": NOT_GIVEN}
CATEGORY_LABELS: dict[str, str] = {
    "trust_building": N_("Trust building"),
    "pilot": N_("Pilot"),
    "capacity_building": N_("Capacity building"),
    "regular": N_("Regular"),
    "strategic": N_("Strategic"),
    "other": NC_("category", "Other"),
}
STATUS_LABELS: dict[str, str] = {
    "planned": N_("Planned"),
    "ongoing": N_("Ongoing"),
    "done": NC_("status", "Done"),
    "dropped": N_("Dropped"),
}
PERIOD_LABELS: dict[str, str] = {
    "month": N_("This month"),
    "quarter": N_("Last 3 months"),
    "all": N_("Whole programme"),
}


def label(_: Translator, table: dict[str, str], key: str) -> str:
    return _(table[key]) if key in table else key


def percent(_: Translator, share: Share) -> str:
    """'43%', or '–' when there is nothing to divide by (never a made-up 0%)."""
    rate = share.rate
    return "–" if rate is None else format_percent(rate, locale=_.locale)


def share_text(_: Translator, share: Share) -> str:
    """'3 of 7 (43%)': the count always next to the rate."""
    return _("{count} of {total} ({percent})").format(
        count=_.number(share.count), total=_.number(share.total), percent=percent(_, share)
    )


def rupees(_: Translator, paise: int) -> str:
    """Whole rupees with Indian grouping: ₹1,00,000."""
    return _.money(round(paise / 100))


def month(_: Translator, key: str) -> str:
    """'2026-11' -> 'Nov 2026' in the reader's language."""
    return format_date(date(int(key[:4]), int(key[5:7]), 1), "MMM y", locale=_.locale)


def day(_: Translator, stamp: str, zone_name: str) -> str:
    from zoneinfo import ZoneInfo

    local = parse_iso(stamp).astimezone(ZoneInfo(zone_name)).date()
    return _.date(local, "medium")


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text).strip().casefold()


def key_for(text: str, labels: dict[str, str]) -> str | None:
    """A category or status from its key ('capacity_building') or English label
    ('Capacity building'), any case; None when it is neither."""
    wanted = _fold(text)
    for key, shown in labels.items():
        if wanted in (_fold(key), _fold(shown)):
            return key
    return None
