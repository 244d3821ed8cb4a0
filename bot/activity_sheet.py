"""The action plan as a spreadsheet: one sheet "activities", a header row naming the
COLUMNS (any order; id, title and category are the ones needed), one activity a row.

`read_sheet` checks every row on its own and raises SheetError with one line per problem
(row, column, what to fix); `write_sheet` writes every column, so what it writes reads back
unchanged. Money is rupees in the sheet and paise in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.clock import utc_now
from bot.parse.dates import parse_date
from bot.parse.numbers import AmountError, parse_rupees
from bot.reports.labels import CATEGORY_LABELS, STATUS_LABELS, key_for
from bot.spreadsheet import append
from bot.storage.activities import Activity

SHEET = "activities"
COLUMNS = (
    "id",
    "title",
    "category",
    "target_group",
    "responsible",
    "starts_on",
    "ends_on",
    "beneficiaries_inr",
    "agency_inr",
    "others_inr",
    "status",
    "plan",  # planned | unplanned: whether it was in the agreed action plan (issue 18)
)
PLANS = ("planned", "unplanned")
REQUIRED = ("title", "category")
MONEY = {"beneficiaries_inr": "beneficiaries_paise", "agency_inr": "agency_paise",
         "others_inr": "others_paise"}  # fmt: skip
TEXT_LIMITS = {"title": 120, "target_group": 200, "responsible": 200}


class SheetError(Exception):
    """A file that cannot be imported; `problems` are one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Row:
    number: int  # the spreadsheet's row number, for messages
    id: int | None
    fields: dict[str, Any] = field(default_factory=dict)  # activities.EDITABLE names


# --- reading and checking a sheet ---------------------------------------------------------


def read_sheet(path: Path) -> list[Row]:
    """Every non-empty row, checked on its own (ids are checked against the database later)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not .xlsx
        raise SheetError(
            [f"cannot read {path.name!r} as .xlsx ({exc.__class__.__name__})"]
        ) from exc
    try:
        sheet = next((book[n] for n in book.sheetnames if n.strip().lower() == SHEET), None)
        if sheet is None:
            raise SheetError([f"no sheet named {SHEET!r} (found: {', '.join(book.sheetnames)})"])
        lines = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    if not lines:
        raise SheetError([f"sheet {SHEET!r} is empty; the first row names the columns"])
    header = [str(h).strip().lower() if h is not None else "" for h in lines[0]]
    problems = [
        f"row 1: unknown column {name!r}; the columns are {', '.join(COLUMNS)}"
        for name in header
        if name and name not in COLUMNS
    ]
    problems += [f"row 1: column {name!r} is missing" for name in REQUIRED if name not in header]
    if problems:
        raise SheetError(problems)
    rows = []
    for number, values in enumerate(lines[1:], start=2):
        cells = {name: value for name, value in zip(header, values, strict=False) if name}
        if all(_blank(v) for v in cells.values()):
            continue
        rows.append(_row(number, cells, problems))
    seen: dict[int, int] = {}
    for row in rows:
        if row.id is not None and row.id in seen:
            problems.append(
                f"row {row.number}, column id: id {row.id} is also on row {seen[row.id]}"
            )
        elif row.id is not None:
            seen[row.id] = row.number
    if problems:
        raise SheetError(problems)
    return rows


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row(number: int, cells: dict[str, Any], problems: list[str]) -> Row:
    def bad(column: str, why: str) -> None:
        problems.append(f"row {number}, column {column}: {why}")

    row = Row(number, None)
    raw_id = cells.get("id")
    if not _blank(raw_id):
        text = str(raw_id).strip().removesuffix(".0")
        row.id = int(text) if text.isdigit() else None
        if row.id is None:
            bad("id", f"{raw_id!r} is not an activity id; leave it empty for a new activity")
    for column, limit in TEXT_LIMITS.items():
        if column in cells:
            value = "" if _blank(cells[column]) else str(cells[column]).strip()
            if len(value) > limit:
                bad(column, f"at most {limit} characters, this has {len(value)}")
            row.fields[column] = value
    if not row.fields.get("title"):
        bad("title", "an activity needs a title")
    for column, labels in (("category", CATEGORY_LABELS), ("status", STATUS_LABELS)):
        if column not in cells or (column == "status" and _blank(cells[column])):
            continue  # a new activity is planned; an existing one keeps its status
        if _blank(cells[column]):
            bad(column, f"an activity needs a {column}: one of {', '.join(labels)}")
            continue
        key = key_for(str(cells[column] or ""), labels)
        if key is None:
            bad(column, f"{cells[column]!r} is not one of {', '.join(labels)}")
        row.fields[column] = key
    if "plan" in cells and not _blank(cells["plan"]):  # blank: new planned, existing kept
        plan = str(cells["plan"]).strip().lower()
        if plan not in PLANS:
            bad("plan", f"{cells['plan']!r} is not one of {', '.join(PLANS)}")
        else:
            row.fields["plan"] = plan
    for column in ("starts_on", "ends_on"):
        if column in cells:
            day = _date(cells[column])
            if day is False:
                bad(column, f"{cells[column]!r} is not a date; write it like 2026-12-25")
            row.fields[column] = day if isinstance(day, str) else None
    starts, ends = row.fields.get("starts_on"), row.fields.get("ends_on")
    if starts and ends and ends < starts:
        bad("ends_on", f"the end ({ends}) is before the start ({starts})")
    for column, target in MONEY.items():
        if column in cells:
            paise = _paise(cells[column])
            if isinstance(paise, AmountError):
                why = "cannot be negative" if paise is AmountError.NEGATIVE else "is not an amount"
                bad(column, f"{cells[column]!r} {why}; write rupees, e.g. 25000")
            else:
                row.fields[target] = paise
    return row


def _date(value: object) -> str | bool | None:
    """ISO day, None when empty, False when not a date."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    found = parse_date(str(value), utc_now().date())
    return found.isoformat() if found else False


def _paise(value: object) -> int | AmountError:
    if _blank(value):
        return 0
    if isinstance(value, bool):
        return AmountError.FORMAT
    if isinstance(value, int | float):
        if value < 0:
            return AmountError.NEGATIVE
        return int((Decimal(str(value)) * 100).to_integral_value())
    return parse_rupees(str(value))


# --- writing -----------------------------------------------------------------------------


def _cells(a: Activity) -> list[object]:
    def rupees(paise: int) -> int | float:
        return paise // 100 if paise % 100 == 0 else paise / 100

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return [
        a.id, a.title, a.category, a.target_group, a.responsible, day(a.starts_on),
        day(a.ends_on), rupees(a.beneficiaries_paise), rupees(a.agency_paise),
        rupees(a.others_paise), a.status, a.plan,
    ]  # fmt: skip


def write_sheet(plan: list[Activity], out: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for a in plan:
        append(sheet, _cells(a))  # typed text stays text, never a formula
    for column in ("F", "G"):
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    book.save(out)
