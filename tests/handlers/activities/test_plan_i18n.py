"""/activity in Hindi, and every /activity reply within the platform limits in every
shipped language (SPEC §7; Telegram 64-byte callback data and 4,096-character messages,
WhatsApp 20-character buttons and 24-character list rows)."""

from __future__ import annotations

import json

import pytest

from bot.channels.whatsapp_render import render, wa_len
from bot.channels.whatsapp_send import words_for
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES
from bot.limits import (
    TELEGRAM_MAX_TEXT,
    WHATSAPP_MAX_BUTTON_TITLE,
    WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_ROW_TITLE,
)
from bot.messages import Outbound
from bot.storage import activities
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.outbox_helpers import Person, seed_people
from tests.whatsapp.test_render import accepted


async def test_a_full_flow_in_hindi(engine: Engine, db: Database, one_cluster: Cluster) -> None:
    await db.write(lambda c: seed_people(c, one_cluster.id, [Person("Asha", language="hi")]))
    cda = ChatDriver(engine, user_id="cda", language_code="hi")
    await cda.say("/activity")
    assert "कार्य योजना" in cda.text and "अभी कोई गतिविधि नहीं है" in cda.text
    await cda.tap("गतिविधि जोड़ें")
    assert "शीर्षक" in cda.text
    await cda.say("प्राकृतिक रंग प्रशिक्षण")
    await cda.tap("क्षमता निर्माण")
    await cda.say("बगरू की महिला छपाई कारीगर")
    await cda.tap("छोड़ें")  # responsible
    await cda.say("5 दिसंबर 2026")
    assert "समझ गया" in cda.text
    await cda.say("१ दिसंबर २०२६")  # before the start
    assert "शुरुआत (5 दिस॰ 2026) से पहले नहीं" in cda.text
    await cda.say("7 दिसंबर 2026")
    await cda.say("पच्चीस हज़ार")  # words, not an amount
    assert "कृपया राशि रुपये में लिखें" in cda.text
    await cda.say("-100")
    assert "ऋणात्मक" in cda.text
    await cda.say("25,000")
    await cda.say("2 लाख")
    await cda.tap("कुछ नहीं (₹0)")
    summary = cda.text
    assert "नई गतिविधि: प्राकृतिक रंग प्रशिक्षण" in summary
    assert "श्रेणी: क्षमता निर्माण" in summary and "बजट: ₹2,25,000" in summary
    assert "ज़िम्मेदार: —" in summary
    await cda.tap("सहेजें")
    assert "स्थिति: योजना में" in cda.text
    await cda.tap("स्थिति बदलें: जारी")
    assert "स्थिति बदलकर जारी की गई" in cda.text
    await cda.tap("प्रगति नोट जोड़ें")
    await cda.say("प्रशिक्षक तय हो गए।")
    assert cda.last[0].text == "कार्य योजना: प्राकृतिक रंग प्रशिक्षण\nप्रशिक्षक तय हो गए।"
    assert "पूरे क्लस्टर को भेजता है। पाने वाले: 1" in cda.text
    await cda.tap("सहेजें और भेजें")
    assert "पाने वाले: 1।" in cda.text and "(/updates में)" in cda.text

    saved = await db.read(lambda c: activities.get(c, 1))
    assert saved is not None and saved.status == "ongoing"
    assert (saved.beneficiaries_paise, saved.agency_paise) == (2_500_000, 20_000_000)
    assert (saved.starts_on, saved.ends_on) == ("2026-12-05", "2026-12-07")
    texts = await db.read(lambda c: c.execute("SELECT texts FROM updates").fetchone()[0])
    assert json.loads(texts)["en"].startswith("Action plan: प्राकृतिक रंग प्रशिक्षण")


async def _tour(cda: ChatDriver, db: Database, cluster_id: int) -> list[Outbound]:
    """Every /activity screen and answer, bad input included; every reply collected."""
    seen: list[Outbound] = []

    def long_title(n: int) -> str:
        return f"{n} " + "ब्लॉक प्रिंटिंग " * 8

    await db.write(
        lambda c: [
            activities.add(
                c, cluster_id=cluster_id, by="t", now="2026-11-01", title=long_title(n)[:120],
                category="strategic", starts_on="2026-12-01", agency_paise=123_456_789_00,
            )
            for n in range(7)
        ]
    )  # fmt: skip
    steps: list[tuple[str, str]] = [
        ("say", "/activity"), ("press", "ac:show:all"), ("press", "ac:list:5"),
        ("press", "ac:open:7"), ("press", "ac:st:dropped"), ("press", "ac:note"),
        ("sticker", ""), ("say", "x" * 300), ("press", "ac:pub:yes"),
        ("press", "ac:note"), ("say", "note"), ("press", "ac:pub:no"), ("press", "ac:list:5"),
        ("press", "ac:add"), ("say", "x" * 120), ("say", "?"), ("press", "ac:cat:other"),
        ("press", "ac:skip"), ("say", "y" * 200), ("say", "kal"), ("say", "01-02-2027"),
        ("say", "01-01-2027"), ("press", "ac:skip"), ("say", "abc"), ("say", "-1"),
        ("say", "99999 crore"), ("press", "ac:zero"), ("say", "1"), ("say", "2"),
        ("press", "ac:save"), ("press", "ac:menu"), ("press", "ac:show:dropped"),
        ("press", "ac:menu"), ("press", "ac:add"), ("say", "t"),
        ("press", "ac:cat:pilot"), *[("say", "/skip")] * 4, ("press", "ac:zero"),
        ("press", "ac:zero"), ("press", "ac:zero"), ("press", "ac:drop"),
    ]  # fmt: skip
    for kind, arg in steps:
        if kind == "say":
            seen.extend(await cda.say(arg))
        elif kind == "press":
            seen.extend(await cda.press(arg))
        else:
            seen.extend(await cda.sticker())
    return seen


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_every_reply_fits_telegram_and_whatsapp(
    engine: Engine, db: Database, one_cluster: Cluster, language: str
) -> None:
    cda = ChatDriver(engine, user_id="cda", language_code=language)  # check_limits per reply
    seen = await _tour(cda, db, one_cluster.id)
    assert len(seen) > 40
    assert await db.read(lambda c: len(activities.in_cluster(c, one_cluster.id))) == 8
    words = words_for(language)
    for message in seen:
        assert len(message.text) <= TELEGRAM_MAX_TEXT
        accepted(render(message, words))  # the Graph API stand-in's rules
        titles = [c.label for c in message.choices]
        limit = (
            WHATSAPP_MAX_BUTTON_TITLE
            if len(titles) <= WHATSAPP_MAX_BUTTONS
            else WHATSAPP_MAX_ROW_TITLE
        )
        assert all(wa_len(t) <= limit for t in titles), (language, titles)
        assert len(set(titles)) == len(titles), titles
