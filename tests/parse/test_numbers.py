"""bot/parse/numbers.py: numbers and rupees as artisans and CDAs type them (issues 11, 14)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parse.numbers import AmountError, Number, parse_number, parse_rupees


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("250", "250"), ("₹250", "250"), ("Rs. 250", "250"), ("rs250", "250"),
        ("250 रुपये", "250"), ("250/-", "250"), ("రూ. 250", "250"),
        ("25,000", "25000"), ("1,00,000", "100000"), ("1,23,45,678", "12345678"),
        ("1,000,000", "1000000"), ("1 200", "1200"),
        ("2.5 lakh", "250000"), ("2.5 Lakhs", "250000"), ("2 लाख", "200000"),
        ("2.5 లక్షలు", "250000"), ("1 crore", "10000000"), ("2 करोड़", "20000000"),
        ("25 వేలు", "25000"), ("25 हज़ार", "25000"), ("25 हजार", "25000"), ("25k", "25000"),
        ("२५०००", "25000"), ("౨౫౦౦౦", "25000"), ("௨௫", "25"), ("३.५", "3.5"),
        ("-3", "-3"), ("+7", "7"), (".5", "0.5"),
        ("രൂ. 250", "250"), ("250 രൂപ", "250"), ("2.5 ലക്ഷം", "250000"), ("25 ആയിരം", "25000"),
        ("1 കോടി", "10000000"), ("൨൫൦൦൦", "25000"),
        ("ரூ. 250", "250"), ("250 ரூபாய்", "250"), ("2.5 லட்சம்", "250000"),
        ("2.5 இலட்சம்", "250000"), ("25 ஆயிரம்", "25000"), ("1 கோடி", "10000000"),
        ("ਰੁ. 250", "250"), ("250 ਰੁਪਏ", "250"), ("250 ਰੁਪਈਏ", "250"), ("2.5 ਲੱਖ", "250000"),
        ("25 ਹਜ਼ਾਰ", "25000"), ("25 ਹਜਾਰ", "25000"), ("25 \u0a39\u0a1c\u0a3c\u0a3e\u0a30", "25000"),
        ("25 \u0a39\u0a5b\u0a3e\u0a30", "25000"), ("1 ਕਰੋੜ", "10000000"), ("੨੫੦੦੦", "25000"),
        ("રૂ. 250", "250"), ("250 રૂપિયા", "250"), ("2.5 લાખ", "250000"), ("25 હજાર", "25000"),
        ("1 કરોડ", "10000000"), ("૨૫૦૦૦", "25000"),
    ],
)  # fmt: skip
def test_numbers_as_typed(typed: str, value: str) -> None:
    found = parse_number(typed)
    assert found is not None and found.value == Decimal(value), typed


@pytest.mark.parametrize(
    ("typed", "unit"),
    [("5 लोग", "लोग"), ("5 మంది", "మంది"), ("5 workers", "workers"), ("5 हज़ार लोग", "लोग"),
     ("5 പേർ", "പേർ"), ("5 பேர்", "பேர்"), ("5 ਜਣੇ", "ਜਣੇ")],
)  # fmt: skip
def test_a_unit_word_after_a_count_is_kept_apart(typed: str, unit: str) -> None:
    found = parse_number(typed)
    assert found is not None and found.unit == unit


@pytest.mark.parametrize(
    "typed", ["", "abc", "1,5", "1 3", "5 people here", "NaN", "Infinity", "1e99", "₹", "5 🙂"]
)
def test_what_is_not_a_number(typed: str) -> None:
    assert parse_number(typed) is None


def test_money_is_marked_when_rupees_are_named() -> None:
    assert parse_number("₹250") == Number(Decimal(250), money=True)
    assert parse_number("250") == Number(Decimal(250))


@pytest.mark.parametrize(
    ("typed", "paise"),
    [
        ("2 lakh", 2_00_000_00), ("₹2,00,000", 2_00_000_00), ("२०००००", 2_00_000_00),
        ("200 వేలు", 2_00_000_00), ("Rs. 1500.50", 1_500_50), ("0", 0),
    ],
)  # fmt: skip
def test_rupees_to_paise(typed: str, paise: int) -> None:
    assert parse_rupees(typed) == paise


def test_rupees_refusals() -> None:
    assert parse_rupees("-5") is AmountError.NEGATIVE
    assert parse_rupees("5 लोग") is AmountError.FORMAT  # a count is not money
    assert parse_rupees("2000 crore") is AmountError.TOO_BIG


@given(st.integers(min_value=0, max_value=10**12))
def test_every_grouping_of_a_whole_number_reads_back(n: int) -> None:
    indian = f"{n:,}" if n < 1000 else _indian(n)
    for typed in (str(n), f"{n:,}", indian, f"₹{indian}"):
        found = parse_number(typed)
        assert found is not None and found.value == n, typed


def _indian(n: int) -> str:
    head, tail = divmod(n, 1000)
    groups = []
    while head:
        head, part = divmod(head, 100)
        groups.append(f"{part:02d}" if head else str(part))
    return ",".join([*reversed(groups), f"{tail:03d}"])
