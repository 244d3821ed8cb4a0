"""Terminal chat for `clusterbot demo` and `clusterbot chat`: the same conversations as on
Telegram, with buttons shown as numbered lines. Type the number to press one.

Every button shown since the last line typed has its own number (an `/events` list, an
invitation printed next to the main menu), as each has its own place on a phone. The
question a turn asks last is what a typed number answers on every channel (the engine's
`_numbered_choice`), so its buttons are 1, 2, … and the buttons of the messages above it
follow; a reply without buttons leaves none to press (a typed `1` is then text, as the
engine reads it). Buttons of a message printed between turns (an invitation) run on after
those on screen.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.messages import Choice, Inbound, InboundKind, Outbound, Request

CHANNEL = "console"
Handle = Callable[[Inbound], Awaitable[list[Outbound]]]
AfterTurn = Callable[[], Awaitable[object]]


def render(message: Outbound, first: int = 1) -> str:
    """One Outbound as terminal text, its buttons numbered from `first`."""
    lines = [message.text]
    for number, choice in enumerate(message.choices, start=first):
        mark = "✓ " if choice.id in message.selected else ""
        lines.append(f"  {number}) {mark}{choice.label}")
    if message.request is Request.CONTACT:
        lines.append("  [type your phone number]")
    elif message.request is Request.LOCATION:
        lines.append("  [type: latitude, longitude]")
    if message.request is not Request.NONE and message.skip_label:
        lines.append(f"  0) {message.skip_label}")
    if message.media is not None:
        lines.append(f"  [{message.media.kind}: {message.media.filename}]")
    return "\n".join(lines)


class ConsoleChat:
    """Reads lines from `stdin`, prints replies to `stdout`, one person (`user_id`)."""

    def __init__(
        self,
        handle: Handle,
        *,
        user_id: str = "demo",
        name: str = "",
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        media_dir: Path | None = None,
        after_turn: AfterTurn | None = None,
    ):
        self.handle = handle
        # Run after each turn's replies are shown: prints what the turn queued for this
        # person in the outbox (bot.channels.console_send), in order, before the prompt.
        self.after_turn = after_turn
        self.user_id = user_id
        self.name = name
        self.stdin = stdin
        self.stdout = stdout
        self.media_dir = media_dir
        self._choices: tuple[Choice, ...] = ()
        self._skip = ""
        self._at_prompt = False
        # True until the first buttons after a typed line: they renumber from 1.
        self._renumber = True

    def to_inbound(self, line: str) -> Inbound:
        """Typed numbers press the numbered buttons on screen."""
        text = line.strip()
        base = Inbound(
            channel=CHANNEL,
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=InboundKind.TEXT,
            text=text,
            profile_name=self.name,
        )
        if text.isdigit() and self._choices and 1 <= int(text) <= len(self._choices):
            choice = self._choices[int(text) - 1]
            return replace(base, kind=InboundKind.CHOICE, choice=choice.id)
        if text == "0" and self._skip:
            return replace(base, kind=InboundKind.TEXT, text=self._skip)
        lat_lon = _lat_lon(text)
        if lat_lon and not self._choices:
            return replace(
                base, kind=InboundKind.LOCATION, latitude=lat_lon[0], longitude=lat_lon[1]
            )
        return replace(base, kind=InboundKind.TEXT, text=text)

    def show(self, messages: list[Outbound], *, turn: bool = False) -> None:
        """Print messages; `turn`: they are one turn's replies (see the module docstring)."""
        firsts = self._number(messages, turn)
        for message, first in zip(messages, firsts, strict=True):
            self.stdout.write("\n" + render(message, first) + "\n")
            if message.media is not None and self.media_dir is not None:
                self.media_dir.mkdir(parents=True, exist_ok=True)
                (self.media_dir / message.media.filename).write_bytes(message.media.data)
        self.stdout.flush()

    def _number(self, messages: list[Outbound], turn: bool) -> list[int]:
        """The first number of each message's buttons; updates what typed numbers press."""
        asks = [i for i, m in enumerate(messages) if m.choices or m.request is not Request.NONE]
        if self._renumber and (asks or (turn and messages)):
            self._choices, self._skip, self._renumber = (), "", False
        if not asks:
            return [1] * len(messages)
        # Earlier messages' buttons stay pressable (the engine answers a stale one as
        # Telegram does), so an invitation above the menu can be answered.
        order = [asks[-1], *asks[:-1]] if turn and not self._choices else asks
        firsts = [1] * len(messages)
        for i in order:
            firsts[i] = len(self._choices) + 1
            self._choices += messages[i].choices
        self._skip = messages[asks[-1]].skip_label
        return firsts

    def notify(self, message: Outbound) -> None:
        """A message the bot started (broadcast, invitation, reminder), shown between turns;
        its buttons are pressed by number like any other."""
        self.show([message])
        if self._at_prompt:
            self.stdout.write("> ")
            self.stdout.flush()

    async def _turn(self, line: str) -> None:
        self.show(await self.handle(self.to_inbound(line)), turn=True)
        if self.after_turn is not None:
            await self.after_turn()

    async def run(self, first: str = "/start") -> None:
        self.stdout.write("(console chat — type /quit to leave)\n")
        await self._turn(first)
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            self._at_prompt = True
            line = await asyncio.to_thread(self.stdin.readline)
            self._at_prompt = False
            if not line or line.strip() in ("/quit", "/exit"):
                self.stdout.write("\n")
                return
            if not line.strip():
                continue
            self._renumber = True  # this line presses what is on screen; new buttons restart
            await self._turn(line)


def _lat_lon(text: str) -> tuple[float, float] | None:
    parts = text.replace(";", ",").split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None
