"""The command line (SPEC §4) as an operator uses it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.cli_env import clean_env, isolated_cli, run_console


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_cli(tmp_path, monkeypatch)


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
    # language 2 = हिन्दी; consent; name; "make or sell" then its 2nd role (SHG member);
    # gender 1 = woman; village; phone
    answers = ["2", "1", "सुनीता देवी", "1", "2", "1", "बगरू", "9829012345", "/quit"]
    out = run_console(tmp_path, ["demo"], answers)
    assert "हिन्दी" in out and "सहमत" in out and "सुनीता देवी" in out
    conn = sqlite3.connect(tmp_path / "clusterbot-demo.db")
    row = conn.execute(
        "SELECT name, role, gender, place, phone, language, status FROM contacts"
        " WHERE channel_user_id = 'demo'"
    ).fetchone()
    assert row == ("सुनीता देवी", "shg_member", "female", "बगरू", "9829012345", "hi", "registered")


def test_console_prints_the_cdas_broadcast_and_keeps_others_rows_queued(tmp_path: Path) -> None:
    """SPEC §2 console + §8 outbox: the demo CDA broadcasts to the cluster; the console
    prints the copy meant for the person at the terminal (marked sent) and leaves the demo
    stakeholder's copy queued until that person opens the console."""
    run_console(tmp_path, ["demo"], ["1", "1", "Sunita", "1", "2", "1", "Bagru", "0", "/quit"])
    news = "Dye supply arrives on Monday"
    # /broadcast -> 1 whole cluster -> text -> 1 send now -> 1 yes, send it
    typed = ["/broadcast", "1", news, "1", "1", "/quit"]
    out = run_console(tmp_path, ["demo", "--as", "cda"], typed)
    # 23: the demo CDA and stakeholder, and the history's 24 members less 2 opted out and
    # 1 who blocked the bot (bot/demo_history.py).
    done = out.index("Done. Recipients: 23")
    assert news in out[done:], out[done:]  # printed after the turn, as a message of its own
    conn = sqlite3.connect(tmp_path / "clusterbot-demo.db")
    rows = dict(
        conn.execute(
            "SELECT chat_id, status FROM outbox WHERE channel = 'console' AND kind = 'broadcast'"
            " AND chat_id IN ('cda', 'demo')"
        ).fetchall()
    )
    assert rows == {"cda": "sent", "demo": "queued"}
    # The stakeholder opens the console: the update is waiting for them.
    out = run_console(tmp_path, ["demo"], ["/quit"])
    assert news in out
    status = conn.execute("SELECT status FROM outbox WHERE chat_id = 'demo'").fetchone()
    assert status == ("sent",)
    conn.close()


def test_console_runs_the_scheduler(tmp_path: Path) -> None:
    """A scheduled broadcast fires while the console is open, and is printed there."""
    import contextlib
    import threading
    import time
    from datetime import timedelta

    from bot.clock import iso, utc_now
    from bot.jobs import broadcasts as broadcasting
    from bot.storage import broadcasts
    from bot.storage.db import connect_sync, run_in_transaction

    run_console(tmp_path, ["demo", "--as", "cda"], ["/quit"])  # the demo database

    def schedule(conn: sqlite3.Connection) -> None:
        now = utc_now()
        b = broadcasts.create(
            conn,
            cluster_id=1,
            author="console:cda",
            audience={},
            texts={"en": "Scheduled: the CFC opens at 9"},
            scheduled_at=iso(now + timedelta(seconds=3)),
            status="scheduled",
            now=iso(now),
        )
        broadcasting.schedule_release(conn, b, now)

    conn = connect_sync(tmp_path / "clusterbot-demo.db")
    run_in_transaction(conn, schedule)
    conn.close()
    env = clean_env()
    env["CLUSTERBOT_DB"] = str(tmp_path / "clusterbot-demo.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--user", "cda"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(proc.stdout.readline, "")))
    reader.start()
    deadline = time.monotonic() + 30
    try:
        # Polled: the console prints it when the scheduler fires, with no input typed.
        while not any("the CFC opens at 9" in line for line in seen):
            assert time.monotonic() < deadline, "".join(seen)
            assert proc.poll() is None, "console exited early"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write("/quit\n")
            proc.stdin.close()
        proc.wait(30)
        reader.join(5)
        errors = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0 and "Traceback" not in errors, errors
