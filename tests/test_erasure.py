"""Erasure that erases (issue 12, SPEC §8): /forget, `clusterbot forget`, consent refusal.

A person with a distinctive name and phone registers, writes both into a free-text survey
answer, sends a photo, RSVPs, takes the last seat of a visit and is sent a notice; after
/forget neither string is anywhere in the bytes of the database file or its WAL, while
the bot is running and after it stopped, and /export no longer shows the text.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from bot import erasure
from bot.clock import iso
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Inbound, InboundKind, Outbound
from bot.outbox.queue import Payload, enqueue
from bot.storage import audit, clusters, contacts
from bot.storage import events as ev
from bot.storage import surveys as store
from bot.storage.db import Database, connect_sync
from bot.surveys.loader import load_form
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event

NAME = "Zorawarsinghji Qwertyal"
PHONE = "+919829011223"
USER = "919829011223"  # a channel id that is the phone number, as on WhatsApp
SECRETS = (NAME, PHONE, USER, "Zorawarsinghji", "Qwertyal", "Khejarli Kalan")

FORM = """\
| survey |
| | type          | name    | label::English (en)       |
| | text          | about   | Tell us about yourself    |
| | select_one yn | trained | Were you trained?         |
| | integer       | workers | How many workers?         |
| | image         | photo   | A photo of your workshop  |
| choices |
| | list_name | name | label::English (en) |
| | yn        | yes  | Yes                 |
| | yn        | no   | No                  |
| settings |
| | form_title | form_id | version |
| | Erasure    | erasure | 1       |
"""


class Person(ChatDriver):
    """A chat whose update keys do not contain the user id (tests/driver.py's do; real
    channels use the platform's update id or wamid, see processed_updates)."""

    async def _send(self, **kw: object) -> list[Outbound]:
        self.updates += 1
        inbound = Inbound(channel="test", user_id=self.user_id, chat_id=self.user_id,
                          profile_name=self.profile_name, **kw)  # type: ignore[arg-type]  # fmt: skip
        self.last = await self.engine.handle(inbound, update_key=f"p{id(self)}-{self.updates}")
        return self.last


def traces(path: Path) -> list[str]:
    """Which of the secrets are in the file's bytes (UTF-8, as SQLite stores text)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    return [s for s in SECRETS if s.encode("utf-8") in data]


def files(settings: Settings) -> list[Path]:
    return [settings.db, Path(f"{settings.db}-wal")]


async def register(person: ChatDriver, *, village: str = "Khejarli Kalan") -> None:
    await person.say("/start")
    for step in ("lang:en", "consent:yes", "name:profile", "role:artisan", "gender:male"):
        await person.press(step)
    await person.say(village)
    await person.share_contact(PHONE if person.user_id == USER else "+919800000000")
    assert "registered" in person.text


@pytest.fixture
async def survey(db: Database, one_cluster: clusters.Cluster, tmp_path: Path) -> store.Survey:
    source = tmp_path / "erasure.md"
    source.write_text(FORM, encoding="utf-8")
    form = load_form(source).form
    found, _ = await db.write(lambda conn: store.import_form(conn, form, now="x"))
    return found


async def a_person_with_traces(
    engine: Engine, db: Database, settings: Settings, clock: FakeClock, cluster_id: int
) -> tuple[ChatDriver, ChatDriver, ev.Event, Path]:
    """The distinctive person, everywhere; and a second person waiting for their seat."""
    person = Person(engine, user_id=USER, profile_name=NAME)
    await register(person)
    await person.say("/survey erasure")
    await person.say(f"I am {NAME}, call me on {PHONE}")
    await person.tap("Yes")
    await person.say("3")
    photo = settings.media_root / "test" / "workshop.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo of " + NAME.encode())
    await person._send(kind=InboundKind.PHOTO, media_ref=str(photo))
    assert "Thank you!" in person.text

    def events_and_messages(conn: sqlite3.Connection) -> tuple[ev.Event, ev.Event]:
        meeting = make_event(conn, cluster_id, clock.now, kind="meeting")
        visit = make_event(conn, cluster_id, clock.now, seats=1)
        me = contacts.find(conn, "test", USER)
        assert me is not None and me.chat_id
        enqueue(conn, channel="test", contact_id=me.id, chat_id=me.chat_id, kind="notice",
                ref="note:1", payload=Payload(f"Dear {NAME}, your loan form is ready"),
                now=clock.now)  # fmt: skip
        audit.record(conn, at=iso(clock.now), actor="cli", action="admin.add",
                     subject=f"test:{USER}", detail={"note": f"asked by test:{USER}"})  # fmt: skip
        return meeting, visit

    meeting, visit = await db.write(events_and_messages)
    await person.press(f"rsvp:{meeting.id}:y")
    await person.press(f"reg:{visit.id}")
    assert "registered" in person.text
    await person.say("/profile")
    await person.press("edit:place")
    await person.say("Khejarli Kalan")  # audited with the person as the actor
    other = ChatDriver(engine, user_id="2002", profile_name="Bina")
    await register(other, village="Bagru")
    await other.press(f"reg:{visit.id}")
    assert "waiting list" in other.text
    return person, other, visit, photo


async def test_forget_leaves_no_trace_in_the_database_or_wal_open_and_closed(
    engine: Engine,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    survey: store.Survey,
    cda_chat: ChatDriver,
) -> None:
    assert survey.cluster_id is None
    cluster_id = (await db.read(clusters.all_clusters))[0].id
    person, _other, visit, photo = await a_person_with_traces(
        engine, db, settings, clock, cluster_id
    )
    assert traces(settings.db) or traces(Path(f"{settings.db}-wal"))  # the test can see them

    await person.say("/forget")
    await person.press("forget:yes")
    assert "erased" in person.text

    # While the bot is running (its connections open): nowhere in the file or the WAL.
    for path in files(settings):
        assert traces(path) == [], path
    assert not photo.exists()

    # The waiting person got the freed seat, and is told through the outbox.
    def seat(conn: sqlite3.Connection) -> tuple[str, int]:
        bina = contacts.find(conn, "test", "2002")
        assert bina is not None
        notices = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE contact_id = ? AND ref LIKE ?",
            (bina.id, f"event:{visit.id}:seat:%"),
        ).fetchone()[0]
        return ev.registration_of(conn, visit.id, bina.id).status, notices

    assert await db.read(seat) == ("confirmed", 1)

    # Choice and number answers stay, unlinked; the free text and the photo are gone.
    answers = await db.read(lambda conn: dict(conn.execute("SELECT path, value FROM answers")))
    assert answers == {"trained": "yes", "workers": "3"}
    rsvps = await db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM rsvps").fetchone()[0])
    assert rsvps == 0
    entries = await db.read(lambda conn: [dict(r) for r in audit.recent(conn)])
    erase = next(e for e in entries if e["action"] == "contact.erase")
    assert erase["actor"] == "self" and erase["subject"].startswith("contact:")
    mine = [e for e in entries if erase["subject"] in (e["actor"], e["subject"])]
    assert {e["action"] for e in mine} >= {"admin.add", "profile.update", "contact.erase"}
    assert USER not in str(entries)

    # /export shows neither the text nor the name.
    await cda_chat.say("/export")
    await cda_chat.press("sva:exp:erasure")
    document = cda_chat.last[-1].media
    assert document is not None
    book = openpyxl.load_workbook(io.BytesIO(document.data))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert not [c for c in cells if any(s in c for s in SECRETS)]
    assert "yes" in cells or "Yes" in cells

    # After the connections close (SQLite checkpoints and removes the WAL).
    await db.close()
    for path in files(settings):
        assert traces(path) == [], path


async def test_consent_refusal_on_whatsapp_keeps_nothing(
    engine: Engine, db: Database, settings: Settings, one_cluster: clusters.Cluster
) -> None:
    updates = iter(range(1, 100))

    async def send(**kw: object) -> str:
        inbound = Inbound(channel="whatsapp", user_id=USER, chat_id=USER, profile_name=NAME,
                          **kw)  # type: ignore[arg-type]  # fmt: skip
        replies = await engine.handle(inbound, update_key=f"wamid.{next(updates)}")
        return "\n".join(r.text for r in replies)

    await send(kind=InboundKind.TEXT, text="namaste")
    await send(kind=InboundKind.CHOICE, choice="lang:hi")
    said = await send(kind=InboundKind.CHOICE, choice="consent:no")
    assert "/start" in said and said != "All right."
    rows = await db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0])
    assert rows == 0  # not even the language: the only key was the phone number
    for path in files(settings):
        assert traces(path) == [], path


async def test_consent_refusal_elsewhere_keeps_only_the_language(
    chat: ChatDriver, db: Database, one_cluster: clusters.Cluster
) -> None:
    await chat.say("/start")
    await chat.press("lang:te")
    await chat.press("consent:no")
    assert "/start" in chat.text
    row = await db.read(
        lambda conn: conn.execute(
            "SELECT channel_user_id, language, name, role, gender, place, phone, consent_at,"
            " cluster_id FROM contacts"
        ).fetchall()
    )
    assert [tuple(r) for r in row] == [("1001", "te", None, None, None, None, None, None, None)]
    await chat.say("hello")  # answered in Telugu: what the kept language is for
    assert any("\u0c00" <= ch <= "\u0c7f" for ch in chat.text)


async def test_erase_twice_or_nobody_changes_nothing(db: Database, clock: FakeClock) -> None:
    def twice(conn: sqlite3.Connection) -> tuple[object, object, object]:
        person = contacts.get_or_create(conn, "test", "77", "77", iso(clock.now))
        first = erasure.erase(conn, person.id, now=clock.now, actor="cli", media_root=None)
        second = erasure.erase(conn, person.id, now=clock.now, actor="cli", media_root=None)
        nobody = erasure.erase(conn, 9999, now=clock.now, actor="cli", media_root=None)
        return first, second, nobody

    first, second, nobody = await db.write(twice)
    assert first is not None and second is None and nobody is None


async def test_a_photo_someone_else_also_sent_stays(
    db: Database, settings: Settings, clock: FakeClock, survey: store.Survey
) -> None:
    shared = settings.media_root / "test" / "same.jpg"
    shared.parent.mkdir(parents=True)
    shared.write_bytes(b"jpeg")
    outside = settings.db.parent / "not-media.jpg"
    outside.write_bytes(b"jpeg")

    def answer(conn: sqlite3.Connection, user: str, photo: Path) -> int:
        person = contacts.get_or_create(conn, "test", user, user, iso(clock.now))
        response = store.start_response(conn, survey.id, person.id, None, iso(clock.now))
        store.save_answers(conn, response.id, {"photo": str(photo)}, iso(clock.now))
        return person.id

    def run(conn: sqlite3.Connection) -> list[Path]:
        a = answer(conn, "a", shared)
        answer(conn, "b", shared)
        c = answer(conn, "c", outside)
        first = erasure.erase(conn, a, now=clock.now, actor="cli", media_root=settings.media_root)
        third = erasure.erase(conn, c, now=clock.now, actor="cli", media_root=settings.media_root)
        assert first is not None and third is not None
        return first.files + third.files

    assert await db.write(run) == []
    assert shared.exists() and outside.exists()  # shared, and outside the media folder


async def test_failed_webhook_payloads_naming_the_person_go_too(
    db: Database, clock: FakeClock
) -> None:
    def run(conn: sqlite3.Connection) -> list[str]:
        person = contacts.get_or_create(conn, "whatsapp", USER, USER, iso(clock.now))
        for sender in (USER, "919800000000"):
            body = f'{{"contacts": [{{"wa_id": "{sender}"}}], "text": "I am {NAME}"}}'
            conn.execute(
                "INSERT INTO webhook_intake (channel, received_at, payload, status)"
                " VALUES ('whatsapp', ?, ?, 'failed')",
                (iso(clock.now), body),
            )
        erasure.erase(conn, person.id, now=clock.now, actor="cli", media_root=None)
        return [r[0] for r in conn.execute("SELECT payload FROM webhook_intake")]

    [left] = await db.write(run)
    assert "919800000000" in left  # someone else's stays


async def test_secure_delete_is_on_for_every_connection(db: Database, settings: Settings) -> None:
    def mode(conn: sqlite3.Connection) -> int:
        return int(conn.execute("PRAGMA secure_delete").fetchone()[0])

    assert await db.read(mode) == 1
    assert await db.write(mode) == 1
    cli = connect_sync(settings.db)
    try:
        assert mode(cli) == 1
    finally:
        cli.close()


async def test_past_events_keep_their_anonymous_answers_and_attendance(
    db: Database, clock: FakeClock, one_cluster: clusters.Cluster
) -> None:
    def run(conn: sqlite3.Connection) -> tuple[int, int, int]:
        past = make_event(conn, one_cluster.id, clock.now - timedelta(days=30), seats=5)
        person = contacts.get_or_create(conn, "test", "p", "p", iso(clock.now))
        ev.rsvp(conn, past.id, person.id, "yes", iso(clock.now))
        conn.execute(
            "INSERT INTO registrations (event_id, contact_id, status, seq, at)"
            " VALUES (?, ?, 'confirmed', 1, ?)",
            (past.id, person.id, iso(clock.now)),
        )
        conn.execute(
            "INSERT INTO attendance (event_id, contact_id, present, marked_by, at)"
            " VALUES (?, ?, 1, 'test:cda', ?)",
            (past.id, person.id, iso(clock.now)),
        )
        erasure.erase(conn, person.id, now=clock.now, actor="cli", media_root=None)
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE event_id = ?", (past.id,)).fetchone()[
                0
            ]
            for table in ("rsvps", "registrations", "attendance")
        )

    assert await db.write(run) == (1, 1, 1)  # totals of past events stay right


def test_every_question_type_is_either_kept_or_erased() -> None:
    from bot.surveys.model import SUPPORTED_TYPES

    assert not erasure.KEPT_TYPES & erasure.ERASED_TYPES
    assert SUPPORTED_TYPES <= erasure.KEPT_TYPES | erasure.ERASED_TYPES
