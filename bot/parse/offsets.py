"""Reminder offsets a CDA types ("30 minutes", "1 day, 2 hours", "2 घंटे", "1 రోజు"): whole
minutes before the event's start."""

from __future__ import annotations

import re

from bot.parse.digits import ascii_digits

MAX_OFFSETS = 5
MAX_OFFSET = 30 * 24 * 60  # a reminder a month ahead is an invitation, not a reminder

_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "मिनट", "నిమిషం"), 1),
    **dict.fromkeys(("నిమిషాలు", "ని"), 1),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "घंटा", "घंटे", "घण्टे"), 60),
    **dict.fromkeys(("గంట", "గంటలు", "గం"), 60),
    **dict.fromkeys(("d", "day", "days", "दिन", "రోజు", "రోజులు"), 24 * 60),
    # Malayalam as Babel writes the offsets back (1 ദിവസം, 2 മണിക്കൂർ, 30 മിനിറ്റ്) and as typed
    **dict.fromkeys(("മിനിറ്റ്", "മിനിട്ട്", "മിനിറ്റുകൾ", "മി"), 1),
    **dict.fromkeys(("മണിക്കൂർ", "മണിക്കൂറുകൾ"), 60),
    **dict.fromkeys(("ദിവസം", "ദിവസങ്ങൾ"), 24 * 60),
    # Tamil as Babel writes the offsets back (1 நாள் 2 மணிநேரம், 30 நிமிடங்கள்) and as typed;
    # never மணி alone, which is the hour of the clock (2 மணி is two o'clock)
    **dict.fromkeys(("நிமிடம்", "நிமிடங்கள்", "நிமி"), 1),
    **dict.fromkeys(("மணிநேரம்", "மணிநேரங்கள்"), 60),
    **dict.fromkeys(("நாள்", "நாட்கள்", "நாள்கள்"), 24 * 60),
    # Punjabi as Babel writes the offsets back (1 ਦਿਨ, 2 ਘੰਟੇ, 30 ਮਿੰਟ) and as typed
    **dict.fromkeys(("ਮਿੰਟ", "ਮਿੰਟਾਂ", "ਮਿਨਟ"), 1),
    **dict.fromkeys(("ਘੰਟਾ", "ਘੰਟੇ", "ਘੰਟਿਆਂ"), 60),
    **dict.fromkeys(("ਦਿਨ", "ਦਿਨਾਂ"), 24 * 60),
    # Gujarati as Babel writes the offsets back (1 દિવસ 2 કલાક, 30 મિનિટ) and as typed
    **dict.fromkeys(("મિનિટ", "મિનિટો", "મિ"), 1),
    **dict.fromkeys(("કલાક", "કલાકો"), 60),
    **dict.fromkeys(("દિવસ", "દિવસો"), 24 * 60),
}
_SPLIT = re.compile(r"[,;+]|\band\b|और|మరియు|மற்றும்|ਅਤੇ|અને", re.IGNORECASE)
_BEFORE = re.compile(
    r"\s*(before|पहले|ముందు|മുമ്പ്|മുൻപ്|മുന്പ്|முன்பு|முன்னால்|முன்|ਪਹਿਲਾਂ|પહેલાં|પહેલા)\s*$",
    re.IGNORECASE,
)
_PART = re.compile(r"(\d{1,4})\s*([^\d\s]+)\s*")


def parse_offsets(text: str) -> tuple[int, ...] | None:
    """Minutes before the start, longest first; None when any part cannot be read.

    Commas and "and" separate reminders ("1 day and 2 hours" is two); the parts of one
    reminder add up ("3 hours 30 minutes" is one).
    """
    found: set[int] = set()
    # "2 மணி நேரம்" (hours) is usually written as two words; the unit is one word here.
    text = text.replace("மணி நேர", "மணிநேர")
    for chunk in _SPLIT.split(ascii_digits(text)):
        chunk = _BEFORE.sub("", chunk.strip())
        if not chunk:
            continue
        minutes = _minutes(chunk)
        if minutes is None:
            return None
        if not 1 <= minutes <= MAX_OFFSET:
            return None
        found.add(minutes)
    if not found or len(found) > MAX_OFFSETS:
        return None
    return tuple(sorted(found, reverse=True))


def _minutes(chunk: str) -> int | None:
    """'3 hours 30 minutes' -> 210: the parts of one reminder add up."""
    total, end = 0, 0
    for match in _PART.finditer(chunk):
        unit = _UNITS.get(match.group(2).casefold().rstrip("."))
        if match.start() != end or unit is None:
            return None
        total += int(match.group(1)) * unit
        end = match.end()
    return total if end == len(chunk) and end else None
