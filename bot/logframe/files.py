"""The log-frame as an .xlsx file: `clusterbot logframe import` reads one, `export` writes one.

The first sheet; a header row with the columns ref, level, statement, indicator, baseline,
target, target date, source (in any order, any case; "means/source of verification" is the
source; other columns are ignored, so an exported file imports again). One row per
indicator; an empty statement repeats the one above (an objective with several
indicators). Levels: goal (also "development objective"), purpose ("immediate objective"),
output ("result"), activity. Numbers may be written as people write them (₹1,500, 2.5 lakh,
45%); dates as Excel dates or text (2027-03-31, 31-03-2027, 31 March 2027).

Validation covers the whole file before anything is stored: every problem is reported with
its row and reason, and a file with any problem changes nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook

from bot.logframe import sources
from bot.logframe.standing import Standing
from bot.parse.dates import parse_date
from bot.parse.numbers import parse_number
from bot.spreadsheet import append
from bot.storage.logframe import LEVELS, Row

COLUMNS = ("ref", "level", "statement", "indicator", "baseline", "target", "target date",
           "source")  # fmt: skip
READ_ONLY_COLUMNS = ("latest value", "measured on", "% of the way", "status")
ALIASES = {
    "target_date": "target date", "means of verification": "source",
    "source of verification": "source", "sources of verification": "source",
    "objective": "statement", "narrative": "statement", "narrative summary": "statement",
    "no": "ref", "no.": "ref", "#": "ref", "code": "ref",
}  # fmt: skip
LEVEL_NAMES = {
    "goal": "goal", "development objective": "goal", "overall objective": "goal",
    "purpose": "purpose", "immediate objective": "purpose", "specific objective": "purpose",
    "outcome": "purpose", "output": "output", "result": "output", "activity": "activity",
    "activities": "activity", "outputs": "output",
}  # fmt: skip
MAX_ROWS = 500
MAX_TEXT = 500


class LogframeFileError(ValueError):
    """A file that cannot be imported: one line per problem, `row N: reason`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Cells:
    number: int
    values: dict[str, Any]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _number(value: Any, column: str, problems: list[str], where: str) -> float | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _text(value).rstrip("%").strip()
    found = parse_number(text)
    if found is None:
        problems.append(f"{where}: {column} {_text(value)!r} is not a number")
        return None
    return float(found.value)


def _date(value: Any, problems: list[str], where: str, today: date) -> str | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    found = parse_date(_text(value), today)
    if found is None:
        problems.append(f"{where}: target date {_text(value)!r} is not a date")
        return None
    return found.isoformat()


def _header(row: tuple[Any, ...]) -> dict[str, int] | None:
    names = [ALIASES.get(_text(c).casefold(), _text(c).casefold()) for c in row]
    found = {name: i for i, name in reversed(list(enumerate(names))) if name in COLUMNS}
    return found if {"level", "indicator"} <= set(found) else None


def read(
    conn: sqlite3.Connection, path: Path | IO[bytes], today: date
) -> list[Row]:  # fmt: skip
    """The rows of a log-frame file, checked as a whole (LogframeFileError lists every
    problem). Survey sources are checked against the surveys in the database."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise LogframeFileError([f"file: not an .xlsx workbook ({type(exc).__name__})"]) from exc
    sheet = book.worksheets[0]
    columns: dict[str, int] | None = None
    cells: list[_Cells] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if columns is None:
            columns = _header(values)
            continue
        if not any(_text(v) for v in values):
            continue
        cells.append(_Cells(number, {
            name: values[i] if i < len(values) else None for name, i in columns.items()
        }))  # fmt: skip
    book.close()
    if columns is None:
        raise LogframeFileError([
            "file: no header row with the columns level and indicator (and ref, statement, "
            "baseline, target, target date, source)"
        ])  # fmt: skip
    if not cells:
        raise LogframeFileError(["file: the log-frame has no rows"])
    if len(cells) > MAX_ROWS:
        raise LogframeFileError([f"file: {len(cells)} rows; at most {MAX_ROWS}"])
    problems: list[str] = []
    out: list[Row] = []
    seen: dict[str, int] = {}
    statement = ""
    for item in cells:
        where = f"row {item.number}"
        get = item.values.get
        ref = _text(get("ref")) or str(len(out) + 1)
        if ref in seen:
            problems.append(f"{where}: ref {ref!r} is used again (first in row {seen[ref]})")
        seen.setdefault(ref, item.number)
        level_text = _text(get("level")).casefold()
        level = LEVEL_NAMES.get(level_text)
        if level is None:
            problems.append(f"{where}: level {_text(get('level'))!r} is not one of "
                            f"{', '.join(LEVELS)}")  # fmt: skip
        statement = _text(get("statement")) or statement
        indicator = _text(get("indicator"))
        if not statement:
            problems.append(f"{where}: the statement is empty")
        if not indicator:
            problems.append(f"{where}: the indicator is empty")
        for name, text in (("statement", statement), ("indicator", indicator)):
            if len(text) > MAX_TEXT:
                problems.append(f"{where}: the {name} is longer than {MAX_TEXT} characters")
        baseline = _number(get("baseline"), "baseline", problems, where)
        target = _number(get("target"), "target", problems, where)
        target_date = _date(get("target date"), problems, where, today)
        source_text = _text(get("source")) or "manual"
        try:
            source = sources.parse(source_text)
            sources.check(conn, source)
        except sources.SourceError as exc:
            problems.append(f"{where}: source: {exc}")
        out.append(Row(ref, level or "goal", statement, indicator, baseline, target,
                       target_date, source_text))  # fmt: skip
    if problems:
        raise LogframeFileError(problems)
    return out


def write(standing: list[Standing], out: str | Path | IO[bytes]) -> None:
    """The log-frame with where each indicator stands (the last four columns are for reading;
    importing the file again ignores them)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Log-frame"
    append(sheet, [*COLUMNS, *READ_ONLY_COLUMNS])
    for item in standing:
        row = item.row
        target_date = date.fromisoformat(row.target_date) if row.target_date else None
        progress = round(item.progress * 100) if item.progress is not None else None
        append(sheet, [row.ref, row.level, row.statement, row.indicator, row.baseline,
                       row.target, target_date, row.source, item.value, item.measured_on,
                       progress, item.light])  # fmt: skip
        if target_date:
            sheet.cell(sheet.max_row, 7).number_format = "yyyy-mm-dd"
    book.save(out)
