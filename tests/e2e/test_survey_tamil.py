"""Issue 17 end to end, over the real python-telegram-bot against the Bot API stand-in: a
Tamil artisan of the Tiruppur knitwear cluster registers and answers the shipped core
diagnostic in Tamil, and the stored response holds the answers meant.

Her Telegram is set to Tamil, so the first screen already speaks Tamil; she still picks
தமிழ் there (it is offered in its own script). Every message she gets after that is in
Tamil. She answers as a basic-phone user would: a choice typed as its Tamil label instead
of pressed, the number of workers in Tamil digits (௫), a count with its unit word
(3 பேர்), the monthly sales as "2.5 லட்சம்", two ticks and “முடிந்தது” for the
multiple choice.
"""

from __future__ import annotations

import asyncio
import csv
import unicodedata
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.i18n import native_name, translator
from bot.storage.db import connect_sync
from tests.e2e.harness import BotProcess, bot_settings
from tests.e2e.test_telegram_onboarding import seed_cluster
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e
USER = 5401
ta = translator("ta")

# The core diagnostic's questions as the Tamil column of locales/forms/diagnostic.md words
# them (what the artisan must see), and the Tamil choice labels she answers with.
TITLE = "கிளஸ்டர் நிலை கணக்கெடுப்பு"
ENT_TYPE = "நீங்கள் எந்த வகையான தொழில் நடத்துகிறீர்கள்?"
MAIN_PRODUCT = "நீங்கள் முக்கியமாகச் செய்யும் அல்லது விற்கும் பொருள் எது?"
WORKERS = "தொழிலில் மொத்தம் எத்தனை பேர் வேலை செய்கிறார்கள்?"
WOMEN = "அவர்களில் எத்தனை பேர் பெண்கள்?"
HIRED = "அவர்களில் எத்தனை பேர் கூலிக்கு வைத்த தொழிலாளர்கள்"
SALES = "ஒரு சாதாரண மாதத்தில் சுமார் எத்தனை ரூபாய்க்கு விற்பனை செய்கிறீர்கள்?"
PROBLEM = "இன்று உங்கள் தொழிலுக்கு மிகப் பெரிய பிரச்சினை என்ன?"
TOGETHER = "இவற்றில் எவற்றில் மற்ற உறுப்பினர்களுடன் சேர்ந்து பங்கேற்பீர்கள்?"
WILL_PAY = "இந்தச் செயல்பாடுகளின் செலவில் ஒரு பகுதியை நீங்கள் ஏற்பீர்களா?"
HOME, RAW_MATERIAL = "வீட்டில் வேலை செய்பவர்", "மூலப்பொருள்"
VISIT, CFC, SMALL_SHARE = "கற்றல் பயணம்", "பொது வசதி மையம்", "ஒரு சிறு பங்கு"


def tamil(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("TAMIL") for ch in text)


async def answer(
    fake: FakeTelegram, action: Callable[[], object], *expected: str, timeout: float = 30.0
) -> list[SentMessage]:
    """Do `action`, then wait for the bot's answer to it: messages to the artisan, sent
    after the action, whose texts and buttons hold every one of `expected`."""
    before = len(fake.messages_to(USER))
    action()
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        new = fake.messages_to(USER)[before:]
        shown = "\n".join(f"{m.text or ''}\n{' | '.join(m.buttons)}" for m in new)
        if new and all(e in shown for e in expected):
            return new
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no answer with {expected!r} within {timeout}s; got {shown!r}")
        await asyncio.sleep(0.02)


def shown(messages: list[SentMessage]) -> str:
    return "\n".join(f"{m.text or ''}\n{' | '.join(m.buttons)}" for m in messages)


async def test_a_tamil_artisan_registers_and_answers_the_core_diagnostic_in_tamil(
    fake: FakeTelegram, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_cluster(settings.db, "TIRUPPUR")
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    monkeypatch.delenv("CLUSTERBOT_TELEGRAM_TOKEN", raising=False)
    assert main(["survey", "import", "diagnostic"]) == 0
    bot = BotProcess(bot_settings(settings, fake), tmp_path)
    bot.start()

    def press(label: str) -> Callable[[], object]:
        return partial(fake.press, USER, label)

    def say(text: str) -> Callable[[], object]:
        return partial(fake.push_text, USER, text)

    try:
        await bot.wait_until_polling(fake)
        # The first screen asks in every shipped language and offers தமிழ் in its own
        # script; her Telegram is in Tamil, so the bot speaks Tamil before she picks.
        (first,) = await answer(
            fake, lambda: fake.push_text(USER, "/start", first_name="Selvi", language_code="ta"),
            "உங்கள் மொழியைத் தேர்ந்தெடுங்கள்",
        )  # fmt: skip
        assert native_name("ta") == "தமிழ்" and "தமிழ்" in first.buttons
        picked_at = len(fake.messages_to(USER))

        # Registration, every screen in Tamil, with exact strings of the catalogue.
        consent = await answer(fake, press("தமிழ்"), "ஒப்புக்கொள்கிறேன்", "வேண்டாம், நன்றி")
        assert "பதிவு செய்யும் முன், தயவுசெய்து இதைப் படியுங்கள்." in shown(consent)
        assert "/privacy அனுப்புங்கள். நீங்கள் ஒப்புக்கொள்கிறீர்களா?" in shown(consent)
        await answer(fake, press("ஒப்புக்கொள்கிறேன்"), "உங்கள் பெயர் என்ன?")
        await answer(fake, say("செல்வி"), "கிளஸ்டரில் உங்கள் பணி என்ன?", "செய்பவர், விற்பவர்")
        await answer(fake, press("செய்பவர், விற்பவர்"), "இவற்றில் உங்கள் பணி எது?", "கைவினைஞர்")
        gender = await answer(fake, press("கைவினைஞர்"), "நீங்கள் பெண்ணா, ஆணா?")
        assert {"பெண்", "ஆண்"} <= set(gender[-1].buttons)
        await answer(fake, press("பெண்"), "நீங்கள் எந்த ஊரில் வசிக்கிறீர்கள்?", "தவிர்க்க")
        await answer(fake, say("திருப்பூர்"), "உங்கள் ஃபோன் எண்ணைப் பகிருங்கள்")
        await answer(  # registered, and the main menu in Tamil
            fake, lambda: fake.push_contact(USER, "+919843012345"),
            "நன்றி, செல்வி! உங்கள் பதிவு முடிந்தது.", "கணக்கெடுப்பில் பதில்",
        )  # fmt: skip

        # The core diagnostic, opened from /survey by its Tamil title.
        await answer(fake, say("/survey"), TITLE)
        intro = await answer(fake, press(TITLE), ENT_TYPE)
        assert "சுமார் 4 நிமிடங்கள் ஆகும்" in shown(intro)  # the form's intro note
        assert ta("Question {number} of {total}").split(" {total}")[0].format(number=1) in shown(
            intro
        )
        # A choice typed as its Tamil label counts like the button.
        await answer(fake, say(HOME), MAIN_PRODUCT, "உதாரணமாக: கைத்தறிச் சேலை")
        await answer(fake, say("பருத்தி பனியன்"), WORKERS)
        # Tamil digits, then a count with its unit word.
        await answer(fake, say("௫"), WOMEN)
        too_many = await answer(fake, say("9"), "விட அதிகமாக இருக்க முடியாது")
        assert "(5)" in shown(too_many)  # the form's own message, ${workers_total} filled in
        await answer(fake, say("3 பேர்"), HIRED)
        await answer(fake, say("2"), SALES, "2.5 லட்சம்")
        await answer(fake, say("2.5 லட்சம்"), PROBLEM, RAW_MATERIAL)
        await answer(fake, press(RAW_MATERIAL), TOGETHER, VISIT)
        # Two ticks, each redraws the question, then “முடிந்தது”.
        for label in (VISIT, CFC):
            edits = len(fake.edits)
            fake.press(USER, label)
            while len(fake.edits) == edits or f"✓ {label}" not in str(fake.edits[-1]):
                await asyncio.sleep(0.02)
        assert f"✓ {VISIT}" in str(fake.edits[-1])
        await answer(fake, press(ta.pgettext("action", "Done")), WILL_PAY, SMALL_SHARE)
        thanks = ta("Thank you! You have answered all the questions of “{title}”.")
        finished = await answer(  # the modules are offered after the core, in Tamil too
            fake, press(SMALL_SHARE), thanks.format(title=TITLE), "இன்னும் கொஞ்சம் சொல்வீர்களா?",
            "பொருட்கள், சந்தை", "இப்போது வேண்டாம்",
        )  # fmt: skip
        assert "நன்றி! கிளஸ்டர் செயல்பாடுகளைத் திட்டமிட உங்கள் பதில்கள் உதவும்." in shown(finished)

        # Every screen after she picked Tamil was in Tamil.
        for message in fake.messages_to(USER)[picked_at:]:
            assert tamil(message.text or ""), message.text
            assert all(tamil(b) or b.isascii() for b in message.buttons), message.buttons
    finally:
        bot.stop()

    # The stored response holds the answers meant, as the CDA's export shows them.
    out = tmp_path / "diagnostic.csv"
    assert main(["survey", "export", "diagnostic", "--format", "csv", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as f:
        (row,) = list(csv.DictReader(f))
    given = {
        "ent_type": "home", "main_product": "பருத்தி பனியன்", "workers_total": "5",
        "workers_women": "3", "workers_hired": "2", "women_share": "60",
        "size_class": "micro", "sales_month": "250000", "top_problem": "raw_material",
        "join_interest": "visit cfc", "will_pay": "small",
    }  # fmt: skip
    assert {k: row[k] for k in given} == given
    assert (row["language"], row["status"], row["role"], row["gender"], row["cluster"]) == (
        "ta", "completed", "artisan", "female", "TIRUPPUR")  # fmt: skip
    conn = connect_sync(settings.db)
    try:
        contact = conn.execute("SELECT name, language, place, status FROM contacts").fetchone()
        assert tuple(contact) == ("செல்வி", "ta", "திருப்பூர்", "registered")
    finally:
        conn.close()
