"""Every inbox screen (issue 15) renders within WhatsApp's limits in every catalogue we
ship complete (en, hi, te): the Graph API stand-in accepts each message; button screens
of up to three choices stay one-tap reply buttons (titles of at most 20 characters), and
list rows keep their whole title within 24."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp_render import render, wa_len
from bot.channels.whatsapp_send import words_for
from bot.engine import Engine
from bot.limits import WHATSAPP_MAX_BUTTON_TITLE, WHATSAPP_MAX_ROW_TITLE
from bot.messages import Outbound
from bot.storage.clusters import Cluster
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register
from tests.whatsapp.test_render import accepted, interactive


def check(language: str, messages: list[Outbound]) -> None:
    for message in messages:
        requests = render(message, words_for(language))
        assert set(accepted(requests)) <= {"text", "interactive", "image", "audio"}
        if message.choices and len(message.choices) <= 3:
            assert interactive(requests[-1]) == "button", [c.label for c in message.choices]
            assert all(wa_len(c.label) <= WHATSAPP_MAX_BUTTON_TITLE for c in message.choices)
        elif message.choices and len(message.choices) <= 10:
            assert interactive(requests[-1]) == "list"
            # Item buttons start with the reference: a row cut at 24 would still name it.
            fixed = [c for c in message.choices if not c.id.startswith("ib:o:")]
            assert all(wa_len(c.label) <= WHATSAPP_MAX_ROW_TITLE for c in fixed), [
                c.label for c in fixed
            ]


@pytest.mark.parametrize("language", ["en", "hi", "te"])
async def test_the_inbox_fits_whatsapp(
    engine: Engine, one_cluster: Cluster, language: str
) -> None:
    person = ChatDriver(engine, user_id="1001", profile_name="Sunita Devi")
    cda = ChatDriver(engine, user_id="cda", language_code=language)
    await register(person, language=f"lang:{language}")
    check(language, person.last)  # the main menu, with "Write to the CDA" and "My messages"
    for step in (
        person.say("/ask"),
        person.press("ask:k:complaint"),
        person.press("ask:a:anon"),
        person.say("The yard needs a roof " * 20),
        person.press("ask:send"),
        person.say("/mine"),
        cda.say("/inbox"),
        cda.press("ib:o:1"),
        cda.press("ib:t:1"),
        cda.press("ib:r:1"),
        cda.say("We will put up a roof before the monsoon."),
        cda.press("ib:p:1"),
        cda.press("ib:pb"),
        cda.press("ib:a:1"),
        cda.say("/deliveries"),
        cda.press("dlv:ibx"),
    ):
        await step
        check(language, person.last + cda.last)
