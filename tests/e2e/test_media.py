"""Files are fetched only when the step asks for them (issue 12, bot/media_gate.py,
handlers/media.py): over Telegram and WhatsApp, against the stand-ins that record every
file request (Telegram `getFile`, the Graph API's media GETs). A stranger's photo, a photo
outside a survey, a voice note at a photo question and a file over the size limit are never
downloaded; the photo the question asks for is, once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.limits import MEDIA_MAX_BYTES
from bot.storage import contacts
from bot.storage import surveys as store
from bot.storage.db import connect_sync, run_in_transaction
from bot.surveys.loader import load_form
from tests.e2e.harness import bot_settings, running_bot, wait_until, whatsapp_settings
from tests.e2e.test_telegram_onboarding import seed_cluster
from tests.e2e.test_whatsapp import db_row, texts, turn
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.whatsapp_payloads import MEENA, SUNITA

pytestmark = pytest.mark.e2e

FORM = """\
key: media
title: {en: "Your work"}
version: "1"
default_language: en
questions:
  - {name: photo, type: image, required: true, label: {en: "Photo of your work"}}
  - {name: voice, type: audio, required: true, label: {en: "Describe it aloud"}}
"""
STRANGER, USER = 5001, 5002
TOO_LARGE = "That file is too large. Please send one of at most 10 MB."


def seed_survey_and_person(settings: Settings, tmp_path: Path, channel: str, key: str) -> None:
    """The survey with a photo and a voice question, and a registered person who consented."""
    (tmp_path / "media.yaml").write_text(FORM, encoding="utf-8")
    form = load_form(tmp_path / "media.yaml").form
    conn = connect_sync(settings.db)

    def work(c: sqlite3.Connection) -> None:
        store.import_form(c, form, now="2026-11-28T00:00:00")
        cluster = c.execute("SELECT id FROM clusters").fetchone()[0]
        person = contacts.get_or_create(c, channel, key, key, "2026-11-28T00:00:00")
        contacts.update(c, person.id, status="registered", consent_at="2026-11-28T00:00:00",
                        language="en", role="artisan", gender="female", cluster_id=cluster,
                        name="Sunita")  # fmt: skip

    try:
        run_in_transaction(conn, work)
    finally:
        conn.close()


def file_requests(fake: FakeTelegram) -> list[str]:
    return [name for name, _ in fake.requests if name in ("getFile", "file")]


async def said(fake: FakeTelegram, chat: int, action: Callable[[], object], expect: str) -> None:
    """Do `action` and wait until the bot answered `chat` with a message containing `expect`."""
    before = len(fake.messages_to(chat))
    action()
    await wait_until(
        lambda: any(expect in (m.text or "") for m in fake.messages_to(chat)[before:]), 10, expect
    )
    await fake.wait_idle(quiet=0.3)


async def test_telegram_fetches_only_what_the_question_asks(
    fake: FakeTelegram, settings: Settings, tmp_path: Path
) -> None:
    seed_cluster(settings.db, "BAGRU")
    seed_survey_and_person(settings, tmp_path, "telegram", str(USER))
    async with running_bot(bot_settings(settings, fake)):
        await said(fake, STRANGER, lambda: fake.push_photo(STRANGER), "")  # never registered
        await said(fake, USER, lambda: fake.push_photo(USER), "")  # registered, no question
        assert file_requests(fake) == []
        await said(fake, USER, lambda: fake.push_text(USER, "/survey media"), "Photo of your work")
        await said(fake, USER, lambda: fake.push_voice(USER), "Photo of your work")  # not asked
        big = b"\xff\xd8" + b"\x00" * MEDIA_MAX_BYTES["photo"]
        await said(fake, USER, lambda: fake.push_photo(USER, big), TOO_LARGE)
        assert file_requests(fake) == []  # the size Telegram reported was enough
        await said(fake, USER, lambda: fake.push_photo(USER), "Describe it aloud")
        assert file_requests(fake) == ["getFile", "file"]
    (path,) = db_row(settings, "SELECT value FROM answers WHERE path = 'photo'")
    assert Path(str(path)).is_file()
    assert Path(str(path)).is_relative_to(Path(settings.db).resolve().parent / "media")


def media_requests(graph: FakeGraph, media_id: str) -> list[tuple[str, str]]:
    return [r for r in graph.requests if r[1].endswith(f"/{media_id}")]


async def test_whatsapp_fetches_only_what_the_question_asks(
    graph: FakeGraph, settings: Settings, tmp_path: Path
) -> None:
    seed_cluster(settings.db, "BAGRU")
    seed_survey_and_person(settings, tmp_path, "whatsapp", MEENA.user_id)
    s = whatsapp_settings(settings, graph, media_dir=tmp_path / "answers")  # CLUSTERBOT_MEDIA_DIR
    graph.add_media("1111", b"\xff\xd8\xff-stranger", "image/jpeg")
    graph.add_media("2222", b"\xff\xd8" + b"\x00" * MEDIA_MAX_BYTES["photo"], "image/jpeg")
    graph.add_media("3333", b"\xff\xd8\xff-jpeg", "image/jpeg")
    graph.add_media("4444", b"OggS-voice", "audio/ogg; codecs=opus")
    async with running_bot(s):
        await turn(graph, SUNITA, wp.image(SUNITA, "1111"))  # a stranger: not even asked about
        assert media_requests(graph, "1111") == []
        asked = await turn(graph, MEENA, wp.text(MEENA, "survey media"))
        assert "Photo of your work" in texts(asked)
        await turn(graph, MEENA, wp.audio(MEENA, "4444"))  # not what was asked
        assert media_requests(graph, "4444") == []
        # WhatsApp says the size only when asked for the URL: the file itself is not fetched.
        refused = await turn(graph, MEENA, wp.image(MEENA, "2222"))
        assert texts(refused) == TOO_LARGE
        assert [r[0] for r in media_requests(graph, "2222")] == ["GET"]
        taken = await turn(graph, MEENA, wp.image(MEENA, "3333"))
        assert "Describe it aloud" in texts(taken)
        assert len(media_requests(graph, "3333")) == 2  # the URL, then the file
        done = await turn(graph, MEENA, wp.audio(MEENA, "4444"))
        assert "Thank you" in texts(done)
    assert graph.errors == []
    assert (tmp_path / "answers" / "whatsapp" / "3333.jpg").read_bytes() == b"\xff\xd8\xff-jpeg"
    assert (tmp_path / "answers" / "whatsapp" / "4444.ogg").read_bytes() == b"OggS-voice"
    assert not (tmp_path / "answers" / "whatsapp" / "1111.jpg").exists()
    assert not (Path(s.db).resolve().parent / "media").exists()
