"""Repeats as the issue describes them: a fixed or computed `repeat_count`, else "Add
another?", and the export of repeats (nested ones too) as extra sheets / CSV files
linked by response id and round (SPEC §6, §4 survey export)."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.storage import clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.surveys.export import export_csv, export_xlsx
from bot.surveys.loader import load_form
from bot.surveys.model import Form
from bot.surveys.navigation import SlotKind
from bot.surveys.runner import Runner, Step

FORM = """
key: units
version: "1"
questions:
  - {name: owner, type: text, label: "Owner?"}
  - {name: looms, type: integer, label: "How many looms?"}
  - type: repeat
    name: fixed
    label: Visit
    repeat_count: "2"
    questions:
      - {name: note_day, type: text, label: "Day?"}
  - type: repeat
    name: loom
    label: Loom
    repeat_count: "${looms} + 0"
    questions:
      - {name: width, type: integer, label: "Width?"}
  - type: repeat
    name: product
    label: Product
    questions:
      - {name: pname, type: text, label: "Name?"}
      - type: repeat
        name: colour
        label: Colour
        questions:
          - {name: dye, type: text, label: "Dye?"}
"""


def form(tmp_path: Path) -> Form:
    path = tmp_path / "units.yaml"
    path.write_text(FORM, encoding="utf-8")
    return load_form(path).form


def interview(form: Form, replies: list[str]) -> tuple[list[str], dict[str, str]]:
    """Answer in order ("yes"/"no" to "add another?"); the paths asked and the answers."""
    runner = Runner(form, {}, today=date(2026, 11, 28), now=datetime(2026, 11, 28),
                    language="en")  # fmt: skip
    asked: list[str] = []
    current = runner.start().slot
    for reply in replies:
        assert current is not None, asked
        asked.append(current.path)
        if current.kind is SlotKind.ANOTHER:
            result = runner.another(current, yes=reply == "yes")
        else:
            result = runner.submit(current, reply)
        assert isinstance(result, Step), (current.path, result)
        current = result.slot
    assert current is None, current.path
    return asked, dict(runner.answers)


def test_fixed_and_computed_counts_ask_no_question_and_free_repeats_do(tmp_path: Path) -> None:
    asked, answers = interview(
        form(tmp_path),
        ["Asha", "2", "Mon", "Thu", "36", "48", "Saree", "indigo", "yes", "madder", "no",
         "yes", "Dupatta", "turmeric", "no", "no"],
    )  # fmt: skip
    assert asked[:6] == ["owner", "looms", "fixed[1]/note_day", "fixed[2]/note_day",
                         "loom[1]/width", "loom[2]/width"]  # fmt: skip
    assert not any(p.startswith(("+fixed", "+loom")) for p in asked)
    assert asked[6:] == [
        "product[1]/pname", "product[1]/colour[1]/dye", "+product[1]/colour[2]",
        "product[1]/colour[2]/dye", "+product[1]/colour[3]", "+product[2]",
        "product[2]/pname", "product[2]/colour[1]/dye", "+product[2]/colour[2]", "+product[3]",
    ]  # fmt: skip
    assert answers["product[2]/colour[1]/dye"] == "turmeric"


def test_repeats_export_as_linked_sheets_and_files(tmp_path: Path) -> None:
    the_form = form(tmp_path)
    _, answers = interview(
        the_form,
        ["Asha", "1", "Mon", "Thu", "36", "Saree", "indigo", "yes", "madder", "no",
         "yes", "Dupatta", "turmeric", "no", "no"],
    )  # fmt: skip
    conn = connect_sync(tmp_path / "units.db")
    migrate(conn)

    def fill(c: sqlite3.Connection) -> int:
        cluster = clusters.add(c, "BAGRU", "Bagru", "Asia/Kolkata", "x")
        survey, _ = store.import_form(c, the_form, now="x")
        person = contacts.get_or_create(c, "test", "a", "a", "2026-01-01T00:00:00+00:00")
        contacts.update(c, person.id, cluster_id=cluster.id, status="registered")
        response = store.start_response(c, survey.id, person.id, None, "2026-11-28T09:00:00Z")
        store.save_answers(c, response.id, answers, "2026-11-28T09:05:00Z")
        store.move(c, response.id, None, "completed", "2026-11-28T09:10:00Z")
        return response.id

    rid = str(run_in_transaction(conn, fill))
    written = export_csv(conn, "units", tmp_path / "out.csv")
    assert [p.name for p in written] == [
        "out.csv",
        "out_fixed.csv",
        "out_loom.csv",
        "out_product.csv",
        "out_colour.csv",
    ]

    def read(name: str) -> list[list[str]]:
        with (tmp_path / name).open(encoding="utf-8-sig") as f:
            return list(csv.reader(f))

    main = read("out.csv")
    assert main[0][-2:] == ["owner", "looms"] and main[1][-2:] == ["Asha", "1"]
    assert read("out_fixed.csv") == [
        ["response_id", "fixed_index", "note_day"],
        [rid, "1", "Mon"],
        [rid, "2", "Thu"],
    ]
    assert read("out_product.csv") == [
        ["response_id", "product_index", "pname"],
        [rid, "1", "Saree"],
        [rid, "2", "Dupatta"],
    ]
    assert read("out_colour.csv") == [
        ["response_id", "product_index", "colour_index", "dye"],
        [rid, "1", "1", "indigo"], [rid, "1", "2", "madder"], [rid, "2", "1", "turmeric"],
    ]  # fmt: skip
    export_xlsx(conn, "units", tmp_path / "out.xlsx")
    book = load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert book.sheetnames == ["survey", "fixed", "loom", "product", "colour"]
    colour = list(book["colour"].iter_rows(values_only=True))
    assert colour[1:] == [(int(rid), 1, 1, "indigo"), (int(rid), 1, 2, "madder"),
                          (int(rid), 2, 1, "turmeric")]  # fmt: skip
