"""Digits of any script, and text folded for matching words people type."""

from __future__ import annotations

import unicodedata


def ascii_digits(text: str) -> str:
    """'२०२४' -> '2024', '౨౦౨౪' -> '2024': any Unicode decimal digit becomes ASCII."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def fold(word: str) -> str:
    """Case, the Devanagari nukta (often left out: फ़/फ) and abbreviation marks (. ॰) folded."""
    return word.casefold().replace("\u093c", "").replace("॰", "").rstrip(".")
