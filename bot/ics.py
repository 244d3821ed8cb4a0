"""A meeting or visit as an iCalendar file (RFC 5545), for "add to my calendar" (issue 5).

Written by hand because one VEVENT needs only three rules, each tested:

* text values escape backslash, semicolon, comma and newline (§3.3.11);
* lines end in CRLF and are folded at 75 octets, never inside a UTF-8 character, each
  continuation starting with one space (§3.1) — Hindi and Telugu titles are long in bytes;
* times are UTC ("...Z", §3.3.5), so no VTIMEZONE is needed; calendars show them in the
  phone's own zone.

The UID is stable per event, so importing the file again after a change of time or place
updates the same calendar entry (SEQUENCE grows with each change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

LINE_OCTETS = 75
# A meeting has no end time: calendars need one, and two hours is a typical meeting.
DEFAULT_DURATION = timedelta(hours=2)
PRODID = "-//clusterbot//events//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # globally unique and stable, e.g. "event-7@bagru.clusterbot"
    summary: str
    starts: datetime
    ends: datetime | None = None
    location: str = ""
    description: str = ""
    cancelled: bool = False
    sequence: int = 0


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line, folded to at most 75 octets per physical line, CRLF-terminated."""
    data = line.encode("utf-8")
    parts: list[bytes] = []
    limit = LINE_OCTETS
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # inside a UTF-8 sequence: back off
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = LINE_OCTETS - 1  # continuation lines start with a space
    parts.append(data)
    return b"\r\n ".join(parts) + b"\r\n"


def stamp(moment: datetime) -> str:
    """DATE-TIME in UTC form: 20261201T043000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def serialize(event: CalendarEvent, now: datetime) -> bytes:
    """The whole VCALENDAR with one VEVENT, as bytes for a `.ics` document."""
    ends = event.ends or event.starts + DEFAULT_DURATION
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(event.starts)}",
        f"DTEND:{stamp(ends)}",
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return b"".join(fold(line) for line in lines)
