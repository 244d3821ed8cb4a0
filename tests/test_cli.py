"""The command line (SPEC §4) as an operator uses it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("CLUSTERBOT_"):
            monkeypatch.delenv(name)
    db = tmp_path / "cli.db"
    monkeypatch.setenv("CLUSTERBOT_DB", str(db))
    monkeypatch.chdir(tmp_path)
    return db


def test_cluster_add_and_list(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "add", "BAGRU", "--name", "Bagru hand-block printers"]) == 0
    assert main(["cluster", "add", "BAGRU", "--name", "again"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["cluster", "add", "bad code!", "--name", "x"]) == 2
    assert main(["cluster", "list"]) == 0
    assert "BAGRU\tBagru hand-block printers\tAsia/Kolkata\t0 registered" in capsys.readouterr().out


def test_admin_add_is_audited(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["cluster", "add", "BAGRU", "--name", "Bagru"])
    assert main(["admin", "add", "telegram:4242", "--cluster", "BAGRU"]) == 0
    assert main(["admin", "add", "telegram:77", "--observer"]) == 0
    assert main(["admin", "add", "telegram:abc"]) == 2
    assert main(["admin", "add", "telegram:1", "--cluster", "NOPE"]) == 2
    assert main(["admin", "list"]) == 0
    out = capsys.readouterr().out
    assert "telegram:4242\tcda\tBAGRU" in out and "telegram:77\tobserver\tall clusters" in out
    conn = sqlite3.connect(env)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["cluster.add", "admin.add", "admin.add"]


def test_backup_is_a_consistent_copy(env: Path, tmp_path: Path) -> None:
    main(["cluster", "add", "BAGRU", "--name", "Bagru"])
    target = tmp_path / "copy.db"
    assert main(["backup", str(target)]) == 0
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT code FROM clusters").fetchone()[0] == "BAGRU"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert main(["backup", str(target)]) == 2  # never overwrites


def test_run_with_nothing_configured_says_what_to_set(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "CLUSTERBOT_TELEGRAM_TOKEN" in err and "clusterbot demo" in err


def test_bad_setting_is_one_line_no_traceback(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLUSTERBOT_TIMEZONE", "Atlantis/Capital")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CLUSTERBOT_TIMEZONE" in err and "Traceback" not in err


def test_demo_registers_in_hindi_in_the_console(tmp_path: Path) -> None:
    """The README's first experience: `clusterbot demo`, pick हिन्दी, register."""
    answers = "\n".join(["2", "1", "सुनीता देवी", "3", "1", "बगरू", "9829012345", "/quit"]) + "\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERBOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input=answers,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "हिन्दी" in out and "सहमत" in out and "सुनीता देवी" in out
    conn = sqlite3.connect(tmp_path / "clusterbot-demo.db")
    row = conn.execute(
        "SELECT name, role, gender, place, phone, language, status FROM contacts"
        " WHERE channel_user_id = 'demo'"
    ).fetchone()
    assert row == ("सुनीता देवी", "shg_member", "female", "बगरू", "9829012345", "hi", "registered")
