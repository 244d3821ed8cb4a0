"""Compile a `Workbook` (plain sheet rows, from `loader.py`) into the form model
(`model.py`): every type, column and expression checked with its sheet, row and column.
Anything the runner cannot run is refused (`errors.ImportProblem`); anything it carries out
in a nearby chat form is a warning (`errors.Warn`), so `--strict` can refuse those too."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, time
from difflib import get_close_matches
from typing import Any

from bot.networks import survey_links
from bot.surveys import expr
from bot.surveys.errors import (
    DROPPED_MEANS,
    Code,
    FormImportError,
    ImportProblem,
    Warn,
    WarningLog,
)
from bot.surveys.model import (
    CODE_IN_PARENS,
    DEFAULT_LANGUAGE,
    LAST_SAVED,
    QUESTION_MEDIA,
    SUPPORTED_TYPES,
    Choice,
    Form,
    Group,
    Node,
    Question,
    Repeat,
    language_code,
    localized,
)


# ------------------------------------------------------------------ builder's input ---
@dataclass(frozen=True)
class Cell:
    """One non-empty cell, its header already understood by the loader.

    `column` is the canonical XLSForm column ("label", "relevant", "constraint_message",
    "repeat_count", "media:image", ...) or the header itself when it is not an XLSForm
    column (choice_filter data, notes). `language` is the language part of the header as
    written ("English (en)"), or None for the untranslated column. `header` is the header as
    written in the form, for messages.
    """

    column: str
    language: str | None
    header: str
    value: str


@dataclass(frozen=True)
class SheetRow:
    row: int
    cells: tuple[Cell, ...]

    def cell(self, column: str) -> Cell | None:
        untranslated = [c for c in self.cells if c.column == column and c.language is None]
        found = untranslated or [c for c in self.cells if c.column == column]
        return found[0] if found else None

    def get(self, column: str) -> str | None:
        found = self.cell(column)
        return found.value if found else None

    def header(self, column: str) -> str:
        found = self.cell(column)
        return found.header if found else column

    def texts(self, column: str) -> list[Cell]:
        return [c for c in self.cells if c.column == column]


@dataclass(frozen=True)
class SurveyRow(SheetRow):
    """A survey-sheet row with its type understood (select syntax, begin/end) by the loader.

    `kind` is "question", "begin group", "end group", "begin repeat", "end repeat",
    "begin loop", "end loop" or "empty". For a question `type_word` is "select_one",
    "select_multiple", "select_one_from_file", "select_multiple_from_file",
    "select_one_external", "rank", "osm" or the type as written otherwise.
    """

    kind: str = "question"
    type_word: str = ""
    list_name: str | None = None
    or_other: bool = False
    default_dynamic: bool = False


@dataclass(frozen=True)
class Workbook:
    """A form as the loader read it: plain rows, no pyxform objects."""

    survey: tuple[SurveyRow, ...]
    choices: tuple[SheetRow, ...]
    settings: dict[str, str]  # canonical setting -> value (title, id_string, version, ...)
    fallback_key: str  # the file stem
    source: str = ""
    content_hash: str = ""  # the version when the settings give none
    titles: dict[str, str] = field(default_factory=dict)  # language as written -> title
    unit: str = "row"  # "line" for YAML forms
    external_choices: tuple[SheetRow, ...] = ()  # the external_choices sheet
    entities: bool = False  # the form has an entities sheet
    # Form media files given with --media (or beside the form): name -> rows of fields.
    media: dict[str, tuple[dict[str, str], ...]] = field(default_factory=dict)
    # The question media files (media::image, ...) that were found: name -> content.
    media_files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportReport:
    """A form that loads: `warnings` one line each, `codes` their `Warn` codes (same order),
    `strict` the same warnings as refusals (what --strict raises)."""

    form: Form
    warnings: list[str]
    codes: list[str] = field(default_factory=list)
    strict: list[ImportProblem] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)  # form.media's files: name -> content


def build_form(workbook: Workbook, *, key: str | None = None) -> ImportReport:
    """Build and check a Form; raises FormImportError listing every problem found."""
    return _Builder(workbook).build(key)


# ----------------------------------------------------------------------- type tables ---
# XLSForm type spellings (pyxform's aliases included) -> our type.
QUESTION_TYPES: dict[str, str] = {
    **dict.fromkeys(("text", "string", "q string", "add text prompt"), "text"),
    **dict.fromkeys(("integer", "int", "q int", "add integer prompt"), "integer"),
    **dict.fromkeys(("decimal", "q decimal", "add decimal prompt"), "decimal"),
    **dict.fromkeys(("date", "q date", "add date prompt"), "date"),
    "time": "time",
    **dict.fromkeys(
        ("geopoint", "gps", "location", "q geopoint", "q location", "add location prompt"),
        "geopoint",
    ),
    **dict.fromkeys(
        ("image", "photo", "q image", "q picture", "add image prompt", "add photo prompt"),
        "image",
    ),
    **dict.fromkeys(("audio", "q audio", "add audio prompt"), "audio"),
    **dict.fromkeys(("video", "q video", "add video prompt"), "video"),
    **dict.fromkeys(("file", "add file prompt"), "file"),
    **dict.fromkeys(("note", "q note", "add note prompt"), "note"),
    # ODK's old `trigger` is the same widget as acknowledge.
    **dict.fromkeys(
        ("acknowledge", "trigger", "q acknowledge", "add acknowledge prompt"), "acknowledge"
    ),
    "range": "range",
    **dict.fromkeys(("calculate", "q calculate", "add calculate prompt"), "calculate"),
    "select_one": "select_one",
    "select_multiple": "select_multiple",
}

# Metadata rows: what a phone fills in by itself. The bot fills them from the chat session
# (`Runner(session=...)`): type -> the session value it takes ("" = none in a chat).
METADATA_TYPES: dict[str, str] = {
    **dict.fromkeys(("start", "start time", "get start time"), "start"),
    **dict.fromkeys(("end", "end time", "get end time"), "end"),
    **dict.fromkeys(("today", "get today"), "today"),
    **dict.fromkeys(
        ("deviceid", "imei", "uri:deviceid", "device id", "get device id"), "deviceid"
    ),
    **dict.fromkeys(("username", "uri:username"), "username"),
    **dict.fromkeys(("phonenumber", "uri:phonenumber", "get phone number"), "phonenumber"),
    # Nothing in a chat to fill these with: the rows stay empty (and `${name}` is "").
    # SurveyCTO's (caseid, text audit, comments, speed violations, sensors) are here so
    # that pyxform, which does not know them, refuses the form with its own reason.
    **dict.fromkeys(
        ("email", "uri:email", "simserial", "uri:simserial", "sim id", "get sim id",
         "subscriberid", "uri:subscriberid", "subscriber id", "get subscriber id", "caseid",
         "audit", "text audit", "audio audit", "comments", "speed violations count",
         "speed violations list", "speed violations audit", "sensor_statistic",
         "sensor_stream", "start-geopoint", "background-geopoint", "background-audio"),
        "",
    ),
}  # fmt: skip
# What the import report says for each filled metadata value.
METADATA_HOW: dict[str, str] = {
    "start": "when the respondent started the survey",
    "end": "when the respondent gave the last answer",
    "today": "the day of the answer",
    "deviceid": "a stable pseudonymous id of the respondent (clusterbot:<hash>)",
    "username": "the respondent's registered name",
    "phonenumber": "the phone number the respondent shared, if any",
}

# Types a chat asks in its closest form: type -> (our type, what the warning says).
_DATETIME_AS = "a date, then a time (or both typed at once), stored YYYY-MM-DDTHH:MM:SS"
CARRIED_OUT_TYPES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("barcode", "q barcode", "add barcode prompt"),
                    ("text", "typed text (the code written out)")),
    **dict.fromkeys(
        ("datetime", "dateTime", "q dateTime", "q date time", "date time",
         "add date time prompt", "add dateTime prompt"),
        ("datetime", _DATETIME_AS),
    ),
    **dict.fromkeys(("geotrace", "q geotrace"), (
        "geotrace", "location shares then Done (or typed points), at least 2")),
    **dict.fromkeys(("geoshape", "q geoshape"), (
        "geoshape", "location shares then Done (or typed corners), at least 3")),
    "rank": ("rank", "the choices pressed in order, then Done (or their numbers typed in order)"),
    "osm": ("text", "typed text: OpenStreetMap widgets need a phone"),
}  # fmt: skip
# Rows never asked (their value stays empty): type -> why.
SKIPPED_TYPES: dict[str, str] = {
    **dict.fromkeys(("xml-external", "csv-external"),
                    "it names a data file for instance() lookups, which the bot does not read"),
    "hidden": "a hidden field is never asked; it keeps its default value",
}  # fmt: skip
_FROM_FILE = frozenset({"select_one_from_file", "select_multiple_from_file"})
MEDIA_SUFFIXES = (".csv", ".xml", ".geojson")

_YES = frozenset({"yes", "true", "true()"})
_NO = frozenset({"no", "false", "false()"})
# Appearances that change nothing in a chat (buttons are buttons): no warning needed.
HARMLESS_APPEARANCES = frozenset(
    {
        "minimal", "quick", "compact", "quickcompact", "horizontal", "horizontal-compact",
        "likert", "label", "list-nolabel", "list", "no-buttons", "columns", "columns-pack",
        "columns-flex", "autocomplete", "autocomplete_chars", "field-list", "table-list",
        "multiline", "numbers", "thousands-sep", "no-calendar", "month-year", "year",
        "hidden-answer", "show_formatted", "new", "new-front", "new-rear",
    }
)  # fmt: skip
_NUMBERED_APPEARANCE = re.compile(r"^(compact|columns|w)-?\d+$")
_APPEARANCE_WORD = re.compile(r"[^\s(]+(?:\([^)]*\))?")
_NAME = re.compile(r"^[^\W\d][\w.\-]*$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
_TEXT_REF = re.compile(r"\$\{\s*([^}\s]*)\s*\}")
_PULLDATA = re.compile(r"pulldata\(\s*['\"]([^'\"]+)['\"]")
_LOOKUP = re.compile(
    r"instance\(\s*['\"](?P<list>[^'\"]+)['\"]\s*\)\s*/\s*root\s*/\s*item\s*"
    r"\[\s*name\s*=\s*(?P<key>\$\{[^}]+\}|'[^']*'|\"[^\"]*\")\s*\]\s*/\s*(?P<field>[\w:-]+)"
)
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_FUNCTION_CALL = re.compile(r"(?<![\w${}.:\-])([A-Za-z_][\w.:\-]*)\s*\(")
_OPERATOR_WORDS = frozenset({"and", "or", "div", "mod"})
_PARAMETER = re.compile(r"([^\s=,;]+)=([^\s=,;]+)")
# media:: columns a question sends with its text (the file, in the reader's language).
TRANSLATABLE = ("label", "hint", "constraint_message", "required_message")
RANGE_DEFAULTS = {"start": "1", "end": "10", "step": "1"}  # ODK Collect's defaults


_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)
_HTML_TAG = re.compile(r"</?(?:span|font|b|i|u|strong|em|p|div)\b[^>]*>", re.I)
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_HEADER = re.compile(r"^#{1,6}\s+", re.M)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")


def plain_text(text: str) -> str:
    """A label with ODK's formatting as a chat shows it: markdown (**bold**, *italic*,
    # headers, [links](url)) and <span style> / <br> tags become plain text."""
    if not any(c in text for c in "<*_#["):
        return text
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EMPHASIS.sub(r"\1", text)
    text = _MD_HEADER.sub("", text)
    return _MD_LINK.sub(r"\1 (\2)", text)


def called_functions(text: str) -> set[str]:
    """Names called in an expression, found even where expr.parse stops at the first."""
    code = _STRING_LITERAL.sub("''", text)
    return {m for m in _FUNCTION_CALL.findall(code) if m not in _OPERATOR_WORDS}


def parse_parameters(text: str) -> dict[str, str] | None:
    """XLSForm `parameters` ("start=1 end=10 step=1"); None when it is not key=value pairs."""
    rest = _PARAMETER.sub("", text)
    if rest.strip(" \t\n,;"):
        return None
    return {k.lower(): v for k, v in _PARAMETER.findall(text)}


# --------------------------------------------------------------------------- builder ---
@dataclass
class _Frame:
    """An open begin group/repeat while reading the survey sheet."""

    kind: str  # "group", "repeat" or "loop"
    row: SurveyRow
    children: list[Node] = field(default_factory=list)
    name: str = ""  # the name it is stored under ("" for the root)
    names: dict[str, int] = field(default_factory=dict)  # names of its children -> row


class _Languages:
    """Maps header languages ("Hindi (hi)", "hindi", None) to codes, default first."""

    def __init__(self, wb: Workbook, warnings: WarningLog) -> None:
        self.names: dict[str, str] = {}  # code -> a header language that maps to it
        seen: list[str] = []
        untranslated = False
        for sheet, language in _text_languages(wb):
            if language is None:
                untranslated = True
                continue
            code, known = language_code(language)
            if not known and code not in self.names:
                warnings.add(sheet, None, Warn.LANGUAGE_CODE, language=language, iso=code)
            self.names.setdefault(code, language)
            if code not in seen:
                seen.append(code)
        self.default = self._default(wb, warnings, seen, untranslated)
        self.order = (self.default, *[c for c in seen if c != self.default])

    @staticmethod
    def _default(wb: Workbook, warnings: WarningLog, seen: list[str], plain: bool) -> str:
        setting = wb.settings.get("default_language", "").strip()
        default = language_code(setting)[0] if setting and setting != "default" else ""
        if plain or not seen or default in seen:
            return default or DEFAULT_LANGUAGE
        if default:
            warnings.add("settings", None, Warn.DEFAULT_LANGUAGE, setting=setting, used=seen[0])
        return seen[0]

    def code(self, language: str | None) -> str:
        if language is None or language == "default":
            return self.default
        return language_code(language)[0]

    def texts(self, cells: list[Cell]) -> dict[str, str]:
        # An explicit "label::English (en)" wins over the untranslated "label" column.
        out: dict[str, str] = {}
        for cell in sorted(cells, key=lambda c: c.language is None):
            out.setdefault(self.code(cell.language), plain_text(cell.value))
        return {code: out[code] for code in self.order if code in out}


def _text_languages(wb: Workbook) -> Iterator[tuple[str, str | None]]:
    for row in wb.survey:
        for cell in row.cells:
            if cell.column in TRANSLATABLE:
                yield "survey", cell.language
    for choice_row in wb.choices:
        for cell in choice_row.cells:
            if cell.column == "label":
                yield "choices", cell.language
    for language in wb.titles:
        yield "settings", language if language else None


class _Builder:
    """Reads a Workbook once, collecting every problem before refusing the form."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.problems: list[ImportProblem] = []
        self.warnings = WarningLog(unit=wb.unit)
        self.lang = _Languages(wb, self.warnings)
        self.node_rows: dict[str, int] = {}  # every question/group/repeat name -> row
        self.refs: list[tuple[str, int, str, set[str]]] = []  # sheet, row, header, names
        self.looked_up: set[str] = set()  # lists read by instance() lookups
        self.pulled: set[str] = set()  # CSV files read by pulldata(), given with --media
        self.lists: dict[str, tuple[Choice, ...]] = {}
        self.external: dict[str, tuple[Choice, ...]] = {}
        self.media: dict[str, bytes] = {}  # question media files used: name -> content
        self.instance_name: str | None = None

    def build(self, key: str | None) -> ImportReport:
        self.lists = self._choice_lists()
        # select_one_external: its lists are on the external_choices sheet (pyxform
        # refuses the form without it); a chat shows them like any other list.
        self.external = self._choice_lists(self.wb.external_choices, "external_choices")
        if self.wb.entities:
            self._warn("entities", None, Warn.ENTITIES)
        children = self._survey()
        self.instance_name = self._instance_name()
        self._check_references()
        if not any(q.type != "calculate" for q in _questions(children)):
            self._problem(Code.NO_QUESTIONS, "file")
        form = self._form(children, key)
        if self.problems:
            raise FormImportError(self.problems)
        log = self.warnings
        return ImportReport(form, log.lines(), log.codes(), log.problems(), dict(self.media))

    def _problem(
        self,
        code: Code,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        **context: object,
    ) -> None:
        problem = ImportProblem.of(code, sheet, row, column, unit=self.wb.unit, **context)
        self.problems.append(problem)

    def _warn(self, sheet: str, row: int | None, code: Warn, **context: object) -> None:
        self.warnings.add(sheet, row, code, **context)

    # ----------------------------------------------------------------- form level ---
    def _form(self, children: tuple[Node, ...], key: str | None) -> Form:
        settings = self.wb.settings
        raw_key = key or settings.get("id_string") or self.wb.fallback_key
        form_key = raw_key if _KEY.match(raw_key) else _slug_key(raw_key)
        if form_key != raw_key:
            self._warn("file", None, Warn.KEY_SHORTENED, raw=raw_key, key=form_key)
        titles = {self.lang.code(lang or None): text for lang, text in self.wb.titles.items()}
        title = settings.get("title") or localized(titles, self.lang.default, "") or form_key
        titles.setdefault(self.lang.default, title)
        return Form(
            key=form_key,
            title=title,
            titles=titles,
            version=settings.get("version") or self.wb.content_hash,
            default_language=self.lang.default,
            languages=self.lang.order,
            children=children,
            source=self.wb.source,
            lists={name: self.lists[name] for name in sorted(self.looked_up) if name in self.lists},
            data={name: self.wb.media[f"{name}.csv"] for name in sorted(self.pulled)},
            media={
                name: hashlib.sha256(content).hexdigest()
                for name, content in sorted(self.media.items())
            },
            instance_name=self.instance_name,
        )

    def _instance_name(self) -> str | None:
        """settings `instance_name`: checked like any expression (its `${…}` must exist)."""
        text = (self.wb.settings.get("instance_name") or "").strip()
        if not text:
            return None
        row = SheetRow(2, (Cell("instance_name", None, "instance_name", text),))
        return self._expression("settings", row, "instance_name", text)

    # -------------------------------------------------------------------- choices ---
    def _choice_lists(
        self, rows: tuple[SheetRow, ...] | None = None, sheet: str = "choices"
    ) -> dict[str, tuple[Choice, ...]]:
        lists: dict[str, list[Choice]] = {}
        for row in self.wb.choices if rows is None else rows:
            list_name, name = row.get("list_name"), row.get("name")
            if not list_name:
                if name:
                    self._warn(sheet, row.row, Warn.CHOICE_NO_LIST)
                continue
            if not name:
                self._problem(Code.CHOICE_WITHOUT_NAME, sheet, row.row, "name", list=list_name)
                continue
            choices = lists.setdefault(list_name, [])
            first = next((c.row for c in choices if c.name == name), None)
            if first is not None:
                # Real forms (IPA, UNHCR) repeat names, mostly in cascading lists that a
                # choice_filter separates; pyxform allows it with allow_choice_duplicates.
                self._warn(
                    sheet, row.row, Warn.DUPLICATE_CHOICE, name=name, list=list_name,
                    first=first,
                )  # fmt: skip
            choices.append(self._choice(row, name, sheet))
        return {name: tuple(choices) for name, choices in lists.items()}

    def _choice(self, row: SheetRow, name: str, sheet: str = "choices") -> Choice:
        labels = self._texts(sheet, row, "label")
        if not labels:
            self._warn(sheet, row.row, Warn.CHOICE_NO_LABEL)
        if any(c.column.startswith("media:") for c in row.cells):
            self._warn(sheet, row.row, Warn.MEDIA_COLUMN)
        # Any other untranslated column is data for choice_filter, under its header.
        extra = {
            c.header: c.value
            for c in row.cells
            if c.column not in ("list_name", "name", "label")
            and not c.column.startswith("media")
            and not c.language
        }
        return Choice(name=name, labels=labels, extra=extra, row=row.row)

    # --------------------------------------------------------------------- survey ---
    def _survey(self) -> tuple[Node, ...]:
        root = _Frame("root", SurveyRow(0, ()))
        stack = [root]
        for row in self.wb.survey:
            if self._skipped(row):
                continue
            if row.kind.startswith("begin "):
                self._begin(row, stack)
            elif row.kind.startswith("end "):
                self._end(row, stack)
            elif node := self._question(row, stack[-1]):
                stack[-1].children.append(node)
        while len(stack) > 1:
            self._problem(Code.UNCLOSED, "survey", stack[-1].row.row, "type", kind=stack[-1].kind)
            self._close(stack)
        return tuple(root.children)

    def _skipped(self, row: SurveyRow) -> bool:
        if (row.get("disabled") or "").lower() in _YES:
            return True  # pyxform drops disabled rows too
        if row.kind != "question" or row.type_word:
            return False
        if row.get("name") or row.texts("label"):
            self._problem(Code.NO_TYPE, "survey", row.row, "type")
        return True  # rows without type, name and label are comments

    def _begin(self, row: SurveyRow, stack: list[_Frame]) -> None:
        kind = row.kind.removeprefix("begin ")
        if kind == "loop":
            self._warn("survey", row.row, Warn.LOOP)
        name = self._claim_name(row, stack[-1]) or ""
        stack.append(_Frame(kind, row, name=name))

    def _end(self, row: SurveyRow, stack: list[_Frame]) -> None:
        kind = row.kind.removeprefix("end ")
        if len(stack) == 1:
            self._problem(Code.UNOPENED, "survey", row.row, "type", kind=kind)
            return
        opened = stack[-1]
        if opened.kind != kind:
            self._problem(
                Code.MISMATCHED_END,
                "survey",
                row.row,
                "type",
                kind=kind,
                opened=opened.kind,
                opened_row=opened.row.row,
            )
        self._close(stack)

    def _close(self, stack: list[_Frame]) -> None:
        frame = stack.pop()
        row, children = frame.row, tuple(frame.children)
        labels = self._texts("survey", row, "label")
        relevant = self._optional_expression("survey", row, "relevant")
        node: Node
        if frame.kind == "repeat":
            count = self._optional_expression("survey", row, "repeat_count")
            node = Repeat(
                frame.name, labels, relevant, count, children, row.row, _indicator(row)
            )
        else:
            node = Group(frame.name, labels, relevant, children, self._appearance(row), row.row)
        stack[-1].children.append(node)

    # ------------------------------------------------------------------ questions ---
    def _question(self, row: SurveyRow, parent: _Frame) -> Question | None:
        qtype, meta = self._type(row)
        if qtype is None:
            return None
        name: str | None
        if qtype == "note" and not row.get("name"):
            name = self._note_name(row)
        elif row.type_word.lower() == "audit" and not row.get("name"):
            name = self._unnamed(row, "audit")  # pyxform wants the audit row unnamed
        else:
            name = self._claim_name(row, parent)
        if name is None:
            return None
        if qtype == "metadata":
            return self._metadata(row, name, meta)
        required, required_if = self._required(row)
        default, default_is_expression = self._default(row)
        self._ignored_columns(row, qtype)
        question = Question(
            name=name,
            type=qtype,
            labels=self._texts("survey", row, "label"),
            hints=self._texts("survey", row, "hint"),
            required=required,
            required_if=required_if,
            required_message=self._texts("survey", row, "required_message"),
            relevant=self._optional_expression("survey", row, "relevant"),
            constraint=self._optional_expression("survey", row, "constraint"),
            constraint_message=self._texts("survey", row, "constraint_message"),
            calculation=self._calculation(row, qtype),
            default=default,
            default_is_expression=default_is_expression,
            choices=self._choices_for(row, qtype),
            list_name=row.list_name if _has_choices(qtype) else None,
            choice_filter=self._choice_filter(row, qtype),
            or_other=row.or_other,
            parameters=self._parameters(row, qtype),
            appearance=self._appearance(row),
            row=row.row,
            media=self._question_media(row, name),
            guidance=self._texts("survey", row, "guidance_hint"),
            voice=_voice(row),
            indicator=_indicator(row),
            linkage=self._linkage(row, qtype),
        )
        if not (question.default is None or default_is_expression or _default_fits(question)):
            if question.type.startswith("select") and question.choices:
                self._warn(
                    "survey", row.row, Warn.DEFAULT_NOT_CHOICE, value=question.default,
                    list=question.list_name,
                )  # fmt: skip
            else:
                self._warn("survey", row.row, Warn.BAD_DEFAULT, value=question.default, type=qtype)
            question = replace(question, default=None)
        return question

    def _metadata(self, row: SurveyRow, name: str, meta: str) -> Question:
        """A row filled by the bot (metadata, hidden) or left empty (skipped types)."""
        parameters = {"meta": meta}
        if meta == "hidden" and row.get("default"):
            parameters["value"] = row.get("default") or ""
        return Question(
            name=name,
            type="metadata",
            labels=self._texts("survey", row, "label"),
            relevant=self._optional_expression("survey", row, "relevant"),
            parameters=parameters,
            row=row.row,
        )

    def _type(self, row: SurveyRow) -> tuple[str | None, str]:
        """(our type, metadata value) for the row; type None when the row is refused."""
        word = row.type_word
        lowered = word.lower()
        qtype = QUESTION_TYPES.get(word) or QUESTION_TYPES.get(lowered)
        if qtype:
            return qtype, ""
        if word in _FROM_FILE:
            return ("select_one" if word == "select_one_from_file" else "select_multiple"), ""
        if word == "select_one_external":
            return "select_one", ""
        if lowered in METADATA_TYPES:
            meta = METADATA_TYPES[lowered]
            if meta:
                how = METADATA_HOW[meta]
                self._warn("survey", row.row, Warn.METADATA, type=word, how=how)
            else:
                what = "location or recording" if "geopoint" in lowered or "audio" in lowered else (
                    "device or account to read it from")  # fmt: skip
                self._warn("survey", row.row, Warn.METADATA_EMPTY, type=word, what=what)
            return "metadata", meta
        carried = CARRIED_OUT_TYPES.get(word) or CARRIED_OUT_TYPES.get(lowered)
        if carried:
            self._warn("survey", row.row, Warn.CARRIED_OUT, type=word, instead=carried[1])
            return carried[0], ""
        why = SKIPPED_TYPES.get(word) or SKIPPED_TYPES.get(lowered)
        if why:
            self._warn("survey", row.row, Warn.SKIPPED, type=word, why=why)
            return "metadata", "hidden" if lowered == "hidden" else ""
        supported = ", ".join(sorted(SUPPORTED_TYPES - {"metadata"}))
        self._problem(Code.UNKNOWN_TYPE, "survey", row.row, "type", type=word, supported=supported)
        return None, ""

    def _note_name(self, row: SurveyRow) -> str:
        """pyxform accepts a note without a name; it gets one that no row uses."""
        name = self._unnamed(row, f"note_row{row.row}")
        self._warn("survey", row.row, Warn.UNNAMED_NOTE, name=name)
        return name

    def _unnamed(self, row: SurveyRow, name: str) -> str:
        while name in self.node_rows:
            name += "_"
        self.node_rows[name] = row.row
        return name

    def _claim_name(self, row: SurveyRow, parent: _Frame) -> str | None:
        """The name the node is stored under, or None after recording why it is refused.

        XLSForm names are unique within their nearest group or repeat. The same name in
        another group is stored under '<group>.<name>' (its path), with a warning.
        """
        name = row.get("name")
        if not name:
            self._problem(Code.NO_NAME, "survey", row.row, "name")
            return None
        column = row.header("name")
        if not _NAME.match(name):
            self._problem(Code.INVALID_NAME, "survey", row.row, column, name=name)
            return None
        if name in parent.names:
            first = parent.names[name]
            self._problem(Code.DUPLICATE_NAME, "survey", row.row, column, name=name, first=first)
            return None
        parent.names[name] = row.row
        stored = name
        if name in self.node_rows:
            stored = f"{parent.name}.{name}" if parent.name else f"_.{name}"
            while stored in self.node_rows:
                stored += "_"
            first = self.node_rows[name]
            self._warn("survey", row.row, Warn.SAME_NAME, name=name, first=first, path=stored)
        self.node_rows[stored] = row.row
        return stored

    def _required(self, row: SurveyRow) -> tuple[bool, str | None]:
        value = (row.get("required") or "").strip()
        if not value or value.lower() in _NO:
            return False, None
        if value.lower() in _YES:
            return True, None
        return False, self._expression("survey", row, "required", value)

    def _calculation(self, row: SurveyRow, qtype: str) -> str | None:
        if qtype == "calculate" and not row.get("calculation"):
            self._problem(Code.EMPTY_CALCULATION, "survey", row.row, "calculation")
        found = self._optional_expression("survey", row, "calculation")
        if qtype == "calculate" and found is None and row.get("calculation"):
            return "''"  # dropped with a warning: the value stays empty
        return found

    def _default(self, row: SurveyRow) -> tuple[str | None, bool]:
        value = row.get("default")
        if value is None or not row.default_dynamic:
            return value, False
        found = self._expression("survey", row, "default", value)
        return found, found is not None

    def _choices_for(self, row: SurveyRow, qtype: str) -> tuple[Choice, ...]:
        if not _has_choices(qtype):
            return ()
        list_name = row.list_name
        if row.type_word in _FROM_FILE and list_name:
            return self._file_choices(row, list_name)
        lists = self.external if row.type_word == "select_one_external" else self.lists
        if not list_name:
            self._problem(Code.MISSING_LIST_NAME, "survey", row.row, "type", type=qtype)
        elif list_name.startswith("${"):
            self._problem(Code.CHOICES_FROM_REPEAT, "survey", row.row, "type", list=list_name)
        elif list_name not in lists:
            near = get_close_matches(list_name, list(lists), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            self._problem(Code.MISSING_LIST, "survey", row.row, "type", list=list_name, hint=hint)
        else:
            return lists[list_name]
        return ()

    def _file_choices(self, row: SurveyRow, file_name: str) -> tuple[Choice, ...]:
        """select_one_from_file: the choices are the rows of a media file (CSV, XML,
        GeoJSON) given with --media; `parameters` value= and label= name its columns."""
        rows = self.wb.media.get(file_name)
        if rows is None:
            why = f"the choices of {row.type_word} on row {row.row}"
            self._problem(Code.MISSING_MEDIA, "survey", row.row, "type", file=file_name, why=why)
            return ()
        params = parse_parameters(row.get("parameters") or "") or {}
        value_key, label_key = params.get("value", "name"), params.get("label", "label")
        out = []
        for number, item in enumerate(rows, start=2):
            name = (item.get(value_key) or "").strip()
            if name:
                label = (item.get(label_key) or "").strip()
                labels = {self.lang.default: label} if label else {}
                out.append(Choice(name=name, labels=labels, extra=dict(item), row=number))
        return tuple(out)

    def _choice_filter(self, row: SurveyRow, qtype: str) -> str | None:
        if _has_choices(qtype):
            return self._optional_expression("survey", row, "choice_filter")
        if row.get("choice_filter"):
            self._warn("survey", row.row, Warn.CHOICE_FILTER, type=qtype)
        return None

    def _parameters(self, row: SurveyRow, qtype: str) -> dict[str, str]:
        text = row.get("parameters") or ""
        parsed = parse_parameters(text)
        column = row.header("parameters")
        if parsed is None:
            self._problem(Code.BAD_PARAMETERS, "survey", row.row, column, text=text)
            return {}
        if qtype != "range":
            return parsed
        merged = {**RANGE_DEFAULTS, **parsed}
        if not _range_ok(merged):
            self._problem(Code.BAD_RANGE, "survey", row.row, column, text=text)
        return merged

    def _appearance(self, row: SurveyRow) -> str | None:
        value = row.get("appearance")
        for word in _APPEARANCE_WORD.findall(value or ""):
            bare = word.split("(", 1)[0]
            if bare.lower() in HARMLESS_APPEARANCES or _NUMBERED_APPEARANCE.match(bare):
                continue
            shown = f"{bare}(…)" if "(" in word else word
            self._warn("survey", row.row, Warn.APPEARANCE, appearance=shown)
        return value

    def _question_media(self, row: SurveyRow, name: str) -> dict[str, dict[str, str]]:
        """media::image / big-image / audio / video, per language: the file must be given
        (--media DIR or beside the form), else the form is refused naming it."""
        out: dict[str, dict[str, str]] = {}
        for cell in row.cells:
            kind = cell.column.removeprefix("media:")
            if kind == cell.column or kind not in QUESTION_MEDIA:
                continue
            content = self.wb.media_files.get(cell.value)
            if content is None:
                why = f"the {kind} of question {name!r}"
                self._problem(
                    Code.MISSING_MEDIA, "survey", row.row, cell.header, file=cell.value, why=why
                )
                continue
            self.media[cell.value] = content
            out.setdefault(kind, {})[self.lang.code(cell.language)] = cell.value
        return out

    def _ignored_columns(self, row: SurveyRow, qtype: str) -> None:
        if row.get("trigger"):
            self._warn("survey", row.row, Warn.TRIGGER_COLUMN)
        if qtype != "calculate" and not row.texts("label"):
            self._warn("survey", row.row, Warn.NO_LABEL)

    def _linkage(self, row: SurveyRow, qtype: str) -> str | None:
        """The `linkage` column (or `bind::clusterbot:linkage`, issue 19): `KIND`,
        `KIND:role` or `KIND:chosen`; anything the bot cannot use is a warning."""
        value = (row.get("linkage") or row.get("clusterbot:linkage") or "").strip()
        if not value:
            return None
        why = survey_links.problem(value, qtype)
        if why:
            self._warn("survey", row.row, Warn.LINKAGE, value=value, why=why)
            return None
        return survey_links.normalise(value)

    # ---------------------------------------------------------------- expressions ---
    def _optional_expression(self, sheet: str, row: SheetRow, column: str) -> str | None:
        value = row.get(column)
        return self._expression(sheet, row, column, value) if value else None

    def _expression(self, sheet: str, row: SheetRow, column: str, text: str) -> str | None:
        """The expression with straight quotes, or None when it cannot be used.

        A name that is a function nowhere (not XPath, ODK or SurveyCTO) refuses the form;
        a known function the bot cannot evaluate is a warning (it is empty); syntax the
        bot cannot read drops the expression with a warning saying what happens instead.
        """
        header = row.header(column)
        fixed, changed = expr.normalise_quotes(text.strip())
        if changed:
            self._warn(sheet, row.row, Warn.QUOTES, header=header)
        fixed = self._lookups(fixed)
        called = called_functions(fixed)
        unknown = sorted(called - expr.KNOWN_FUNCTIONS)
        for name in unknown:
            self._problem(
                Code.UNKNOWN_FUNCTION, sheet, row.row, header, name=name,
                why="no XPath, ODK or SurveyCTO function has this name",
            )  # fmt: skip
        if unknown:
            return None
        try:
            parsed = expr.parse(fixed)
        except expr.ExprError as err:
            instead = DROPPED_MEANS.get(column, "it is not used")
            self._warn(
                sheet, row.row, Warn.EXPRESSION_DROPPED, header=header, text=fixed,
                error=err.message, instead=instead,
            )  # fmt: skip
            return None
        for name in sorted(called & expr.UNEVALUATED_FUNCTIONS.keys()):
            why = expr.UNEVALUATED_FUNCTIONS[name]
            self._warn(sheet, row.row, Warn.FUNCTION_EMPTY, header=header, name=name, why=why)
        for file in _PULLDATA.findall(fixed) if "pulldata" in called else ():
            if f"{file}.csv" in self.wb.media:
                self.pulled.add(file)
            else:
                why = f"its file {file}.csv was not given with --media"
                self._warn(
                    sheet, row.row, Warn.FUNCTION_EMPTY, header=header, name="pulldata", why=why
                )
        self.refs.append((sheet, row.row, header, expr.references(parsed)))
        return fixed

    def _lookups(self, text: str) -> str:
        """instance('list')/root/item[name = X]/field, the "label of a choice" idiom, read
        from the choices sheet: rewritten as the bot's own _choice-field('list', X, 'field').
        Lookups of lists that are not on the choices sheet stay (a data file: dropped)."""

        def rewrite(match: re.Match[str]) -> str:
            list_name, key, wanted = match.group("list"), match.group("key"), match.group("field")
            if list_name not in self.lists:
                return match.group(0)
            self.looked_up.add(list_name)
            return f"_choice-field('{list_name}', {key.strip()}, '{wanted}')"

        return _LOOKUP.sub(rewrite, text)

    def _texts(self, sheet: str, row: SheetRow, column: str) -> dict[str, str]:
        cells = row.texts(column)
        texts = self.lang.texts(cells)
        for cell in cells:
            if names := set(_TEXT_REF.findall(cell.value)):
                self.refs.append((sheet, row.row, cell.header, names))
        if texts:
            shown = _language_name(self.lang, next(iter(texts)))  # default first if present
            for code in self.lang.order:
                if code not in texts:
                    missing = _language_name(self.lang, code)
                    self._warn(
                        sheet, row.row, Warn.MISSING_TEXT, missing=missing, column=column,
                        shown=shown,
                    )  # fmt: skip
        return texts

    def _check_references(self) -> None:
        for sheet, row, header, names in self.refs:
            for name in sorted(names - self.node_rows.keys()):
                if name.startswith(LAST_SAVED) and name.removeprefix(LAST_SAVED) in self.node_rows:
                    continue  # the previous response's answer (navigation.AnswerEnv)
                near = get_close_matches(name, list(self.node_rows), n=1)
                hint = f" (did you mean ${{{near[0]}}}?)" if near else ""
                self._problem(Code.UNKNOWN_REFERENCE, sheet, row, header, name=name, hint=hint)


def _has_choices(qtype: str) -> bool:
    return qtype.startswith("select") or qtype == "rank"


def _questions(nodes: tuple[Node, ...]) -> Iterator[Question]:
    for node in nodes:
        if isinstance(node, Question):
            yield node
        else:
            yield from _questions(node.children)


def _language_name(languages: _Languages, code: str) -> str:
    name = languages.names.get(code)
    if not name or name.lower() == code:
        return code
    return name if CODE_IN_PARENS.search(name) else f"{name} ({code})"


def _slug_key(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_.-")[:40]
    return slug or "form"


def _range_ok(params: dict[str, str]) -> bool:
    try:
        start, end, step = (float(params[k]) for k in ("start", "end", "step"))
    except ValueError:
        return False
    return step > 0 and start != end


def _default_fits(question: Question) -> bool:
    value = (question.default or "").strip()
    names = {c.name for c in question.choices}
    checks = {
        "integer": lambda: re.fullmatch(r"[-+]?\d+", value) is not None,
        "decimal": lambda: _is_number(value),
        "range": lambda: _is_number(value),
        "date": lambda: _parses(date.fromisoformat, value),
        "time": lambda: _parses(time.fromisoformat, value),
        "select_one": lambda: not names or value in names,
        "select_multiple": lambda: not names or set(value.split()) <= names,
        "geopoint": lambda: 2 <= len(value.split()) <= 4 and all(map(_is_number, value.split())),
    }
    check = checks.get(question.type)
    return check() if check else True


def _is_number(text: str) -> bool:
    return _parses(float, text)


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _indicator(row: SurveyRow) -> bool:
    """The `indicator` column (or `bind::clusterbot:indicator`): `yes` marks an outcome
    question whose change between rounds is measured (issue 18)."""
    value = row.get("indicator") or row.get("clusterbot:indicator") or ""
    return value.strip().casefold() in ("yes", "true", "1", "true()")


def _voice(row: SurveyRow) -> bool:
    """The `voice` column (or `bind::clusterbot:voice`): `no` keeps voice notes from
    answering this text question (issue 14); anything else, or nothing, allows them."""
    value = row.get("voice") or row.get("clusterbot:voice") or ""
    return value.strip().casefold() not in ("no", "false", "0", "false()")
