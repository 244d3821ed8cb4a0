"""bot/parse/offsets.py: reminder offsets as a CDA types them, and as the bot shows them
back (handlers/offsets.py, Babel), read in the same language (issue 17)."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.parse.offsets import parse_offsets
from handlers.offsets import show_offsets


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("30 minutes", (30,)), ("1 day, 2 hours", (1440, 120)), ("2 घंटे", (120,)),
     ("1 రోజు", (1440,)), ("2 గంటలు ముందు", (120,)),
     ("30 മിനിറ്റ്", (30,)), ("30 മിനിട്ട്", (30,)), ("2 മണിക്കൂർ മുമ്പ്", (120,)),
     ("1 ദിവസം, 2 മണിക്കൂർ, 30 മിനിറ്റ്", (1440, 120, 30)),
     ("1 ദിവസം 2 മണിക്കൂർ", (1560,)), ("3 ദിവസങ്ങൾ മുൻപ്", (4320,)), ("൩൦ മിനിറ്റ്", (30,)),
     ("30 நிமிடம்", (30,)), ("2 மணி நேரம் முன்பு", (120,)), ("2 மணிநேரம்", (120,)),
     ("1 நாள், 2 மணிநேரம், 30 நிமிடங்கள்", (1440, 120, 30)),
     ("1 நாள் மற்றும் 2 மணிநேரம்", (1440, 120)), ("1 நாள் 2 மணிநேரம்", (1560,)),
     ("2 நாட்கள் முன்", (2880,)), ("௩௦ நிமிடம்", (30,)),
     ("30 ਮਿੰਟ", (30,)), ("2 ਘੰਟੇ ਪਹਿਲਾਂ", (120,)), ("1 ਘੰਟਾ", (60,)),
     ("1 ਦਿਨ, 2 ਘੰਟੇ, 30 ਮਿੰਟ", (1440, 120, 30)), ("1 ਦਿਨ ਅਤੇ 2 ਘੰਟੇ", (1440, 120)),
     ("1 ਦਿਨ 2 ਘੰਟੇ", (1560,)), ("੩੦ ਮਿੰਟ", (30,)),
     ("30 મિનિટ", (30,)), ("2 કલાક પહેલાં", (120,)), ("1 દિવસ, 2 કલાક, 30 મિનિટ", (1440, 120, 30)),
     ("1 દિવસ અને 2 કલાક", (1440, 120)), ("1 દિવસ 2 કલાક", (1560,)), ("2 દિવસ પહેલા", (2880,)),
     ("૩૦ મિનિટ", (30,))],
)  # fmt: skip
def test_offsets_as_typed(typed: str, minutes: tuple[int, ...]) -> None:
    assert parse_offsets(typed) == minutes


def test_an_hour_of_the_clock_is_not_an_offset() -> None:
    # "2 മണി" is two o'clock, not two hours before
    assert parse_offsets("2 മണി") is None
    assert parse_offsets("2 மணி") is None


@pytest.mark.parametrize("language", ["en", "hi", "te", "ml", "pa", "gu", "ta"])
def test_what_the_bot_shows_reads_back(language: str) -> None:
    offsets = (2 * 1440, 1440 + 120, 90, 30)
    assert parse_offsets(show_offsets(Translator(language), offsets)) == offsets
