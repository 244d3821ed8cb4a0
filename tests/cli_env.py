"""One environment for every command-line test: nothing leaks in from the shell or a .env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def isolated_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Clear every `CLUSTERBOT_*` variable, point `CLUSTERBOT_DB` at a fresh file in
    `tmp_path` and work there (no stray .env from the project folder); the database path."""
    for name in list(os.environ):
        if name.startswith("CLUSTERBOT_"):
            monkeypatch.delenv(name)
    db = tmp_path / "cli.db"
    monkeypatch.setenv("CLUSTERBOT_DB", str(db))
    monkeypatch.chdir(tmp_path)
    return db


def clean_env() -> dict[str, str]:
    """The environment for a `python -m bot` child process: no `CLUSTERBOT_*` setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERBOT_")}


def run_console(tmp_path: Path, args: list[str], lines: list[str], timeout: float = 60) -> str:
    """`python -m bot ARGS` in `tmp_path` with `lines` typed; its output, after checking
    that it exited cleanly."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=timeout,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result.stdout
