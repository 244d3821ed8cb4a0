"""Real public XLSForms (shared/xlsforms/, see its SOURCES.md) through the importer: SPEC §6.

The files are read where they are and never copied into the project. Every file must
either load or be refused with at least one row-numbered problem; never another
exception. The expectations below were checked by hand against each file's rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.surveys.errors import Code, FormImportError, ImportProblem
from bot.surveys.loader import XLSFORM_SUFFIXES, load_form
from bot.surveys.model import Form, Group, ImportReport, Repeat, form_from_json, form_to_json

XLSFORMS = Path(__file__).resolve().parents[3] / "shared" / "xlsforms"
KNOWN_FILES = (
    "Household_Survey.xlsx",
    "birthday_age_calculation.xlsx",
    "cascading_select_test_equivalent.xls",
    "demo.xlsx",
    "repeat_allows_selection.xlsx",
    "specify_other.md",
    "text_and_integer.csv",
    "tutorial.xls",
    "widgets.xls",
    "xlsform_spec_test.xlsx",
)


def _form_files() -> list[str]:
    if not XLSFORMS.is_dir():
        return list(KNOWN_FILES)  # each test skips
    found = {p.name for p in XLSFORMS.iterdir() if p.suffix.lower() in XLSFORM_SUFFIXES}
    found.discard("SOURCES.md")
    return sorted(found | set(KNOWN_FILES))


def _path(name: str) -> Path:
    path = XLSFORMS / name
    if not path.is_file():
        pytest.skip(f"{path} is not here (shared/xlsforms is optional)")
    return path


def _load(name: str) -> ImportReport:
    return load_form(_path(name))


def _refused(name: str) -> list[ImportProblem]:
    with pytest.raises(FormImportError) as caught:
        load_form(_path(name))
    return caught.value.problems


def _questions(form: Form) -> int:
    return sum(1 for _ in form.walk())


@pytest.mark.parametrize("name", _form_files())
def test_loads_or_is_refused_with_rows(name: str) -> None:
    path = _path(name)
    try:
        report = load_form(path)
    except FormImportError as err:
        assert any(p.row is not None for p in err.problems), str(err)
    else:
        assert _questions(report.form) > 0
        assert form_from_json(form_to_json(report.form)) == report.form


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
    assert _questions(form) == 64
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
    assert "metadata row 'deviceid' is ignored" in warnings
    assert "'Tigirigna' has no ISO code" in warnings


# ----------------------------------------------------------------------------- refused ---
def _codes_at(problems: list[ImportProblem]) -> set[tuple[int | None, str, str]]:
    return {(p.row, p.column or "", p.code) for p in problems}


def test_household_survey_refused_for_pulldata_and_duration() -> None:
    problems = _refused("Household_Survey.xlsx")
    found = _codes_at(problems)
    assert (9, "calculation", Code.UNKNOWN_FUNCTION) in found  # duration()
    assert (20, "calculation", Code.UNKNOWN_FUNCTION) in found  # pulldata()
    assert (62, "calculation", Code.UNKNOWN_FUNCTION) in found  # index()
    assert (15, "relevance", Code.METADATA_REFERENCE) in found  # ${username}
    messages = "\n".join(p.message for p in problems)
    assert "unknown function 'pulldata'" in messages
    assert "unknown function 'duration'" in messages
    # SurveyCTO's text audit and comments rows are dropped, not refused.
    assert not any(p.code == Code.UNKNOWN_TYPE for p in problems)


def test_birthday_age_calculation_refused_for_device_functions() -> None:
    problems = _refused("birthday_age_calculation.xlsx")
    assert [(p.row, p.column, p.message.split(" (")[0]) for p in problems] == [
        (7, "calculation", "unknown function 'device-info'"),
        (8, "calculation", "unknown function 'duration'"),
    ]


def test_repeat_allows_selection_refused_for_indexed_repeat() -> None:
    problems = _refused("repeat_allows_selection.xlsx")
    rows = {p.row for p in problems if "'indexed-repeat'" in p.message}
    assert rows == set(range(18, 33))  # fam_name1 .. fam_name15
    assert (13, "calculation", Code.UNKNOWN_FUNCTION) in _codes_at(problems)  # index()


def test_widgets_xls_refused_for_types_a_chat_cannot_ask() -> None:
    problems = _refused("widgets.xls")
    assert [(p.row, p.column, p.code) for p in problems] == [
        (12, "type", Code.UNSUPPORTED_TYPE),  # barcode
        (15, "type", Code.UNSUPPORTED_TYPE),  # video
        (18, "type", Code.UNSUPPORTED_TYPE),  # dateTime
    ]


def test_xlsform_spec_test_refused() -> None:
    problems = _refused("xlsform_spec_test.xlsx")
    found = _codes_at(problems)
    for row in (33, 35, 38):  # datetime, barcode, video
        assert (row, "type", Code.UNSUPPORTED_TYPE) in found
    # Notes that print ${start}, ${end}, ${today}, ${deviceid}... which the bot ignores.
    assert (43, "label::english", Code.METADATA_REFERENCE) in found
    assert len(problems) == 9
