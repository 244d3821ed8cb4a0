"""Whether a file someone sent is fetched (issue 12, bot/media_gate.py, handlers/media.py):
only when the person's current step asks for that kind, within the size limits and the
per-person daily quota (bot/limits.py). Through the engine: the person gets to the step by
chat, then the gate is asked as a channel asks it. The downloads themselves, over Telegram
and WhatsApp, are checked in tests/e2e/test_media.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import handlers.media
from bot.clock import iso
from bot.engine import Engine
from bot.limits import MEDIA_MAX_BYTES, MEDIA_MAX_BYTES_PER_DAY, MEDIA_MAX_FILES_PER_DAY
from bot.media_gate import NOT_WANTED, MediaGate, Verdict
from bot.messages import Inbound, InboundKind
from bot.storage import clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import CHANNEL, ChatDriver, FakeClock
from tests.handlers.people.test_onboarding import register

MB = 1024 * 1024
FORM = """\
key: media
title: {en: "Your work"}
version: "1"
default_language: en
questions:
  - {name: photo, type: image, required: true, label: {en: "Photo of your work"}}
  - {name: note, type: text, required: true, label: {en: "Anything else?"}}
"""


def sent(user: str, kind: InboundKind, size: int = 1000) -> Inbound:
    return Inbound(CHANNEL, user, user, kind, media_ref="platform-file-id", media_size=size)


def gate_for(engine: Engine, clock: FakeClock) -> MediaGate:
    return MediaGate(engine.db, engine.settings, handlers.media.wanted, clock)


async def at_photo_question(engine: Engine, db: Database, tmp_path: Path) -> ChatDriver:
    (tmp_path / "media.yaml").write_text(FORM, encoding="utf-8")
    form = load_form(tmp_path / "media.yaml").form
    await db.write(lambda conn: store.import_form(conn, form, now="x"))
    person = ChatDriver(engine, user_id="sunita", profile_name="Sunita")
    await register(person)
    await person.say("/survey media")
    assert "Photo of your work" in person.text
    return person


async def test_nothing_is_fetched_from_a_stranger_or_outside_a_media_question(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, clock: FakeClock, tmp_path: Path
) -> None:
    gate = gate_for(engine, clock)
    stranger = ChatDriver(engine, user_id="stranger")
    assert await gate.verdict(sent("nobody", InboundKind.PHOTO)) == NOT_WANTED  # never wrote
    await stranger.say("hello")  # a contact row now, but no consent
    assert await gate.verdict(sent("stranger", InboundKind.PHOTO)) == NOT_WANTED
    person = await at_photo_question(engine, db, tmp_path)
    for kind in (InboundKind.AUDIO, InboundKind.DOCUMENT):  # not what the question asks
        assert await gate.verdict(sent("sunita", kind)) == NOT_WANTED
    assert (await gate.verdict(sent("sunita", InboundKind.PHOTO))).take
    await person.say("/cancel")  # the survey paused: no question asks for a photo
    assert await gate.verdict(sent("sunita", InboundKind.PHOTO)) == NOT_WANTED


async def test_no_consent_no_download(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, clock: FakeClock, tmp_path: Path
) -> None:
    await at_photo_question(engine, db, tmp_path)
    await db.write(lambda conn: conn.execute("UPDATE contacts SET consent_at = NULL"))
    assert await gate_for(engine, clock).verdict(sent("sunita", InboundKind.PHOTO)) == NOT_WANTED


async def test_size_limits_per_kind(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, clock: FakeClock, tmp_path: Path
) -> None:
    assert MEDIA_MAX_BYTES == {
        "photo": 10 * MB, "audio": 16 * MB, "document": 20 * MB, "video": 20 * MB
    }  # fmt: skip
    await at_photo_question(engine, db, tmp_path)
    gate = gate_for(engine, clock)
    fits = await gate.verdict(sent("sunita", InboundKind.PHOTO, 10 * MB))
    assert fits.take and fits.max_bytes == 10 * MB and fits.refusal is None
    assert fits.too_large is not None  # for a platform that tells the size only later
    big = await gate.verdict(sent("sunita", InboundKind.PHOTO, 10 * MB + 1))
    assert not big.take and big.refusal is not None
    assert big.refusal.text == "That file is too large. Please send one of at most 10 MB."


async def test_the_daily_quota_counts_files_and_bytes_over_24_hours(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, clock: FakeClock, tmp_path: Path
) -> None:
    await at_photo_question(engine, db, tmp_path)
    gate = gate_for(engine, clock)
    photo = sent("sunita", InboundKind.PHOTO, MB)
    for _ in range(MEDIA_MAX_FILES_PER_DAY - 1):
        await gate.received(photo, MB)
    assert (await gate.verdict(photo)).take
    await gate.received(photo, MB)
    refused = await gate.verdict(photo)
    assert not refused.take and refused.refusal is not None
    assert refused.refusal.text == (
        "You have sent as many files as the bot takes in one day (30 files or 200 MB)."
        " Please send more tomorrow."
    )
    clock.advance(hours=24, seconds=1)  # a day later the count starts again
    assert (await gate.verdict(photo)).take
    # Bytes: what was received plus what this file says it weighs.
    await gate.received(photo, MEDIA_MAX_BYTES_PER_DAY - 5 * MB)
    assert (await gate.verdict(replace(photo, media_size=5 * MB))).take
    assert not (await gate.verdict(replace(photo, media_size=5 * MB + 1))).take
    count = "SELECT COUNT(*) FROM media_received"
    rows = await db.read(lambda conn: conn.execute(count).fetchone())
    assert rows[0] == 1  # the day-old rows went when the next file was counted
    old = iso(clock.now - timedelta(days=1))
    assert await db.read(lambda conn: conn.execute(
        "SELECT COUNT(*) FROM media_received WHERE at < ?", (old,)).fetchone()[0]) == 0  # fmt: skip


async def test_a_cda_may_attach_a_photo_or_document_to_a_broadcast(
    cda_chat: ChatDriver, engine: Engine, one_cluster: clusters.Cluster, clock: FakeClock
) -> None:
    gate = gate_for(engine, clock)
    await cda_chat.say("/broadcast")
    await cda_chat.press("bc:aud:all")
    assert "send a photo or a document" in cda_chat.text
    for kind, take in ((InboundKind.PHOTO, True), (InboundKind.DOCUMENT, True),
                       (InboundKind.AUDIO, False)):  # fmt: skip
        verdict = await gate.verdict(sent("cda", kind))
        assert verdict.take is take, kind
    assert await gate.verdict(sent("cda", InboundKind.DOCUMENT, 20 * MB)) == Verdict(
        take=True, too_large=(await gate.verdict(sent("cda", InboundKind.DOCUMENT))).too_large,
        max_bytes=20 * MB,
    )  # fmt: skip
