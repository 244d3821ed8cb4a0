"""Tests for the form importer (bot/surveys/loader.py, model.py, errors.py): SPEC §6 surveys.

Forms are small Markdown tables, as in pyxform's own tests: the shared ones live in
`tests/surveys/forms/`, one-off ones are written inline. Row numbers are pyxform's (the
header is row 1; Markdown comment lines and blank lines do not count).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.surveys.builder import ImportReport
from bot.surveys.errors import Code, FormImportError, ImportProblem, Warn
from bot.surveys.loader import load_form, read_workbook
from bot.surveys.model import (
    SUPPORTED_TYPES,
    Choice,
    Form,
    Group,
    Question,
    Repeat,
    form_from_json,
    form_to_json,
    language_code,
    localized,
)

FORMS = Path(__file__).parent / "forms"


def write_md(tmp_path: Path, text: str, name: str = "form.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_md(tmp_path: Path, text: str) -> ImportReport:
    return load_form(write_md(tmp_path, text))


def problems_of(path: Path) -> list[ImportProblem]:
    with pytest.raises(FormImportError) as caught:
        load_form(path)
    return caught.value.problems


@pytest.fixture(scope="module")
def all_types() -> ImportReport:
    return load_form(FORMS / "all_types.md")


# ------------------------------------------------------------------- supported forms ---
class TestSupportedTypes:
    def test_every_supported_type_loads(self, all_types: ImportReport) -> None:
        types = {q.type for _, q in all_types.form.walk()}
        # The ODK types a chat carries out in its own way: forms/odk_types.md (test_odk_types).
        assert types == SUPPORTED_TYPES - {
            "datetime",
            "geotrace",
            "geoshape",
            "rank",
            "video",
            "file",
        }

    def test_form_settings(self, all_types: ImportReport) -> None:
        form = all_types.form
        assert (form.key, form.title, form.version) == ("all_types", "All types", "3")
        assert form.source == "all_types.md"

    def test_groups_and_repeats_nest_with_paths(self, all_types: ImportReport) -> None:
        form = all_types.form
        paths = [path for path, _ in form.walk()]
        assert ("workers", "worker_count") in paths
        assert ("product_rows", "material") in paths
        assert form.path_of("material") == ("product_rows", "material")
        workers = next(n for n in form.children if n.name == "workers")
        assert isinstance(workers, Group)
        assert (workers.relevant, workers.appearance, workers.row) == (
            "${age} >= 18",
            "field-list",
            20,
        )
        repeat = next(n for n in form.children if n.name == "product_rows")
        assert isinstance(repeat, Repeat)
        assert repeat.repeat_count == "${worker_count}"

    def test_question_fields(self, all_types: ImportReport) -> None:
        age = all_types.form.question("age")
        assert age.required is True
        assert age.constraint == ". >= 14 and . < 120"
        assert age.constraint_message == {"en": "Age must be 14 to 119"}
        assert age.row == 4
        assert all_types.form.question("income").default == "0"
        assert all_types.form.question("age_months").calculation == "${age} * 12"

    def test_selects_carry_their_choices(self, all_types: ImportReport) -> None:
        village = all_types.form.question("village")
        assert village.list_name == "village"
        assert village.choice_filter == "district = ${district}"
        assert village.choices[0] == Choice(
            name="v1",
            labels={"en": "Hilltop", "hi": "पहाड़ी", "te": "కొండ"},
            extra={"district": "d1"},
            row=4,
        )
        main = all_types.form.question("main_product")
        assert main.or_other is True
        assert [c.name for c in main.choices] == ["pottery", "weaving"]

    def test_trigger_is_acknowledge(self, all_types: ImportReport) -> None:
        assert all_types.form.question("ready").type == "acknowledge"

    def test_range_parameters_are_complete(self, all_types: ImportReport) -> None:
        assert all_types.form.question("rating").parameters == {
            "start": "1",
            "end": "5",
            "step": "1",
        }

    def test_metadata_row_is_filled_by_the_bot(self, all_types: ImportReport) -> None:
        started = all_types.form.question("started")
        assert (started.type, started.parameters) == ("metadata", {"meta": "start"})
        assert any(
            "row 2: metadata row 'start' is filled in by the bot: when the respondent started" in w
            for w in all_types.warnings
        )

    def test_required_can_be_an_expression(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type    | name | label | required     |
| | integer | n    | N?    | no           |
| | text    | why  | Why?  | ${n} > 3     |
""",
        )
        why = report.form.question("why")
        assert (why.required, why.required_if) == (False, "${n} > 3")

    def test_form_title_per_language(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type | name | label::English (en) | label::Hindi (hi) |
| | text | name | Name?               | नाम?              |
| settings |
| | form_title::Hindi (hi) | form_title | form_id | default_language |
| | क्लस्टर निदान          | Diagnostic | diag    | English (en)     |
""",
        )
        assert report.form.titles == {"en": "Diagnostic", "hi": "क्लस्टर निदान"}
        assert report.form.title == "Diagnostic"  # the untranslated column, wherever it stands

    def test_dynamic_default_is_an_expression(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type    | name | label | default  |
| | integer | n    | N?    | 2        |
| | integer | m    | M?    | ${n} + 1 |
""",
        )
        assert report.form.question("n").default_is_expression is False
        assert report.form.question("m").default_is_expression is True

    def test_old_select_syntax_and_aliases(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type                            | name | label |
| | select one from yes_no          | a    | A?    |
| | select all that apply from yes_no | b  | B?    |
| | int                             | c    | C?    |
| | string                          | d    | D?    |
| choices |
| | list name | name | label |
| | yes_no    | yes  | Yes   |
| | yes_no    | no   | No    |
""",
        )
        types = [q.type for _, q in report.form.walk()]
        assert types == ["select_one", "select_multiple", "integer", "text"]


# ------------------------------------------------------------------------- languages ---
class TestLanguages:
    def test_three_languages_default_first(self, all_types: ImportReport) -> None:
        form = all_types.form
        assert form.languages == ("en", "hi", "te")
        assert form.default_language == "en"
        assert form.question("name").labels == {
            "en": "Your name?",
            "hi": "आपका नाम?",
            "te": "మీ పేరు?",
        }

    def test_missing_translation_warns_and_falls_back(self, all_types: ImportReport) -> None:
        opens = all_types.form.question("opens")
        assert "te" not in opens.labels
        assert localized(opens.labels, "te", "en") == "Opening time?"
        assert "survey sheet, row 11: no Telugu (te) label; English (en) is shown" in (
            all_types.warnings
        )

    @pytest.mark.parametrize(
        ("name", "code", "known"),
        [
            ("Hindi (hi)", "hi", True),
            ("English (en)", "en", True),
            ("english", "en", True),
            ("Telugu", "te", True),
            ("తెలుగు", "te", True),
            ("ગુજરાતી", "gu", True),
            ("Gujarati (gu)", "gu", True),
            ("മലയാളം", "ml", True),
            ("Malayalam (ml)", "ml", True),
            ("malayalam", "ml", True),
            ("ਪੰਜਾਬੀ", "pa", True),
            ("Punjabi (pa)", "pa", True),
            ("te", "te", True),
            ("Español (es)", "es", True),
            ("Klingon", "klingon", False),
            ("Tigirigna", "tigirigna", False),
        ],
    )
    def test_language_code(self, name: str, code: str, known: bool) -> None:
        assert language_code(name) == (code, known)

    def test_names_without_codes(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type | name | label::english | label::hindi | label::Klingon |
| | text | a    | Name?          | नाम?         | pong?          |
""",
        )
        assert report.form.languages == ("en", "hi", "klingon")
        assert any("'Klingon' has no ISO code" in w for w in report.warnings)

    def test_single_colon_headers(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type | name | label:English | label:Telugu |
| | text | a    | Name?         | పేరు?        |
""",
        )
        assert report.form.question("a").labels == {"en": "Name?", "te": "పేరు?"}

    def test_untranslated_column_is_the_default_language(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type | name | label | label::English (en) |
| | text | a    | नाम?  | Name?               |
| settings |
| | default_language |
| | Hindi (hi)       |
""",
        )
        assert report.form.default_language == "hi"
        assert report.form.question("a").labels == {"hi": "नाम?", "en": "Name?"}

    def test_no_default_column_uses_first_language(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type | name | label::Telugu (te) |
| | text | a    | పేరు?              |
""",
        )
        assert (report.form.default_language, report.form.languages) == ("te", ("te",))


# --------------------------------------------------------------------- refused forms ---
@pytest.fixture(scope="module")
def problems() -> list[ImportProblem]:
    return problems_of(FORMS / "bad_everything.md")


class TestRefused:
    @pytest.mark.parametrize(
        ("row", "column", "code", "words"),
        [
            (3, "name", Code.DUPLICATE_NAME, "already used on row 2"),
            (4, "type", Code.MISSING_MEDIA, "'villages.csv'"),
            (5, "type", Code.MISSING_LIST, "'nosuch'"),
            (6, "calculation", Code.EMPTY_CALCULATION, "needs a calculation"),
            (7, "relevant", Code.UNKNOWN_FUNCTION, "unknown function 'lower-case'"),
            (8, "constraint", Code.UNKNOWN_REFERENCE, "${nosuch}"),
            (9, "name", Code.NO_NAME, "has no name"),
            (10, "type", Code.UNKNOWN_TYPE, "'widget'"),
            (11, "name", Code.INVALID_NAME, "'1when'"),
            (12, "parameters", Code.BAD_RANGE, "start=5 end=5"),
            (13, "repeat_count", Code.UNKNOWN_FUNCTION, "'repeat-count'"),
        ],
    )
    def test_problem_names_row_and_column(
        self, problems: list[ImportProblem], row: int, column: str, code: Code, words: str
    ) -> None:
        found = [p for p in problems if (p.row, p.column, p.code) == (row, column, code.value)]
        assert found, f"no {code} at row {row}: {problems}"
        assert words in found[0].message
        assert found[0].sheet == "survey"

    def test_every_problem_is_reported_at_once(self, problems: list[ImportProblem]) -> None:
        assert len(problems) == 11

    def test_message_lists_one_line_per_problem(self) -> None:
        with pytest.raises(FormImportError) as caught:
            load_form(FORMS / "bad_everything.md")
        lines = str(caught.value).splitlines()
        assert len(lines) == 11
        assert lines[4].startswith(
            "survey sheet, row 7, column relevant: unknown function 'lower-case'"
        )
        assert "Please either remove it" in lines[4]

    def test_unknown_reference_suggests_a_close_name(self, tmp_path: Path) -> None:
        path = write_md(
            tmp_path,
            """
| survey |
| | type    | name   | label | relevant   |
| | integer | amount | A?    |            |
| | text    | b      | B?    | ${amont} > 1 |
""",
        )
        (problem,) = problems_of(path)
        assert "did you mean ${amount}?" in problem.message

    def test_missing_list_on_a_form_without_choices(self, tmp_path: Path) -> None:
        path = write_md(
            tmp_path, "| survey |\n| | type | name | label |\n| | select_one yn | a | A? |\n"
        )
        (problem,) = problems_of(path)
        assert (problem.row, problem.column, problem.code) == (2, "type", Code.MISSING_LIST.value)

    def test_select_default_not_a_choice_is_ignored_with_a_warning(self, tmp_path: Path) -> None:
        # "Fixme: I need this list": pyxform accepts it, so the bot does, without the default.
        report = load_md(
            tmp_path,
            """
| survey |
| | type                   | name | label | default   |
| | select_multiple yes_no | a    | A?    | yes maybe |
| | date                   | d    | D?    | yesterday |
| choices |
| | list_name | name | label |
| | yes_no    | yes  | Yes   |
| | yes_no    | no   | No    |
""",
        )
        assert report.form.question("a").default is None
        assert report.form.question("d").default is None
        assert report.codes == [Warn.DEFAULT_NOT_CHOICE.value, Warn.BAD_DEFAULT.value]
        assert (
            "default 'yes maybe' is not one of the choices of list 'yes_no'" in (report.warnings[0])
        )

    def test_unmatched_end_group(self, tmp_path: Path) -> None:
        path = write_md(
            tmp_path,
            "| survey |\n| | type | name | label |\n| | text | a | A? |\n| | end group | | |\n",
        )
        (problem,) = problems_of(path)
        assert (problem.row, problem.code) == (3, Code.UNOPENED.value)

    def test_pyxform_error_keeps_its_row(self, tmp_path: Path) -> None:
        # Our checks accept the name; pyxform reserves it, and its row survives.
        path = write_md(tmp_path, "| survey |\n| | type | name | label |\n| | text | meta | M? |\n")
        (problem,) = problems_of(path)
        assert (problem.sheet, problem.row, problem.code) == ("survey", 2, Code.PYXFORM.value)
        assert problem.column == "name"
        assert "reserved" in problem.message

    def test_not_a_form_file(self, tmp_path: Path) -> None:
        path = tmp_path / "notes.txt"
        path.write_text("hello")
        (problem,) = problems_of(path)
        assert (problem.sheet, problem.code) == ("file", Code.READ.value)

    def test_damaged_workbook(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.xlsx"
        path.write_bytes(b"not a zip")
        (problem,) = problems_of(path)
        assert "cannot read 'broken.xlsx'" in problem.message

    def test_duplicate_choice_names_are_a_warning(self, tmp_path: Path) -> None:
        report = load_md(
            tmp_path,
            """
| survey |
| | type          | name | label |
| | select_one yn | a    | A?    |
| choices |
| | list_name | name | label |
| | yn        | yes  | Yes   |
| | yn        | yes  | Yeah  |
""",
        )
        assert len(report.form.question("a").choices) == 2
        assert (
            "choices sheet, row 3: choice 'yes' is already in list 'yn' (row 2); both are kept"
            in (report.warnings)
        )


# ---------------------------------------------------------------- typographic quotes ---
class TestQuotes:
    def test_quotes_in_expressions_are_straightened_and_reported(self) -> None:
        report = load_form(FORMS / "quotes.md")
        assert report.form.question("where").relevant == "${works} = 'yes'"
        assert (
            "survey sheet, row 3: typographic quotes in relevant were replaced with straight quotes"
            in (report.warnings)
        )

    def test_quotes_in_labels_are_kept(self) -> None:
        report = load_form(FORMS / "quotes.md")
        assert report.form.question("works").labels == {"en": "Do you work “outside”?"}


# ------------------------------------------------------------------------------ xlsx ---
def _xlsx(path: Path, survey: Sequence[Sequence[str | None]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in (["list_name", "name", "label::English (en)", "label::Hindi (hi)"],
                ["yes_no", "yes", "Yes", "हाँ"], ["yes_no", "no", "No", "नहीं"]):  # fmt: skip
        choices.append(row)
    book.save(path)
    return path


class TestXlsx:
    HEADER: tuple[str, ...] = (
        "type",
        "name",
        "label::English (en)",
        "label::Hindi (hi)",
        "relevant",
    )

    def test_xlsx_loads(self, tmp_path: Path) -> None:
        path = _xlsx(
            tmp_path / "mini.xlsx",
            [
                self.HEADER,
                ["select_one yes_no", "works", "Do you work?", "क्या आप काम करते हैं?", None],
                ["integer", "hours", "Hours a day?", "दिन में कितने घंटे?", "${works} = 'yes'"],
            ],
        )
        report = load_form(path)
        assert report.form.key == "mini"
        assert report.form.question("hours").labels["hi"] == "दिन में कितने घंटे?"
        assert report.form.question("works").choices[0].labels == {"en": "Yes", "hi": "हाँ"}

    def test_blank_rows_keep_spreadsheet_row_numbers(self, tmp_path: Path) -> None:
        path = _xlsx(
            tmp_path / "bad.xlsx",
            [
                self.HEADER,
                ["text", "name", "Name?", "नाम?", None],
                [None, None, None, None, None],
                [None, None, None, None, None],
                ["integer", "n", "N?", "N?", "lower-case('a') > 1"],
            ],
        )
        (problem,) = problems_of(path)
        assert (problem.sheet, problem.row, problem.column) == ("survey", 5, "relevant")

    def test_key_argument_wins(self, tmp_path: Path) -> None:
        path = _xlsx(tmp_path / "mini.xlsx", [self.HEADER, ["text", "a", "A?", "ए?", None]])
        assert load_form(path, key="diag_2025").form.key == "diag_2025"


# ------------------------------------------------------------------------------ YAML ---
class TestYaml:
    def test_yaml_form_loads(self) -> None:
        report = load_form(FORMS / "diag_mini.yaml")
        form = report.form
        assert (form.key, form.version, form.languages) == ("diag_mini", "1", ("en", "hi", "te"))
        assert form.titles["te"] == "చిన్న నిర్ధారణ"
        assert [p for p, _ in form.walk()] == [
            ("enterprise_type",),
            ("registered",),
            ("n_products",),
            ("workers", "n_workers"),
            ("products", "material"),
            ("products", "satisfaction"),
        ]
        assert report.warnings == []

    def test_yaml_keeps_yes_as_text_and_lines_as_rows(self) -> None:
        form = load_form(FORMS / "diag_mini.yaml").form
        registered = form.question("registered")
        assert [c.name for c in registered.choices] == ["yes", "no"]
        assert registered.row == 21  # the line of the question in the file
        assert form.question("enterprise_type").required is True
        assert form.question("satisfaction").parameters == {"start": "1", "end": "5", "step": "1"}

    def test_yaml_problems_name_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(
            "questions:\n"
            "  - {name: a, type: integer, label: A}\n"
            "  - name: b\n"
            "    type: text\n"
            "    label: B\n"
            '    relevant: "${zz} > 1"\n',
            encoding="utf-8",
        )
        (problem,) = problems_of(path)
        assert (problem.row, problem.unit, problem.column) == (3, "line", "relevant")
        assert str(problem).startswith("line 3, column relevant: ${zz} is not a question")

    def test_yaml_unknown_field_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "typo.yaml"
        path.write_text("questions:\n  - {name: a, type: text, label: A, relevent: '1'}\n")
        (problem,) = problems_of(path)
        assert (problem.row, problem.column) == (2, "relevent")

    def test_yaml_syntax_error(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.yaml"
        path.write_text("questions: [\n")
        (problem,) = problems_of(path)
        assert problem.code == Code.READ.value


# ------------------------------------------------------------------------------ JSON ---
class TestJson:
    @pytest.mark.parametrize("name", ["all_types.md", "diag_mini.yaml", "quotes.md"])
    def test_round_trip_is_equal(self, name: str) -> None:
        form = load_form(FORMS / name).form
        text = form_to_json(form)
        again = form_from_json(text)
        assert again == form
        assert form_to_json(again) == text

    def test_unknown_format_is_refused(self) -> None:
        with pytest.raises(ValueError, match="format"):
            form_from_json('{"format": 99}')

    def test_model_builds_by_hand(self) -> None:
        # Other modules (the shipped diagnostic, tests) may build forms without a file.
        form = Form(
            key="k",
            title="T",
            version="1",
            default_language="en",
            languages=("en",),
            children=(Question(name="q", type="text", labels={"en": "Q?"}),),
        )
        assert form_from_json(form_to_json(form)) == form


def test_csv_saved_by_excel_on_windows(tmp_path: Path) -> None:
    # Excel writes a UTF-8 BOM and CRLF line ends; the form must still load.
    path = tmp_path / "excel.csv"
    text = "survey,,,\r\n,type,name,label::Hindi (hi)\r\n,text,naam,आपका नाम?\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    form = load_form(path).form
    assert form.question("naam").labels == {"hi": "आपका नाम?"}


def test_markdown_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes(b"| survey |\r\n| | type | name | label |\r\n| | text | a | A? |\r\n")
    assert load_form(path).form.question("a").labels == {"en": "A?"}


def test_read_workbook_gives_plain_rows() -> None:
    workbook = read_workbook(FORMS / "quotes.md")
    assert [r.row for r in workbook.survey] == [2, 3]
    assert workbook.survey[0].list_name == "yes_no"


# ------------------------------------------------------------------------ robustness ---
_TYPES = ["text", "integer", "select_one yn", "select_multiple nolist", "calculate", "note",
          "begin group", "end group", "begin repeat", "end repeat", "geotrace", "range",
          "date", "start", "", "select_one"]  # fmt: skip
_NAMES = ["a", "b", "c", "g", "1x", "", "a b"]
_EXPRESSIONS = ["", "${a} > 1", "${zz}", "pulldata('a')", "selected(${b}, 'y')", "(",
                "‘x’ = ${a}", ". > 3", "${a", "today()"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_TYPES),
            st.sampled_from(_NAMES),
            st.sampled_from(["", "Label", "${a}"]),
            st.sampled_from(_EXPRESSIONS),
            st.sampled_from(_EXPRESSIONS),
            st.sampled_from(["", "1", "y", "2020-01-31", "a b", "${a} + 1", "(("]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_form_loads_or_is_refused_cleanly(rows: list[tuple[str, ...]]) -> None:
    lines = ["| survey |", "| | type | name | label | relevant | calculation | default |"]
    lines += ["| | " + " | ".join(r) + " |" for r in rows]
    lines += ["| choices |", "| | list_name | name | label |", "| | yn | y | Yes |"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            report = load_form(path)
        except FormImportError as err:
            assert err.problems
        else:  # what loads is stored as JSON and read back for every answer: it must round-trip
            assert form_from_json(form_to_json(report.form)) == report.form
