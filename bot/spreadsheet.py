"""Cells that stay what was typed (issue 12): every `.xlsx` and `.csv` the bot writes goes
through here, so a stakeholder's answer `=HYPERLINK(...)` is shown as text, never run.

A value is *risky* when it is a string beginning with `=`, `+`, `-`, `@`, a tab or a
carriage return (the characters Excel, LibreOffice and Google Sheets read as the start of
a formula). Numbers (int, float, and in CSV the text of a plain number such as `-5`) stay
numbers.

- XLSX: a risky value is written as a string cell (`data_type "s"`), unchanged; reading the
  workbook back gives exactly the text that was typed.
- CSV: a risky value gets a leading `'` (the OWASP "CSV injection" advice), since a CSV file
  has no cell types.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def risky(value: object) -> bool:
    """True for a string a spreadsheet program could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """`value` as it may go into a CSV row: risky text prefixed with `'`, numbers kept."""
    if risky(value) and not _PLAIN_NUMBER.fullmatch(str(value)):
        return "'" + str(value)
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(v) for v in values]


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """`values` for `sheet.append(...)` (normal or write-only sheet): risky strings become
    cells typed as text, everything else is passed through."""
    return [_text_cell(sheet, v) if risky(v) else v for v in values]


def append(sheet: Any, values: Iterable[object]) -> None:
    """`sheet.append(values)` with risky strings kept as text."""
    sheet.append(xlsx_row(sheet, values))


def _text_cell(sheet: Any, value: object) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl made it "f" for a leading "="; text it stays
    return cell
