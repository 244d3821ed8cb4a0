"""`clusterbot clustermap` (issue 19): PNG and SVG, at a date, the start beside now."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import clusters
from bot.storage.db import connect_sync, migrate
from tests.cli_env import isolated_cli
from tests.networks.test_draw import png_size
from tests.networks.test_graph import NOW, START, fixture_cluster


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = isolated_cli(tmp_path, monkeypatch)
    conn = connect_sync(db)
    migrate(conn)
    clusters.add(conn, "BAGRU", "Bagru hand-block printers", "Asia/Kolkata", START)
    clusters.add(conn, "COIR", "Coir", "Asia/Kolkata", START)
    fixture_cluster(conn)
    conn.commit()
    conn.close()
    return db


def test_png_svg_at_a_date_and_compared(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    assert main(["clustermap", "--cluster", "bagru", "--out", str(png)]) == 0
    assert f"Wrote the BAGRU cluster map to {png}" in capsys.readouterr().out
    assert png_size(png.read_bytes())[0] == 1200
    assert main(["clustermap", "--cluster", "BAGRU", "--out", str(svg), "--language", "hi"]) == 0
    assert b"<svg" in svg.read_bytes()
    past = tmp_path / "january.png"
    assert main(["clustermap", "--cluster", "BAGRU", "--out", str(past), "--at",
                 "2026-01-31"]) == 0
    assert past.read_bytes() != png.read_bytes()  # fewer actors then
    both = tmp_path / "both.png"
    assert main(["clustermap", "--cluster", "BAGRU", "--out", str(both), "--compare"]) == 0
    assert "beside 2026-01-10" in capsys.readouterr().out
    assert png_size(both.read_bytes())[0] == 1200
    audited = sqlite3.connect(env).execute("SELECT actor, action, subject FROM audit_log"
                                           " WHERE action = 'clustermap.export'").fetchall()
    assert audited == [("cli", "clustermap.export", "BAGRU")] * 4


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--out", "m.png"], "several clusters"),
        (["--cluster", "NOPE", "--out", "m.png"], "no cluster 'NOPE'"),
        (["--cluster", "BAGRU", "--out", "m.pdf"], "--out must end in .png or .svg"),
        (["--cluster", "BAGRU", "--out", "m.png", "--at", "31-01-2026"], "expected a date"),
        (["--cluster", "BAGRU", "--out", "m.png", "--baseline", "2026-01-01"],
         "--baseline goes with --compare"),
        (["--cluster", "BAGRU", "--out", "m.png", "--compare", "--at", "2026-01-01"],
         "is after --at"),
        (["--cluster", "EMPTY", "--out", "m.png", "--compare"], "no linkage yet"),
    ],
)
def test_bad_input_is_one_line(
    env: Path, args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connect_sync(env)
    clusters.add(conn, "EMPTY", "Empty", "Asia/Kolkata", NOW)
    conn.commit()
    conn.close()
    assert main(["clustermap", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1
