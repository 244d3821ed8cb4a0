"""The glossary (locales/GLOSSARY.md) is kept (issue 17): every shipped language has a
section with every key term, and no catalogue entry or shipped form cell of a language uses
a variant its section refuses. New languages are checked as soon as their catalogue exists."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import NC_, SHIPPED_LANGUAGES, po_path, translator
from bot.reports.labels import CATEGORY_LABELS, STATUS_LABELS
from bot.vocabulary import GENDERS

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "locales" / "GLOSSARY.md"
FORMS = sorted((ROOT / "locales" / "forms").glob("*.md"))
TERMS = (
    "cluster", "CDA", "survey", "meeting", "exposure visit", "activity", "event", "SHG",
    "update", "consent", "registration", "reminder", "action plan", "other", "done",
)  # fmt: skip
HEADING = re.compile(r"^## (?P<name>.+?) \((?P<code>[a-z]{2,3})\)\s*$")
LANGUAGE_COLUMN = re.compile(r"::.*\((?P<code>[a-z]{2,3})\)$")


@dataclass(frozen=True)
class Entry:
    term: str
    word: str
    variants: tuple[str, ...]


def norm(text: str) -> str:
    # NFC, so that ज़ typed as one code point or as ज + nukta compares equal; casefold, so
    # that "Study tour" at the start of a sentence is caught like "study tour".
    return unicodedata.normalize("NFC", text).casefold()


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_glossary(text: str) -> dict[str, dict[str, Entry]]:
    """{language code: {term: Entry}} from the `## Name (code)` sections' tables."""
    sections: dict[str, dict[str, Entry]] = {}
    current: dict[str, Entry] | None = None
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            current = sections.setdefault(heading["code"], {})
            continue
        if line.startswith("## "):
            current = None
        if current is None or not line.startswith("|"):
            continue
        row = cells(line)
        if len(row) < 3 or row[0] == "term" or set(row[0]) <= {"-", ":"}:
            continue
        variants = tuple(v.strip() for v in row[2].split(",") if v.strip() not in ("", "—", "-"))
        current[row[0]] = Entry(row[0], row[1], variants)
    return sections


def catalogue_texts(catalog: Catalog, language: str) -> list[tuple[str, str]]:
    """(entry, text) for what a reader of `language` sees: the msgstrs, and for English,
    the source language, the msgids themselves."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        where = (f"[{message.context}] " if message.context else "") + ids[0][:70]
        texts = [s for s in strings if s]
        if language == "en":
            texts += ids
        found += [(where, text) for text in texts]
    return found


def form_texts(text: str, name: str, language: str) -> list[tuple[str, str]]:
    """(cell, text) for every cell under a column of `language` (`label::Hindi (hi)`)."""
    found = []
    header: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            continue
        row = cells(line)
        if any(LANGUAGE_COLUMN.search(cell) for cell in row):
            header = row
            continue
        for column, value in zip(header, row, strict=False):
            match = LANGUAGE_COLUMN.search(column)
            if match and match["code"] == language and value:
                found.append((f"{name}:{number} {column}", value))
    return found


def variants_used(entries: dict[str, Entry], texts: list[tuple[str, str]]) -> list[str]:
    problems = []
    for where, text in texts:
        seen = norm(text)
        for entry in entries.values():
            for variant in entry.variants:
                if norm(variant) in seen:
                    problems.append(
                        f"{where!r} uses {variant!r}; the glossary says {entry.word!r} "
                        f"for {entry.term!r}"
                    )
    return problems


def missing_terms(entries: dict[str, Entry]) -> list[str]:
    return [term for term in TERMS if term not in entries or not entries[term].word]


def contradictions(entries: dict[str, Entry]) -> list[str]:
    """Variants that would flag the chosen word itself."""
    return [
        f"{entry.term}: {variant!r} is part of the chosen word {entry.word!r}"
        for entry in entries.values()
        for variant in entry.variants
        if norm(variant) in norm(entry.word)
    ]


def glossary() -> dict[str, dict[str, Entry]]:
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


def language_texts(language: str) -> list[tuple[str, str]]:
    with open(po_path(language), "rb") as po:
        texts = catalogue_texts(read_po(po, locale=language), language)
    for form in FORMS:
        texts += form_texts(form.read_text(encoding="utf-8"), form.name, language)
    return texts


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_every_shipped_language_has_a_section_with_every_term(language: str) -> None:
    sections = glossary()
    assert language in sections, f"locales/GLOSSARY.md has no section '## … ({language})'"
    assert not missing_terms(sections[language]), (
        f"{language}: terms missing in the glossary: {missing_terms(sections[language])}"
    )


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_no_catalogue_entry_or_form_cell_uses_a_refused_variant(language: str) -> None:
    entries = glossary().get(language, {})
    texts = language_texts(language)
    assert texts, f"nothing read for {language}"
    problems = variants_used(entries, texts)
    assert not problems, f"{len(problems)} in {language}:\n" + "\n".join(problems)


# Button names in running text take curly double quotes (the glossary's rule); these are
# the other quotes translators reach for. ASCII ' is only refused outside English, where
# it is never an apostrophe (Punjabi's elision mark is ’, which stays allowed).
OTHER_QUOTES = ("«", "»", "„", '"')


def wrong_quotes(texts: list[tuple[str, str]], language: str) -> list[str]:
    refused = OTHER_QUOTES if language == "en" else (*OTHER_QUOTES, "'")
    return [f"{where!r} quotes with {q!r}" for where, text in texts for q in refused if q in text]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_button_names_are_quoted_one_way(language: str) -> None:
    with open(po_path(language), "rb") as po:
        texts = catalogue_texts(read_po(po, locale=language), language)
    problems = wrong_quotes(texts, language)
    assert not problems, "\n".join(problems)


def test_the_quote_check_catches_guillemets_and_straight_quotes() -> None:
    texts = [("a", "फिर «पूरा हुआ» दबाएँ।"), ("b", "తర్వాత 'అయిపోయింది' నొక్కండి."),
             ("c", "ਸੂਚੀ ’ਤੇ ਵਾਪਸ"), ("d", "The cluster's “Done”")]  # fmt: skip
    assert wrong_quotes(texts[:2], "hi") == ["'a' quotes with '«'", "'a' quotes with '»'",
                                             "'b' quotes with \"'\""]  # fmt: skip
    assert not wrong_quotes(texts[2:3], "pa") and not wrong_quotes(texts[3:], "en")


def test_no_chosen_word_is_among_its_own_variants() -> None:
    problems = [f"{code}: {p}" for code, s in glossary().items() for p in contradictions(s)]
    assert not problems, "\n".join(problems)


def test_the_forms_have_columns_for_the_shipped_languages() -> None:
    """The form reader finds the language columns (else the check above reads nothing)."""
    text = FORMS[0].read_text(encoding="utf-8")
    for language in ("en", "hi", "te"):
        assert any("label::" in where for where, _ in form_texts(text, "f", language))


SYNTHETIC = """# Glossary
Words.

## Hindi (hi)

| term | word | not | why |
|---|---|---|---|
| survey | सर्वे | सर्वेक्षण | short |
| meeting | बैठक | मीटिंग, बैठक | loops |

## Later (xx)
"""


def test_the_check_fails_on_a_variant_a_missing_term_and_a_contradiction() -> None:
    section = parse_glossary(SYNTHETIC)["hi"]
    assert section["meeting"].variants == ("मीटिंग", "बैठक")
    catalog = Catalog(locale="hi")
    catalog.add("Answer a survey", "सर्वेक्षण का जवाब दें")
    catalog.add("Done", "पूरा हुआ", context="status")
    catalog.add("Meeting", "मीटिंग")
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    buffer.seek(0)
    texts = catalogue_texts(read_po(buffer, locale="hi"), "hi")
    form = (
        "| survey |\n| | type | name | label::English (en) | label::Hindi (hi) |\n"
        "| | note | intro | A survey | एक सर्वेक्षण |\n"
    )
    texts += form_texts(form, "x.md", "hi")
    problems = variants_used(section, texts)
    assert len(problems) == 3
    assert "'Answer a survey' uses 'सर्वेक्षण'; the glossary says 'सर्वे'" in problems[0]
    assert "'Meeting' uses 'मीटिंग'" in problems[1]
    assert problems[2].startswith("'x.md:3 label::Hindi (hi)' uses 'सर्वेक्षण'")
    assert "cluster" in missing_terms(section) and "survey" not in missing_terms(section)
    assert contradictions(section) == ["meeting: 'बैठक' is part of the chosen word 'बैठक'"]
    assert "xx" in parse_glossary(SYNTHETIC) and not parse_glossary(SYNTHETIC)["xx"]


def test_english_is_checked_against_the_msgids() -> None:
    catalog = Catalog(locale="en")
    catalog.add("Plan a study tour", "")
    problems = variants_used(glossary()["en"], catalogue_texts(catalog, "en"))
    assert problems and "'study tour'" in problems[0]


def test_short_words_are_translated_per_use() -> None:
    """'Other' and 'Done' carry a context per use, and a table's NC_ mark keeps it for _()."""
    hi, te = translator("hi"), translator("te")
    assert hi(STATUS_LABELS["done"]) == "पूरी हुई" and hi.pgettext("action", "Done") == "पूरा हुआ"
    assert te(STATUS_LABELS["done"]) == te(NC_("status", "Done")) == "పూర్తయింది"
    assert te(GENDERS["other"]) == te(CATEGORY_LABELS["other"]) == "ఇతర"
    assert te.pgettext("choice", "Other") == "ఇంకేదైనా"
    assert translator("en")(STATUS_LABELS["done"]) == "Done"
