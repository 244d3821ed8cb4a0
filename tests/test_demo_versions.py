"""The demo's CDA content in every language (issue 17): each event's title, place and
purpose, each activity's title and each progress note has a version in Hindi, Telugu,
Malayalam, Tamil, Gujarati and Punjabi, so every reader of `clusterbot demo` sees theirs."""

from __future__ import annotations

from pathlib import Path

from bot import demo_versions
from bot.app import seed_demo
from bot.config import Settings
from bot.storage import activities
from bot.storage import events as ev
from bot.storage.db import connect_sync, migrate

LANGUAGES = {"hi", "te", "ml", "ta", "gu", "pa"}


def test_every_demo_text_has_a_version_in_every_language(tmp_path: Path) -> None:
    conn = connect_sync(tmp_path / "demo.db")
    migrate(conn)
    with conn:
        seed_demo(conn, Settings())
    ids = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
    assert len(ids) == 5  # two upcoming, three past
    for event_id in ids:
        event = ev.get(conn, event_id)
        assert event is not None and set(event.versions) == LANGUAGES, event.title
        fields = {"title", "place", "purpose"} if event.purpose else {"title", "place"}
        assert all(set(texts) == fields for texts in event.versions.values()), event.title
        assert event.read("ta").title != event.title
    plan = activities.in_cluster(conn, 1)
    assert len(plan) == 4
    for a in plan:
        assert set(a.versions) == LANGUAGES, a.title
        for note in activities.notes(conn, a.id):
            if not note.status:
                assert set(note.versions) == LANGUAGES, note.text
    visit = ev.get(conn, ids[1])
    assert visit is not None and visit.read("pa").place == visit.read("pa").title
    conn.close()


def test_each_translation_is_short_and_in_its_own_script() -> None:
    scripts = {  # first and last code point of each language's block
        "hi": (0x0900, 0x097F), "te": (0x0C00, 0x0C7F), "ml": (0x0D00, 0x0D7F),
        "ta": (0x0B80, 0x0BFF), "gu": (0x0A80, 0x0AFF), "pa": (0x0A00, 0x0A7F),
    }  # fmt: skip
    for original, texts in demo_versions.TEXTS.items():
        assert len(texts) == len(demo_versions.LANGUAGES), original
        for language, text in zip(demo_versions.LANGUAGES, texts, strict=True):
            low, high = scripts[language]
            letters = [ch for ch in text if ord(ch) > 0x7F and ch not in "।"]
            assert letters and all(low <= ord(ch) <= high or ch == "\u200c" for ch in letters), (
                language,
                text,
            )
            assert len(text) <= 120, text
