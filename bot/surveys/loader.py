"""Read a survey form file into a checked `Form`: the only module that touches pyxform.

`load_form(path)` reads XLSForm files (`.xlsx`, `.xlsm`, `.xls`, `.csv`, `.md`) with
pyxform's own readers, and the project's YAML forms (`.yaml`, `.yml`) by converting them to
the same sheets. Then, for every format alike:

1. pyxform's header rules turn the headers into XLSForm columns (`relevance` is
   `relevant`, `label::Hindi (hi)` is a Hindi label) and its type grammar reads
   `select_one list or_other`, `begin repeat` and the old `select one from list`;
2. `builder.build_form` builds the frozen model and refuses, with rows, whatever the chat
   runner cannot run (it collects every problem at once);
3. only if that passes, pyxform's whole conversion (`workbook_to_json`, the builder and
   `to_xml`, as `xls2xform.convert` runs them) runs on the untouched sheets: a form
   pyxform refuses is refused, and its error becomes an `ImportProblem` that keeps
   pyxform's row number and reason. Duplicate choice names are allowed
   there (`allow_choice_duplicates`) because real forms use them; we warn instead.

pyxform is pinned (`pyxform>=4.5,<5`) and this module is tested against the real forms
in `shared/xlsforms/`. Row numbers are pyxform's: the spreadsheet row, the header being
row 1 (CSV and Markdown count data rows the same way, skipping blank lines).

The YAML form format
--------------------
A YAML form is a mapping; its line numbers are used in every message::

    key: diag_mini                       # optional: the form id (else the file name)
    title: {en: Mini diagnostic, hi: लघु निदान}   # or a plain string
    version: "1"                         # optional: else a hash of the file
    default_language: en                 # optional: language of untranslated texts
    choices:                             # optional lists shared by several questions
      yes_no:
        - {name: "yes", label: {en: "Yes", hi: "हाँ"}}
        - {name: "no", label: {en: "No", hi: "नहीं"}}
    questions:
      - {name: enterprise_type, type: select_one, label: {en: Type?, hi: प्रकार?},
         choices: [{name: manufacturer, label: {en: Manufacturer}}]}   # inline list
      - {name: registered, type: select_one, list_name: yes_no, label: Registered?}
      - {name: n, type: integer, label: How many products?, constraint: ". > 0"}
      - type: group
        name: workers
        relevant: "${n} > 0"
        questions: [{name: count, type: integer, label: Workers?}]
      - {type: repeat, name: products, repeat_count: "${n}",
         questions: [{name: material, type: text, label: Main material?}]}

Question fields are the XLSForm columns: `type name label hint required
required_message relevant constraint constraint_message calculation default
choice_filter appearance parameters` plus `repeat_count` on repeats, `list_name`,
`choices` (inline list, named after the question unless `list_name` is given) and
`or_other: true` on selects, and `questions` inside `group` / `repeat`. Texts are a plain
string (the default language) or a mapping of language code to text. A choice has `name`,
`label`, and any other key becomes a column for `choice_filter`. Only `true`/`false` are
booleans, so `name: yes` stays the text "yes". Unknown fields are refused, which catches
typos such as `relevent`.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml
from pyxform import aliases, constants
from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.parsing.sheet_headers import process_header
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.survey import Survey
from pyxform.utils import default_is_dynamic
from pyxform.xls2json import RE_BEGIN_CONTROL, RE_END_CONTROL, RE_OSM, RE_SELECT, workbook_to_json
from pyxform.xls2json_backends import DefinitionData, get_xlsform

from bot.surveys.builder import Cell, ImportReport, SheetRow, SurveyRow, Workbook, build_form
from bot.surveys.errors import Code, FormImportError, ImportProblem, Warn, WarningLog
from bot.surveys.model import QUESTION_MEDIA

XLSFORM_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".csv", ".md"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})

# pyxform's grouped columns ("bind", "relevant") -> our column names.
_BIND_COLUMNS = {
    "relevant": "relevant",
    "constraint": "constraint",
    "jr:constraintMsg": "constraint_message",
    "required": "required",
    "jr:requiredMsg": "required_message",
    "calculate": "calculation",
    "readonly": "read_only",
}
_CONTROL_COLUMNS = {"appearance": "appearance", "jr:count": "repeat_count"}


@dataclass
class _Source:
    """The sheets as pyxform reads them, plus where each data row came from."""

    data: DefinitionData
    path: Path
    content_hash: str
    unit: str = "row"
    lines: dict[str, list[int]] = field(default_factory=dict)  # YAML: sheet -> line per row
    titles: dict[str, str] = field(default_factory=dict)

    def row_number(self, sheet: str, index: int) -> int:
        """The row (or YAML line) of data row `index` (0-based) of `sheet`."""
        lines = self.lines.get(sheet)
        if lines is not None and 0 <= index < len(lines):
            return lines[index]
        return index + 2  # pyxform's numbering: the header is row 1


def load_form(
    path: Path | str,
    *,
    key: str | None = None,
    strict: bool = False,
    media: Path | str | None = None,
) -> ImportReport:
    """Read and check a form file.

    Args:
        path: an XLSForm (`.xlsx`, `.xlsm`, `.xls`, `.csv`, `.md`) or a YAML form.
        key: the survey key to use instead of the form id or the file name.
        strict: refuse the form when there is any warning (`clusterbot survey import
            --strict`).
        media: the folder of the form's media files (`--media DIR`); files beside the
            form are found too, as Kobo and ODK keep them.

    Returns:
        The frozen form and the warnings (what the chat does instead, missing
        translations, ...).

    Raises:
        FormImportError: listing every problem, each with sheet, row and column.
    """
    source = _read(Path(path))
    workbook = _workbook(source)
    folders = [Path(media)] if media else []
    places = [*folders, source.path.parent]
    workbook = replace(
        workbook,
        media=_media_files(workbook, places),
        media_files=_question_media(workbook, places),
    )
    report = build_form(workbook, key=key)
    log = WarningLog(unit=source.unit)
    for text in _pyxform_check(source):
        log.add("file", None, Warn.PYXFORM, detail=text)
    merged = ImportReport(
        form=report.form,
        warnings=[*report.warnings, *log.lines()],
        codes=[*report.codes, *log.codes()],
        strict=[*report.strict, *log.problems()],
        media=report.media,
    )
    if strict and merged.strict:
        raise FormImportError(merged.strict)
    return merged


def read_workbook(path: Path | str) -> Workbook:
    """The rows of a form file, before any check (for tools and tests)."""
    return _workbook(_read(Path(path)))


# ------------------------------------------------------------------------------ media ---
def _media_files(workbook: Workbook, folders: list[Path]) -> dict[str, tuple[dict[str, str], ...]]:
    """The rows of every choices file a select_*_from_file names and of every CSV file
    pulldata() reads, when it is found."""
    wanted = {
        row.list_name
        for row in workbook.survey
        if row.type_word in ("select_one_from_file", "select_multiple_from_file") and row.list_name
    }
    for row in workbook.survey:  # pulldata('prices', ...) reads prices.csv
        for cell in row.cells:
            wanted.update(f"{name}.csv" for name in _PULLDATA_FILE.findall(cell.value))
    out = {}
    for name in sorted(wanted):
        found = next((f / name for f in folders if (f / name).is_file()), None)
        if found is not None:
            rows = _media_rows(found)
            if rows is not None:
                out[name] = rows
    return out


def _question_media(workbook: Workbook, folders: list[Path]) -> dict[str, bytes]:
    """The content of every media::image / big-image / audio / video file the survey
    sheet names, when it is found (a missing one refuses the form in `model`)."""
    wanted = {
        cell.value
        for row in workbook.survey
        for cell in row.cells
        if cell.column.removeprefix("media:") in QUESTION_MEDIA and cell.column.startswith("media:")
    }
    out = {}
    for name in sorted(wanted):
        if Path(name).name != name:
            continue  # a file name, never a path out of the folder
        found = next((f / name for f in folders if (f / name).is_file()), None)
        if found is not None:
            try:
                out[name] = found.read_bytes()
            except OSError:
                continue
    return out


_PULLDATA_FILE = re.compile(r"pulldata\(\s*['\"‘’“”]([^'\"‘’“”]+)")


def _media_rows(path: Path) -> tuple[dict[str, str], ...] | None:
    """CSV (a header row), XML (root/item/field, as ODK) or GeoJSON (feature
    properties, `id` as name) -> rows of fields; None when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return tuple(
                {str(k).strip(): (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(io.StringIO(text))
            )
        if suffix == ".xml":
            root = ElementTree.fromstring(text)
            return tuple({child.tag: (child.text or "").strip() for child in item} for item in root)
        if suffix == ".geojson":
            features = json.loads(text).get("features", [])
            return tuple(
                {
                    "name": str(f.get("id", f.get("properties", {}).get("id", ""))),
                    **{k: str(v) for k, v in (f.get("properties") or {}).items()},
                }
                for f in features
            )
    except (OSError, ValueError, ElementTree.ParseError, AttributeError):
        return None
    return None


# ---------------------------------------------------------------------------- reading ---
def _read(path: Path) -> _Source:
    suffix = path.suffix.lower()
    if suffix not in XLSFORM_SUFFIXES | YAML_SUFFIXES:
        raise _file_error(
            f"'{path.name}' is not a form file. Please use an XLSForm "
            "(.xlsx, .xls, .csv, .md) or a YAML form (.yaml)."
        )
    try:
        content = path.read_bytes()
    except OSError as err:
        raise _file_error(f"cannot read '{path.name}': {err.strerror or err}.") from err
    digest = "sha256-" + hashlib.sha256(content).hexdigest()[:12]
    if suffix in YAML_SUFFIXES:
        return _yaml_source(content, path, digest)
    return _Source(data=_xlsform_data(content, path), path=path, content_hash=digest)


def _xlsform_data(content: bytes, path: Path) -> DefinitionData:
    try:
        # openpyxl warns about page headers it cannot parse; that is no concern of ours.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = get_xlsform(xlsform=_plain(content, path), file_type=path.suffix.lower())
    except PyXFormError as err:
        # pyxform tried every reader; its own words ("Argument 'definition' was not
        # recognized") would mean nothing to a CDA.
        detail = (
            str(err)
            if "not recognized" not in str(err)
            else (f"it is damaged or not really a {path.suffix.lower()} form")
        )
        raise _file_error(
            f"cannot read '{path.name}': {detail}. Please save it again as .xlsx."
        ) from err
    except Exception as err:  # xlrd, openpyxl and zipfile raise many types on bad files
        raise _file_error(
            f"cannot read '{path.name}' ({type(err).__name__}: {err}). "
            "Please save it again as .xlsx."
        ) from err
    if not data.survey:
        sheets = ", ".join(data.sheet_names or []) or "none"
        raise _file_error(
            f"there is no 'survey' sheet (sheets: {sheets}). Please name the "
            "sheet with the questions 'survey'."
        )
    return data


def _plain(content: bytes, path: Path) -> BytesIO:
    """The file's bytes; text forms without the BOM and CR that Windows editors add."""
    if path.suffix.lower() in (".csv", ".md"):
        content = content.removeprefix(b"\xef\xbb\xbf")
        if path.suffix.lower() == ".md":
            content = content.replace(b"\r\n", b"\n")  # pyxform splits lines on \n only
    return BytesIO(content)


def _file_error(message: str, line: int | None = None) -> FormImportError:
    unit = "line" if line else "row"
    return FormImportError([ImportProblem.of(Code.READ, "file", line, unit=unit, detail=message)])


# --------------------------------------------------------------------------- columns ---
def _workbook(source: _Source) -> Workbook:
    data = source.data
    survey_columns = _columns(
        data.survey_header,
        data.survey,
        aliases.survey_header,
        set(MultipleChoiceQuestion.get_slot_names()),
    )
    choice_columns = _columns(
        data.choices_header, data.choices, aliases.list_header, set(Option.get_slot_names())
    )
    survey = tuple(
        _survey_row(source.row_number("survey", i), raw, survey_columns)
        for i, raw in enumerate(data.survey or [])
    )
    choices = tuple(
        SheetRow(source.row_number("choices", i), _cells(raw, choice_columns))
        for i, raw in enumerate(data.choices or [])
    )
    external_columns = _columns(
        data.external_choices_header,
        data.external_choices,
        aliases.list_header,
        set(Option.get_slot_names()),
    )
    external = tuple(
        SheetRow(source.row_number("external_choices", i), _cells(raw, external_columns))
        for i, raw in enumerate(data.external_choices or [])
    )
    return Workbook(
        survey=survey,
        choices=choices,
        external_choices=external,
        entities=bool(data.entities),
        settings=_settings(data),
        fallback_key=source.path.stem,
        source=source.path.name,
        content_hash=source.content_hash,
        titles={**_setting_titles(data), **source.titles},
        unit=source.unit,
    )


def _columns(
    header_rows: Any, rows: Any, header_aliases: dict[str, Any], known: set[str]
) -> dict[str, tuple[str, str | None]]:
    """Header as written -> (our column, language as written or None)."""
    headers = list(header_rows[0]) if header_rows else []
    for row in rows or []:  # dict-built sheets (YAML) may lack a header row
        headers.extend(h for h in row if h not in headers)
    double_colon = any("::" in h for h in headers)
    out = {}
    for header in headers:
        _, tokens = process_header(header, double_colon, header_aliases, known)
        out[header] = _column(tokens)
    return out


def _column(tokens: tuple[str, ...]) -> tuple[str, str | None]:
    first, rest = tokens[0], tokens[1:]
    if first == "bind" and rest:
        first, rest = _BIND_COLUMNS.get(rest[0], rest[0]), rest[1:]
    elif first == "control" and rest:
        first, rest = _CONTROL_COLUMNS.get(rest[0], rest[0]), rest[1:]
    elif first == "media" and rest:
        first, rest = f"media:{rest[0]}", rest[1:]
    elif first == constants.LIST_NAME_S:
        first = "list_name"
    language = "::".join(rest) if rest else None
    return first, language


def _cells(raw: dict[str, Any], columns: dict[str, tuple[str, str | None]]) -> tuple[Cell, ...]:
    cells = []
    for header, value in raw.items():
        text = "" if value is None else str(value).strip()
        if text and header in columns:
            column, language = columns[header]
            cells.append(Cell(column, language, header, text))
    return tuple(cells)


def _settings(data: DefinitionData) -> dict[str, str]:
    if not data.settings:
        return {}
    columns = _columns(
        data.settings_header, data.settings, aliases.settings_header, set(Survey.get_slot_names())
    )
    out: dict[str, str] = {}
    # Untranslated cells first: `form_title` is the title, `form_title::Hindi (hi)` a translation.
    for cell in sorted(_cells(dict(data.settings[0]), columns), key=lambda c: bool(c.language)):
        out.setdefault(cell.column, cell.value)
    return out


def _setting_titles(data: DefinitionData) -> dict[str, str]:
    """`form_title::Hindi (hi)` columns of the settings sheet: the title per language (pyxform
    passes them through; ODK ignores them, so a form stays valid elsewhere)."""
    if not data.settings:
        return {}
    columns = _columns(
        data.settings_header, data.settings, aliases.settings_header, set(Survey.get_slot_names())
    )
    cells = _cells(dict(data.settings[0]), columns)
    titles = {c.language: c.value for c in cells if c.column == "title" and c.language}
    if titles:  # the untranslated title is the default language's
        plain = next((c.value for c in cells if c.column == "title" and not c.language), None)
        if plain:
            titles.setdefault("", plain)
    return titles


# ------------------------------------------------------------------------------ types ---
def _survey_row(
    number: int, raw: dict[str, Any], columns: dict[str, tuple[str, str | None]]
) -> SurveyRow:
    cells = _cells(raw, columns)
    type_text = " ".join(next((c.value for c in cells if c.column == "type"), "").split())
    kind, word, list_name, or_other = _parse_type(type_text)
    default = next((c.value for c in cells if c.column == "default"), None)
    return SurveyRow(
        row=number,
        cells=cells,
        kind=kind,
        type_word=word,
        list_name=list_name,
        or_other=or_other,
        default_dynamic=bool(default) and default_is_dynamic(default, word),
    )


def _parse_type(text: str) -> tuple[str, str, str | None, bool]:
    """(kind, type word, list name, or_other) by pyxform's own type grammar."""
    if match := RE_BEGIN_CONTROL.match(text):
        return f"begin {aliases.control[match['type']]}", text, match["list_name"], False
    if match := RE_END_CONTROL.match(text):
        return f"end {aliases.control[match['type']]}", text, None, False
    if match := RE_SELECT.match(text):
        word = _select_word(match["select_command"])
        return "question", word, match["list_name"], bool(match["specify_other"])
    if text in aliases.select:
        return "question", _select_word(text), None, False
    if RE_OSM.match(text):
        return "question", "osm", None, False
    return "question", text, None, False


def _select_word(command: str) -> str:
    meaning = aliases.select[command]
    one = meaning == constants.SELECT_ONE
    if command in aliases.select_from_file:
        return "select_one_from_file" if one else "select_multiple_from_file"
    if meaning == constants.SELECT_ONE_EXTERNAL:
        return "select_one_external"
    if meaning == constants.RANK:
        return "rank"
    return "select_one" if one else "select_multiple"


# ------------------------------------------------------------------- pyxform's checks ---
# pyxform warnings that our own warnings already say better, or that do not apply to chat.
_COVERED_WARNINGS = (
    "Language '",
    "max-pixels",
    "no longer supported on most devices",
    "Choices should have a label",
    "or_other and translations",
    "Row without name, text, or label",
    "form_id and id_string column headers",
    "language declarations do not contain valid machine-readable codes",
)
_ROW = re.compile(r"\[row : (\d+)\]\s*")
_SHEET = re.compile(r"On the '(\w+)' sheet")
_VALUE = re.compile(r"the '([^']+)' value(?: '[^']*')? is invalid")


def _pyxform_check(source: _Source) -> list[str]:
    """Run pyxform's workbook_to_json on the untouched sheets; its warnings it gives."""
    data = copy.deepcopy(source.data)
    _allow_choice_duplicates(data)
    found: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = workbook_to_json(
                workbook_dict=data, fallback_form_name=source.path.stem, warnings=found
            )
            # The whole conversion, as `xls2xform.convert` runs it: the builder refuses
            # types workbook_to_json lets through (e.g. 'caseid').
            create_survey_element_from_dict(converted).to_xml(validate=False, warnings=found)
    except PyXFormError as err:
        raise FormImportError(_pyxform_problems(err, source)) from err
    except Exception as err:  # a pyxform crash on odd input must still be a clean refusal
        detail = f"could not convert the form ({type(err).__name__}: {err})"
        raise FormImportError([ImportProblem.of(Code.PYXFORM, "file", detail=detail)]) from err
    return [w for w in found if not any(c in w for c in _COVERED_WARNINGS)]


def _allow_choice_duplicates(data: DefinitionData) -> None:
    settings = dict(data.settings[0]) if data.settings else {}
    settings["allow_choice_duplicates"] = "yes"
    # `form_title::Hindi (hi)` is ours (DESIGN.md); pyxform's to_xml cannot print it.
    for name in [k for k in settings if str(k).startswith("form_title") and k != "form_title"]:
        del settings[name]
    data.settings = [settings]
    header = dict(data.settings_header[0]) if data.settings_header else {}
    header.setdefault("allow_choice_duplicates", None)
    data.settings_header = [header]


def _pyxform_problems(err: PyXFormError, source: _Source) -> list[ImportProblem]:
    # pyxform joins several errors (e.g. duplicate choices) into one message, one per line.
    text = str(err).strip()
    parts = [p for p in re.split(r"\n(?=\[row : )", text) if p.strip()] or [text]
    context_row = err.context.get("row") if err.context else None
    return [_pyxform_problem(part, context_row, source) for part in parts]


def _pyxform_problem(text: str, context_row: Any, source: _Source) -> ImportProblem:
    match = _ROW.search(text)
    row = int(match.group(1)) if match else _int_or_none(context_row)
    unknown = _UNKNOWN_TYPE.search(text)
    if row is None and unknown:  # the builder names the type but not its row
        row = _row_of_type(source, unknown.group(1))
    sheet_match = _SHEET.search(text)
    sheet = sheet_match.group(1) if sheet_match else ("survey" if row else "file")
    column_match = _VALUE.search(text)
    message = _ROW.sub("", text, count=1).strip()
    if row is not None:
        row = source.row_number(sheet, row - 2)
    column = column_match.group(1) if column_match else ("type" if unknown else None)
    return ImportProblem.of(Code.PYXFORM, sheet, row, column, unit=source.unit, detail=message)


_UNKNOWN_TYPE = re.compile(r"Unknown question type '([^']+)'")


def _row_of_type(source: _Source, type_word: str) -> int | None:
    """pyxform's row number (header = 1) of the first survey row of this type."""
    for i, raw in enumerate(source.data.survey or []):
        if " ".join(str(raw.get("type") or "").split()) == type_word:
            return i + 2
    return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------- YAML ---
class _LineDict(dict[str, Any]):
    """A YAML mapping that remembers its line (1-based)."""

    line: int = 0


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: `yes`, `no`, `on`, `off` stay strings."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    pairs = loader.construct_mapping(node, deep=True)
    mapping = _LineDict((str(k), v) for k, v in pairs.items())
    mapping.line = node.start_mark.line + 1
    return mapping


_YamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_FORM_KEYS = frozenset({"key", "title", "version", "default_language", "choices", "questions"})
_TEXT_KEYS = ("label", "hint", "required_message", "constraint_message")
_QUESTION_KEYS = frozenset(
    {
        *_TEXT_KEYS, "type", "name", "required", "relevant", "constraint", "calculation",
        "default", "choice_filter", "appearance", "parameters", "repeat_count", "list_name",
        "or_other", "choices", "questions",
    }
)  # fmt: skip


def _yaml_source(content: bytes, path: Path, digest: str) -> _Source:
    try:
        doc = yaml.load(content.decode("utf-8-sig"), Loader=_YamlLoader)  # a SafeLoader
    except UnicodeDecodeError as err:
        raise _file_error(f"'{path.name}' is not UTF-8 text.") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _file_error(f"not valid YAML: {getattr(err, 'problem', None) or err}", line) from err
    converter = _YamlForm(path)
    converter.form(doc)
    if converter.problems:
        raise FormImportError(converter.problems)
    return converter.source(digest)


class _YamlForm:
    """Turns a YAML form into XLSForm sheets (rows keyed by XLSForm headers) with lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.survey: list[dict[str, str]] = []
        self.survey_lines: list[int] = []
        self.choices: list[dict[str, str]] = []
        self.choice_lines: list[int] = []
        self.settings: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        self.problems: list[ImportProblem] = []

    def source(self, digest: str) -> _Source:
        data = DefinitionData(
            survey=self.survey,
            survey_header=[_header(self.survey)],
            choices=self.choices or None,
            choices_header=[_header(self.choices)] if self.choices else None,
            settings=[self.settings] if self.settings else None,
            settings_header=[dict.fromkeys(self.settings)] if self.settings else None,
            sheet_names=["survey", "choices", "settings"],
            fallback_form_name=self.path.stem,
        )
        return _Source(
            data=data,
            path=self.path,
            content_hash=digest,
            unit="line",
            lines={"survey": self.survey_lines, "choices": self.choice_lines},
            titles=self.titles,
        )

    def _problem(self, line: int | None, column: str | None, message: str) -> None:
        problem = ImportProblem.of(
            Code.YAML_SHAPE, "survey", line, column, unit="line", detail=message
        )
        self.problems.append(problem)

    def _unknown_fields(self, item: dict[str, Any], allowed: frozenset[str], line: int) -> None:
        for key in sorted(set(item) - allowed, key=str):
            problem = ImportProblem.of(
                Code.YAML_FIELD,
                "survey",
                line,
                str(key),
                unit="line",
                field=key,
                allowed=", ".join(sorted(allowed)),
            )
            self.problems.append(problem)

    def form(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            self._problem(
                1,
                None,
                "a YAML form is a mapping with 'questions'. Please start "
                "from the example in the documentation.",
            )
            return
        line = getattr(doc, "line", 1)
        self._unknown_fields(doc, _FORM_KEYS, line)
        self._form_settings(doc)
        for list_name, items in (doc.get("choices") or {}).items():
            self._choice_list(str(list_name), items, line)
        questions = doc.get("questions")
        if not isinstance(questions, list) or not questions:
            self._problem(line, "questions", "the form needs a list of questions.")
            return
        self._questions(questions, line)

    def _form_settings(self, doc: dict[str, Any]) -> None:
        for ours, xlsform in (
            ("key", "form_id"),
            ("version", "version"),
            ("default_language", "default_language"),
        ):
            if doc.get(ours) is not None:
                self.settings[xlsform] = _scalar(doc[ours])
        title = doc.get("title")
        if isinstance(title, dict):
            self.titles = {str(k): _scalar(v) for k, v in title.items()}
        elif title is not None:
            self.settings["form_title"] = _scalar(title)

    def _questions(self, items: list[Any], parent_line: int) -> None:
        for item in items:
            if not isinstance(item, dict):
                self._problem(parent_line, None, f"a question must be a mapping, not {item!r}.")
                continue
            self._question(item)

    def _question(self, item: dict[str, Any]) -> None:
        line = getattr(item, "line", 0)
        self._unknown_fields(item, _QUESTION_KEYS, line)
        qtype = _scalar(item.get("type", ""))
        if qtype in ("group", "repeat"):
            self._container(item, qtype, line)
            return
        row = self._row(item, {"type": self._type_text(item, qtype, line)})
        self._append(row, line)

    def _container(self, item: dict[str, Any], kind: str, line: int) -> None:
        self._append(self._row(item, {"type": f"begin {kind}"}), line)
        children = item.get("questions")
        if isinstance(children, list) and children:
            self._questions(children, line)
        else:
            self._problem(line, "questions", f"a {kind} needs a list of questions.")
        self._append({"type": f"end {kind}"}, line)

    def _type_text(self, item: dict[str, Any], qtype: str, line: int) -> str:
        if qtype not in ("select_one", "select_multiple"):
            return qtype
        list_name = _scalar(item.get("list_name", "")) or _scalar(item.get("name", ""))
        inline = item.get("choices")
        if inline is not None:
            self._choice_list(list_name, inline, line)
        text = f"{qtype} {list_name}" if list_name else qtype
        return f"{text} or_other" if item.get("or_other") is True else text

    def _row(self, item: dict[str, Any], row: dict[str, str]) -> dict[str, str]:
        for key, value in item.items():
            if key in ("type", "choices", "questions", "list_name", "or_other") or value is None:
                continue
            if key in _TEXT_KEYS and isinstance(value, dict):
                row.update({f"{key}::{lang}": _scalar(text) for lang, text in value.items()})
            elif key == "parameters" and isinstance(value, dict):
                row[key] = " ".join(f"{k}={_scalar(v)}" for k, v in value.items())
            elif key in _QUESTION_KEYS:
                row[key] = _scalar(value)
        return row

    def _append(self, row: dict[str, str], line: int) -> None:
        self.survey.append(row)
        self.survey_lines.append(line)

    def _choice_list(self, list_name: str, items: Any, line: int) -> None:
        if not isinstance(items, list):
            self._problem(line, "choices", f"choices of {list_name!r} must be a list.")
            return
        for item in items:
            if not isinstance(item, dict):
                self._problem(line, "choices", f"a choice must be a mapping, not {item!r}.")
                continue
            row = {"list_name": list_name}
            for key, value in item.items():
                if key == "label" and isinstance(value, dict):
                    row.update({f"label::{lang}": _scalar(t) for lang, t in value.items()})
                elif value is not None:
                    row[str(key)] = _scalar(value)
            self.choices.append(row)
            self.choice_lines.append(getattr(item, "line", line))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _header(rows: list[dict[str, str]]) -> dict[str, None]:
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    return header
