"""/results on a phone (issue 14): one first screen, questions opened one at a time with
labels in the reader's language, free text and voice notes for the CDA only, every figure
split by gender and by role — with numbers counted by hand — and every button within
WhatsApp's and Telegram's limits in every shipped language."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.channels.whatsapp_render import Words, render, wa_len
from bot.config import Settings
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, Translator
from bot.limits import (
    TELEGRAM_MAX_TEXT,
    WHATSAPP_MAX_BUTTON_TITLE,
    WHATSAPP_MAX_LIST_ROWS,
    WHATSAPP_MAX_ROW_TITLE,
)
from bot.messages import Outbound
from bot.storage import admins, clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.answers import VOICE_MARK
from bot.surveys.loader import load_form
from bot.surveys.results import QuestionResult, Results, striking
from handlers.surveys import results_view as view
from tests.driver import ChatDriver

FORMS = Path(__file__).resolve().parents[2] / "surveys" / "forms"
KEY = "all_types"
# all_types.md's questions as /results numbers them (notes, metadata, calculations left out)
NAME, AGE, DISTRICT, PRODUCTS, VOICE, RATING, MATERIAL = 0, 1, 3, 5, 11, 14, 16


def _person(conn: sqlite3.Connection, uid: str, cluster: int, role: str, gender: str) -> int:
    contact = contacts.get_or_create(conn, "test", uid, uid, "2026-01-01T00:00:00+00:00")
    contacts.update(conn, contact.id, cluster_id=cluster, role=role, gender=gender,
                    language="hi", status="registered")  # fmt: skip
    return contact.id


def _answer(conn: sqlite3.Connection, survey: int, contact: int, values: dict[str, str],
            done: bool = True) -> None:  # fmt: skip
    response = store.start_response(conn, survey, contact, None, "2026-11-28T09:00:00+00:00")
    store.save_answers(conn, response.id, values, "2026-11-28T09:05:00+00:00")
    if done:
        store.move(conn, response.id, None, "completed", "2026-11-28T09:10:00+00:00")


@pytest.fixture
async def filled(db: Database, one_cluster: clusters.Cluster, settings: Settings) -> Path:
    """Four BAGRU responses to all_types.md (one still in progress); the voice note's path.

    who  role          gender  name     age  district  products         rating  done
    a    artisan       female  Sunita   34   North     weaving pottery  4       yes
    b    entrepreneur  male    Ravi     50   North     pottery          2       yes
    c    artisan       female  Lakshmi  41   South     pottery          5       no
    d    shg_member    female  Meena    28   North     weaving          —       yes
    """
    media = settings.media_root
    media.mkdir(parents=True, exist_ok=True)
    voice = media / "voice_a.ogg"
    voice.write_bytes(b"OggS voice of a")
    spoken = media / "material_b.oga"  # a voice note given for a text question
    spoken.write_bytes(b"OggS material of b")

    def fill(conn: sqlite3.Connection) -> None:
        survey, _ = store.import_form(conn, load_form(FORMS / "all_types.md").form, now="x")
        cid = one_cluster.id
        a = _person(conn, "a", cid, "artisan", "female")
        b = _person(conn, "b", cid, "entrepreneur", "male")
        c = _person(conn, "c", cid, "artisan", "female")
        d = _person(conn, "d", cid, "shg_member", "female")
        _answer(conn, survey.id, a, {"name": "Sunita", "age": "34", "district": "d1",
                                     "products": "weaving pottery", "rating": "4",
                                     "voice": str(voice)})  # fmt: skip
        _answer(conn, survey.id, b, {"name": "Ravi", "age": "50", "district": "d1",
                                     "products": "pottery", "rating": "2",
                                     "product_rows[1]/material": "Clay",
                                     "product_rows[2]/material": VOICE_MARK + str(spoken),
                                     "product_rows@count": "2"})  # fmt: skip
        _answer(conn, survey.id, c, {"name": "Lakshmi", "age": "41", "district": "d2",
                                     "products": "pottery", "rating": "5"}, done=False)  # fmt: skip
        _answer(conn, survey.id, d, {"name": "Meena", "age": "28", "district": "d1",
                                     "products": "weaving"})  # fmt: skip

    await db.write(fill)
    return voice


async def _speak(db: Database, uid: str, language: str) -> None:
    await db.write(lambda conn: conn.execute(
        "UPDATE contacts SET language = ? WHERE channel_user_id = ?", (language, uid)))  # fmt: skip


# ------------------------------------------------------------------------ first screen ---
async def test_first_screen_is_one_message_with_three_striking_questions(
    cda_chat: ChatDriver, filled: Path
) -> None:
    await cda_chat.say(f"/results {KEY}")
    [screen] = cda_chat.last
    assert screen.media is None  # the chart only on request
    text = screen.text
    assert text.startswith("📊 All types\nResponses: 4 · completed: 3 of 4 (75%)")
    # Striking: the top choice's share (tie: form order), then the widest spread of numbers.
    assert "1. District?: North — 3 of 4 (75%)" in text
    assert "2. What do you make?: Pottery — 3 of 4 (75%)" in text
    assert "3. Rate your market access: median 4 (range 2–5) · 3 answers" in text
    assert "district" not in text and "d1" not in text and "Sunita" not in text
    assert [c.label for c in screen.choices] == ["Questions", "Chart", "Split by gender",
                                                  "Split by role", "New round"]  # fmt: skip
    await cda_chat.say("2")  # typed numbers press the buttons too
    assert cda_chat.last[-1].media is not None and cda_chat.last[-1].media.kind == "photo"


async def test_first_screen_split_by_gender_and_by_role(cda_chat: ChatDriver, filled: Path) -> None:
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("Split by gender")
    text = cda_chat.text
    assert "All types — by gender" in text
    assert "Woman: responses 3 · completed 2 (67%)" in text
    assert "Man: responses 1 · completed 1 (100%)" in text
    # District North: a, d of the women (c chose South); b, the man.
    assert "   Woman: 2 of 3 (67%)\n   Man: 1 of 1 (100%)" in text
    assert text.index("Woman:") < text.index("Man:")  # the order people are offered
    assert "All together" in [c.label for m in cda_chat.last for c in m.choices]
    await cda_chat.tap("Split by role")
    text = cda_chat.text
    assert "Artisan: responses 2 · completed 1 (50%)" in text
    assert "MSME entrepreneur: responses 1 · completed 1 (100%)" in text
    assert "SHG member: responses 1 · completed 1 (100%)" in text
    # What do you make — pottery: a and c (artisans), b; not d (SHG member, weaving only).
    products = text[text.index("2. What do you make?") :]
    assert "Artisan: 2 of 2 (100%)" in products and "SHG member: 0 of 1 (0%)" in products
    # Rating: a 4, c 5 (artisans); b 2; d did not answer.
    rating = text[text.index("3. Rate your market access") :]
    assert "Artisan: median 4.5 (range 4–5) · 2 answers" in rating
    assert "SHG member" not in rating


# ---------------------------------------------------------------------------- questions ---
async def test_questions_are_paged_within_whatsapps_list(
    cda_chat: ChatDriver, filled: Path
) -> None:
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("Questions")
    assert "(page 1 of 3)" in cda_chat.text
    labels = [c.label for c in cda_chat.last[-1].choices]
    assert labels[:2] == ["1. Your name?", "2. Your age?"] and labels[-2:] == ["Next", "Summary"]
    assert len(labels) == 9 and "Previous" not in labels
    await cda_chat.tap("Next")
    labels = [c.label for c in cda_chat.last[-1].choices]
    assert "(page 2 of 3)" in cda_chat.text and labels[0] == "8. Working since?"
    assert labels[-3:] == ["Previous", "Next", "Summary"]
    await cda_chat.tap("Next")
    labels = [c.label for c in cda_chat.last[-1].choices]
    assert labels == ["15. Rate your market access", "16. How many workers?",
                      "17. Main material?", "Previous", "Summary"]  # fmt: skip
    await cda_chat.tap("Previous")
    assert "(page 2 of 3)" in cda_chat.text
    await cda_chat.say("thank you")  # words, not a button: the results screen is left
    assert not any(i.startswith("svr:") for i in cda_chat.choice_ids)
    await cda_chat.say("1")
    assert "Working since" not in cda_chat.text


async def test_a_question_in_the_readers_language_with_counts_and_shares(
    cda_chat: ChatDriver, db: Database, filled: Path
) -> None:
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.tap("Questions")
    await cda_chat.tap("4. District?")
    text = cda_chat.text
    assert text.startswith("4/17 District?\n4 answers")
    assert "• North: 3 (75%)\n• South: 1 (25%)" in text
    assert "d1" not in text and "district" not in text
    await cda_chat.tap("Split by gender")
    assert "Woman (3): North 2 (67%) · South 1 (33%)" in cda_chat.text
    assert "Man (1): North 1 (100%)" in cda_chat.text
    await _speak(db, "cda", "hi")
    await cda_chat.press(f"svr:q:{PRODUCTS}:a:{KEY}")
    text = cda_chat.text
    assert "आप क्या बनाते हैं?" in text and "What do you make" not in text
    assert "• मिट्टी के बर्तन: 3 (75%)\n• बुनाई: 2 (50%)" in text
    assert "pottery" not in text and "weaving" not in text
    await cda_chat.press(f"svr:q:{AGE}:a:{KEY}")
    assert "मध्य मान 37.5 (28 से 50 तक) · 4 जवाब" in cda_chat.text
    await cda_chat.press(f"svr:q:{AGE}:r:{KEY}")
    assert "कारीगर: मध्य मान 37.5 (34 से 41 तक) · 2 जवाब" in cda_chat.text


async def test_free_text_newest_first_for_the_cda(cda_chat: ChatDriver, filled: Path) -> None:
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.press(f"svr:q:{NAME}:a:{KEY}")
    text = cda_chat.text
    assert "Latest answers:\n• Meena\n• Lakshmi\n• Ravi\n• Sunita" in text
    await cda_chat.press(f"svr:q:{NAME}:g:{KEY}")  # split: counts, never the words
    assert "Woman: 3 answers" in cda_chat.text and "Meena" not in cda_chat.text


async def test_voice_answers_are_sent_to_listen_to(cda_chat: ChatDriver, filled: Path) -> None:
    await cda_chat.say(f"/results {KEY}")
    await cda_chat.press(f"svr:q:{VOICE}:a:{KEY}")
    assert "Voice answers: 1." in cda_chat.text
    await cda_chat.tap("Voice answers")
    audio = cda_chat.last[0].media
    assert audio is not None and audio.kind == "audio" and audio.data == b"OggS voice of a"
    assert "Voice answer 1 of 1" in cda_chat.last[0].text
    assert cda_chat.last[-1].choices  # and the way back
    await cda_chat.press(f"svr:q:{MATERIAL}:a:{KEY}")  # a text question answered aloud
    text = cda_chat.text
    assert "• Clay" in text and "Voice answers: 1." in text and "material_b" not in text
    await cda_chat.tap("Voice answers")
    audio = cda_chat.last[0].media
    assert audio is not None and audio.kind == "audio" and audio.data == b"OggS material of b"


async def test_observers_never_see_free_text_nor_voice_notes(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, filled: Path
) -> None:
    await db.write(lambda conn: admins.add(conn, "test", "obs", one_cluster.id, "observer", "x"))
    observer = ChatDriver(engine, user_id="obs")
    seen = []
    for step in ("/results", f"/results {KEY}"):
        seen.append((await observer.say(step))[-1].text)
    for press in (f"svr:q:{NAME}:a:{KEY}", f"svr:v:{VOICE}:{KEY}", f"svr:s:a:{KEY}"):
        seen += [m.text for m in await observer.press(press)]
        assert all(m.media is None for m in observer.last)
    assert not any(n in t for t in seen for n in ("Sunita", "Meena", "Ravi", "📊", "Woman"))


# ------------------------------------------------------------------------------ limits ---
async def _screens(chat: ChatDriver) -> list[Outbound]:
    out = list(await chat.say(f"/results {KEY}"))
    for press in (f"svr:s:g:{KEY}", f"svr:s:r:{KEY}", f"svr:l:0:{KEY}", f"svr:l:1:{KEY}",
                  f"svr:l:2:{KEY}", f"svr:q:{DISTRICT}:a:{KEY}", f"svr:q:{DISTRICT}:r:{KEY}",
                  f"svr:q:{NAME}:a:{KEY}", f"svr:q:{VOICE}:a:{KEY}", f"svr:q:{RATING}:g:{KEY}",
                  f"svr:c:{KEY}"):  # fmt: skip
        out += await chat.press(press)
    return out


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_every_button_and_row_fits_whatsapp_and_telegram(
    language: str, cda_chat: ChatDriver, db: Database, filled: Path
) -> None:
    await cda_chat.say("/help")
    await _speak(db, "cda", language)
    screens = await _screens(cda_chat)
    assert len(screens) >= 12
    for message in screens:
        assert len(message.text) <= TELEGRAM_MAX_TEXT
        assert len(message.choices) <= WHATSAPP_MAX_LIST_ROWS
        navigation = [c.label for c in message.choices if not c.label[0].isdigit()]
        # Our own words are never shortened, even as reply buttons (the narrowest).
        assert all(wa_len(label) <= WHATSAPP_MAX_BUTTON_TITLE for label in navigation), navigation
        for request in render(message, Words()):
            interactive = request.body.get("interactive")
            if interactive is None:
                continue
            action = interactive["action"]
            for button in action.get("buttons", []):
                assert wa_len(button["reply"]["title"]) <= WHATSAPP_MAX_BUTTON_TITLE
            rows = [row for section in action.get("sections", []) for row in section["rows"]]
            assert all(wa_len(row["title"]) <= WHATSAPP_MAX_ROW_TITLE for row in rows)
        if message.choices:  # a list or buttons, never the numbered-text fallback
            assert any("interactive" in r.body for r in render(message, Words()))


async def test_the_longest_survey_key_fits_every_button(
    cda_chat: ChatDriver, db: Database, one_cluster: clusters.Cluster, tmp_path: Path
) -> None:
    key = "cluster_diagnostic_of_the_handloom_weavers_of_pochampally_2026"
    text = (FORMS / "all_types.md").read_text(encoding="utf-8").replace("all_types", key)
    (tmp_path / "long.md").write_text(text, encoding="utf-8")
    survey, _ = await db.write(lambda conn: store.import_form(
        conn, load_form(tmp_path / "long.md").form, now="x"))  # fmt: skip
    assert len(survey.key) == 40  # the loader's longest key
    await cda_chat.say(f"/results {survey.key}")  # the driver checks every id's 64 bytes
    await cda_chat.tap("Questions")
    await cda_chat.tap("Next")
    await cda_chat.tap("Next")
    await cda_chat.tap("17. Main material?")
    assert "17/17 Main material?" in cda_chat.text and "No answers yet." in cda_chat.text
    await cda_chat.tap("Split by role")
    assert max(len(c.id.encode()) for c in cda_chat.last[-1].choices) <= 64


def test_long_answers_stay_within_telegrams_limit() -> None:
    survey = store.Survey(1, KEY, "3", "All types", None, None, "open", ("en",), 17, "x", "x", "x")
    form = load_form(FORMS / "all_types.md").form
    r = QuestionResult(next(q for _, q in form.walk() if q.name == "name"), answered=5)
    r.texts = ["लंबा जवाब " * 400] * 5
    whole = Results(survey, responses=5, completed=5, questions=[r])
    text = view.question_text(Translator("hi"), whole, "name", show_text=True, position="1/1")
    assert len(text) <= TELEGRAM_MAX_TEXT and text.count("•") == 5
    assert view.fit("x\n" * 5000).endswith("…") and len(view.fit("x\n" * 5000)) <= 4096
    assert striking(whole) == []  # free text is never "striking"
