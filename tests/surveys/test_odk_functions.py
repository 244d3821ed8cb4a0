"""The ODK XForms function library (bot/surveys/expr.py), with the examples of the ODK
XForms specification (getodk.github.io/xforms-spec, "Functions") and of XPath 1.0 where
the spec defers to it."""

from __future__ import annotations

import math

import pytest

from bot.surveys.expr import DictEnv, evaluate, parse, to_number, to_string

ENV = DictEnv()


def run(text: str) -> object:
    return evaluate(parse(text), ENV)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # math
        ("sin(0)", 0.0), ("cos(0)", 1.0), ("tan(0)", 0.0), ("asin(1)", math.pi / 2),
        ("acos(1)", 0.0), ("atan(1)", math.pi / 4), ("atan2(1, 1)", math.pi / 4),
        ("sqrt(16)", 4.0), ("exp(0)", 1.0), ("exp10(2)", 100.0), ("log(1)", 0.0),
        ("log10(100)", 2.0), ("pi()", math.pi), ("pow(2, 3)", 8.0), ("abs(-1.5)", 1.5),
        ("round(3.14159, 2)", 3.14), ("int(-3.7)", -3.0), ("number('12')", 12.0),
        # strings (XPath 1.0's examples for substring and translate)
        ("substring('12345', 2, 3)", "234"), ("substring('12345', 2)", "2345"),
        ("substring('12345', 1.5, 2.6)", "234"), ("substring('12345', 0, 3)", "12"),
        ("substring-before('1999/04/01', '/')", "1999"),
        ("substring-after('1999/04/01', '/')", "04/01"),
        ("translate('bar', 'abc', 'ABC')", "BAr"), ("translate('--aaa--', 'abc-', 'ABC')", "AAA"),
        ("normalize-space('  a   b ')", "a b"), ("string-length('abc')", 3.0),
        ("concat('a', 'b', 'c')", "abc"), ("join(' ', 'a', 'b')", "a b"),
        ("regex('ab12', '^[a-z]+[0-9]+$')", True), ("contains('abc', 'b')", True),
        ("starts-with('abc', 'a')", True), ("ends-with('abc', 'c')", True),
        ("digest('abc', 'SHA-256', 'hex')",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("digest('abc', 'MD5', 'hex')", "900150983cd24fb0d6963f7d28e17f72"),
        ("digest('abc', 'SHA-1')", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="),
        ("base64-decode('SGVsbG8gV29ybGQ=')", "Hello World"),
        ("base64-decode('not base64!')", ""),
        # dates
        ("decimal-time('06:00:00.000')", 0.25), ("decimal-time('12:00:00')", 0.5),
        ("decimal-date-time('1970-01-02')", 1.0),
        ("format-date('2024-12-25', '%Y/%n/%e')", "2024/12/25"),
        # selects
        ("selected('a b', 'b')", True), ("selected-at('a b c', 1)", "b"),
        ("count-selected('a b c')", 3.0),
        # logic
        ("if(1 = 1, 'y', 'n')", "y"), ("coalesce('', 'x')", "x"),
        ("boolean-from-string('true')", True), ("boolean-from-string('1')", True),
        ("boolean-from-string('yes')", False), ("not(false())", True), ("true()", True),
        ("checklist(-1, 2, 1 = 1, 1 = 0, 1 = 1)", True),
        ("checklist(3, -1, 1 = 1, 1 = 0, 1 = 1)", False),
        ("weighted-checklist(5, -1, 1 = 1, 3, 1 = 0, 5, 1 = 1, 2)", True),
        ("weighted-checklist(-1, 4, 1 = 1, 3, 1 = 1, 2)", False),
    ],
)  # fmt: skip
def test_spec_examples(text: str, expected: object) -> None:
    found = run(text)
    if isinstance(expected, float):
        assert isinstance(found, float) and math.isclose(found, expected, abs_tol=1e-9)
    else:
        assert found == expected


@pytest.mark.parametrize(
    "text",
    ["sqrt(-1)", "log(-1)", "asin(2)", "decimal-time('24:00:00')", "decimal-time('06:60:00')",
     "decimal-time('a')", "area('1 1 0 0;1 2 0 0')", "distance('1 1 0 0')"],
)  # fmt: skip
def test_outside_the_domain_is_nan(text: str) -> None:
    assert math.isnan(to_number(run(text)))  # type: ignore[arg-type]


def test_distance_and_area_on_the_earth() -> None:
    # One degree of longitude on the equator is 2 pi R / 360 with JavaRosa's R = 6,378,100 m.
    metres = run("distance('0 0 0 0;0 1 0 0')")
    assert math.isclose(metres, 2 * math.pi * 6_378_100 / 360, rel_tol=1e-9)  # type: ignore[arg-type]
    # A 0.01 degree square at the equator: about (1113.2 m)^2.
    square = "0 0 0 0;0 0.01 0 0;0.01 0.01 0 0;0.01 0 0 0;0 0 0 0"
    area = run(f"area('{square}')")
    assert math.isclose(area, 1113.2**2, rel_tol=2e-3)  # type: ignore[arg-type]
    assert run("distance('26.81 75.55', '26.82 75.55')") == run(
        "distance('26.81 75.55 0 0;26.82 75.55 0 0')"
    )


def test_random_is_between_0_and_1() -> None:
    value = run("random()")
    assert isinstance(value, float) and 0 <= value < 1


def test_known_but_unevaluated_functions_are_empty() -> None:
    assert to_string(run("pulldata('prices', 'price', 'item', 'x')")) == ""  # type: ignore[arg-type]
    assert to_string(run("concat('a', duration())")) == "a"  # type: ignore[arg-type]
