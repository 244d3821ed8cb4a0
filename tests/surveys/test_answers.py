"""Typed answers (bot/surveys/answers.py, dates.py): what people type -> XForm strings."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.parse.dates import parse_date, parse_time
from bot.surveys.answers import (
    Problem,
    Sent,
    close_choice,
    join_selected,
    match_choice,
    parse,
    range_steps,
    typed_choices,
)
from bot.surveys.model import Choice, Question

TODAY = date(2026, 11, 28)


def q(kind: str, **kw: object) -> Question:
    return Question(name="q", type=kind, **kw)  # type: ignore[arg-type]


def typed(question: Question, text: str, **kw: object) -> str | Problem:
    return parse(question, Sent("text", text), today=TODAY, language="en",
                 default_language="en", **kw)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", "12"), (" 1,00,000 ", "100000"), ("-3", "-3"), ("१२", "12"), ("౧౨", "12"),
     ("+7", "7"), ("1 200", "1200")],
)  # fmt: skip
def test_integers(text: str, expected: str) -> None:
    assert typed(q("integer"), text) == expected


@pytest.mark.parametrize("text", ["12.5", "twelve", "1e5", "", "3/4", "99999999999"])
def test_not_integers(text: str) -> None:
    assert isinstance(typed(q("integer"), text), Problem)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.5", "2.5"), ("2.50", "2.5"), ("1,250.75", "1250.75"), ("3", "3"), (".5", "0.5"),
     ("७.५", "7.5")],
)  # fmt: skip
def test_decimals(text: str, expected: str) -> None:
    assert typed(q("decimal"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25-12-2024", date(2024, 12, 25)), ("25/12/2024", date(2024, 12, 25)),
        ("25.12.24", date(2024, 12, 25)), ("2024-12-25", date(2024, 12, 25)),
        ("5 March 2019", date(2019, 3, 5)), ("March 5, 2019", date(2019, 3, 5)),
        ("5 mar 2019", date(2019, 3, 5)), ("5 मार्च 2019", date(2019, 3, 5)),
        ("५ मार्च २०१९", date(2019, 3, 5)), ("12 फरवरी 2020", date(2020, 2, 12)),
        ("5 మార్చి 2019", date(2019, 3, 5)), ("1 డిసెంబరు 2023", date(2023, 12, 1)),
        ("today", TODAY), ("आज", TODAY), ("1-1-85", date(1985, 1, 1)),
    ],
)  # fmt: skip
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31-02-2024", "2024", "March", "12", "yesterday-ish", "0-0-0"])
def test_not_dates(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_month_year_appearances() -> None:
    assert parse_date("March 2024", TODAY, appearance="month-year") == date(2024, 3, 1)
    assert parse_date("2024", TODAY, appearance="year") == date(2024, 1, 1)
    assert typed(q("date"), "25 दिसंबर 2024") == "2024-12-25"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9:30", time(9, 30)), ("09.30", time(9, 30)), ("9 pm", time(21, 0)),
     ("12 am", time(0, 0)), ("21:15", time(21, 15)), ("9:30 PM", time(21, 30))],
)  # fmt: skip
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected
    assert typed(q("time"), text) == expected.strftime("%H:%M:%S")


@pytest.mark.parametrize("text", ["25:00", "9", "13 pm", "noon"])
def test_not_times(text: str) -> None:
    assert parse_time(text) is None


def test_geopoint_from_location_or_typed() -> None:
    geo = q("geopoint")
    shared = parse(geo, Sent("location", latitude=26.81, longitude=75.55), today=TODAY,
                   language="en", default_language="en")  # fmt: skip
    assert shared == "26.810000 75.550000 0 0"
    assert typed(geo, "26.81, 75.55") == "26.810000 75.550000 0 0"
    assert typed(geo, "91, 10") == Problem("geopoint")
    assert typed(geo, "Jaipur") == Problem("geopoint")


def test_media_needs_the_right_kind() -> None:
    photo = parse(q("image"), Sent("photo", media="/m/a.jpg"), today=TODAY, language="en",
                  default_language="en")  # fmt: skip
    assert photo == "/m/a.jpg"
    assert typed(q("image"), "here") == Problem("photo")
    assert typed(q("audio"), "here") == Problem("audio")


def test_range_checks_bounds_and_steps() -> None:
    rng = q("range", parameters={"start": "0", "end": "10", "step": "2"})
    assert typed(rng, "4") == "4"
    assert typed(rng, "5") == Problem("range", {"start": "0", "end": "10", "step": "2"})
    assert typed(rng, "12") == Problem("range", {"start": "0", "end": "10", "step": "2"})
    assert [str(s) for s in range_steps(rng)] == ["0", "2", "4", "6", "8", "10"]


def test_text_is_tidied_and_limited() -> None:
    assert typed(q("text"), "  two   words ") == "two words"
    assert typed(q("text"), "x" * 10_000) == Problem("too_long", {"max": "2000"})
    sticker = parse(q("text"), Sent("other"), today=TODAY, language="en", default_language="en")
    assert sticker == Problem("text")


CHOICES = [
    (0, Choice("pottery", {"en": "Pottery", "hi": "मिट्टी के बर्तन"})),
    (1, Choice("weaving", {"en": "Weaving", "hi": "बुनाई"})),
]


def test_choices_typed_by_label_name_or_number() -> None:
    assert match_choice("बुनाई", CHOICES, "hi", "en") == "weaving"
    assert match_choice("POTTERY", CHOICES, "en", "en") == "pottery"
    assert match_choice("2", CHOICES, "en", "en") == "weaving"
    assert match_choice("अन्य", CHOICES, "hi", "en", other_label="अन्य") == "other"
    assert match_choice("3", CHOICES, "en", "en") is None
    multi = q("select_multiple")
    assert typed(multi, "Weaving, pottery", choices=CHOICES) == "pottery weaving"
    wrong = Problem("not_a_choice", {"wrong": "glass"})
    assert typed(multi, "Weaving, glass", choices=CHOICES) == wrong
    assert join_selected(["other", "weaving"], CHOICES) == "weaving other"


# ------------------------------------------------------ issue 14: forgiving input ---
MARKETS = [
    (0, Choice("local", {"en": "Local market", "hi": "स्थानीय बाज़ार", "te": "స్థానిక మార్కెట్"})),
    (1, Choice("city", {"en": "City shops", "hi": "शहर की दुकानें", "te": "నగర దుకాణాలు"})),
    (2, Choice("cafe", {"en": "Café", "hi": "कैफ़े", "te": "కేఫ్"})),
]


@pytest.mark.parametrize(
    ("text", "names"),
    [("1,3", ["local", "cafe"]), ("1 3", ["local", "cafe"]), ("1 और 3", ["local", "cafe"]),
     ("1 మరియు 3", ["local", "cafe"]), ("1 and 3", ["local", "cafe"]), ("३, १", ["cafe", "local"]),
     ("1 மற்றும் 3", ["local", "cafe"]), ("௩, ௧", ["cafe", "local"]),
     ("1 ਅਤੇ 3", ["local", "cafe"]), ("੩, ੧", ["cafe", "local"]),
     ("1 പിന്നെ 3", ["local", "cafe"]), ("൩, ൧", ["cafe", "local"]),
     ("1 અને 3", ["local", "cafe"]), ("૩, ૧", ["cafe", "local"]),
     ("cafe", ["cafe"]), ("CAFÉ", ["cafe"]), ("कैफे", ["cafe"]), ("నగర దుకాణాలు", ["city"]),
     ("local market, city shops", ["local", "city"]), ("स्थानीय बाज़ार और कैफ़े", ["local", "cafe"])],
)  # fmt: skip
def test_several_choices_typed_in_every_language(text: str, names: list[str]) -> None:
    assert typed_choices(text, MARKETS, "en", "en") == names


@pytest.mark.parametrize("text", ["9", "😀", "1, 9", "lokal"])
def test_a_wrong_part_is_named(text: str) -> None:
    found = typed_choices(text, MARKETS, "en", "en")
    assert isinstance(found, Problem) and found.code == "not_a_choice"
    assert found.params["wrong"] in text


@pytest.mark.parametrize(
    ("text", "name"),
    [("Lokal market", "local"), ("city shop", "city"), ("स्थानीय बजार", "local"),
     ("నగర దుకాణలు", "city"), ("othr", "other"), ("xyz", None), ("12", None)],
)  # fmt: skip
def test_a_close_spelling(text: str, name: str | None) -> None:
    assert close_choice(text, MARKETS, other_label="Other (type it)") == name


@pytest.mark.parametrize(
    "word",
    ["other", "Other", "अन्य", "ఇతర", "ఇంకేదైనా", "வேறு", "மற்றவை", "ਹੋਰ", "ਕੁਝ ਹੋਰ",
     "മറ്റുള്ളവ", "മറ്റെന്തെങ്കിലും", "અન્ય", "બીજું", "બીજું કંઈ", "Other (type it)"],
)  # fmt: skip
def test_other_in_every_shipped_language(word: str) -> None:
    assert match_choice(word, MARKETS, "en", "en", "Other (type it)") == "other"
    assert match_choice(word, MARKETS, "en", "en") is None or word == "other"


@pytest.mark.parametrize(
    ("text", "constraint", "expected"),
    [("yesterday", None, "2026-11-27"), ("नిన్న", None, None), ("నిన్న", None, "2026-11-27"),
     ("कल", ". <= today()", "2026-11-27"), ("कल", ". >= today()", "2026-11-29"),
     ("कल", "today() >= .", "2026-11-27"), ("बीता कल", None, "2026-11-27"),
     ("परसों", ". < today()", "2026-11-26"), ("మొన్న", None, "2026-11-26"),
     ("today", None, "2026-11-28"), ("आज", None, "2026-11-28"), ("ఈ రోజు", None, "2026-11-28")],
)  # fmt: skip
def test_day_words_and_the_constraint_direction(
    text: str, constraint: str | None, expected: str | None
) -> None:
    found = typed(q("date", constraint=constraint), text)
    assert found == (expected if expected else Problem("date"))


@pytest.mark.parametrize("text", ["कल", "परसों"])
def test_an_ambiguous_day_without_a_direction_is_asked(text: str) -> None:
    assert typed(q("date"), text) == Problem("which_day")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("₹250", "250"), ("2.5 lakh", "250000"), ("2.5 లక్షలు", "250000"), ("2.5 लाख", "250000"),
     ("Rs. 1,500.50", "1500.5"), ("1500 रुपये", "1500"), ("౨౫౦ రూపాయలు", "250")],
)  # fmt: skip
def test_money_in_every_language(text: str, expected: str) -> None:
    assert typed(q("decimal"), text) == expected


@pytest.mark.parametrize("text", ["5 మంది", "5 लोग", "5 workers", "౫ మంది", "५ लोग"])
def test_a_count_with_its_unit_word(text: str) -> None:
    assert typed(q("integer"), text) == "5"
