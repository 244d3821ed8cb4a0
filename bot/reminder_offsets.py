"""Reminder offsets shown back (Babel, in the reader's language, so no new catalogue
strings): the chat (handlers/offsets.py) and the dashboard. Reading what a CDA types is
`bot.parse.offsets`."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta

from bot.i18n import Translator


def show_offset(_: Translator, minutes: int) -> str:
    """'1 day 2 hours' in the reader's language (each part by Babel)."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        format_timedelta(timedelta(**{unit: amount}), threshold=1, locale=_.locale)
        for unit, amount in (("days", days), ("hours", hours), ("minutes", mins))
        if amount
    ]
    return " ".join(parts)


def show_offsets(_: Translator, offsets: tuple[int, ...] | list[int]) -> str:
    return ", ".join(show_offset(_, m) for m in offsets)
