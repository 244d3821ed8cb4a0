"""Digits of any script, and text folded for matching words people type."""

from __future__ import annotations

import re
import unicodedata


def ascii_digits(text: str) -> str:
    """'२०२४' -> '2024', '౨౦౨౪' -> '2024': any Unicode decimal digit becomes ASCII."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def fold(word: str) -> str:
    """Case, the Devanagari nukta (often left out: फ़/फ) and abbreviation marks (. ॰) folded.
    NFC first: a phone may send ਸ਼ or क़ as one code point, CLDR and our catalogues spell
    them as letter + nukta (Unicode never composes them back)."""
    plain = unicodedata.normalize("NFC", word)
    return plain.casefold().replace("\u093c", "").replace("॰", "").rstrip(".")


_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def fold_words(text: str) -> str:
    """Typed words folded for matching a label: `fold`, accents on Latin letters dropped
    (Café -> cafe), spaces tidied, punctuation at the ends left out. Indian scripts keep
    their vowel signs: they change the word."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    plain = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return fold(_EDGE_PUNCTUATION.sub("", unicodedata.normalize("NFC", plain)))


def has_words(text: str, *, digits: bool = True) -> bool:
    """Does `text` hold a letter (any script, with its marks) — or, with `digits`, a digit?
    Emoji, symbols and punctuation alone are no name and no answer (registration and
    survey text answers both refuse them)."""
    classes = "LMN" if digits else "LM"
    return any(unicodedata.category(ch)[0] in classes for ch in text)
