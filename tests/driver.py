"""A chat driver for handler tests: sends Inbounds through the engine like a channel would,
and checks every reply against the platform limits (SPEC: limits are part of the spec)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.engine import Engine
from bot.limits import TELEGRAM_MAX_CALLBACK_DATA
from bot.messages import Choice, Inbound, InboundKind, Outbound

CHANNEL = "test"


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def check_limits(message: Outbound) -> None:
    for choice in message.choices:
        data = choice.id.encode()
        assert data and len(data) <= TELEGRAM_MAX_CALLBACK_DATA, choice.id
        assert choice.id.isascii(), choice.id
        assert choice.label.strip(), f"empty label for {choice.id}"
    assert message.text.strip() or message.media is not None, "empty message text"


@dataclass
class ChatDriver:
    engine: Engine
    user_id: str
    profile_name: str = ""
    language_code: str = ""
    last: list[Outbound] = field(default_factory=list)
    updates: int = 0

    async def _send(self, **kw: object) -> list[Outbound]:
        self.updates += 1
        inbound = Inbound(
            channel=CHANNEL,
            user_id=self.user_id,
            chat_id=self.user_id,
            profile_name=self.profile_name,
            language_code=self.language_code,
            **kw,  # type: ignore[arg-type]
        )
        self.last = await self.engine.handle(inbound, update_key=f"{self.user_id}-{self.updates}")
        for message in self.last:
            check_limits(message)
        return self.last

    async def say(self, text: str) -> list[Outbound]:
        return await self._send(kind=InboundKind.TEXT, text=text)

    async def press(self, choice_id: str) -> list[Outbound]:
        return await self._send(kind=InboundKind.CHOICE, choice=choice_id)

    async def tap(self, label: str) -> list[Outbound]:
        """Press the button with this label in the latest replies."""
        choice = self.find(label)
        return await self.press(choice.id)

    def find(self, label: str) -> Choice:
        for message in reversed(self.last):
            for choice in message.choices:
                if choice.label == label:
                    return choice
        offered = [c.label for m in self.last for c in m.choices]
        raise AssertionError(f"no button {label!r}; offered: {offered}")

    async def share_contact(self, phone: str) -> list[Outbound]:
        return await self._send(kind=InboundKind.CONTACT, phone=phone)

    async def sticker(self) -> list[Outbound]:
        return await self._send(kind=InboundKind.OTHER)

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.last)

    @property
    def choice_ids(self) -> list[str]:
        return [c.id for m in self.last for c in m.choices]
