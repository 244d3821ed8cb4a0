"""`clusterbot survey import | list | export | open | close` (SPEC §4)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.db import connect_sync
from tests.cli_env import isolated_cli

FORMS = Path(__file__).parent / "surveys" / "forms"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_cli(tmp_path, monkeypatch)


def test_import_prints_key_count_and_warnings(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", "import", str(FORMS / "all_types.md")]) == 0
    out = capsys.readouterr().out
    assert "Imported survey all_types version 3: 17 questions, languages en, hi, te" in out
    assert "metadata row 'start' is filled in by the bot" in out
    assert "no Telugu (te) label" in out  # a missing translation is reported
    assert main(["survey", "import", str(FORMS / "all_types.md")]) == 0
    assert "Already imported (unchanged)" in capsys.readouterr().out


def test_import_reports_normalised_quotes(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", "import", str(FORMS / "quotes.md"), "--key", "q1"]) == 0
    out = capsys.readouterr().out
    assert "survey q1" in out and "typographic quotes" in out


def test_rejected_form_one_line_per_problem_exit_2(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["survey", "import", str(FORMS / "quotes.md"), "--key", "q1"]) == 0  # the db exists
    capsys.readouterr()
    assert main(["survey", "import", str(FORMS / "bad_everything.md")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) >= 10 and "Traceback" not in captured.err
    assert all(line.startswith("clusterbot: bad_everything.md") for line in lines)
    assert any("row 4, column type: the form needs the media file 'villages.csv'" in line
               for line in lines)  # fmt: skip
    conn = connect_sync(db)
    try:  # the refused form stored nothing: only the good one is there
        assert [r[0] for r in conn.execute("SELECT key FROM surveys")] == ["q1"]
    finally:
        conn.close()
    assert main(["survey", "import", "nosuch.xlsx"]) == 2
    assert "cannot read 'nosuch.xlsx'" in capsys.readouterr().err


def test_shipped_diagnostic_by_name_and_for_a_cluster(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["survey", "import", "diagnostic", "--cluster", "NOPE"]) == 2
    assert "no cluster 'NOPE'" in capsys.readouterr().err
    assert main(["cluster", "add", "BAGRU", "--name", "Bagru printers"]) == 0
    assert main(["survey", "import", "diagnostic", "--cluster", "BAGRU", "--roles", "artisan"]) == 0
    out = capsys.readouterr().out
    assert "survey diagnostic version 2026.6" in out and "for cluster BAGRU" in out
    assert "survey diagnostic_workers version 2026.6: 7 questions" in out  # and its modules
    assert out.count("Imported survey") == 5
    assert "warning" not in out  # our own form is complete in every language
    assert main(["survey", "import", "diagnostic", "--roles", "wizard"]) == 2
    assert "unknown role 'wizard'" in capsys.readouterr().err


def test_list_export_close_open(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["survey", "list"]) == 0
    assert "No surveys yet" in capsys.readouterr().out
    main(["survey", "import", str(FORMS / "diag_mini.yaml")])
    assert main(["survey", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()[-1]
    assert listed.startswith("diag_mini\tMini diagnostic\tv1\ten,hi,te\t6 questions\topen")
    assert listed.endswith("0 responses (0 completed)")
    out = tmp_path / "answers.csv"
    assert main(["survey", "export", "diag_mini", "--format", "csv", "--out", str(out)]) == 0
    assert "answers_products.csv" in capsys.readouterr().out
    with out.open(encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    assert header[0] == "response_id"
    assert header[-4:] == ["enterprise_type", "registered", "n_products", "n_workers"]
    assert main(["survey", "export", "diag_mini", "--out", str(tmp_path / "a.xlsx")]) == 0
    assert (tmp_path / "a.xlsx").read_bytes().startswith(b"PK")
    assert main(["survey", "export", "nosuch", "--out", str(out)]) == 2
    assert main(["survey", "export", "diag_mini", "--out", str(tmp_path / "a.txt")]) == 2
    assert main(["survey", "close", "diag_mini"]) == 0
    main(["survey", "list"])
    assert "\tclosed\t" in capsys.readouterr().out
    assert main(["survey", "open", "DIAG_MINI"]) == 0  # keys are case-insensitive everywhere
    main(["survey", "list"])
    assert "\topen\t" in capsys.readouterr().out
    assert main(["survey", "close", "nosuch"]) == 2
    actions = [r[0] for r in connect_sync(db).execute("SELECT action FROM audit_log")]
    assert actions.count("survey.import") == 1 and "survey.export" in actions
    assert "survey.closed" in actions and "survey.open" in actions


def test_reimport_of_a_changed_form_is_a_new_version(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form = tmp_path / "pricing.md"
    form.write_text("| survey |\n| | type | name | label |\n| | integer | price | Price? |\n")
    assert main(["survey", "import", str(form)]) == 0
    first = capsys.readouterr().out.split(" version ")[1].split(":")[0]
    assert first.startswith("sha256-")  # no version in the form: the file's hash
    form.write_text(form.read_text().replace("Price?", "Price in ₹?"))
    assert main(["survey", "import", str(form)]) == 0
    second = capsys.readouterr().out.split(" version ")[1].split(":")[0]
    assert second.startswith("sha256-") and second != first
    main(["survey", "list"])
    (line,) = capsys.readouterr().out.splitlines()  # one line per key: the current version
    assert line.startswith(f"pricing\tpricing\tv{second}\t")
    versions = connect_sync(db).execute("SELECT version FROM surveys ORDER BY id").fetchall()
    assert [v[0] for v in versions] == [first, second]
    # A changed form that keeps a version already imported is refused, not overwritten.
    pinned = tmp_path / "pinned.md"
    settings = "| settings |\n| | version |\n| | 7 |\n"
    pinned.write_text("| survey |\n| | type | name | label |\n| | text | a | A? |\n" + settings)
    assert main(["survey", "import", str(pinned)]) == 0
    pinned.write_text("| survey |\n| | type | name | label |\n| | text | a | B? |\n" + settings)
    assert main(["survey", "import", str(pinned)]) == 2
    assert "raise the version" in capsys.readouterr().err
