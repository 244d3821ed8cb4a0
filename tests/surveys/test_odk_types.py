"""Issue 13 at import: what pyxform converts imports, each feature a chat cannot do exactly
carried out with a warning (sheet, row, what instead); refused only for pyxform, a missing
media file, or a function that exists nowhere; --strict refuses on any warning."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.surveys.errors import Code, FormImportError, Warn
from bot.surveys.loader import load_form
from bot.surveys.runner import Runner, Step, session_values

FORMS = Path(__file__).parent / "forms"


def write_md(tmp_path: Path, text: str, name: str = "form.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def form_calculation(report: object, name: str) -> str | None:
    return report.form.question(name).calculation  # type: ignore[attr-defined]


def test_odk_types_import_with_one_warning_each() -> None:
    report = load_form(FORMS / "odk_types.md")
    assert sorted(set(report.codes)) == sorted(
        {
            Warn.METADATA, Warn.METADATA_EMPTY, Warn.UNNAMED_NOTE, Warn.CARRIED_OUT,
            Warn.SKIPPED, Warn.DEFAULT_NOT_CHOICE, Warn.SAME_NAME, Warn.FUNCTION_EMPTY,
            Warn.EXPRESSION_DROPPED,
        }
    )  # fmt: skip
    lines = "\n".join(report.warnings)
    assert "row 10: type 'dateTime' is asked as a date, then a time" in lines
    assert "row 14" not in lines  # a video question is asked: a video sent in the chat
    assert "row 21: name 'place' is also used on row 18 (another group)" in lines
    assert "row 23: calculation uses pulldata()" in lines
    assert "row 24" not in lines  # the label of a choice, read from the choices sheet
    assert "row 26: the bot cannot read calculation \"instance('villages')" in lines
    assert form_calculation(report, "label_of") == "_choice-field('yn', ${ok}, 'label')"
    form = report.form
    types = {q.name: q.type for _, q in form.walk()}
    assert types["code"] == "text" and types["visit"] == "datetime" and types["order"] == "rank"
    assert types["clip"] == "video"
    assert form.path_of("b.place") == ("b", "b.place")
    assert form.question("ok").default is None


def test_strict_refuses_every_warning() -> None:
    with pytest.raises(FormImportError) as caught:
        load_form(FORMS / "odk_types.md", strict=True)
    problems = caught.value.problems
    assert {p.code for p in problems} == {Code.STRICT.value}
    assert len(problems) == len(load_form(FORMS / "odk_types.md").warnings)
    assert any("(refused because of --strict)" in str(p) and p.row == 10 for p in problems)


def test_metadata_are_filled_from_the_session_and_usable_in_expressions() -> None:
    form = load_form(FORMS / "odk_types.md").form
    session = session_values(7, name="Asha", phone=None, started="2026-06-15T04:00:00+00:00")
    runner = Runner(form, {}, today=date(2026, 6, 15), now=datetime(2026, 6, 15, 10, 0),
                    language="en", session=session)  # fmt: skip
    step = runner.start()
    assert isinstance(step, Step)
    assert runner.answers["started"] == "2026-06-15T04:00:00+00:00"
    assert runner.answers["day"] == "2026-06-15" and runner.answers["user"] == "Asha"
    assert (
        runner.answers["device"] == session_values(7, name=None, phone=None, started="")["deviceid"]
    )  # stable: the same person, the same pseudonym
    assert "phone" not in runner.answers and "mail" not in runner.answers
    assert runner.text(step.notes[0].question.labels, step.notes[0]) == (
        "Hello Asha, today is 2026-06-15"
    )


def test_choices_from_a_media_file(tmp_path: Path) -> None:
    form = """
| survey |
| | type                              | name    | label     |
| | select_one_from_file villages.csv | village | Village?  |
| | select_multiple_from_file crafts.xml | crafts | Crafts? |
"""
    path = write_md(tmp_path, form)
    with pytest.raises(FormImportError) as caught:
        load_form(path)
    problems = caught.value.problems
    assert [(p.row, p.code) for p in problems] == [(2, "missing_media"), (3, "missing_media")]
    assert "'villages.csv'" in problems[0].message and "--media" in problems[0].message
    media = tmp_path / "media"
    media.mkdir()
    (media / "villages.csv").write_text("name,label\nbagru,Bagru\nsanganer,Sanganer\n")
    (media / "crafts.xml").write_text(
        "<root><item><name>print</name><label>Block print</label></item>"
        "<item><name>dye</name><label>Dyeing</label></item></root>"
    )
    form_ = load_form(path, media=media).form
    assert [c.name for c in form_.question("village").choices] == ["bagru", "sanganer"]
    assert form_.question("crafts").choices[0].labels == {"en": "Block print"}
    assert form_.question("crafts").type == "select_multiple"


def test_functions_known_elsewhere_warn_unknown_ones_refuse(tmp_path: Path) -> None:
    ok = write_md(tmp_path, """
| survey |
| | type      | name | label | calculation                  |
| | integer   | n    | N?    |                              |
| | calculate | d    |       | duration()                   |
| | calculate | s    |       | sin(0) + exp10(2) + pi() * 0 |
| | calculate | l    |       | ${last-saved#n}              |
""")  # fmt: skip
    report = load_form(ok)
    assert report.codes == [Warn.FUNCTION_EMPTY.value]
    form = report.form
    first = Runner(form, {}, today=date(2026, 1, 1), now=datetime(2026, 1, 1), language="en")
    step = first.start()
    assert isinstance(step, Step) and step.slot is not None
    first.submit(step.slot, "7")
    assert "l" not in first.answers  # the first time: nothing saved before
    again = Runner(form, {}, today=date(2026, 1, 2), now=datetime(2026, 1, 2), language="en",
                   last_saved=dict(first.answers))  # fmt: skip
    step = again.start()
    assert isinstance(step, Step) and step.slot is not None
    again.submit(step.slot, "8")
    assert again.answers["l"] == "7"  # ${last-saved#n}: the previous response's answer
    bad = write_md(tmp_path, """
| survey |
| | type      | name | label | calculation    |
| | integer   | n    | N?    |                |
| | calculate | u    |       | upper-case('a') |
""", "bad.md")  # fmt: skip
    with pytest.raises(FormImportError) as caught:
        load_form(bad)
    (problem,) = caught.value.problems
    assert (problem.row, problem.code) == (3, Code.UNKNOWN_FUNCTION.value)
    assert "no XPath, ODK or SurveyCTO function has this name" in problem.message


def test_repeat_node_sets_and_indexed_repeat(tmp_path: Path) -> None:
    path = write_md(tmp_path, """
| survey |
| | type         | name   | label   | calculation                            | repeat_count |
| | integer      | n      | N?      |                                        |              |
| | begin repeat | kids   | Kid     |                                        | ${n}         |
| | integer      | age    | Age?    |                                        |              |
| | end repeat   |        |         |                                        |              |
| | calculate    | total  |         | sum(${age})                            |              |
| | calculate    | rounds |         | count(${kids})                         |              |
| | calculate    | second |         | indexed-repeat(${age}, ${kids}, 2)     |              |
| | calculate    | oldest |         | max(${age})                            |              |
""")  # fmt: skip
    form = load_form(path).form
    runner = Runner(form, {}, today=date(2026, 1, 1), now=datetime(2026, 1, 1), language="en")
    step = runner.start()
    for value in ("3", "4", "9", "6"):
        assert isinstance(step, Step) and step.slot is not None
        step = runner.submit(step.slot, value)  # type: ignore[assignment]
    assert isinstance(step, Step) and step.slot is None
    answers = runner.answers
    assert (answers["total"], answers["rounds"], answers["second"], answers["oldest"]) == (
        "19", "3", "9", "9",
    )  # fmt: skip


def test_an_unnamed_audit_row_loads_empty(tmp_path: Path) -> None:
    path = write_md(tmp_path, """
| survey |
| | type  | name | label |
| | audit |      |       |
| | text  | a    | A?    |
""")  # fmt: skip
    report = load_form(path)
    assert report.form.question("audit").type == "metadata"
    assert report.codes == [Warn.METADATA_EMPTY.value]


def test_pulldata_reads_the_csv_given_with_media(tmp_path: Path) -> None:
    path = write_md(tmp_path, """
| survey |
| | type      | name  | label  | calculation                                  |
| | text      | item  | Item?  |                                              |
| | calculate | price |        | pulldata('prices', 'price', 'item', ${item}) |
""")  # fmt: skip
    without = load_form(path)
    assert without.codes == [Warn.FUNCTION_EMPTY.value]
    assert "prices.csv was not given with --media" in without.warnings[0]
    media = tmp_path / "media"
    media.mkdir()
    (media / "prices.csv").write_text("item,price\nshawl,1200\nsaree,4500\n")
    report = load_form(path, media=media)
    assert report.warnings == []
    runner = Runner(report.form, {}, today=date(2026, 1, 1), now=datetime(2026, 1, 1),
                    language="en")  # fmt: skip
    step = runner.start()
    assert isinstance(step, Step) and step.slot is not None
    runner.submit(step.slot, "saree")
    assert runner.answers["price"] == "4500"


def test_select_one_external_uses_the_external_choices_sheet(tmp_path: Path) -> None:
    path = write_md(tmp_path, """
| survey |
| | type                        | name    | label     | choice_filter        |
| | select_one states           | state   | State?    |                      |
| | select_one_external villages | village | Village? | state = ${state}     |
| choices |
| | list_name | name | label     |
| | states    | rj   | Rajasthan |
| | states    | tg   | Telangana |
| external_choices |
| | list_name | name      | label     | state |
| | villages  | bagru     | Bagru     | rj    |
| | villages  | pochampally | Pochampally | tg |
| entities |
| | list_name | label    |
| | people    | ${state} |
""")  # fmt: skip
    report = load_form(path)
    village = report.form.question("village")
    assert village.type == "select_one"
    assert [c.name for c in village.choices] == ["bagru", "pochampally"]
    assert village.choices[1].extra == {"state": "tg"}
    assert report.codes == [Warn.ENTITIES.value]


def test_odk_markdown_and_spans_are_plain_text(tmp_path: Path) -> None:
    path = write_md(tmp_path, """
| survey |
| | type | name | label                                                  | hint               |
| | text | a    | **Your** <span style="color:red">name</span>, *please* | See [form](x.org) |
| | note | b    | # Thanks<br>Done                                       |                    |
""")  # fmt: skip
    form = load_form(path).form
    assert form.question("a").labels == {"en": "Your name, please"}
    assert form.question("a").hints == {"en": "See form (x.org)"}
    assert form.question("b").labels == {"en": "Thanks\nDone"}
