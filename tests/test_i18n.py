"""Catalogues are complete and consistent (SPEC §7): a test fails when any msgid is missing,
untranslated or fuzzy in a shipped language, or when placeholders differ."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.commands import commands, menu_entries
from bot.i18n import SHIPPED_LANGUAGES, native_name, po_path, translator

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "t": None,  # the reader's Translator, as the web pages and some screens name it
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NC_": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def code_msgids() -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every string marked in the code."""
    found: set[tuple[str | None, str]] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add((context, message if isinstance(message, str) else message[0]))
    # the web pages' templates (babel.cfg's jinja2 sections)
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT / "bot" / "web" / "templates",
        method_map=[("**.html", "jinja2"), ("**.xml", "jinja2")],
        keywords=KEYWORDS,
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def catalog(language: str):  # type: ignore[no-untyped-def]
    with open(po_path(language), "rb") as po:
        return read_po(po, locale=language)


def test_languages_are_shipped() -> None:
    assert SHIPPED_LANGUAGES[0] == "en" and {"hi", "te"} <= set(SHIPPED_LANGUAGES)
    assert [native_name(code) for code in ("en", "hi", "te")] == ["English", "हिन्दी", "తెలుగు"]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_every_string_in_the_code_is_in_the_catalogue(language: str) -> None:
    ids = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog(language) if m.id
    }
    missing = code_msgids() - ids
    first = sorted(missing, key=str)[:5]
    assert not missing, f"run the pybabel update in the README; missing in {language}: {first}"


@pytest.mark.parametrize("language", [code for code in SHIPPED_LANGUAGES if code != "en"])
def test_translations_complete_not_fuzzy_same_placeholders(language: str) -> None:
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {source[:60]}")
        for string in strings:
            if not string:
                problems.append(f"untranslated: {source[:60]}")
            elif sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {source[:60]}")
            elif any(cmd not in string for cmd in re.findall(r"/[a-z]{3,}", source)):
                problems.append(f"a /command was translated: {source[:60]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_command_menus_fit_telegram(language: str) -> None:
    for staff in (False, True):
        for name, description in menu_entries(translator(language).gettext, staff=staff):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
            assert 1 <= len(description) <= 256


def test_every_command_has_a_description_in_every_language() -> None:
    for entry in commands():
        for language in SHIPPED_LANGUAGES[1:]:
            assert translator(language)(
                entry.description
            ) != entry.description or entry.description in ("NGO",), (
                f"/{entry.name} description untranslated in {language}"
            )


def test_indian_number_and_money_formatting() -> None:
    assert translator("en").number(100000) == "1,00,000"
    assert translator("en").money(250000) == "₹2,50,000"  # whole rupees: no .00
    assert translator("hi").money(1500.5) == "₹1,500.50"
    assert translator("ta").money(150000) == "₹1,50,000"
    assert translator("ta").money(1500.5) == "₹1,500.50"  # no space after ₹, as whole ones
    assert "₹" in translator("hi").money(1500)
    when = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)
    assert "10:30" in translator("en").datetime(when, ZoneInfo("Asia/Kolkata"))
    assert "दिस" in translator("hi").date(when.date())  # दिसंबर
