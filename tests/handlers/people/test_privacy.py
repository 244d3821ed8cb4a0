"""The privacy notice (DPDP Act 2023; SPEC §9 /privacy): the consent message and /privacy
say who collects, what is kept, why, who sees it, how long, the rights, the grievance
contact and the Data Protection Board, in every language and within the platforms' limits."""

from __future__ import annotations

import dataclasses

import pytest

from bot.channels.whatsapp_render import render
from bot.channels.whatsapp_send import words_for
from bot.config import Settings
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.limits import TELEGRAM_MAX_TEXT
from handlers.people import privacy_notice
from tests.driver import ChatDriver
from tests.whatsapp.test_render import accepted

LONGEST = dataclasses.replace(
    Settings(),
    organisation="O" * 119 + "!",  # CLUSTERBOT_ORGANISATION at its longest
    grievance_contact="G" * 119 + "!",
    retention_days=1095,
)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_notice_says_everything_in_every_language(
    engine: Engine, one_cluster, language: str
) -> None:
    engine.settings = LONGEST
    _ = translator(language)
    chat = ChatDriver(engine, user_id="1001")
    await chat.say("/start")
    await chat.press(f"lang:{language}")
    [consent] = chat.last
    await chat.say("/privacy")
    [notice] = chat.last
    for message in (consent, notice):
        text = message.text
        assert len(text) <= TELEGRAM_MAX_TEXT  # one Telegram message (BMP: 1 unit a char)
        assert accepted(render(message, words_for(language)))  # WhatsApp takes every part
        assert LONGEST.organisation in text and LONGEST.grievance_contact in text
        assert "/profile" in text and "/forget" in text
        assert _("{count} years").format(count="3") in text
        for paragraph in privacy_notice.PARAGRAPHS:  # who, what, why, who sees, how long, rights
            first_words = _(paragraph).split("{")[0][:20]
            assert first_words in text
            assert language == "en" or _(paragraph) != paragraph  # really translated
    english = privacy_notice.notice(translator("en"), LONGEST)
    named = ("photos", "voice notes", "location", "money and income", "CDA", "totals")
    named += ("Telegram or WhatsApp", "withdraw your consent", "Data Protection Board")
    for item in named:
        assert item in english


async def test_without_a_grievance_contact_people_are_told_their_cda(
    chat: ChatDriver, one_cluster
) -> None:
    await chat.say("/privacy")
    assert "Complain to your CDA." in chat.text
    assert "the cluster programme" in chat.text  # CLUSTERBOT_ORGANISATION's default


async def test_privacy_any_time_and_mid_onboarding(chat: ChatDriver, one_cluster) -> None:
    await chat.say("/start")
    await chat.press("lang:hi")
    await chat.say("/privacy")  # before consent: shown, and the question still waits
    assert "/forget" in chat.text and translator("hi")("How your data is used") in chat.text
    await chat.press("consent:yes")
    assert chat.choice_ids == ["name:profile"]  # onboarding went on where it was


def test_the_period_is_in_years_when_it_is_whole_years() -> None:
    _ = translator("en")
    assert privacy_notice.period(_, 1095) == "3 years"
    assert privacy_notice.period(_, 365) == "365 days"
    assert privacy_notice.period(_, 90) == "90 days"
