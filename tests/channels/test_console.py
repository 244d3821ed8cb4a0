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


def test_the_last_question_is_numbered_first_and_every_button_stays_pressable() -> None:
    # /events answers with two event cards: the last one asked (the visit) is 1-2, the
    # meeting above it 3-5, as the engine reads a typed number on every channel.
    received, out = _chat(["/events", "1", "3"], [[MENU], [MEETING, VISIT], [], []])
    assert "  1) Register\n" in out and "  3) Yes\n" in out and "  5) Calendar\n" in out
    register, yes = received[2], received[3]
    assert (register.kind, register.choice) == (InboundKind.CHOICE, "reg:2")
    assert (yes.kind, yes.choice) == (InboundKind.CHOICE, "rsvp:1:yes")


def test_a_reply_without_buttons_leaves_typed_numbers_as_text() -> None:
    """A question without buttons (seats in /newvisit, an answer typed in a survey) gets
    the number typed, not a press of a button from an older message."""
    done = Outbound("How many seats?")
    received, out = _chat(["4", "1", "/start", "1"], [[MEETING, VISIT], [done], [], [MENU], []])
    assert received[1].choice == "rsvp:1:no"
    assert (received[2].kind, received[2].text) == (InboundKind.TEXT, "1")
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
