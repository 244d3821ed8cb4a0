"""`video` and `file` questions (issue 13): answered by sending a video or a document in
the chat, which the media gate fetches only at such a question; stored as the file's path,
exported, and erased with the person."""

from __future__ import annotations

from pathlib import Path

from bot.channels.whatsapp_webhook import parse as parse_webhook
from bot.engine import Engine
from bot.erasure import ERASED_TYPES
from bot.media_gate import MediaGate
from bot.messages import Inbound, InboundKind
from bot.storage import clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from handlers import media
from tests.driver import CHANNEL, ChatDriver, FakeClock
from tests.fakes.whatsapp_payloads import PHONE_NUMBER_ID, Person, message
from tests.handlers.people.test_onboarding import register

FORM = """\
| survey |
| | type | name | label | required |
| | video | demo | A short video of your loom at work | yes |
| | file | plan | Your business plan (PDF or Word) | |
| | text | done | Anything else? | |
| settings |
| | form_id | version |
| | films | 1 |
"""


async def _at_video(engine: Engine, db: Database, tmp_path: Path) -> ChatDriver:
    (tmp_path / "films.md").write_text(FORM, encoding="utf-8")
    report = load_form(tmp_path / "films.md")
    assert report.warnings == []  # asked, not skipped
    await db.write(lambda conn: store.import_form(conn, report.form, now="x"))
    person = ChatDriver(engine, user_id="meena", profile_name="Meena")
    await register(person)
    await person.say("/survey films")
    assert "A short video of your loom" in person.text and "Send a video." in person.text
    return person


async def test_a_video_then_a_document_answer_the_questions(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path
) -> None:
    person = await _at_video(engine, db, tmp_path)
    await person._send(kind=InboundKind.PHOTO, media_ref="/m/p.jpg")
    assert "Please send a video." in person.text
    await person._send(kind=InboundKind.VIDEO, media_ref="/m/telegram/loom.mp4")
    assert "Your business plan" in person.text and "document (📎)" in person.text
    await person._send(kind=InboundKind.DOCUMENT, media_ref="/m/telegram/x/plan.pdf")
    assert "Anything else?" in person.text
    answers = await db.read(lambda c: dict(c.execute("SELECT path, value FROM answers")))
    assert answers == {"demo": "/m/telegram/loom.mp4", "plan": "/m/telegram/x/plan.pdf"}
    await person.say("/back")
    assert "a document" in person.text  # "Your answer now: a document", Keep offered
    assert "Keep: a document" in [c.label for m in person.last for c in m.choices]


async def test_the_gate_fetches_a_video_or_document_only_at_such_a_question(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path, clock: FakeClock
) -> None:
    person = await _at_video(engine, db, tmp_path)
    gate = MediaGate(engine.db, engine.settings, media.wanted, clock)

    def sent(kind: InboundKind, size: int = 1000) -> Inbound:
        return Inbound(CHANNEL, "meena", "meena", kind, media_ref="id", media_size=size)

    assert (await gate.verdict(sent(InboundKind.VIDEO))).take
    assert not (await gate.verdict(sent(InboundKind.DOCUMENT))).take
    too_big = await gate.verdict(sent(InboundKind.VIDEO, 25 * 1024 * 1024))
    assert too_big.refusal is not None and "20 MB" in too_big.refusal.text
    await person._send(kind=InboundKind.VIDEO, media_ref="/m/v.mp4")
    assert (await gate.verdict(sent(InboundKind.DOCUMENT))).take
    assert not (await gate.verdict(sent(InboundKind.VIDEO))).take


def test_a_whatsapp_video_is_a_video_and_both_kinds_are_erased() -> None:
    payload = message(Person(), "video", {"id": "778899", "mime_type": "video/mp4"})
    [incoming], _ = parse_webhook(payload, PHONE_NUMBER_ID)
    assert incoming.inbound.kind is InboundKind.VIDEO and incoming.media_id == "778899"
    assert {"video", "file"} <= ERASED_TYPES


def test_a_telegram_video_or_round_video_message_is_a_video() -> None:
    from datetime import UTC, datetime, timedelta

    from telegram import Chat, Message, Update, User, Video, VideoNote

    from bot.channels.telegram import to_inbound

    def update(**media: object) -> Update:
        msg = Message(1, datetime.now(UTC), Chat(7, "private"), from_user=User(7, "Meena", False),
                      **media)  # type: ignore[arg-type]  # fmt: skip
        return Update(1, message=msg)

    film = Video("vid-1", "u1", 640, 360, timedelta(seconds=5))
    note = VideoNote("note-1", "u2", 240, timedelta(seconds=5))
    for found, file_id in ((to_inbound(update(video=film)), "vid-1"),
                           (to_inbound(update(video_note=note)), "note-1")):  # fmt: skip
        assert found is not None
        assert found.kind is InboundKind.VIDEO and found.media_ref == file_id
