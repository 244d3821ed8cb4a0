"""The console numbers every button on screen, so none is out of reach (SPEC §2 console)."""

from __future__ import annotations

import asyncio
import io

from bot.channels.console import ConsoleChat
from bot.messages import Choice, Inbound, InboundKind, Outbound

MEETING = Outbound(
    "Natural dyes workshop",
    (Choice("rsvp:1:yes", "Yes"), Choice("rsvp:1:no", "No"), Choice("ics:1", "Calendar")),
)
VISIT = Outbound("Sanganer visit", (Choice("reg:2", "Register"), Choice("ics:2", "Calendar")))
MENU = Outbound("What would you like to do?", (Choice("menu:survey", "Answer a survey"),))


def _chat(lines: list[str], replies: list[list[Outbound]]) -> tuple[list[Inbound], str]:
    """Runs the console on typed `lines`; each turn answers with the next of `replies`."""
    received: list[Inbound] = []
    answers = iter(replies)

    async def handle(inbound: Inbound) -> list[Outbound]:
        received.append(inbound)
        return next(answers, [])

    out = io.StringIO()
    chat = ConsoleChat(handle, stdin=io.StringIO("".join(f"{x}\n" for x in lines)), stdout=out)
    asyncio.run(chat.run())
    return received, out.getvalue()


def test_buttons_of_several_messages_are_numbered_on_and_all_pressable() -> None:
    # /events answers with two event cards: the meeting's buttons are 1-3, the visit's 4-5.
    received, out = _chat(["/events", "1", "4"], [[MENU], [MEETING, VISIT], [], []])
    assert "  1) Yes\n" in out and "  4) Register\n" in out and "  5) Calendar\n" in out
    yes, register = received[2], received[3]
    assert (yes.kind, yes.choice) == (InboundKind.CHOICE, "rsvp:1:yes")
    assert (register.kind, register.choice) == (InboundKind.CHOICE, "reg:2")


def test_numbers_restart_after_a_typed_line_and_stay_on_a_reply_without_buttons() -> None:
    done = Outbound("Thank you")
    received, out = _chat(["2", "1", "/start", "1"], [[MEETING, VISIT], [done], [], [MENU], []])
    # "2" pressed No; the reply had no buttons, so "1" still presses the meeting's Yes.
    assert [r.choice for r in received[1:3]] == ["rsvp:1:no", "rsvp:1:yes"]
    # After another typed line the menu is numbered from 1 again.
    assert received[4].choice == "menu:survey"
    assert out.rstrip().count("1) Answer a survey") == 1


def test_a_message_printed_before_the_first_reply_keeps_its_numbers() -> None:
    """An invitation the outbox printed at start stays 1-3; the /start menu follows as 4."""

    async def run() -> list[Inbound]:
        received: list[Inbound] = []

        async def handle(inbound: Inbound) -> list[Outbound]:
            received.append(inbound)
            return [MENU] if inbound.text == "/start" else []

        chat = ConsoleChat(handle, stdin=io.StringIO("1\n4\n"), stdout=io.StringIO())
        chat.notify(MEETING)
        await chat.run()
        return received

    received = asyncio.run(run())
    assert [r.choice for r in received[1:]] == ["rsvp:1:yes", "menu:survey"]
