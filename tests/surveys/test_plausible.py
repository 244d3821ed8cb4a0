"""bot/surveys/plausible.py: answers confirmed once before they are stored (issue 14)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.surveys.model import Question
from bot.surveys.plausible import Others, doubt

TODAY = date(2026, 12, 2)


def q(kind: str, constraint: str | None = None) -> Question:
    return Question(name="q", type=kind, constraint=constraint)


@pytest.mark.parametrize(
    ("kind", "value", "others", "expected"),
    [("geopoint", "3.0 6.0 0 0", Others(), "place"), ("geopoint", "26.82 75.54 0 0", Others(), ""),
     ("geopoint", "35.5 97.9 0 0", Others(), ""), ("geopoint", "51.5 -0.12 0 0", Others(), "place"),
     ("date", "2050-12-25", Others(), "date"), ("date", "2027-06-01", Others(), ""),
     ("datetime", "2031-01-01T10:00:00", Others(), "date"),
     ("decimal", "99999999999", Others(), "number"), ("integer", "1000000000", Others(), ""),
     ("integer", "401", Others(5, 40.0), "number"), ("integer", "400", Others(5, 40.0), ""),
     ("integer", "4000", Others(4, 40.0), ""), ("integer", "-5000000000", Others(), "number"),
     ("text", "99999999999", Others(), "")],
)  # fmt: skip
def test_what_is_confirmed(kind: str, value: str, others: Others, expected: str) -> None:
    assert doubt(q(kind), value, today=TODAY, others=others) == expected


def test_a_question_with_a_constraint_of_its_own_is_never_doubted() -> None:
    assert doubt(q("decimal", ". > 0"), "99999999999", today=TODAY) == ""
    assert doubt(q("geopoint", "true()"), "3.0 6.0 0 0", today=TODAY) == ""
