"""Survey responses as CSV or XLSX (SPEC §4 `survey export`, §5 `/export`).

One row per response, one column per question (its XLSForm `name`) in form order, after
the metadata columns; select_multiple as space-separated choice names, as ODK exports
them. Each repeat gets its own sheet (XLSX) or file (CSV: `<stem>_<repeat>.csv` beside
the main one) with one row per round, linked to the main row by `response_id` and to its
enclosing rounds by `<repeat>_index` columns.

Answers are streamed from SQLite in response order and written as they come (openpyxl's
write-only mode), so memory stays flat however many responses there are. Stored answers
are already the effective ones (the runner deletes answers that became irrelevant), so
nothing is re-evaluated here. A voice note that answered a text question is written as
`voice:` and its file's path (`VOICE_EXPORT`), in the question's own column.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from bot.spreadsheet import append, csv_row
from bot.storage import surveys as store
from bot.surveys import expr
from bot.surveys.answers import voice_path
from bot.surveys.model import Form, Group, Node, Repeat
from bot.surveys.navigation import AnswerEnv, evaluate, index_of

META = ("response_id", "respondent_id", "role", "cluster", "gender", "language", "status",
        "version", "round", "started", "completed")  # fmt: skip
MAIN = "survey"
TITLE = "instance_name"  # the response's title (settings `instance_name`), after META
_SEGMENT = re.compile(r"([^/\[]+)(?:\[(\d+)\])?")
_NUMERIC = frozenset({"integer", "decimal", "range"})
VOICE_EXPORT = "voice:{path}"  # a voice note answering a text question (issue 14)


@dataclass
class Sheet:
    """The main sheet ("survey") or one repeat's sheet."""

    name: str
    repeats: tuple[str, ...] = ()  # the repeat chain this sheet's rows belong to
    columns: list[str] = field(default_factory=list)  # question columns, form order
    titled: bool = False  # the main sheet of a form with settings `instance_name`

    @property
    def header(self) -> list[str]:
        if self.name == MAIN:
            return [*META, *(TITLE,) * self.titled, *self.columns]
        return ["response_id", *(f"{r}_index" for r in self.repeats), *self.columns]


@dataclass
class Layout:
    sheets: dict[str, Sheet]  # MAIN first, then repeats in form order
    where: dict[str, str]  # column name -> sheet name
    numeric: set[str]  # columns written as numbers in XLSX
    # version -> its form, for the versions whose settings give an `instance_name`.
    titles: dict[str, Form] = field(default_factory=dict)


def layout(forms: list[Form]) -> Layout:
    """Columns for every version's questions: the newest form's order, older extras after."""
    out = Layout({MAIN: Sheet(MAIN)}, {}, set())
    for form in forms:
        _add(out, form.children, MAIN, ())
    out.titles = {f.version: f for f in reversed(forms) if f.instance_name}
    out.sheets[MAIN].titled = bool(out.titles)
    return out


def instance_title(form: Form, answers: Mapping[str, str], at: str) -> str:
    """settings `instance_name` evaluated on a response's answers (paths -> values), as of
    `at` (ISO time: its completion, else its start): the response's title, or ""."""
    if not form.instance_name:
        return ""
    try:
        when = datetime.fromisoformat(at).replace(tzinfo=None)
    except ValueError:
        when = datetime(1970, 1, 1)
    env = AnswerEnv(index_of(form), dict(answers), when.date(), when, form.default_language)
    value = expr.to_string(evaluate(form.instance_name, env))
    return "" if value == "NaN" else value.strip()


def _add(out: Layout, nodes: tuple[Node, ...], sheet: str, repeats: tuple[str, ...]) -> None:
    for node in nodes:
        if isinstance(node, Group):
            _add(out, node.children, sheet, repeats)
        elif isinstance(node, Repeat):
            chain = (*repeats, node.name)
            out.sheets.setdefault(node.name, Sheet(node.name, chain))
            _add(out, node.children, node.name, chain)
        elif node.type != "note":
            for name in (node.name, f"{node.name}_other") if node.or_other else (node.name,):
                if name not in out.where:
                    out.where[name] = sheet
                    out.sheets[sheet].columns.append(name)
            if node.type in _NUMERIC:
                out.numeric.add(node.name)


@dataclass
class Record:
    """One response: metadata, its main-row answers and its repeat rounds."""

    meta: dict[str, Any]
    values: dict[str, str] = field(default_factory=dict)
    rounds: dict[str, dict[tuple[int, ...], dict[str, str]]] = field(default_factory=dict)


def forms_of(conn: sqlite3.Connection, key: str) -> list[Form]:
    """Every version's form, newest first (the newest decides the column order)."""
    return [s.form(conn) for s in reversed(store.versions(conn, key))]


def records(
    conn: sqlite3.Connection,
    key: str,
    lay: Layout,
    clusters: frozenset[int] | None = None,
    round_id: int | None = None,
) -> Iterator[Record]:
    """Every response to `key` (in `clusters` only, unless None; in one round only, unless
    `round_id` is None) with its answers."""
    where, params = "s.key = ?", [key, *sorted(clusters or ())]
    if clusters is not None:
        marks = ",".join("?" * len(clusters)) or "NULL"
        where += f" AND c.cluster_id IN ({marks})"
    if round_id is not None:
        where += " AND r.round_id = ?"
        params.append(round_id)
    responses = conn.execute(
        "SELECT r.id, r.contact_id, r.status, r.started_at, r.completed_at, s.version,"
        " c.role, c.gender, c.language, cl.code, sr.name FROM responses r"
        " JOIN surveys s ON s.id = r.survey_id JOIN contacts c ON c.id = r.contact_id"
        " LEFT JOIN clusters cl ON cl.id = c.cluster_id"
        f" LEFT JOIN survey_rounds sr ON sr.id = r.round_id WHERE {where} ORDER BY r.id",
        params,
    )
    parsed: dict[str, tuple[str, tuple[int, ...]] | None] = {}
    for row in responses.fetchall():  # one small row per response; answers are streamed
        rid = row[0]
        record = Record({
            "response_id": rid, "respondent_id": row[1], "role": row[6], "cluster": row[9],
            "gender": row[7], "language": row[8], "status": row[2], "version": row[5],
            "round": row[10], "started": row[3], "completed": row[4],
        })  # fmt: skip
        # One primary-key range per response: no sort of every answer, memory stays flat.
        titled = lay.titles.get(row[5])
        raw: dict[str, str] = {}
        for path, value in conn.execute(
            "SELECT path, value FROM answers WHERE response_id = ?", (rid,)
        ):
            _place(record, lay, parsed, path, value)
            if titled is not None:
                raw[path] = value
        if titled is not None:
            record.meta[TITLE] = instance_title(titled, raw, row[4] or row[3])
        yield record


def _place(
    record: Record,
    lay: Layout,
    parsed: dict[str, tuple[str, tuple[int, ...]] | None],
    path: str,
    value: str,
) -> None:
    if path not in parsed:
        parsed[path] = _parse_path(path) if "@" not in path else None
    found = parsed[path]
    if found is None:
        return
    name, rounds = found
    sheet = lay.where.get(name)
    if sheet is None:
        return
    voice = voice_path(value)
    if voice is not None:
        value = VOICE_EXPORT.format(path=voice)
    if sheet == MAIN:
        record.values[name] = value
    else:
        record.rounds.setdefault(sheet, {}).setdefault(rounds, {})[name] = value


def _parse_path(path: str) -> tuple[str, tuple[int, ...]]:
    segments = _SEGMENT.findall(path)
    rounds = tuple(int(number) for _, number in segments if number)
    return segments[-1][0], rounds


# --------------------------------------------------------------------------- writers ---
def rows(record: Record, lay: Layout) -> Iterator[tuple[str, list[Any]]]:
    """(sheet name, row) for the main row and every repeat round of one response."""
    main = lay.sheets[MAIN]
    title = [record.meta.get(TITLE) or None] if main.titled else []
    yield (
        MAIN,
        [record.meta[m] for m in META] + title + [record.values.get(c) for c in main.columns],
    )
    for sheet_name, rounds in record.rounds.items():
        sheet = lay.sheets[sheet_name]
        for numbers in sorted(rounds):
            values = rounds[numbers]
            yield (
                sheet_name,
                [record.meta["response_id"], *numbers] + [values.get(c) for c in sheet.columns],
            )


def export_csv(
    conn: sqlite3.Connection, key: str, out: Path, clusters: frozenset[int] | None = None
) -> list[Path]:
    """Write PATH and PATH-stem_<repeat>.csv per repeat; returns the files written."""
    lay = layout(forms_of(conn, key))
    paths = {MAIN: out}
    for name in lay.sheets:
        if name != MAIN:
            paths[name] = out.with_name(f"{out.stem}_{name}{out.suffix or '.csv'}")
    files: dict[str, IO[str]] = {}
    try:
        writers = {}
        for name, path in paths.items():
            # utf-8-sig: Excel opens Devanagari and Telugu correctly only with the BOM.
            files[name] = path.open("w", newline="", encoding="utf-8-sig")
            writers[name] = csv.writer(files[name])
            writers[name].writerow(csv_row(lay.sheets[name].header))
        for record in records(conn, key, lay, clusters):
            for name, row in rows(record, lay):
                writers[name].writerow(csv_row("" if v is None else v for v in row))
    finally:
        for handle in files.values():
            handle.close()
    return list(paths.values())


def export_xlsx(
    conn: sqlite3.Connection,
    key: str,
    out: Path | IO[bytes],
    clusters: frozenset[int] | None = None,
) -> None:
    """One workbook: the main sheet and a sheet per repeat (openpyxl write-only mode)."""
    from openpyxl import Workbook

    lay = layout(forms_of(conn, key))
    book = Workbook(write_only=True)
    sheets = {}
    used: set[str] = set()
    for name, sheet in lay.sheets.items():
        ws = book.create_sheet(_sheet_title(name, used))
        append(ws, sheet.header)
        sheets[name] = ws
    numeric_at = {
        name: {i for i, c in enumerate(sheet.header) if c in lay.numeric}
        for name, sheet in lay.sheets.items()
    }
    for record in records(conn, key, lay, clusters):
        for name, row in rows(record, lay):
            for i in numeric_at[name]:
                row[i] = _number(row[i])
            append(sheets[name], row)  # typed text stays text, never a formula
    book.save(out)


def _number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique without case.
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    title, n = base, 2
    while title.casefold() in used:
        suffix = f"_{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.casefold())
    return title
