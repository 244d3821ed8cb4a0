"""`clusterbot forget CHANNEL:ID` (SPEC §9): a request on paper or by phone is erased
exactly as /forget does, audited with actor `cli`, and leaves nothing in the files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import contacts, surveys
from bot.storage.db import connect_sync, migrate
from bot.surveys.model import Form, Question
from tests.cli_env import isolated_cli

PHONE = "919829011223"
NAME = "Zorawarsinghji Qwertyal"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_cli(tmp_path, monkeypatch)


def seed(db: Path) -> tuple[int, Path]:
    """A WhatsApp person known by a user id whose replies go to their phone number, with
    a text answer and a photo in the media folder."""
    conn = connect_sync(db)
    migrate(conn)
    now = "2026-11-28T09:00:00+00:00"
    person = contacts.get_or_create(conn, "whatsapp", "IN.bsuid.42", PHONE, now)
    contacts.update(conn, person.id, name=NAME, phone=f"+{PHONE}", place="Khejarli",
                    consent_at=now, status="registered")  # fmt: skip
    photo = db.parent / "media" / "whatsapp" / "wamid_1.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"jpeg")
    form = Form(key="s", title="S", version="1", default_language="en", languages=("en",),
                children=(Question("about", "text"), Question("photo", "image")))  # fmt: skip
    survey, _ = surveys.import_form(conn, form, now=now)
    conn.execute(
        "INSERT INTO responses (survey_id, contact_id, status, started_at, updated_at)"
        " VALUES (?, ?, 'completed', ?, ?)",
        (survey.id, person.id, now, now),
    )
    conn.executemany(
        "INSERT INTO answers (response_id, path, value, answered_at) VALUES (1, ?, ?, ?)",
        [("about", f"{NAME}, call {PHONE}", now), ("photo", str(photo), now)],
    )
    conn.close()
    return person.id, photo


def test_cli_forget_erases_by_phone_number_and_audits_cli(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contact_id, photo = seed(env)
    assert main(["forget", f"whatsapp:+{PHONE}"]) == 0
    out = capsys.readouterr().out
    assert f"Erased contact:{contact_id}: 2 answers, 1 media files" in out
    assert not photo.exists()
    conn = sqlite3.connect(env)
    row = conn.execute(
        "SELECT channel_user_id, chat_id, name, phone, place, status FROM contacts"
    ).fetchone()
    assert row == (None, None, None, None, None, "erased")
    assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    actor, subject = conn.execute(
        "SELECT actor, subject FROM audit_log WHERE action = 'contact.erase'"
    ).fetchone()
    assert (actor, subject) == ("cli", f"contact:{contact_id}")
    conn.close()
    for path in (env, Path(f"{env}-wal")):
        if path.exists():
            data = path.read_bytes()
            assert NAME.encode() not in data and PHONE.encode() not in data
    assert main(["forget", f"whatsapp:{PHONE}"]) == 2  # nobody is known by it any more
    assert "nobody is known as whatsapp:919829011223" in capsys.readouterr().err


def test_cli_forget_refuses_what_is_not_a_channel_id(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(env)
    assert main(["forget", "919829011223"]) == 2
    assert "expected telegram:<user id>" in capsys.readouterr().err
    assert main(["forget", "telegram:5"]) == 2
    conn = connect_sync(env)
    assert conn.execute("SELECT status FROM contacts").fetchone()[0] == "registered"
    conn.close()
