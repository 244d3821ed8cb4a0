"""Real public XLSForms (shared/xlsforms/, see its SOURCES.md) through the importer and the
survey engine: SPEC §6, issue 13.

The rule: every form pyxform converts imports (warnings allowed) and is answered to the end
by a generic respondent that answers each question from its type, choices and constraints,
and the export holds exactly those answers; every form pyxform refuses is refused with
pyxform's row and reason. The files are read where they are and never copied into the
project. In CI (`CI=true`) `../shared` is always beside the checkout, so a missing folder
fails the run instead of skipping it.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
import warnings
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.storage import contacts
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate
from bot.surveys.answers import Problem, Sent, parse, range_steps
from bot.surveys.builder import ImportReport
from bot.surveys.errors import Code, FormImportError
from bot.surveys.export import export_csv
from bot.surveys.loader import XLSFORM_SUFFIXES, load_form
from bot.surveys.model import Form, Group, Repeat, form_from_json, form_to_json
from bot.surveys.navigation import Slot, SlotKind
from bot.surveys.runner import Refusal, Runner, Step, session_values

XLSFORMS = Path(__file__).resolve().parents[3] / "shared" / "xlsforms"
# file -> warnings at import, or the start of pyxform's reason for refusing it.
EXPECTED: dict[str, int | str] = {
    "Household_Survey.xlsx": "survey sheet, row 10, column type: pyxform: Unknown question "
    "type 'caseid'.",
    "birthday_age_calculation.xlsx": "survey sheet, row 6, column type: pyxform: Unknown "
    "question type 'caseid'.",
    "cascading_select_test_equivalent.xls": 0,
    "demo.xlsx": 23,
    "repeat_allows_selection.xlsx": 6,
    "specify_other.md": 0,
    "text_and_integer.csv": 0,
    "tutorial.xls": 1,
    "widgets.xls": 5,
    "xlsform_spec_test.xlsx": 17,  # with its media files (below) given by --media
}
# Forms whose questions send media files that are not in shared/xlsforms: without them
# the import is refused naming each file; with stand-ins given by --media they load.
MEDIA: dict[str, tuple[str, ...]] = {
    "xlsform_spec_test.xlsx": (
        "img_test.jpg", "audio_test.wav", "img_test_2.jpg", "chinese_audio.wav", "test.mov",
    ),
}  # fmt: skip
KNOWN_FILES = tuple(EXPECTED)


def _form_files() -> list[str]:
    if not XLSFORMS.is_dir():
        return list(KNOWN_FILES)  # each test skips (or fails in CI)
    found = {p.name for p in XLSFORMS.iterdir() if p.suffix.lower() in XLSFORM_SUFFIXES}
    found.discard("SOURCES.md")
    return sorted(found | set(KNOWN_FILES))


def _path(name: str) -> Path:
    path = XLSFORMS / name
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: in CI ../shared/xlsforms must be beside the checkout")
        pytest.skip(f"{path} is not here (shared/xlsforms is optional outside CI)")
    return path


def _media(name: str) -> Path | None:
    if name not in MEDIA:
        return None
    folder = Path(tempfile.mkdtemp(prefix="stand-in-media-"))
    for file in MEDIA[name]:
        (folder / file).write_bytes(b"stand-in " + file.encode())
    return folder


def _load(name: str) -> ImportReport:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_form(_path(name), media=_media(name))


@pytest.mark.parametrize("name", sorted(MEDIA))
def test_refused_without_its_media_files_naming_each(name: str) -> None:
    with pytest.raises(FormImportError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_form(_path(name))
    problems = caught.value.problems
    assert {p.code for p in problems} == {Code.MISSING_MEDIA.value}
    assert {p.message.split("'")[1] for p in problems} == set(MEDIA[name])
    assert all("--media" in p.message and p.row for p in problems)


def _questions(form: Form) -> int:
    return sum(1 for _ in form.walk())


def test_every_shared_form_has_an_expectation() -> None:
    if not XLSFORMS.is_dir() and os.environ.get("CI") != "true":
        pytest.skip("shared/xlsforms is not here")
    assert set(_form_files()) == set(EXPECTED)


@pytest.mark.parametrize("name", _form_files())
def test_imports_unless_pyxform_refuses(name: str) -> None:
    path = _path(name)
    expected = EXPECTED[name]
    if isinstance(expected, str):
        with pytest.raises(FormImportError) as caught:
            _load(name)
        problems = caught.value.problems
        assert [p.code for p in problems] == [Code.PYXFORM.value]
        assert str(problems[0]) == expected
        assert problems[0].row is not None
        return
    report = _load(name)
    assert len(report.warnings) == expected, "\n".join(report.warnings)
    assert _questions(report.form) > 0
    assert form_from_json(form_to_json(report.form)) == report.form
    with pytest.raises(FormImportError) if expected else _nothing():
        load_form(path, strict=True, media=_media(name))  # --strict: every warning refuses


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# ------------------------------------------------------------------- generic respondent ---
TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 10, 30)


def _candidates(runner: Runner, slot: Slot) -> list[Sent]:
    """Answers to try, in order, from the question's type, choices and parameters."""
    question = slot.question
    kind = question.type
    text = {
        "text": ["Test answer", "1", "12345", "abc", "yes"],
        "integer": ["1", "2", "5", "10", "3", "0", "18", "30", "100", "1000"],
        "decimal": ["1.5", "1", "10", "0.5", "100", "2000"],
        "date": ["15-01-2020", "15-01-1990", "01-06-2026", "15-06-2026", "15-01-2000"],
        "time": ["9:30", "14:00"],
        "datetime": ["15-01-2024 9:30", "15-06-2026 9:30"],
        "geotrace": ["26.81, 75.55\n26.82, 75.56"],
        "geoshape": ["26.81, 75.55\n26.82, 75.56\n26.83, 75.55"],
        "acknowledge": ["OK"],
    }.get(kind)
    if kind == "geopoint":
        return [Sent("location", latitude=26.81, longitude=75.55)]
    if kind == "image":
        return [Sent("photo", media="media/generic.jpg")]
    if kind == "audio":
        return [Sent("audio", media="media/generic.ogg")]
    if kind == "video":
        return [Sent("video", media="media/generic.mp4")]
    if kind == "file":
        return [Sent("document", media="media/generic.pdf")]
    if kind == "range":
        steps = range_steps(question)
        text = [str(s) for s in (steps[:1] + steps[len(steps) // 2 :][:1])] or ["1"]
    if kind in ("select_one", "select_multiple"):
        count = len(runner.choices(slot))
        text = [str(i) for i in range(count, 0, -1)]  # the last choice first ("no", "other")
        if kind == "select_multiple" and count > 1:
            text.insert(0, "1, 2")
    if kind == "rank":
        count = len(runner.choices(slot)) or len(question.choices)
        text = [", ".join(str(i) for i in range(1, count + 1))]
    return [Sent("text", text=t) for t in text or ["Test answer"]]


def _answer(runner: Runner, slot: Slot) -> Step:
    """Answer one slot as a respondent would; skip only what the form lets one skip."""
    if slot.kind is SlotKind.ANOTHER:
        return runner.another(slot, yes=slot.round <= 2)  # two rounds of every free repeat
    if slot.kind is SlotKind.OTHER:
        result = runner.submit(slot, "Something else")
        assert isinstance(result, Step), (slot.path, result)
        return result
    question = slot.question
    for sent in _candidates(runner, slot):
        value = parse(
            question, sent, today=TODAY, language=runner.language,
            default_language=runner.form.default_language, choices=runner.choices(slot),
        )  # fmt: skip
        if isinstance(value, Problem):
            continue
        result = runner.submit(slot, value)
        if isinstance(result, Step):
            return result
    skipped = runner.skip(slot)
    assert not isinstance(skipped, Refusal), f"no generic answer fits required {slot.path}"
    return skipped


def _respond(form: Form) -> dict[str, str]:
    session = session_values(7, name="Generic Respondent", phone="+919800000000",
                             started="2026-06-15T10:00:00+00:00")  # fmt: skip
    runner = Runner(form, {}, today=TODAY, now=NOW, language=form.default_language,
                    session=session)  # fmt: skip
    step = runner.start()
    for _ in range(3000):
        if step.slot is None:
            return runner.answers
        step = _answer(runner, step.slot)
    raise AssertionError("the respondent never reached the end")


def _exported(conn: sqlite3.Connection, report: ImportReport, answers: dict[str, str],
              out: Path) -> dict[str, str]:  # fmt: skip
    """Store one completed response, export it as CSV and read back every value by path."""
    form = report.form
    survey, _ = store.import_form(conn, form, now="2026-06-15T10:00:00+00:00",
                                  media=report.media)  # fmt: skip
    person = contacts.get_or_create(conn, "test", "r1", "r1", "2026-06-15T10:00:00+00:00")
    response = store.start_response(conn, survey.id, person.id, None, "2026-06-15T10:00:00+00:00")
    store.save_answers(conn, response.id, answers, "2026-06-15T10:05:00+00:00")
    store.move(conn, response.id, None, "completed", "2026-06-15T10:10:00+00:00")
    found: dict[str, str] = {}
    for file in export_csv(conn, form.key, out):
        with file.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                prefix = "".join(
                    f"{k.removesuffix('_index')}[{v}]/"
                    for k, v in row.items()
                    if k.endswith("_index")
                )
                for column, value in row.items():
                    if value and not column.endswith("_index") and column != "response_id":
                        found[prefix + column] = value
    return found


@pytest.mark.parametrize("name", _form_files())
def test_answered_to_the_end_and_exported(name: str, tmp_path: Path) -> None:
    _path(name)
    if isinstance(EXPECTED[name], str):
        pytest.skip("pyxform refuses this form")
    report = _load(name)
    answers = _respond(report.form)
    assert answers, "the generic respondent stored nothing"
    conn = connect_sync(tmp_path / "forms.db")
    try:
        migrate(conn)
        exported = _exported(conn, report, answers, tmp_path / "out.csv")
    finally:
        conn.close()
    stored = {p: v for p, v in answers.items() if "@" not in p}
    assert {p: exported.get(p) for p in stored} == stored


# ------------------------------------------------------------------------------ loaded ---
def test_text_and_integer_csv() -> None:
    form = _load("text_and_integer.csv").form
    assert [(q.name, q.type) for _, q in form.walk()] == [
        ("your_name", "text"),
        ("your_age", "integer"),
    ]
    assert form.question("your_age").labels == {"en": "How many years old are you?"}


def test_specify_other_md() -> None:
    report = _load("specify_other.md")
    sex = report.form.question("sex")
    assert (sex.type, sex.or_other, sex.list_name) == ("select_one", True, "sexes")
    assert [c.name for c in sex.choices] == ["male", "female"]
    assert sex.labels == {"en": "What sex are you?"}  # from the single-colon label:English


def test_tutorial_xls_roster_repeat() -> None:
    form = _load("tutorial.xls").form
    (member,) = form.children
    assert isinstance(member, Repeat)
    assert (member.name, member.repeat_count) == ("member", None)  # "add another?"
    assert _questions(form) == 10
    assert form.question("age_in_months").relevant == "${older_than_five}='no'"


def test_cascading_select_xls() -> None:
    form = _load("cascading_select_test_equivalent.xls").form
    assert form.key == "cascading_select_test"
    assert _questions(form) == 9
    assert form.question("mylga").type == "calculate"
    assert [c.name for c in form.question("mylga_lga_in_state_4").choices] == ["lga_1", "lga_2"]


def test_demo_xlsx_loads_with_warnings() -> None:
    report = _load("demo.xlsx")
    form = report.form
    assert form.key == "RQ-etr6-v1"
    assert _questions(form) == 69  # with the 5 metadata rows the bot fills in
    assert form.languages == ("en", "tigirigna", "am", "om")
    roster = next(n for n in form.children if n.name == "hh_rpt")
    assert isinstance(roster, Repeat)
    assert [c.name for c in roster.children if isinstance(c, Group)] == [
        "nm_grp",
        "mb_grp",
        "ms_grp",
    ]
    assert form.path_of("relationship") == ("hh_rpt", "mb_grp", "relationship")
    warnings = "\n".join(report.warnings)
    assert "choice 'never' is already in list 'school_list' (row 2)" in warnings
    assert "metadata row 'deviceid' is filled in by the bot" in warnings
    assert "'Tigirigna' has no ISO code" in warnings
