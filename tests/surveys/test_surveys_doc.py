"""docs/surveys.md stays true: its lists of supported and refused XLSForm features match
the importer, and its compatibility table matches what the importer says about each of
the real forms in shared/xlsforms/ (skipped when that folder is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.storage.surveys import question_count
from bot.surveys.errors import FormImportError
from bot.surveys.expr import SUPPORTED_FUNCTIONS
from bot.surveys.loader import XLSFORM_SUFFIXES, load_form
from bot.surveys.model import SUPPORTED_TYPES, UNSUPPORTED_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "surveys.md").read_text(encoding="utf-8")
XLSFORMS = ROOT.parent / "shared" / "xlsforms"
_CODE = re.compile(r"`([^`]+)`")


def section(name: str) -> str:
    match = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", DOC, re.S)
    assert match, f"docs/surveys.md has no <!-- {name} --> section"
    return match.group(1)


def test_readme_links_the_survey_doc() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/surveys.md" in readme
    assert f"{len(SUPPORTED_FUNCTIONS)} XPath functions" in readme  # its short summary


def test_supported_types_are_the_importers() -> None:
    listed = set(_CODE.findall(section("supported-types")))
    containers = {"begin group", "end group", "begin repeat", "end repeat"}
    assert listed - containers == SUPPORTED_TYPES


def test_supported_functions_are_the_evaluators() -> None:
    assert set(_CODE.findall(section("functions"))) == SUPPORTED_FUNCTIONS


def test_every_refused_type_is_listed() -> None:
    listed = set()
    for line in section("refused-types").splitlines()[2:]:
        first_cell = line.split("|")[1]
        listed |= set(_CODE.findall(first_cell))
    # "q …" and "add … prompt" are old pyxform spellings of the same types.
    canonical = {t for t in UNSUPPORTED_TYPES if not t.startswith(("q ", "add "))}
    assert canonical <= listed
    assert listed - canonical == {"select_one ${repeat_question}"}


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in section("compatibility").splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


def test_the_table_names_every_shared_form() -> None:
    if not XLSFORMS.is_dir():
        pytest.skip("shared/xlsforms is not here")
    files = {p.name for p in XLSFORMS.iterdir() if p.suffix.lower() in XLSFORM_SUFFIXES}
    files.discard("SOURCES.md")
    assert {name for name, _, _ in _rows()} == files


@pytest.mark.parametrize(("name", "result", "reason"), _rows(), ids=[r[0] for r in _rows()])
def test_compatibility_table_is_what_the_importer_says(name: str, result: str, reason: str) -> None:
    path = XLSFORMS / name
    if not path.is_file():
        pytest.skip(f"{path} is not here (shared/xlsforms is optional)")
    loads = re.fullmatch(r"loads: (\d+) questions?", result)
    refused = re.fullmatch(r"refused: (\d+) problems", result)
    assert loads or refused, result
    if loads:
        assert question_count(load_form(path).form) == int(loads.group(1))
        return
    assert refused is not None
    with pytest.raises(FormImportError) as caught:
        load_form(path)
    problems = caught.value.problems
    assert len(problems) == int(refused.group(1))
    assert all(p.row is not None for p in problems)  # every refusal names its row
    first = reason.split("; also")[0]
    assert str(problems[0]).startswith(first), (str(problems[0]), first)
