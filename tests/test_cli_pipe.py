"""A CLI command piped into a reader that leaves early (`| head`) ends without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli_env import clean_env


def test_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    env = {**clean_env(), "CLUSTERBOT_DB": str(tmp_path / "x.db")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "whatsapp", "templates", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is printed
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
