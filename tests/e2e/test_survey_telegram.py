"""A survey end to end over the real python-telegram-bot against the Bot API stand-in
(SPEC §4 survey import/export, §5 /survey /results /export, §6, §8 crash safety):

an M&E officer imports a Hindi/English XLSForm (.xlsx) with skip logic and constraints;
an artisan answers it by chat in Hindi, wrong answers included; the bot is killed with
SIGKILL twice mid-survey (once between two taps of a multi-select) and restarted; the
CDA gets /results and the /export workbook; the CLI export matches the answers given.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Literal

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.config import Settings
from bot.storage.db import connect_sync
from tests.e2e.harness import BotProcess, bot_settings, wait_until
from tests.e2e.test_telegram_onboarding import last_keyboard, onboard, seed_cluster, texts, turn
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e
USER, CDA = 5101, 7107

SURVEY = [
    ("type", "name", "label::English (en)", "label::Hindi (hi)", "required", "relevant",
     "constraint", "constraint_message::English (en)", "constraint_message::Hindi (hi)"),
    ("select_one craft", "craft", "What do you make?", "आप क्या बनाते हैं?", "yes"),
    ("integer", "workers", "How many people work with you?", "आपके साथ कितने लोग काम करते हैं?",
     "yes", "", ". >= 1 and . <= 50", "Between 1 and 50", "1 से 50 के बीच बताइए"),
    ("integer", "women", "How many of them are women?", "इनमें से कितनी महिलाएँ हैं?", "yes",
     "${workers} > 1", ". <= ${workers}", "Not more than ${workers}",
     "${workers} से ज़्यादा नहीं हो सकतीं"),
    ("select_multiple market", "markets", "Where do you sell?", "आप कहाँ बेचते हैं?", "yes"),
    ("integer", "export_share", "What share is exported (%)?", "कितने प्रतिशत निर्यात होता है?",
     "yes", "selected(${markets}, 'export')", ". >= 0 and . <= 100", "0 to 100", "0 से 100"),
    ("date", "since", "Since when do you work?", "आप कब से काम कर रहे हैं?"),
    ("begin repeat", "product", "Product", "उत्पाद"),
    ("text", "pname", "Name of the product?", "उत्पाद का नाम?", "yes"),
    ("end repeat", ""),
    ("image", "photo", "Photo of your work", "अपने काम की फ़ोटो"),
]  # fmt: skip
CHOICES = [
    ("list_name", "name", "label::English (en)", "label::Hindi (hi)"),
    ("craft", "pottery", "Pottery", "मिट्टी के बर्तन"),
    ("craft", "textiles", "Textiles", "कपड़ा"),
    ("market", "local", "Local market", "स्थानीय बाज़ार"),
    ("market", "cities", "Big cities", "बड़े शहर"),
    ("market", "export", "Export", "निर्यात"),
]


def write_xlsform(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in SURVEY:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in CHOICES:
        choices.append(list(row))
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Artisan survey", "artisan", "1", "English (en)"])
    book.save(path)


def import_form(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    form = tmp_path / "artisan.xlsx"
    write_xlsform(form)
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    monkeypatch.delenv("CLUSTERBOT_TELEGRAM_TOKEN", raising=False)
    assert main(["survey", "import", str(form)]) == 0


async def press(
    fake: FakeTelegram, label: str, expect: Literal["reply", "edit"] = "reply"
) -> list[SentMessage]:
    return await turn(fake, USER, lambda: fake.press(USER, label), expect=expect)


async def say(fake: FakeTelegram, text: str) -> str:
    return texts(await turn(fake, USER, lambda: fake.push_text(USER, text)))


async def restart(bot: BotProcess, fake: FakeTelegram) -> None:
    bot.kill9()
    bot.start()
    await bot.wait_until_polling(fake)


async def test_survey_in_hindi_with_kill_9_results_and_export(
    fake: FakeTelegram, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_cluster(settings.db, "BAGRU")
    import_form(settings, tmp_path, monkeypatch)
    bot = BotProcess(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"})), tmp_path)
    bot.start()
    try:
        await bot.wait_until_polling(fake)
        await onboard(fake, USER, "हिन्दी")
        listing = await turn(fake, USER, lambda: fake.push_text(USER, "/survey"))
        assert listing[-1].buttons == ["Artisan survey"]
        first = texts(await press(fake, "Artisan survey"))
        assert "आप क्या बनाते हैं?" in first and "/back" in first
        assert await say(fake, "कपड़ा")  # a typed label counts like the button
        wrong = await say(fake, "बहुत सारे")
        assert "पूरी संख्या" in wrong  # "send a whole number", in Hindi
        assert "1 से 50 के बीच बताइए" in await say(fake, "80")  # the form's own message
        assert "कितनी महिलाएँ" in await say(fake, "६")  # Devanagari digits
        assert "6 से ज़्यादा नहीं हो सकतीं" in await say(fake, "9")
        markets = await say(fake, "4")
        assert "आप कहाँ बेचते हैं?" in markets
        edits = len(fake.edits)
        await press(fake, "स्थानीय बाज़ार", expect="edit")  # a tick edits the question
        assert len(fake.edits) == edits + 1 and "✓ स्थानीय बाज़ार" in str(fake.edits[-1])
        await restart(bot, fake)  # killed between two ticks: the first tick is kept
        await press(fake, "निर्यात", expect="edit")
        assert "✓ निर्यात" in str(fake.edits[-1]) and "✓ स्थानीय बाज़ार" in str(fake.edits[-1])
        share = texts(await press(fake, "पूरा हुआ"))
        assert "कितने प्रतिशत निर्यात" in share  # relevant because export was ticked
        bot.kill9()
        fake.push_text(USER, "30")  # typed while the bot is down: waits at the server
        bot.start()
        await bot.wait_until_polling(fake)
        await wait_until(  # the first turn of a fresh process may be slow: wait for its reply
            lambda: "आप कब से काम कर रहे हैं?" in (fake.messages_to(USER)[-1].text or ""),
            20,
            "the answer typed while the bot was down to be handled",
        )
        await fake.wait_idle(quiet=0.3)
        assert "✓ 5 मार्च 2019" in await say(fake, "5 मार्च 2019")
        assert "उत्पाद 1" in texts(fake.messages_to(USER)[-1:])
        assert "एक और जोड़ें" in await say(fake, "दुपट्टा")
        await turn(fake, USER, lambda: fake.push_callback(
            USER, last_keyboard(fake, USER), fake.messages_to(USER)[-1].reply_markup[  # type: ignore[index]
                "inline_keyboard"][0][0]["callback_data"]))  # "हाँ, जोड़ें"  # fmt: skip
        await say(fake, "साड़ी")
        photo_question = texts(await press(fake, "नहीं, आगे बढ़ें"))
        assert "फ़ोटो" in photo_question
        assert "फ़ोटो भेजें" in await say(fake, "बाद में")
        done = texts(await turn(fake, USER, lambda: fake.push_photo(USER)))
        assert "धन्यवाद" in done
        # Charts and workbooks are built after the turn: wait for the messages themselves.
        fake.push_text(CDA, "/results artisan")
        results = await fake.wait_for(CDA, 1, timeout=60)
        assert "Responses: 1 · completed: 1 of 1 (100%)" in texts(results)
        # The first screen is text; the chart comes when the CDA asks for it.
        fake.push_callback(CDA, last_keyboard(fake, CDA), "svr:c:artisan")
        (chart,) = await fake.wait_for(CDA, 1, timeout=60)
        assert chart.method == "sendPhoto"
        fake.push_text(CDA, "/export artisan")
        (document,) = await fake.wait_for(CDA, 1, timeout=60)
        assert document.method == "sendDocument"
        assert document.file_name == "artisan.xlsx" and document.file
        book = load_workbook(io.BytesIO(document.file), read_only=True)
        main_rows = list(book["survey"].iter_rows(values_only=True))
        row = dict(zip(main_rows[0], main_rows[1], strict=True))
        shown = (row["craft"], row["workers"], row["women"], row["markets"])
        assert shown == ("textiles", 6, 4, "local export")  # numbers as numbers
        assert [r[2] for r in list(book["product"].iter_rows(values_only=True))[1:]] == [
            "दुपट्टा", "साड़ी"]  # fmt: skip
    finally:
        bot.stop()
    out = tmp_path / "artisan.csv"
    assert main(["survey", "export", "artisan", "--format", "csv", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as f:
        (row,) = list(csv.DictReader(f))
    given = {
        "craft": "textiles", "workers": "6", "women": "4", "markets": "local export",
        "export_share": "30", "since": "2019-03-05",
    }  # fmt: skip
    assert {k: row[k] for k in given} == given
    assert (row["role"], row["cluster"], row["gender"], row["status"]) == (
        "artisan", "BAGRU", "female", "completed")  # fmt: skip
    assert Path(row["photo"]).is_file()  # the photo was fetched from Telegram and kept
    with (tmp_path / "artisan_product.csv").open(encoding="utf-8-sig") as f:
        assert [r["pname"] for r in csv.DictReader(f)] == ["दुपट्टा", "साड़ी"]
    conn = connect_sync(settings.db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
