"""A voice note answers a `text` question (issue 14): the media gate fetches it there for a
consented person (unless the form says `voice` = no, or the question has a constraint or
takes digits), it is stored as the file's path behind a mark no typed text can make, shown
as "a voice note", exported as `voice:<path>` in the question's column, and erased with the
person, file and all."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import openpyxl

from bot import erasure
from bot.engine import Engine
from bot.media_gate import MediaGate
from bot.messages import Inbound, InboundKind
from bot.storage import clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.answers import VOICE_MARK, Problem, Sent, parse, takes_voice, voice_path
from bot.surveys.export import export_csv, export_xlsx
from bot.surveys.loader import load_form
from handlers import media
from tests.driver import CHANNEL, ChatDriver, FakeClock
from tests.handlers.people.test_onboarding import register

FORM = """\
| survey |
| | type | name | label | required | voice | bind::clusterbot:voice | constraint |
| | text | story | Tell us about your craft | yes | | | |
| | note | echo | You told us: ${story} | | | | |
| | text | name_typed | Your product's name | | no | | |
| | text | code | Your shop code | | | no | |
| | text | pin | PIN code | | | | string-length(.) = 6 |
| | integer | workers | How many workers? | | | | |
| settings |
| | form_id | version |
| | voices | 1 |
"""


async def _at_story(engine: Engine, db: Database, tmp_path: Path) -> ChatDriver:
    (tmp_path / "voices.md").write_text(FORM, encoding="utf-8")
    report = load_form(tmp_path / "voices.md")
    assert report.warnings == []
    await db.write(lambda conn: store.import_form(conn, report.form, now="x"))
    person = ChatDriver(engine, user_id="lakshmi", profile_name="Lakshmi")
    await register(person)
    await person.say("/survey voices")
    assert "Tell us about your craft" in person.text and "voice note 🎤" in person.text
    return person


def test_the_form_decides_which_text_questions_take_a_voice_note(tmp_path: Path) -> None:
    (tmp_path / "voices.md").write_text(FORM, encoding="utf-8")
    questions = {q.name: q for _, q in load_form(tmp_path / "voices.md").form.walk()}
    assert {n for n, q in questions.items() if takes_voice(q)} == {"story"}
    sent = Sent("audio", media="/m/telegram/a/voice.oga")

    def read(name: str, what: Sent) -> object:
        return parse(questions[name], what, today=date(2026, 1, 1), language="en",
                     default_language="en")  # fmt: skip

    assert read("story", sent) == VOICE_MARK + "/m/telegram/a/voice.oga"
    assert read("code", sent) == Problem("text")
    # Typed text is tidied, so it never carries the mark: no typed answer is a recording.
    typed = read("story", Sent("text", text=VOICE_MARK + "/etc/passwd"))
    assert isinstance(typed, str) and voice_path(typed) is None


async def test_a_voice_note_answers_a_text_question_and_is_shown_as_one(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path
) -> None:
    person = await _at_story(engine, db, tmp_path)
    await person._send(kind=InboundKind.AUDIO, media_ref="/m/telegram/v1/voice.oga")
    assert "Your product's name" in person.text and "You told us: 🎤" in person.text
    assert "/m/telegram" not in person.text  # a label never shows the file's path
    assert "voice note" not in person.text  # this one is typed only (`voice` = no)
    await person._send(kind=InboundKind.AUDIO, media_ref="/m/telegram/v2/voice.oga")
    assert "Please type your answer." in person.text  # refused: the form says no
    await person.say("/back")
    assert "Your answer now: a voice note" in person.text
    assert "Keep: a voice note" in [c.label for m in person.last for c in m.choices]
    await person.tap("Keep: a voice note")
    answers = await db.read(lambda c: dict(c.execute("SELECT path, value FROM answers")))
    assert answers == {"story": VOICE_MARK + "/m/telegram/v1/voice.oga"}


async def test_the_gate_fetches_a_voice_note_only_where_one_may_answer(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path, clock: FakeClock
) -> None:
    person = await _at_story(engine, db, tmp_path)
    gate = MediaGate(engine.db, engine.settings, media.wanted, clock)

    def sent(kind: InboundKind, size: int = 1000, user: str = "lakshmi") -> Inbound:
        return Inbound(CHANNEL, user, user, kind, media_ref="id", media_size=size)

    assert (await gate.verdict(sent(InboundKind.AUDIO))).take
    assert not (await gate.verdict(sent(InboundKind.PHOTO))).take
    too_big = await gate.verdict(sent(InboundKind.AUDIO, 17 * 1024 * 1024))
    assert too_big.refusal is not None and "16 MB" in too_big.refusal.text
    assert not (await gate.verdict(sent(InboundKind.AUDIO, user="stranger"))).take
    await person.say("My grandmother taught me.")
    assert not (await gate.verdict(sent(InboundKind.AUDIO))).take  # `voice` = no
    await person.tap("Skip")
    assert not (await gate.verdict(sent(InboundKind.AUDIO))).take  # bind::clusterbot:voice
    await person.tap("Skip")
    assert "PIN code" in person.text and "voice note" not in person.text
    assert not (await gate.verdict(sent(InboundKind.AUDIO))).take  # it has a constraint
    await person.tap("Skip")
    assert not (await gate.verdict(sent(InboundKind.AUDIO))).take  # a number


async def test_a_voice_answer_is_exported_as_a_file_and_erased_with_the_person(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path, clock: FakeClock
) -> None:
    root = engine.settings.media_root
    voice = root / "telegram" / "v1" / "voice.oga"
    voice.parent.mkdir(parents=True)
    voice.write_bytes(b"OggS")
    person = await _at_story(engine, db, tmp_path)
    await person._send(kind=InboundKind.AUDIO, media_ref=str(voice))
    await person.tap("Skip")
    await person.tap("Skip")
    await person.tap("Skip")
    await person.say("3")
    assert "Thank you!" in person.text

    out = tmp_path / "voices.csv"
    await db.read(lambda conn: export_csv(conn, "voices", out))
    header, row = (line.split(",") for line in out.read_text("utf-8-sig").splitlines())
    assert dict(zip(header, row, strict=True))["story"] == f"voice:{voice}"
    book_path = tmp_path / "voices.xlsx"
    await db.read(lambda conn: export_xlsx(conn, "voices", book_path))
    sheet = openpyxl.load_workbook(book_path).active
    assert sheet is not None
    head, values = list(sheet.iter_rows(values_only=True))
    assert dict(zip(head, values, strict=True))["story"] == f"voice:{voice}"

    def forget(conn: sqlite3.Connection) -> list[Path]:
        found = contacts.find(conn, CHANNEL, "lakshmi")
        assert found is not None
        done = erasure.erase(conn, found.id, now=clock.now, actor="cli", media_root=root)
        assert done is not None
        return done.files

    assert await db.write(forget) == [voice.resolve()]
    assert not voice.exists()
    left = await db.read(lambda c: dict(c.execute("SELECT path, value FROM answers")))
    assert left == {"workers": "3"}
