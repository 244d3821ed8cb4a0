"""Import problems and warnings for survey forms.

A form that the chat runner cannot run is refused whole with a `FormImportError`, which
lists every `ImportProblem` found: where (sheet, row, column), what is wrong and how to fix
it. Anything that only degrades the form (a missing translation, an ignored metadata row)
is a warning, kept apart in `WarningLog` so that the CDA sees both lists at once.

Like pyxform's `ErrorCode`, the messages are a catalogue (`MESSAGES`, one template per
`Code`) in pyxform's shape: what is wrong, then "Please either ... or ...". Each problem
carries its stable `code`, so tests and callers match codes, not prose.

Warnings are a catalogue too (`Warn`, `WARNINGS`): each says what the form asks for and
what the chat does instead. The rule (issue 13): a form is refused only when pyxform
refuses it, or when it needs a media file that was not given; anything a chat cannot do
exactly is carried out in the closest chat form and reported as a warning. `--strict`
(`strict=True`) turns every warning into a refusal (`strict_problems`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Code(StrEnum):
    """Stable identifiers of import problems; tests and logs match these, not the prose."""

    READ = "read"  # the file could not be read at all
    PYXFORM = "pyxform"  # pyxform itself refused the form
    YAML_FIELD = "yaml_field"
    YAML_SHAPE = "yaml_shape"
    NO_QUESTIONS = "no_questions"
    NO_TYPE = "no_type"
    NO_NAME = "no_name"
    UNCLOSED = "unclosed"
    UNOPENED = "unopened"
    MISMATCHED_END = "mismatched_end"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_LIST_NAME = "missing_list_name"
    MISSING_LIST = "missing_list"
    CHOICES_FROM_REPEAT = "choices_from_repeat"
    CHOICE_WITHOUT_NAME = "choice_without_name"
    DUPLICATE_NAME = "duplicate_name"
    INVALID_NAME = "invalid_name"
    BAD_EXPRESSION = "bad_expression"
    UNKNOWN_FUNCTION = "unknown_function"
    UNKNOWN_REFERENCE = "unknown_reference"
    METADATA_REFERENCE = "metadata_reference"
    EMPTY_CALCULATION = "empty_calculation"
    BAD_PARAMETERS = "bad_parameters"
    BAD_RANGE = "bad_range"
    BAD_DEFAULT = "bad_default"
    MISSING_MEDIA = "missing_media"  # a choices file or question media that was not given
    STRICT = "strict"  # a warning refused because of --strict


# The catalogue: what is wrong, then how to fix it (pyxform's "Please either ... or ...").
MESSAGES: dict[Code, str] = {
    Code.READ: "{detail}",
    Code.PYXFORM: "pyxform: {detail}",
    Code.YAML_FIELD: "unknown field {field!r}. Please use only: {allowed}.",
    Code.YAML_SHAPE: "{detail}",
    Code.NO_QUESTIONS: "the form has no question the bot can ask. Please add at least one "
    "question row to the survey sheet.",
    Code.NO_TYPE: "this row has a name or label but no type. Please either add a type "
    "(e.g. text) or delete the row.",
    Code.NO_NAME: "this row has no name. Please give it a unique name, e.g. 'age'.",
    Code.UNCLOSED: "'begin {kind}' has no matching 'end {kind}'. Please add an 'end {kind}' "
    "row after its last question.",
    Code.UNOPENED: "'end {kind}' has no matching 'begin {kind}'. Please either delete it or "
    "add the 'begin {kind}' row.",
    Code.MISMATCHED_END: "'end {kind}' closes the 'begin {opened}' of row {opened_row}. "
    "Please either make them match or move the end row.",
    Code.UNSUPPORTED_TYPE: "type '{type}' cannot be asked in a chat. Please {fix}.",
    Code.UNKNOWN_TYPE: "unknown type '{type}'. Please use one of: {supported}.",
    Code.MISSING_LIST_NAME: "{type} needs a list name. Please write e.g. '{type} yes_no'.",
    Code.MISSING_LIST: "list {list!r} is not on the choices sheet{hint}. Please either add "
    "its choices there or correct the list name.",
    Code.CHOICES_FROM_REPEAT: "choices taken from a repeat ({list}) are not supported. "
    "Please list the choices on the choices sheet.",
    Code.CHOICE_WITHOUT_NAME: "a choice in list {list!r} has no name. Please give it the "
    "value to store, e.g. 'yes'.",
    Code.DUPLICATE_NAME: "name {name!r} is already used on row {first}. Please rename one of "
    "them: answers are stored by name.",
    Code.INVALID_NAME: "name {name!r} is not valid. Please start it with a letter or _ and "
    "use only letters, digits, _, - and '.'.",
    Code.BAD_EXPRESSION: "cannot read {text!r}: {error}. Please correct the expression.",
    Code.UNKNOWN_FUNCTION: "unknown function '{name}' ({why}). Please either remove it or "
    "rewrite the expression without it.",
    Code.UNKNOWN_REFERENCE: "${{{name}}} is not a question in this form{hint}. Please either "
    "add a question named {name!r} or correct the name.",
    Code.METADATA_REFERENCE: "${{{name}}} refers to the '{type}' metadata row {first}, which "
    "the bot ignores. Please either remove the reference or {fix}.",
    Code.EMPTY_CALCULATION: "a calculate row needs a calculation. Please either write one "
    "(e.g. ${{price}} * ${{quantity}}) or delete the row.",
    Code.BAD_PARAMETERS: "parameters {text!r} are not key=value pairs. Please write them like "
    "'start=1 end=5 step=1'.",
    Code.BAD_RANGE: "range parameters {text!r} are invalid. Please give numbers with start "
    "different from end and a step above 0.",
    Code.BAD_DEFAULT: "default {value!r} is not a valid {type} answer. Please either correct "
    "it or leave the default empty.",
    Code.MISSING_MEDIA: "the form needs the media file {file!r} ({why}), which was not given. "
    "Please put it in a folder and import with --media FOLDER (or put it beside the form).",
    Code.STRICT: "{detail} (refused because of --strict)",
}


class Warn(StrEnum):
    """Stable identifiers of import warnings: what the chat does instead of what was asked."""

    PYXFORM = "pyxform"  # a warning pyxform gave
    MISSING_TEXT = "missing_text"
    LANGUAGE_CODE = "language_code"
    DEFAULT_LANGUAGE = "default_language"
    KEY_SHORTENED = "key_shortened"
    CHOICE_NO_LIST = "choice_no_list"
    DUPLICATE_CHOICE = "duplicate_choice"
    CHOICE_NO_LABEL = "choice_no_label"
    NO_LABEL = "no_label"
    QUOTES = "quotes"
    APPEARANCE = "appearance"
    MEDIA_COLUMN = "media_column"
    TRIGGER_COLUMN = "trigger_column"
    CHOICE_FILTER = "choice_filter"
    METADATA = "metadata"  # filled by the bot from the chat session
    METADATA_EMPTY = "metadata_empty"  # a metadata row a chat has no value for
    CARRIED_OUT = "carried_out"  # a type asked in its closest chat form
    SKIPPED = "skipped"  # a row never asked
    UNNAMED_NOTE = "unnamed_note"
    SAME_NAME = "same_name"  # a name repeated in another group: stored by its path
    DEFAULT_NOT_CHOICE = "default_not_choice"
    BAD_DEFAULT = "bad_default"
    FUNCTION_EMPTY = "function_empty"  # a known function the bot cannot evaluate
    EXPRESSION_DROPPED = "expression_dropped"  # syntax the bot cannot read
    LOOP = "loop"
    ENTITIES = "entities"
    LINKAGE = "linkage"  # a `linkage` column the bot cannot use


WARNINGS: dict[Warn, str] = {
    Warn.PYXFORM: "pyxform: {detail}",
    Warn.MISSING_TEXT: "no {missing} {column}; {shown} is shown",
    Warn.LANGUAGE_CODE: "language {language!r} has no ISO code; write it as '{language} (xx)' "
    "so users can pick it (using {iso!r} for now)",
    Warn.DEFAULT_LANGUAGE: "default_language {setting!r} has no label column; using {used!r} "
    "instead",
    Warn.KEY_SHORTENED: "form id {raw!r} is used as key {key!r}",
    Warn.CHOICE_NO_LIST: "choice without list_name is ignored",
    Warn.DUPLICATE_CHOICE: "choice {name!r} is already in list {list!r} (row {first}); both "
    "are kept",
    Warn.CHOICE_NO_LABEL: "choice has no label; the bot shows its name",
    Warn.NO_LABEL: "question has no label; the bot shows its name",
    Warn.QUOTES: "typographic quotes in {header} were replaced with straight quotes",
    Warn.APPEARANCE: "appearance '{appearance}' is ignored: the bot asks the question the plain "
    "way",
    Warn.MEDIA_COLUMN: "pictures and sounds of choices are not sent: the bot shows the choice "
    "labels",
    Warn.TRIGGER_COLUMN: "column trigger is ignored: the bot recalculates after every answer",
    Warn.CHOICE_FILTER: "choice_filter is ignored on a {type} question",
    Warn.METADATA: "metadata row '{type}' is filled in by the bot: {how}",
    Warn.METADATA_EMPTY: "metadata row '{type}' stays empty: a chat has no {what}",
    Warn.CARRIED_OUT: "type '{type}' is asked as {instead}",
    Warn.SKIPPED: "type '{type}' is skipped: {why}",
    Warn.UNNAMED_NOTE: "note without a name is shown as {name!r}",
    Warn.SAME_NAME: "name {name!r} is also used on row {first} (another group); its answers "
    "are stored and exported as {path!r}",
    Warn.DEFAULT_NOT_CHOICE: "default {value!r} is not one of the choices of list {list!r}; "
    "the question has no default",
    Warn.BAD_DEFAULT: "default {value!r} is not a valid {type} answer; the question has no default",
    Warn.FUNCTION_EMPTY: "{header} uses {name}() ({why}); the bot takes it as empty",
    Warn.EXPRESSION_DROPPED: "the bot cannot read {header} {text!r} ({error}); {instead}",
    Warn.LOOP: "'begin loop' is asked once, as a group: a chat has no loop over choices",
    Warn.ENTITIES: "the entities sheet is ignored: the bot does not create or update ODK entities",
    Warn.LINKAGE: "linkage {value!r} is ignored ({why}): no linkage is recorded from this "
    "question",
}

# What a dropped expression means, per column (Warn.EXPRESSION_DROPPED's "instead").
DROPPED_MEANS: dict[str, str] = {
    "relevant": "the question is always asked",
    "constraint": "any answer is accepted",
    "calculation": "the value stays empty",
    "required": "the question is optional",
    "default": "there is no default",
    "choice_filter": "every choice is shown",
    "repeat_count": 'the bot asks "add another?" instead',
    "instance_name": "responses are titled by their date",
}


@dataclass(frozen=True)
class ImportProblem:
    """One reason to refuse a form.

    Args:
        sheet: "survey", "choices", "settings", or "file" for the file as a whole.
        row: the spreadsheet row (header is row 1), or the line of a YAML form; None when
            the problem is not tied to a row.
        column: the column header as written in the form (e.g. "relevance"), or None.
        message: what is wrong and how to fix it.
        code: a `Code` value.
        unit: "row" for spreadsheets, "line" for YAML forms.
    """

    sheet: str
    row: int | None
    column: str | None
    message: str
    code: str = Code.PYXFORM.value
    unit: str = "row"

    @classmethod
    def of(
        cls,
        code: Code,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        *,
        unit: str = "row",
        **context: object,
    ) -> ImportProblem:
        """The problem `code` with its catalogue message filled in from `context`."""
        message = MESSAGES[code].format(**context)
        return cls(sheet, row, column, message, code=code.value, unit=unit)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def location(self) -> str:
        parts = [] if self.unit == "line" and self.row else [_where(self.sheet)]
        if self.row is not None:
            parts.append(f"{self.unit} {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class FormImportError(Exception):
    """A form was refused; `problems` says every reason, one line each in `str()`."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems: list[ImportProblem] = sorted(problems, key=_problem_order)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _problem_order(problem: ImportProblem) -> tuple[int, str, int]:
    # Sheet order as a person reads the workbook; unplaced problems first.
    sheets = {"file": 0, "settings": 1, "survey": 2, "choices": 3}
    return (sheets.get(problem.sheet, 4), problem.sheet, problem.row or 0)


@dataclass
class WarningLog:
    """Collects warnings and merges identical messages into one line with all their rows.

    A big form that uses one ignored appearance on 40 rows gets one line naming the rows,
    not 40 lines. `codes` keeps each line's `Warn` code, for tests and --strict.
    """

    unit: str = "row"
    _rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _codes: dict[tuple[str, str], Warn] = field(default_factory=dict)

    def add(self, sheet: str, row: int | None, code: Warn, **context: object) -> None:
        message = WARNINGS[code].format(**context)
        rows = self._rows.setdefault((sheet, message), [])
        self._codes.setdefault((sheet, message), code)
        if row is not None and row not in rows:
            rows.append(row)

    def lines(self) -> list[str]:
        return [self._line(sheet, message, rows) for (sheet, message), rows in self._rows.items()]

    def codes(self) -> list[str]:
        return [self._codes[key].value for key in self._rows]

    def problems(self) -> list[ImportProblem]:
        """Every warning as a refusal (--strict), at its first row."""
        return [
            ImportProblem.of(
                Code.STRICT, sheet, min(rows) if rows else None, unit=self.unit, detail=message
            )
            for (sheet, message), rows in self._rows.items()
        ]

    def _line(self, sheet: str, message: str, rows: list[int]) -> str:
        if not rows:
            return f"{_where(sheet)}: {message}"
        shown = ", ".join(str(r) for r in sorted(rows)[:12])
        more = f" and {len(rows) - 12} more" if len(rows) > 12 else ""
        unit = self.unit if len(rows) == 1 else f"{self.unit}s"
        # A YAML form is one text: its line numbers say where without a sheet name.
        where = "" if self.unit == "line" else f"{_where(sheet)}, "
        return f"{where}{unit} {shown}{more}: {message}"


def _where(sheet: str) -> str:
    return sheet if sheet == "file" else f"{sheet} sheet"
