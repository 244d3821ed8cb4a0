"""CSV and XLSX exports (bot/surveys/export.py) and /results figures (results.py, charts.py)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.storage import clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.surveys import charts
from bot.surveys.export import META, export_csv, export_xlsx
from bot.surveys.loader import load_form
from bot.surveys.results import results

FORMS = Path(__file__).parent / "forms"


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect_sync(tmp_path / "export.db")
    migrate(connection)
    return connection


def person(conn: sqlite3.Connection, uid: str, cluster: int, role: str, gender: str) -> int:
    contact = contacts.get_or_create(conn, "test", uid, uid, "2026-01-01T00:00:00+00:00")
    contacts.update(conn, contact.id, cluster_id=cluster, role=role, gender=gender,
                    language="hi", status="registered")  # fmt: skip
    return contact.id


def answer(conn: sqlite3.Connection, survey_id: int, contact: int, values: dict[str, str],
           done: bool = True) -> int:  # fmt: skip
    response = store.start_response(conn, survey_id, contact, None, "2026-11-28T09:00:00+00:00")
    store.save_answers(conn, response.id, values, "2026-11-28T09:05:00+00:00")
    if done:
        store.move(conn, response.id, None, "completed", "2026-11-28T09:10:00+00:00")
    return response.id


@pytest.fixture
def filled(conn: sqlite3.Connection) -> dict[str, int]:
    """Two clusters, three responses to all_types.md (one in progress)."""

    def fill(c: sqlite3.Connection) -> dict[str, int]:
        bagru = clusters.add(c, "BAGRU", "Bagru", "Asia/Kolkata", "x")
        other = clusters.add(c, "ALLEPPEY", "Alleppey", "Asia/Kolkata", "x")
        survey, _ = store.import_form(c, load_form(FORMS / "all_types.md").form, now="x")
        a = person(c, "a", bagru.id, "artisan", "female")
        b = person(c, "b", bagru.id, "entrepreneur", "male")
        d = person(c, "d", other.id, "artisan", "female")
        first = answer(c, survey.id, a, {
            "name": "सुनीता", "age": "34", "income": "2500.5", "products": "weaving pottery",
            "main_product": "other", "main_product_other": "Jute", "worker_count": "2",
            "product_rows[1]/material": "cotton", "product_rows[2]/material": "silk",
            "rating": "4", "product_rows@count": "2",
        })  # fmt: skip
        answer(c, survey.id, b, {"name": "Ravi", "age": "50", "products": "pottery",
                                 "rating": "2"})  # fmt: skip
        answer(c, survey.id, d, {"name": "Lakshmi", "age": "41", "rating": "5"}, done=False)
        return {"bagru": bagru.id, "other": other.id, "first": first}

    return run_in_transaction(conn, fill)


def test_csv_main_file_and_one_file_per_repeat(
    conn: sqlite3.Connection, filled: dict[str, int], tmp_path: Path
) -> None:
    written = export_csv(conn, "all_types", tmp_path / "out.csv")
    assert [p.name for p in written] == ["out.csv", "out_product_rows.csv"]
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as f:
        main = list(csv.DictReader(f))
    header = list(main[0])
    assert header[: len(META)] == list(META)
    questions = header[len(META) :]
    assert questions[:9] == ["name", "age", "income", "district", "village", "products",
                             "main_product", "main_product_other", "since"]  # fmt: skip
    assert "thanks" not in questions and "material" not in questions  # notes; repeat columns
    first = main[0]
    assert (first["name"], first["products"], first["main_product_other"]) == (
        "सुनीता",
        "weaving pottery",
        "Jute",
    )
    assert (first["role"], first["cluster"], first["gender"], first["status"]) == (
        "artisan",
        "BAGRU",
        "female",
        "completed",
    )
    assert main[2]["status"] == "in_progress" and main[2]["completed"] == ""
    with (tmp_path / "out_product_rows.csv").open(encoding="utf-8-sig") as f:
        rounds = list(csv.reader(f))
    assert rounds == [
        ["response_id", "product_rows_index", "material"],
        [str(filled["first"]), "1", "cotton"],
        [str(filled["first"]), "2", "silk"],
    ]


def test_xlsx_sheets_numbers_and_cluster_scope(
    conn: sqlite3.Connection, filled: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "out.xlsx"
    export_xlsx(conn, "all_types", out, frozenset({filled["bagru"]}))
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["survey", "product_rows"]
    rows = list(book["survey"].iter_rows(values_only=True))
    assert len(rows) == 3  # header + the two BAGRU responses
    header = list(rows[0])
    assert rows[1][header.index("age")] == 34 and rows[1][header.index("income")] == 2500.5
    assert rows[1][header.index("name")] == "सुनीता"
    assert list(book["product_rows"].iter_rows(values_only=True))[1] == (
        filled["first"],
        1,
        "cotton",
    )


def test_columns_of_every_version(conn: sqlite3.Connection, tmp_path: Path) -> None:
    base = (FORMS / "diag_mini.yaml").read_text(encoding="utf-8")
    v2 = base.replace('version: "1"', 'version: "2"').replace(
        "  - name: registered",
        "  - {name: phone_model, type: text, label: 'Phone?'}\n  - name: registered",
    )
    (tmp_path / "v2.yaml").write_text(v2, encoding="utf-8")

    def fill(c: sqlite3.Connection) -> None:
        cluster = clusters.add(c, "BAGRU", "Bagru", "Asia/Kolkata", "x")
        old, _ = store.import_form(c, load_form(FORMS / "diag_mini.yaml").form, now="x")
        new, created = store.import_form(c, load_form(tmp_path / "v2.yaml").form, now="y")
        assert created and new.id != old.id
        who = person(c, "a", cluster.id, "artisan", "female")
        answer(c, old.id, who, {"enterprise_type": "trader"})
        answer(c, new.id, who, {"enterprise_type": "manufacturer", "phone_model": "Nokia"})

    run_in_transaction(conn, fill)
    export_csv(conn, "diag_mini", tmp_path / "d.csv")
    with (tmp_path / "d.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["version"] for r in rows] == ["1", "2"]
    assert list(rows[0])[len(META) :][:3] == ["enterprise_type", "phone_model", "registered"]
    assert rows[1]["phone_model"] == "Nokia" and rows[0]["phone_model"] == ""


def test_same_version_with_other_content_is_refused(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    changed = (FORMS / "diag_mini.yaml").read_text(encoding="utf-8").replace("Trader", "Shop")
    (tmp_path / "same.yaml").write_text(changed, encoding="utf-8")
    run_in_transaction(conn, lambda c: store.import_form(
        c, load_form(FORMS / "diag_mini.yaml").form, now="x"))  # fmt: skip
    with pytest.raises(store.SurveyConflict, match="raise the version"):
        run_in_transaction(conn, lambda c: store.import_form(
            c, load_form(tmp_path / "same.yaml").form, now="x"))  # fmt: skip


def test_results_counts_and_chart(conn: sqlite3.Connection, filled: dict[str, int]) -> None:
    survey = store.current(conn, "all_types")
    assert survey is not None
    found = results(conn, survey)
    assert (found.responses, found.completed) == (3, 2)
    by_name = {r.question.name: r for r in found.questions}
    assert by_name["products"].counts == {"pottery": 2, "weaving": 1}
    assert by_name["main_product"].choice_order == ["other"]
    assert by_name["age"].spread() == (34, 41, 50)
    assert by_name["material"].answered == 2  # every round counts
    scoped = results(conn, survey, frozenset({filled["other"]}))
    assert scoped.responses == 1
    png = charts.chart(found, "hi", "सभी प्रकार", "3 उत्तर")
    assert png is not None and png.startswith(b"\x89PNG")


def test_chart_never_draws_a_script_it_has_no_font_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken install without the Indic font packages: English, then names, never boxes."""
    monkeypatch.setattr("bot.fonts.available", lambda: frozenset())
    assert not charts.renderable("बुनाई") and charts.renderable("Weaving ₹")
    labels = {"en": "Weaving", "hi": "बुनाई"}
    assert charts._label(labels, "hi", "en", "weaving") == "Weaving"
    assert charts._label({"hi": "बुनाई"}, "hi", "hi", "weaving") == "weaving"
