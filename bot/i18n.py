"""Translations and locale formatting.

Catalogues are the `.po` files under `locales/<code>/LC_MESSAGES/clusterbot.po`; they are
compiled in memory with Babel at start, so there is no build step and no binary in git.
A language is shipped when its catalogue exists: adding a language is adding one file.
Dates, numbers and money are formatted with Babel for the Indian locale of each language
(`en_IN` gives 1,00,000 and ₹).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

DOMAIN = "clusterbot"


FIRST = ("en", "hi", "te", "ta", "ml", "gu", "pa")


def _discover() -> tuple[str, ...]:
    root = resources.files("locales")
    found = [
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file()
    ]
    # English first (the source language and the fallback), then Hindi and Telugu, the
    # programme's first languages, then the seed's other clusters' (Tamil, Malayalam,
    # Gujarati, Punjabi); a language added later comes after them, by code. The first
    # screen offers them in this order, so a typed "2" keeps meaning Hindi.
    return tuple(sorted(found, key=lambda code: (FIRST.index(code) if code in FIRST
                                                 else len(FIRST), code)))  # fmt: skip


SHIPPED_LANGUAGES: tuple[str, ...] = _discover()


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


class _InContext(str):
    """A msgid that remembers its `msgctxt`, so that a table of labels can hold it like any
    string and `_()` still finds the translation for that use."""

    context: str


def NC_(context: str, message: str) -> str:
    """Mark a string with a context (`msgctxt`) for extraction; translate it later with
    `Translator.pgettext(context, message)`, or simply `_()`, which reads the context the
    mark kept. Contexts tell translators which use a short word has ("button": a WhatsApp
    button or list row, 20/24 characters at most; "status", "gender", "choice": see
    locales/GLOSSARY.md)."""
    marked = _InContext(message)
    marked.context = context
    return marked


def po_path(language: str) -> str:
    return str(resources.files("locales").joinpath(language, "LC_MESSAGES", f"{DOMAIN}.po"))


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language not in SHIPPED_LANGUAGES or language == "en":
        return gettext.NullTranslations()
    with open(po_path(language), "rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    # Fuzzy entries are not trusted translations: tests fail on them, and at run time
    # the English text is better than a half-right one.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def babel_locale(language: str) -> Locale:
    """The Indian variant where Babel has one, for lakh/crore grouping and ₹."""
    for candidate in (f"{language}_IN", language, "en_IN"):
        try:
            return Locale.parse(candidate)
        except (ValueError, LookupError):
            continue
    return Locale.parse("en_IN")


def native_name(language: str) -> str:
    """'हिन्दी' for hi: a language is offered in its own script."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


class Translator:
    """`_()` and locale formatting bound to one language."""

    def __init__(self, language: str):
        self.language = language if language in SHIPPED_LANGUAGES else "en"
        self._t = _translations(self.language)
        self.locale = babel_locale(self.language)

    def gettext(self, message: str) -> str:
        context = getattr(message, "context", None)
        if context is not None:
            return self._t.pgettext(context, message)
        return self._t.gettext(message)

    __call__ = gettext

    def pgettext(self, context: str, message: str) -> str:
        """The translation of `message` in `context` (the catalogue's `msgctxt`)."""
        return self._t.pgettext(context, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def money(self, value: float, currency: str = "INR") -> str:
        """₹1,500 for whole amounts (how prices are spoken and written), ₹1,500.50 else.
        The pattern is ours in both cases: CLDR's Tamil one puts a space after the ₹ for
        paise only, so ₹1,500 and ₹ 1,500.50 would sit side by side."""
        if float(value).is_integer():
            return format_currency(
                value, currency, locale=self.locale, format="¤#,##,##0", currency_digits=False
            )
        return format_currency(
            value, currency, locale=self.locale, format="¤#,##,##0.00", currency_digits=False
        )

    def date(self, value: dt.date, fmt: str = "medium") -> str:
        return format_date(value, format=fmt, locale=self.locale)

    def datetime(self, value: dt.datetime, tz: dt.tzinfo, fmt: str = "medium") -> str:
        return format_datetime(value, format=fmt, tzinfo=tz, locale=self.locale)

    def time(
        self, value: dt.datetime | dt.time, tz: dt.tzinfo | None = None, fmt: str | None = None
    ) -> str:
        """A clock time as the reader's locale writes it (Babel, CLDR): '10:30 AM' in
        English; elsewhere with the locale's own word for the part of the day ('सुबह
        10:30', '10:30 ఉదయం', 'காலை 10:30'), CLDR's flexible day period pattern (`Bhm`): the
        Latin AM/PM that CLDR keeps for Telugu, Tamil and others reads as English there."""
        zone = tz if isinstance(value, dt.datetime) else None
        if fmt is not None:
            return format_time(value, format=fmt, tzinfo=zone, locale=self.locale)
        if self.language == "en":
            return format_time(value, format="short", tzinfo=zone, locale=self.locale)
        return format_skeleton("Bhm", value, tzinfo=zone, locale=self.locale)

    def moment(self, value: dt.datetime, tz: dt.tzinfo) -> str:
        """'5 Dec 2026, 10:30 AM' / '5 दिस॰ 2026, सुबह 10:30': a date and a time, in `tz`."""
        return f"{self.date(value.astimezone(tz).date())}, {self.time(value, tz)}"


@cache
def translator(language: str | None) -> Translator:
    return Translator(language or "en")
