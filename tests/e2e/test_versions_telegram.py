"""Language versions of CDA content end to end over python-telegram-bot against the Bot API
stand-in (issue 17): a CDA plans a meeting by chat with a Telugu version of its title and
place; the Telugu-speaking member's invitation and reminder carry the Telugu text, the
English member's the original; an activity with a Hindi title reads in Hindi in the action
plan of a Hindi-speaking CDA."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import utc_now
from bot.config import Settings
from bot.i18n import native_name, translator
from bot.jobs.reminders import REMINDER_TEXT
from tests.e2e.harness import (
    bot_settings,
    bring_event_forward,
    known_chats,
    running_bot,
    wait_until,
)
from tests.e2e.test_broadcast_telegram import seed
from tests.e2e.test_events_telegram import IST, meeting_start, said
from tests.e2e.test_telegram_onboarding import last_keyboard, texts, turn
from tests.fakes.telegram_api import FakeTelegram
from tests.outbox_helpers import Person

pytestmark = pytest.mark.e2e
CDA, CDA_HI = 7007, 7008
RAVI, ASHA = 41001, 41002  # Telugu, English
TITLE_TE = "ఉమ్మడి సౌకర్య కేంద్రం: స్థల ఎంపిక"
PLACE_TE = "పంచాయతీ భవనం, బగ్రూ"
TITLE_HI = "साझा रंग जाँच प्रयोगशाला"
# How a Telugu reminder begins, whatever the catalogue's wording.
REMINDED_TE = translator("te")(REMINDER_TEXT["meeting"]).split("{title}")[0]


@pytest.mark.timeout(180)
async def test_each_reader_gets_their_language_of_a_meeting_and_an_activity(
    fake: FakeTelegram, settings: Settings
) -> None:
    seed(
        settings.db,
        [
            Person("Ravi", user_id=str(RAVI), channel="telegram", language="te"),
            Person("Asha", user_id=str(ASHA), channel="telegram"),
            Person("Meena", user_id=str(CDA_HI), channel="telegram", language="hi",
                   role="government"),
        ],
    )  # fmt: skip
    known_chats(fake, [RAVI, ASHA, CDA_HI])
    admins = frozenset({f"telegram:{CDA}", f"telegram:{CDA_HI}"})
    async with running_bot(bot_settings(settings, fake, admins=admins)):
        offset = timedelta(minutes=2)
        starts = meeting_start(offset, lead=timedelta(seconds=25))
        typed = starts.astimezone(IST).strftime("%d-%m-%Y %H:%M")
        for text in ("/newmeeting", "Common facility centre: site selection", typed,
                     "Panchayat bhawan, Bagru"):  # fmt: skip
            await turn(fake, CDA, lambda text=text: fake.push_text(CDA, text))
        await turn(fake, CDA, lambda: fake.press(CDA, "Whole cluster"))
        await turn(fake, CDA, lambda: fake.push_text(CDA, "2 minutes"))
        await turn(fake, CDA, lambda: fake.press(CDA, "Add a language"))
        await turn(fake, CDA, lambda: fake.press(CDA, native_name("te")))
        await turn(fake, CDA, lambda: fake.push_text(CDA, TITLE_TE))
        preview = await turn(fake, CDA, lambda: fake.push_text(CDA, PLACE_TE))
        assert TITLE_TE in texts(preview) and PLACE_TE in texts(preview)
        done = await turn(fake, CDA, lambda: fake.press(CDA, "Yes, invite them"))
        assert "invitations" in texts(done), texts(done)

        await wait_until(
            lambda: said(fake, RAVI, TITLE_TE) and said(fake, ASHA, "You are invited"),
            15,
            "the invitations",
        )
        assert said(fake, RAVI, PLACE_TE) and not said(fake, RAVI, "site selection")
        assert said(fake, ASHA, "Common facility centre: site selection")
        assert said(fake, ASHA, "Panchayat bhawan, Bagru") and not said(fake, ASHA, TITLE_TE)
        for uid in (RAVI, ASHA):
            fake.push_callback(uid, last_keyboard(fake, uid), "rsvp:1:y")
        # Due in seconds rather than at the typed time's minute boundary; the next turn
        # makes the running scheduler re-read its table (as after any turn).
        due = bring_event_forward(settings.db, 1, offset, due_in=timedelta(seconds=10))

        # The Hindi CDA's action plan while the reminder is on its way.
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/activity"))
        await turn(fake, CDA, lambda: fake.press(CDA, "Add an activity"))
        await turn(fake, CDA, lambda: fake.push_text(CDA, "Common dye-testing lab"))
        await turn(fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA),
                                                         "ac:cat:pilot"))  # fmt: skip
        for _skipped in range(4):
            await turn(fake, CDA, lambda: fake.press(CDA, "Skip"))
        for amount in ("0", "0", "0"):
            await turn(fake, CDA, lambda amount=amount: fake.push_text(CDA, amount))
        await turn(fake, CDA, lambda: fake.press(CDA, "Add a language"))
        await turn(fake, CDA, lambda: fake.press(CDA, native_name("hi")))
        await turn(fake, CDA, lambda: fake.push_text(CDA, TITLE_HI))
        saved = await turn(fake, CDA, lambda: fake.press(CDA, "Save"))
        assert "Common dye-testing lab" in texts(saved) and TITLE_HI not in texts(saved)
        await turn(fake, CDA_HI, lambda: fake.push_text(CDA_HI, "/activity"))
        plan = await turn(
            fake,
            CDA_HI,
            lambda: fake.push_callback(CDA_HI, last_keyboard(fake, CDA_HI), "ac:show:all"),
        )
        assert TITLE_HI in texts(plan) and "Common dye-testing lab" not in texts(plan)

        await wait_until(
            lambda: said(fake, RAVI, REMINDED_TE) and said(fake, ASHA, "Reminder:"),
            (due - utc_now()).total_seconds() + 30,
            "the reminders",
        )
    reminder_te = [m.text or "" for m in fake.messages_to(RAVI) if REMINDED_TE in (m.text or "")]
    assert len(reminder_te) == 1
    assert TITLE_TE in reminder_te[0] and PLACE_TE in reminder_te[0]
    assert "site selection" not in reminder_te[0]
    reminder_en = [m.text or "" for m in fake.messages_to(ASHA) if "Reminder:" in (m.text or "")]
    assert len(reminder_en) == 1 and "Common facility centre: site selection" in reminder_en[0]
