"""docs/surveys.md stays true: its compatibility lists (types asked, carried out, skipped,
metadata, functions evaluated or not, warning codes) match the importer, and its table of
ten real forms matches what the importer says about each of them in shared/xlsforms/
(skipped when that folder is absent, failed in CI)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.storage.surveys import question_count
from bot.surveys.builder import CARRIED_OUT_TYPES, METADATA_TYPES, SKIPPED_TYPES
from bot.surveys.errors import FormImportError, Warn
from bot.surveys.expr import SUPPORTED_FUNCTIONS, UNEVALUATED_FUNCTIONS
from bot.surveys.loader import XLSFORM_SUFFIXES, load_form
from bot.surveys.model import SUPPORTED_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "surveys.md").read_text(encoding="utf-8")
XLSFORMS = ROOT.parent / "shared" / "xlsforms"
_CODE = re.compile(r"`([^`]+)`")


def _missing(why: str) -> None:
    """Skip, except in CI, where ../shared is always beside the checkout: fail there."""
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


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
    assert listed - containers == SUPPORTED_TYPES - {"metadata"}


def test_supported_functions_are_the_evaluators() -> None:
    assert set(_CODE.findall(section("functions"))) == SUPPORTED_FUNCTIONS
    listed = set(re.findall(r"`([\w:-]+)`", section("unevaluated-functions")))
    assert listed == set(UNEVALUATED_FUNCTIONS)


def _first_cells(name: str) -> set[str]:
    listed: set[str] = set()
    for line in section(name).splitlines()[2:]:
        listed |= set(_CODE.findall(line.split("|")[1]))
    return listed


def _canonical(types: object) -> set[str]:
    # "q …", "add … prompt", "get …" and "uri:…" are old pyxform spellings of the same types.
    return {t for t in types if not t.startswith(("q ", "add ", "get ", "uri:"))}  # type: ignore[attr-defined]


def test_every_carried_out_or_skipped_type_is_listed() -> None:
    expected = _canonical(CARRIED_OUT_TYPES) | _canonical(SKIPPED_TYPES) | {"begin loop"}
    assert _first_cells("carried-types") == expected


def test_every_metadata_type_is_listed() -> None:
    assert _first_cells("metadata-types") == _canonical(METADATA_TYPES)


def test_every_warning_code_is_explained() -> None:
    assert _first_cells("warnings") == {w.value for w in Warn}


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in section("compatibility").splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


def test_the_table_names_every_shared_form() -> None:
    if not XLSFORMS.is_dir():
        _missing("shared/xlsforms is not here")
    files = {p.name for p in XLSFORMS.iterdir() if p.suffix.lower() in XLSFORM_SUFFIXES}
    files.discard("SOURCES.md")
    assert {name for name, _, _ in _rows()} == files


@pytest.mark.parametrize(("name", "result", "reason"), _rows(), ids=[r[0] for r in _rows()])
def test_compatibility_table_is_what_the_importer_says(name: str, result: str, reason: str) -> None:
    path = XLSFORMS / name
    if not path.is_file():
        _missing(f"{path} is not here (shared/xlsforms is optional outside CI)")
    loads = re.fullmatch(r"loads: (\d+) questions?, (\d+) warnings?", result)
    refused = re.fullmatch(r"refused: (\d+) problems?", result)
    assert loads or refused, result
    if loads:
        report = load_form(path)
        assert question_count(report.form) == int(loads.group(1))
        assert len(report.warnings) == int(loads.group(2))
        codes = {w.value for w in Warn}
        for code, count in re.findall(r"(?:^|, )([a-z_]+) (\d+)", reason):
            if code in codes:
                assert report.codes.count(code) == int(count), (code, report.codes)
        return
    assert refused is not None
    with pytest.raises(FormImportError) as caught:
        load_form(path)
    problems = caught.value.problems
    assert len(problems) == int(refused.group(1))
    assert all(p.row is not None for p in problems)  # every refusal names its row
    first = reason.split("; also")[0]
    assert str(problems[0]).startswith(first), (str(problems[0]), first)
