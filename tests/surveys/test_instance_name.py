"""settings `instance_name` (issue 13): an expression on the response's answers, the
response's title in `/results` and a column of the exports."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.storage import clusters
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.surveys.errors import FormImportError
from bot.surveys.export import META, export_csv, instance_title
from bot.surveys.loader import load_form
from bot.surveys.model import form_from_json, form_to_json
from bot.surveys.results import results
from handlers.surveys.results import results_text
from tests.surveys.test_export import answer, person

FORM = """\
| survey |
| | type | name | label | choice_filter |
| | text | shop | Name of your unit? | |
| | select_one craft | craft | Your craft? | |
| | date | visit | Date of the visit? | |
| choices |
| | list_name | name | label |
| | craft | weaving | Weaving |
| | craft | pottery | Pottery |
| settings |
| | form_id | version | instance_name |
| | units | 1 | concat(${shop}, ' – ', jr:choice-name(${craft}, '${craft}'), ' (', format-date(today(), '%d-%m'), ')') |
"""  # noqa: E501


@pytest.fixture
def form_path(tmp_path: Path) -> Path:
    path = tmp_path / "units.md"
    path.write_text(FORM, encoding="utf-8")
    return path


def test_instance_name_is_checked_and_kept(form_path: Path, tmp_path: Path) -> None:
    form = load_form(form_path).form
    assert form.instance_name and form.instance_name.startswith("concat(${shop}")
    assert form_from_json(form_to_json(form)) == form
    title = instance_title(form, {"shop": "Meena Prints", "craft": "weaving"},
                           "2026-11-28T09:10:00+00:00")  # fmt: skip
    assert title == "Meena Prints – Weaving (28-11)"
    assert instance_title(form, {}, "2026-11-28T09:10:00") == "–  (28-11)"
    bad = tmp_path / "bad.md"
    bad.write_text(FORM.replace("${shop}, ' – '", "${shopp}, ' – '"), encoding="utf-8")
    with pytest.raises(FormImportError) as caught:
        load_form(bad)
    (problem,) = caught.value.problems
    assert problem.sheet == "settings" and problem.column == "instance_name"
    assert "${shopp}" in problem.message and "${shop}" in problem.message  # did you mean


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect_sync(tmp_path / "titles.db")
    migrate(connection)
    return connection


def test_titles_in_results_and_exports(
    conn: sqlite3.Connection, form_path: Path, tmp_path: Path
) -> None:
    form = load_form(form_path).form

    def fill(c: sqlite3.Connection) -> store.Survey:
        bagru = clusters.add(c, "BAGRU", "Bagru", "Asia/Kolkata", "x")
        survey, _ = store.import_form(c, form, now="x")
        for uid, shop, craft in (("a", "Meena Prints", "weaving"), ("b", "Ravi Pots", "pottery")):
            answer(c, survey.id, person(c, uid, bagru.id, "artisan", "female"),
                   {"shop": shop, "craft": craft})  # fmt: skip
        return survey

    survey = run_in_transaction(conn, fill)
    [out] = export_csv(conn, "units", tmp_path / "units.csv")
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][: len(META) + 2] == [*META, "instance_name", "shop"]
    assert [r[len(META)] for r in rows[1:]] == ["Meena Prints – Weaving (28-11)",
                                                 "Ravi Pots – Pottery (28-11)"]  # fmt: skip
    found = results(conn, survey)
    assert found.titles == ["Ravi Pots – Pottery (28-11)", "Meena Prints – Weaving (28-11)"]
    text = results_text(Translator("en"), found, "Units")
    assert "Latest: Ravi Pots – Pottery (28-11), Meena Prints – Weaving (28-11)" in text


def test_forms_without_instance_name_keep_their_columns(conn: sqlite3.Connection) -> None:
    form = load_form(Path(__file__).parent / "forms" / "all_types.md").form
    assert form.instance_name is None and "instance_name" not in form_to_json(form)
