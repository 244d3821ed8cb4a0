"""Dates with month names in English, Hindi and Telugu (issue 5: `5 Dec 10:30` and the same
with Hindi/Telugu month names), read in the cluster's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.parse.dates import month_number
from bot.parse.when import WhenError, parse_when

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DEC_5_1030 = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)  # 10:30 IST


@pytest.mark.parametrize(
    "text",
    [
        "05-12-2026 10:30",
        "2026-12-05 10:30",
        "5 Dec 10:30",
        "5 December 2026 10:30",
        "5 dec. 10:30 am",
        "5 दिसंबर 10:30",
        "5 दिसम्बर 2026 10:30",
        "५ दिस॰ १०:३०",
        "5 డిసెంబర్ 10:30",
        "5 డిసెంబరు 2026, 10:30",
        "5 డిసెం 10:30",
        "5 ഡിസംബർ 10:30",
        "5 ഡിസം 2026 രാവിലെ 10:30",
        "൫ ഡിസംബർ രാവിലെ ൧൦:൩൦",
        "5 ഡിസംബർ രാവിലെ 10:30 മണിക്ക്",
        "5 டிசம்பர் 10:30",
        "5 டிச., 2026, காலை 10:30",
        "௫ டிசம்பர் காலை ௧௦:௩௦",
        "5 டிசம்பர் காலை 10:30 மணிக்கு",
    ],
)
def test_the_same_moment_in_every_spelling(text: str) -> None:
    assert parse_when(text, IST, NOW) == DEC_5_1030


def test_without_a_year_the_next_such_date_ahead() -> None:
    assert parse_when("5 Jan 9:00", IST, NOW) == datetime(2027, 1, 5, 3, 30, tzinfo=UTC)
    assert parse_when("5 जनवरी 9:00", IST, NOW) == datetime(2027, 1, 5, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("5 Dec", WhenError.NO_TIME),
        ("5 దిసంబర్ 10:30", WhenError.FORMAT),  # not a month
        ("5 Blah 10:30", WhenError.FORMAT),
        ("31 Feb 10:30", WhenError.NO_SUCH_DATE),
        ("5 Nov 2026 10:30", WhenError.PAST),
    ],
)
def test_errors(text: str, error: WhenError) -> None:
    assert parse_when(text, IST, NOW) == error


def test_month_names_from_babel_and_common_spellings() -> None:
    assert month_number("फरवरी") == month_number("फ़रवरी") == 2
    assert month_number("ఆగస్టు") == month_number("ఆగస్ట్") == 8
    assert month_number("Sept") == 9
    assert month_number("hello") is None
