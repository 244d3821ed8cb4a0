"""The WhatsApp webhook's pure parts: the GET handshake, the X-Hub-Signature-256 check, and
the payload -> (messages, statuses) parser.

Payload shapes are the Cloud API's `messages` field webhooks. Since April 2026 Meta adds a
business-scoped user id (`user_id` on contacts, `from_user_id` on messages,
`recipient_user_id` on statuses) and may leave out the phone number (`wa_id` / `from`) of
people who adopted a username. A person is keyed by the business-scoped id when there is
one, else by the phone number; replies go to the phone number when we have it (Meta's
advice, it keeps phone numbers in later webhooks), else to the business-scoped id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.channels.whatsapp_render import SAY_PREFIX
from bot.messages import Inbound, InboundKind

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_DEPTH = 32  # Meta's payloads nest about 8 deep; deeper bodies are refused (400)
LISTS = ("messages", "statuses", "contacts", "errors")


def handshake(query: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo for a valid subscription request, else None (answer 403)."""
    given = query.get("hub.verify_token", "")
    if query.get("hub.mode") != "subscribe" or not verify_token:
        return None
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return query.get("hub.challenge", "")


def signature(secret: str, body: bytes) -> str:
    """The header value Meta sends for `body`: sha256=<hex HMAC-SHA256 with the app secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    """Constant-time check of X-Hub-Signature-256 against the raw request body."""
    return hmac.compare_digest(header.strip().encode(), signature(secret, body).encode())


@dataclass(frozen=True)
class Incoming:
    """One person's message: the Inbound (keyed provisionally, see `key`) and what the
    channel still has to do with it (resolve identity, fetch media)."""

    inbound: Inbound
    wamid: str
    user_id: str = ""  # business-scoped user id, when Meta sent one
    wa_id: str = ""  # phone number, when Meta sent one
    timestamp: int = 0
    media_id: str = ""

    @property
    def key(self) -> str:
        return self.user_id or self.wa_id


@dataclass(frozen=True)
class Status:
    """A sent / delivered / read / failed notice for a message we sent."""

    wamid: str
    status: str
    recipient: str  # phone number or business-scoped id
    timestamp: int = 0
    errors: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # (code, title)


def well_formed(payload: Any) -> bool:
    """Whether a webhook body has the shape of Meta's: an object whose `entry` is a list of
    objects, their `changes` lists of objects, each `value` an object whose `metadata` is an
    object and whose messages, statuses, contacts and errors are lists of objects; nested at
    most MAX_DEPTH deep. The channel answers anything else 400, never 500."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        return False
    if not _shallow(payload):
        return False
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or not _objects(entry.get("changes", [])):
            return False
        for change in entry.get("changes", []):
            value = change.get("value", {})
            if not isinstance(value, dict) or not isinstance(value.get("metadata", {}), dict):
                return False
            if not all(_objects(value.get(name, [])) for name in LISTS):
                return False
    return True


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _shallow(payload: Any) -> bool:
    """Nested at most MAX_DEPTH deep (walked without recursion)."""
    stack = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def parse(payload: Any, phone_number_id: str) -> tuple[list[Incoming], list[Status]]:
    """Everything in one webhook POST addressed to our number; anything else is skipped."""
    messages: list[Incoming] = []
    statuses: list[Status] = []
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return messages, statuses
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = _dict(value.get("metadata"))
            if str(metadata.get("phone_number_id", "")) != phone_number_id:
                log.info("webhook for another number %s ignored", metadata.get("phone_number_id"))
                continue
            contacts = list(_dicts(value.get("contacts")))
            for message in _dicts(value.get("messages")):
                incoming = _incoming(message, contacts)
                if incoming is not None:
                    messages.append(incoming)
            for status in _dicts(value.get("statuses")):
                statuses.append(_status(status))
            for error in _dicts(value.get("errors")):
                log.warning("whatsapp webhook error %s: %s", error.get("code"), error.get("title"))
    messages.sort(key=lambda m: m.timestamp)  # one POST may batch; keep the person's order
    return messages, statuses


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _contact_for(message: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    sender, sender_id = str(message.get("from", "")), str(message.get("from_user_id", ""))
    for contact in contacts:
        if (sender and contact.get("wa_id") == sender) or (
            sender_id and contact.get("user_id") == sender_id
        ):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _incoming(message: dict[str, Any], contacts: list[dict[str, Any]]) -> Incoming | None:
    contact = _contact_for(message, contacts)
    wa_id = str(message.get("from") or contact.get("wa_id") or "")
    user_id = str(message.get("from_user_id") or contact.get("user_id") or "")
    wamid = str(message.get("id", ""))
    if not (wa_id or user_id) or not wamid:
        log.warning("whatsapp message without sender or id ignored")
        return None
    profile = _dict(contact.get("profile"))
    base = Inbound(
        channel=CHANNEL,
        user_id=user_id or wa_id,
        chat_id=wa_id or user_id,
        kind=InboundKind.OTHER,
        profile_name=str(profile.get("name") or ""),
        message_id=wamid,
    )
    inbound, media_id = _content(message, base)
    if inbound is None:
        return None
    return Incoming(inbound, wamid, user_id, wa_id, _int(message.get("timestamp")), media_id)


def _int(value: Any) -> int:
    """A number Meta sends as text ("1733130000"); 0 for anything else (1e400, "²", [])."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _content(message: dict[str, Any], base: Inbound) -> tuple[Inbound | None, str]:
    kind = message.get("type")
    kind = kind if isinstance(kind, str) else ""
    body = _dict(message.get(kind))
    if kind == "text":
        return replace(base, kind=InboundKind.TEXT, text=str(body.get("body", ""))), ""
    if kind == "interactive":
        kind_of_reply = str(body.get("type"))
        reply = (
            _dict(body.get(kind_of_reply))
            if kind_of_reply in ("button_reply", "list_reply")
            else {}
        )
        if reply.get("id"):
            return _pressed(base, str(reply["id"])), ""
        return replace(base, kind=InboundKind.OTHER), ""
    if kind == "button":  # a template's quick-reply button
        payload, text = str(body.get("payload") or ""), str(body.get("text") or "")
        if payload:
            return _pressed(base, payload), ""
        return replace(base, kind=InboundKind.TEXT, text=text), ""
    if kind == "location":
        try:
            lat, lon = float(body["latitude"]), float(body["longitude"])
        except (KeyError, TypeError, ValueError):
            return replace(base, kind=InboundKind.OTHER), ""
        return replace(base, kind=InboundKind.LOCATION, latitude=lat, longitude=lon), ""
    if kind in ("image", "audio", "document", "video"):
        media_id = str(body.get("id") or "")
        mapped = {
            "image": InboundKind.PHOTO,
            "audio": InboundKind.AUDIO,  # voice notes are audio with "voice": true
            "document": InboundKind.DOCUMENT,
            "video": InboundKind.VIDEO,
        }[kind]
        return replace(base, kind=mapped, media_ref=media_id), media_id
    if kind == "request_welcome":  # the person opened the chat for the first time
        return replace(base, kind=InboundKind.TEXT, text="/start"), ""
    if kind in ("reaction", "system", "ephemeral"):
        return None, ""  # not something said to the bot: no answer
    return replace(base, kind=InboundKind.OTHER), ""  # sticker, contacts, unsupported


def _pressed(base: Inbound, choice_id: str) -> Inbound:
    """A button or list row. "Say" buttons (Skip next to a phone request) become the text
    they stand for; "use this number" is resolved by the channel, which knows the number."""
    if choice_id.startswith(SAY_PREFIX):
        return replace(base, kind=InboundKind.TEXT, text=choice_id.removeprefix(SAY_PREFIX))
    return replace(base, kind=InboundKind.CHOICE, choice=choice_id)


def _status(status: dict[str, Any]) -> Status:
    errors = tuple(
        (_int(e.get("code")), str(e.get("title", ""))) for e in _dicts(status.get("errors"))
    )
    timestamp = _int(status.get("timestamp"))
    return Status(
        wamid=str(status.get("id", "")),
        status=str(status.get("status", "")),
        recipient=str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
        timestamp=timestamp,
        errors=errors,
    )
