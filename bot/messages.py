"""Inbound / Outbound: what the engine, the handlers and every channel share.

A channel turns a platform update into an `Inbound`, the engine returns `Outbound`s and
the channel renders them. Nothing here knows about Telegram or WhatsApp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class InboundKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # a button press or a picked list row / numbered option
    CONTACT = "contact"  # a shared phone number
    LOCATION = "location"
    PHOTO = "photo"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    OTHER = "other"  # sticker, poll, anything we do not take as an answer


@dataclass(frozen=True)
class Inbound:
    """One thing a person sent.

    `user_id` is the platform identity (Telegram user id, WhatsApp business-scoped id or
    phone); `chat_id` is where replies go. `choice` is the id of a pressed button.
    """

    channel: str
    user_id: str
    chat_id: str
    kind: InboundKind
    text: str = ""
    choice: str = ""
    phone: str = ""
    latitude: float | None = None
    longitude: float | None = None
    media_ref: str = ""  # platform file id; the channel may fetch it later
    media_size: int = 0  # bytes, as the platform reports them before a download (0: unknown)
    profile_name: str = ""  # display name the platform gives (offered, never stored unasked)
    language_code: str = ""  # the client's language, a hint for the first message
    message_id: str = ""

    @property
    def command(self) -> str:
        """`/help@bot arg` -> 'help'; '' when the text is not a command."""
        if self.kind is not InboundKind.TEXT or not self.text.startswith("/"):
            return ""
        word = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        return word.split("@", 1)[0].lower()

    @property
    def command_args(self) -> str:
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True)
class Choice:
    """A button. `id` is what comes back in `Inbound.choice`: ASCII, at most 64 bytes.

    `short` is for a label made of what people wrote (a question, a title) that may not fit
    a WhatsApp row title (24 characters): WhatsApp then shows `short` as the title and the
    label under it, where Telegram shows the label itself."""

    id: str
    label: str
    short: str = ""


class Request(StrEnum):
    """Ask the client for something only a native control can give."""

    NONE = ""
    CONTACT = "contact"
    LOCATION = "location"


@dataclass(frozen=True)
class Media:
    kind: str  # "photo" | "document" | "audio" | "video"
    filename: str
    data: bytes


@dataclass(frozen=True)
class Outbound:
    """One message to send.

    `choices` render as buttons (Telegram inline keyboard, WhatsApp buttons/list, numbered
    lines in the console). `request` asks for a contact or location with a native button;
    `skip_label` adds a typed "skip" alternative next to it. `columns` is a layout hint.
    `selected` marks toggled options of a multi-select with a check mark.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    request: Request = Request.NONE
    request_label: str = ""  # the native button's label, e.g. "Share my phone number"
    skip_label: str = ""
    media: Media | None = None
    selected: frozenset[str] = field(default_factory=frozenset)
    remove_keyboard: bool = False  # a previous native request keyboard is done with
    # Replace the message whose button was just pressed instead of sending a new one: a
    # multi-select question redraws its check marks in place. Only valid as the first
    # reply to a CHOICE; channels that cannot edit send it as a new message.
    replace: bool = False
    # The text's links get no preview card (a sign-in link goes to no server but ours).
    # Telegram asks for none; WhatsApp never asks for one (whatsapp_render: preview_url).
    no_preview: bool = False
