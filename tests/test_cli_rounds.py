"""`clusterbot survey round open | list`, `survey indicators`, `survey change` (issue 18)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import connect_sync, run_in_transaction
from tests.cli_env import isolated_cli
from tests.surveys.test_change import FORM, PEOPLE, T0, finish

KEY = "enterprise"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_cli(tmp_path, monkeypatch)


@pytest.fixture
def baseline(db: Path, tmp_path: Path) -> dict[str, int]:
    """The enterprise form imported by the CLI, and answered by A..H in the baseline."""
    form = tmp_path / "enterprise.md"
    form.write_text(FORM.replace("{version}", "1"), encoding="utf-8")
    assert main(["survey", "import", str(form)]) == 0
    conn = connect_sync(db)

    def fill(c: sqlite3.Connection) -> dict[str, int]:
        bagru = clusters.add(c, "BAGRU", "Bagru", "Asia/Kolkata", "x")
        survey = store.current(c, KEY)
        assert survey is not None
        ids = {}
        for uid, (gender, role, base, _follow) in PEOPLE.items():
            person = contacts.get_or_create(c, "telegram", uid, f"chat-{uid}", T0)
            contacts.update(c, person.id, cluster_id=bagru.id, role=role, gender=gender,
                            status="registered", language="hi" if uid == "A" else "en")  # fmt: skip
            ids[uid] = person.id
            if base:
                finish(c, survey.id, person.id,
                       {"sales": base[0], "workers": base[1], "dyes": base[2]}, T0)  # fmt: skip
        return ids

    try:
        return run_in_transaction(conn, fill)
    finally:
        conn.close()


def test_opening_a_round_asks_everyone_who_answered_before(
    db: Path, baseline: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["survey", "round", "open", KEY, "--name", "Midline 2027"]) == 0
    assert "8 earlier respondents are asked" in capsys.readouterr().out
    conn = connect_sync(db)
    rows = conn.execute(
        "SELECT o.contact_id, o.kind, o.ref, p.body FROM outbox o"
        " JOIN outbox_payloads p ON p.id = o.payload_id ORDER BY o.contact_id"
    ).fetchall()
    assert len(rows) == 8 and {r[1] for r in rows} == {"survey"}
    assert baseline["I"] not in {r[0] for r in rows}  # I never answered
    texts = {r[0]: json.loads(r[3])["text"] for r in rows}
    assert "Midline 2027" in texts[baseline["B"]] and "Enterprise" in texts[baseline["B"]]
    assert "नया दौर" in texts[baseline["A"]]  # in the person's language
    audit = conn.execute("SELECT detail FROM audit_log WHERE action = 'survey.round_open'")
    assert json.loads(audit.fetchone()[0]) == {"round": "Midline 2027", "asked": 8}
    # the same name again is refused; nothing more is queued
    assert main(["survey", "round", "open", KEY, "--name", "midline 2027"]) == 2
    assert "already has a round" in capsys.readouterr().err
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 8
    assert main(["survey", "round", "list", KEY]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("1\tBaseline\t") and "8 completed" in listing[0]
    assert listing[1].startswith("2\tMidline 2027\t") and "\topen\t" in listing[1]


def test_indicators_and_change_from_the_command_line(
    db: Path, baseline: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["survey", "change", KEY]) == 2
    assert "give two different rounds" in capsys.readouterr().err
    assert main(["survey", "round", "open", KEY, "--name", "Midline 2027"]) == 0
    assert main(["survey", "indicators", KEY, "sales", "nosuch"]) == 2
    assert "no question 'nosuch'" in capsys.readouterr().err
    assert main(["survey", "change", KEY]) == 2
    assert "mark the outcome questions first" in capsys.readouterr().err
    assert main(["survey", "indicators", KEY, "sales", "dyes"]) == 0
    assert "Outcome indicators: dyes, sales" in capsys.readouterr().out
    conn = connect_sync(db)
    survey = store.current(conn, KEY)
    assert survey is not None

    def follow_up(c: sqlite3.Connection) -> None:
        for uid, (_g, _r, _base, follow) in PEOPLE.items():
            if follow:
                finish(c, survey.id, baseline[uid], {"sales": follow[0], "dyes": follow[1]},
                       "2026-12-01T09:00:00+00:00")  # fmt: skip

    run_in_transaction(conn, follow_up)
    assert main(["survey", "change", KEY, "--from", "Baseline", "--to", "2"]) == 0
    out = capsys.readouterr().out
    assert "Change in “Enterprise” from Baseline to Midline 2027" in out
    assert "Sales in a normal month?: 7 people answered both rounds" in out
    assert "typical answer 4,000 → 5,000; change per person 0 (middle half −250 to +750)" in out
    assert "rose 3 · same 2 · fell 2" in out
    assert "Natural: 3 → 5; 3 started, 1 stopped" in out
    assert "women: too few to say · men: too few to say" in out
    assert main(["survey", "change", KEY, "--cluster", "NOSUCH"]) == 2
    assert main(["survey", "change", KEY, "--cluster", "BAGRU", "--language", "hi"]) == 0
    assert "4,000 → 5,000" in capsys.readouterr().out
