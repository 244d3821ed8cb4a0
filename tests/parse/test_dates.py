"""bot/parse/dates.py: one reading of dates and times for every flow (issues 11, 14)."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.parse.dates import (
    DateError,
    day_choices,
    direction_of,
    month_number,
    parse_date,
    parse_time,
    read_date,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    "typed",
    [
        "05-12-2026", "5/12/2026", "5.12.26", "2026-12-05", "5 Dec 2026", "December 5, 2026",
        "5 दिसंबर 2026", "5 दिसम्बर 2026", "५-१२-२०२६", "5 డిసెంబర్ 2026", "5 డిసెంబరు 2026",
        "5 டிசம்பர் 2026", "5 ഡിസംബർ 2026", "5 ડિસેમ્બર 2026", "5 ਦਸੰਬਰ 2026",
    ],
)  # fmt: skip
def test_one_date_in_every_spelling(typed: str) -> None:
    assert parse_date(typed, TODAY) == date(2026, 12, 5)


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("today", 0), ("आज", 0), ("ఈరోజు", 0), ("இன்று", 0),
        ("yesterday", -1), ("నిన్న", -1), ("நேற்று", -1),
        ("day before yesterday", -2), ("మొన్న", -2),
        ("tomorrow", 1), ("రేపు", 1), ("நாளை", 1),
    ],
)  # fmt: skip
def test_day_words(typed: str, days: int) -> None:
    assert parse_date(typed, TODAY) == date.fromordinal(TODAY.toordinal() + days)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ഇന്ന്", TODAY), ("ഇന്നലെ", date(2026, 11, 27)), ("നാളെ", date(2026, 11, 29)),
        ("മിനിഞ്ഞാന്ന്", date(2026, 11, 26)), ("മിനിയാന്ന്", date(2026, 11, 26)),
        ("മറ്റന്നാൾ", date(2026, 11, 30)), ("൫-൧൨-൨൦൨൬", date(2026, 12, 5)),
        # as people spell the months, besides CLDR's ഒക്‌ടോബർ (with a ZWNJ), മേയ്, ഓഗസ്റ്റ്
        ("25 ഒക്ടോബർ 2026", date(2026, 10, 25)), ("25 ഒക്‌ടോബർ 2026", date(2026, 10, 25)),
        ("5 മെയ് 2027", date(2027, 5, 5)), ("5 മേയ് 2027", date(2027, 5, 5)),
        ("5 ആഗസ്റ്റ് 2027", date(2027, 8, 5)), ("5 ഓഗസ്റ്റ് 2027", date(2027, 8, 5)),
        ("5 സെപ്തംബർ 2027", date(2027, 9, 5)), ("5 ഡിസം 2026", date(2026, 12, 5)),
    ],
)  # fmt: skip
def test_malayalam_days_and_months(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("આજે", TODAY), ("આજ", TODAY), ("ગઈકાલે", date(2026, 11, 27)),
        ("ગઈ કાલે", date(2026, 11, 27)), ("આવતી કાલે", date(2026, 11, 29)),
        ("આવતીકાલે", date(2026, 11, 29)), ("ગયા પરમ દિવસે", date(2026, 11, 26)),
        ("આવતા પરમ દિવસે", date(2026, 11, 30)), ("૫-૧૨-૨૦૨૬", date(2026, 12, 5)),
        # CLDR's ઑગસ્ટ, ઑક્ટોબર and abbreviations, and as people spell them (ઓ for ઑ, ષ, ી)
        ("5 ઑગસ્ટ 2027", date(2027, 8, 5)), ("5 ઓગસ્ટ 2027", date(2027, 8, 5)),
        ("5 ઓગષ્ટ 2027", date(2027, 8, 5)), ("25 ઓક્ટોબર 2026", date(2026, 10, 25)),
        ("25 ઑક્ટો 2026", date(2026, 10, 25)), ("5 ડીસેમ્બર 2026", date(2026, 12, 5)),
        ("5 ડિસે 2026", date(2026, 12, 5)), ("5 જાનેવારી 2027", date(2027, 1, 5)),
        ("5 જુલાઇ 2027", date(2027, 7, 5)),
    ],
)  # fmt: skip
def test_gujarati_days_and_months(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # as written and as said
        ("இன்று", TODAY), ("இன்னைக்கு", TODAY), ("நேற்று", date(2026, 11, 27)),
        ("நேத்து", date(2026, 11, 27)), ("நாளை", date(2026, 11, 29)),
        ("நாளைக்கு", date(2026, 11, 29)), ("நேற்று முன்தினம்", date(2026, 11, 26)),
        ("முந்தாநாள்", date(2026, 11, 26)), ("நாளை மறுநாள்", date(2026, 11, 30)),
        ("நாளன்னைக்கு", date(2026, 11, 30)), ("௫-௧௨-௨௦௨௬", date(2026, 12, 5)),
        # CLDR's names and abbreviations (as the bot writes dates: 5 டிச., 2026), and as
        # people also spell them
        ("5 டிச., 2026", date(2026, 12, 5)), ("5 டிசம்பர், 2026", date(2026, 12, 5)),
        ("5 ஆகஸ்ட் 2027", date(2027, 8, 5)), ("5 ஆகஸ்டு 2027", date(2027, 8, 5)),
        ("5 பிப்ரவரி 2027", date(2027, 2, 5)), ("5 பெப்ரவரி 2027", date(2027, 2, 5)),
        ("5 செப்டெம்பர் 2027", date(2027, 9, 5)), ("25 அக்டோபர் 2027", date(2027, 10, 25)),
    ],
)  # fmt: skip
def test_tamil_days_and_months(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ਅੱਜ", TODAY), ("ਭਲਕੇ", date(2026, 11, 29)), ("ਲੰਘਿਆ ਕੱਲ੍ਹ", date(2026, 11, 27)),
        ("ਆਉਣ ਵਾਲਾ ਕੱਲ੍ਹ", date(2026, 11, 29)), ("ਲੰਘੀ ਪਰਸੋਂ", date(2026, 11, 26)),
        ("ਆਉਣ ਵਾਲੀ ਪਰਸੋਂ", date(2026, 11, 30)), ("੫-੧੨-੨੦੨੬", date(2026, 12, 5)),
        # CLDR's names, the abbreviation the bot writes (5 ਦਸੰ 2026) and with a comma
        ("5 ਦਸੰ 2026", date(2026, 12, 5)), ("5 ਦਸੰਬਰ, 2026", date(2026, 12, 5)),
        ("25 ਅਕਤੂਬਰ 2027", date(2027, 10, 25)), ("5 ਜਨਵਰੀ 2027", date(2027, 1, 5)),
    ],
)  # fmt: skip
def test_punjabi_days_and_months(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


def test_punjabi_words_for_two_days_need_a_direction() -> None:
    assert read_date("ਕੱਲ੍ਹ", TODAY) is DateError.AMBIGUOUS
    assert parse_date("ਕੱਲ੍ਹ", TODAY, direction="past") == date(2026, 11, 27)
    assert parse_date("ਕੱਲ", TODAY, direction="future") == date(2026, 11, 29)
    assert parse_date("ਪਰਸੋਂ", TODAY, direction="past") == date(2026, 11, 26)
    # the words on the bot's own buttons for the two days (catalogue: Yesterday, Tomorrow)
    assert parse_date("ਲੰਘਿਆ ਕੱਲ੍ਹ", TODAY, direction="future") == date(2026, 11, 27)
    assert day_choices("ਕੱਲ੍ਹ", TODAY) == [date(2026, 11, 27), date(2026, 11, 29)]


def test_gujarati_words_for_two_days_need_a_direction() -> None:
    assert read_date("કાલે", TODAY) is DateError.AMBIGUOUS
    assert parse_date("કાલે", TODAY, direction="past") == date(2026, 11, 27)
    assert parse_date("કાલ", TODAY, direction="future") == date(2026, 11, 29)
    assert parse_date("પરમ દિવસે", TODAY, direction="past") == date(2026, 11, 26)
    assert day_choices("કાલે", TODAY) == [date(2026, 11, 27), date(2026, 11, 29)]


def test_words_for_two_days_need_a_direction() -> None:
    assert read_date("कल", TODAY) is DateError.AMBIGUOUS
    assert parse_date("कल", TODAY, direction="past") == date(2026, 11, 27)
    assert parse_date("कल", TODAY, direction="future") == date(2026, 11, 29)
    assert parse_date("परसों", TODAY, direction="past") == date(2026, 11, 26)
    # an unambiguous word keeps its meaning whatever the direction
    assert parse_date("yesterday", TODAY, direction="future") == date(2026, 11, 27)


def test_without_a_year_the_nearest_in_the_direction() -> None:
    assert parse_date("5 Jan", TODAY, direction="future") == date(2027, 1, 5)
    assert parse_date("5 Dec", TODAY, direction="past") == date(2025, 12, 5)
    assert parse_date("5 Dec", TODAY) == date(2026, 12, 5)


def test_errors() -> None:
    assert read_date("31-02-2027", TODAY) is DateError.NO_SUCH_DATE
    assert read_date("31 Feb 2027", TODAY) is DateError.NO_SUCH_DATE
    assert read_date("hello", TODAY) is DateError.FORMAT
    assert read_date("5 దిసంబర్ 2026", TODAY) is DateError.FORMAT


def test_month_and_year_appearances() -> None:
    assert parse_date("March 2024", TODAY, appearance="month-year") == date(2024, 3, 1)
    assert parse_date("2024", TODAY, appearance="year") == date(2024, 1, 1)
    assert parse_date("2024", TODAY) is None


def test_month_names() -> None:
    assert month_number("फरवरी") == month_number("फ़रवरी") == 2
    assert month_number("ఆగస్టు") == month_number("ఆగస్ట్") == 8
    assert month_number("Sept") == 9 and month_number("hello") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("9:30", time(9, 30)), ("09.30", time(9, 30)), ("9 pm", time(21)), ("9:30 PM", time(21, 30)),
     ("21:15", time(21, 15)), ("१०:३०", time(10, 30)), ("9", None), ("25:00", None),
     ("13 pm", None)],
)  # fmt: skip
def test_times(typed: str, expected: time | None) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("രാവിലെ 10:30", time(10, 30)), ("വൈകുന്നേരം 4:30", time(16, 30)),
     ("ഉച്ചയ്ക്ക് 1:30", time(13, 30)), ("രാത്രി 7:30", time(19, 30)),
     ("രാവിലെ 10 മണിക്ക്", time(10)), ("വൈകുന്നേരം 4 മണി", time(16)), ("൧൦:൩൦", time(10, 30)),
     ("4 മണി", None)],
)  # fmt: skip
def test_malayalam_times_as_the_bot_writes_and_people_say_them(
    typed: str, expected: time | None
) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("સવારે 10:30", time(10, 30)), ("સાંજે 4:30", time(16, 30)), ("બપોરે 1:30", time(13, 30)),
     ("4:30 સાંજે", time(16, 30)), ("8:30 રાત્રે", time(20, 30)), ("સાંજે 4 વાગે", time(16)),
     ("સવારે 9 વાગ્યે", time(9)), ("૧૦:૩૦", time(10, 30)),
     ("4 વાગે", None)],
)  # fmt: skip
def test_gujarati_times_as_the_bot_writes_and_people_say_them(
    typed: str, expected: time | None
) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("காலை 10:30", time(10, 30)), ("மதியம் 1:30", time(13, 30)), ("பிற்பகல் 3:30", time(15, 30)),
     ("மாலை 4:30", time(16, 30)), ("அந்தி மாலை 6:30", time(18, 30)), ("இரவு 9:30", time(21, 30)),
     ("அதிகாலை 3:30", time(3, 30)), ("காலை 10 மணிக்கு", time(10)), ("மாலை 4 மணி", time(16)),
     ("௧௦:௩௦", time(10, 30)), ("4 மணி", None)],
)  # fmt: skip
def test_tamil_times_as_the_bot_writes_and_people_say_them(
    typed: str, expected: time | None
) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("ਸਵੇਰੇ 10:30", time(10, 30)), ("ਦੁਪਹਿਰੇ 1:30", time(13, 30)), ("ਸ਼ਾਮੀਂ 4:30", time(16, 30)),
     ("ਰਾਤੀਂ 9:30", time(21, 30)), ("ਸ਼ਾਮ 4 ਵਜੇ", time(16)), ("ਸ਼ਾਮ ਨੂੰ 4 ਵਜੇ", time(16)),
     ("ਸਵੇਰੇ 10 ਵਜੇ", time(10)), ("ਦੁਪਹਿਰ 2 ਵਜੇ", time(14)), ("ਰਾਤ ਦੇ 8 ਵਜੇ", time(20)),
     ("ਰਾਤ 11:30", time(23, 30)), ("੧੦:੩੦", time(10, 30)),
     # ਸ਼ as one code point (U+0A36), as some phone keyboards send it
     ("\u0a36\u0a3e\u0a2e 4:30", time(16, 30)),
     ("4 ਵਜੇ", None)],
)  # fmt: skip
def test_punjabi_times_as_the_bot_writes_and_people_say_them(
    typed: str, expected: time | None
) -> None:
    assert parse_time(typed) == expected


def test_a_bare_hour_only_when_asked() -> None:
    assert parse_time("9", bare_hour=True) == time(9)


@pytest.mark.parametrize(
    ("constraint", "direction"),
    [(". <= today()", "past"), (". < today()", "past"), ("today() >= .", "past"),
     (". >= today()", "future"), (". > today() and . < today() + 30", None), (None, None),
     ("${x} > 3", None)],
)  # fmt: skip
def test_the_direction_a_constraint_gives(constraint: str | None, direction: str | None) -> None:
    assert direction_of(constraint) == direction


def test_the_days_an_ambiguous_word_may_mean() -> None:
    assert day_choices("कल", TODAY) == [date(2026, 11, 27), date(2026, 11, 29)]
    assert day_choices(" परसों ", TODAY) == [date(2026, 11, 26), date(2026, 11, 30)]
    assert day_choices("yesterday", TODAY) == [] and day_choices("5-12-2026", TODAY) == []
    assert read_date("आने वाला कल", TODAY) == date(2026, 11, 29)
