"""WhatsApp Cloud API webhook payloads in Meta's real shapes, and their signatures.

Every builder returns the whole POST body (``{"object": "whatsapp_business_account",
"entry": [...]}``). A `Person` says how Meta names the sender:

* ``Person(wa_id="919829012345")`` — the classic payload: phone number only;
* ``Person(wa_id=..., user_id="IN.1234…")`` — 2026 payloads: business-scoped user id too;
* ``Person(user_id=..., username="@sunita")`` — a username user: no phone number at all.

    body = json.dumps(text(SUNITA, "help")).encode()
    headers = signed_headers(body, APP_SECRET)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE = "15550783881"
WABA_ID = "102290129340398"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"

_counter = itertools.count(1)
Payload = dict[str, Any]


@dataclass(frozen=True)
class Person:
    wa_id: str | None = "919829012345"
    user_id: str | None = None
    name: str = "Sunita Devi"
    username: str | None = None

    @property
    def address(self) -> str:
        """Where the bot replies: the phone number when Meta gives one."""
        return self.wa_id or self.user_id or ""


SUNITA = Person()  # phone only
MEENA = Person(wa_id="919414012345", user_id="IN.1502576394655843", name="Meena")
USERNAME_ONLY = Person(
    wa_id=None, user_id="IN.8876543210987654", name="Lakshmi", username="@lakshmi"
)


def wamid() -> str:
    return f"wamid.HBgMOTE5ODI5MDEyMzQ1FQIAEhgUM0{next(_counter):08d}QUFERjg0NDEzNDdFODU3MUMxMAA="


def envelope(value: Payload) -> Payload:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_PHONE, "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def _contact(person: Person) -> Payload:
    profile: Payload = {"name": person.name}
    if person.username:
        profile["username"] = person.username
    contact: Payload = {"profile": profile}
    if person.wa_id:
        contact["wa_id"] = person.wa_id
    if person.user_id:
        contact["user_id"] = person.user_id
    return contact


def message(person: Person, kind: str, content: Payload, *, id: str | None = None) -> Payload:
    """One inbound message of `kind` ("text", "interactive", ...) with its content object."""
    msg: Payload = {"id": id or wamid(), "timestamp": str(int(time.time())), "type": kind}
    if person.wa_id:
        msg["from"] = person.wa_id
    if person.user_id:
        msg["from_user_id"] = person.user_id
    msg[kind] = content
    return envelope({"contacts": [_contact(person)], "messages": [msg]})


def text(person: Person, body: str, *, id: str | None = None) -> Payload:
    return message(person, "text", {"body": body}, id=id)


def button_reply(person: Person, button_id: str, title: str) -> Payload:
    return message(
        person,
        "interactive",
        {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    )


def list_reply(person: Person, row_id: str, title: str, description: str = "") -> Payload:
    row = {"id": row_id, "title": title}
    if description:
        row["description"] = description
    return message(person, "interactive", {"type": "list_reply", "list_reply": row})


def template_button(person: Person, payload: str, text: str) -> Payload:
    """A press of a template's quick-reply button (type "button", not "interactive")."""
    return message(person, "button", {"payload": payload, "text": text})


def location(person: Person, latitude: float, longitude: float) -> Payload:
    return message(
        person,
        "location",
        {"latitude": latitude, "longitude": longitude, "name": "Bagru", "address": "Jaipur"},
    )


def image(person: Person, media_id: str, *, caption: str | None = None) -> Payload:
    content: Payload = {
        "mime_type": "image/jpeg",
        "sha256": hashlib.sha256(media_id.encode()).hexdigest(),
        "id": media_id,
    }
    if caption:
        content["caption"] = caption
    return message(person, "image", content)


def audio(person: Person, media_id: str, *, voice: bool = True) -> Payload:
    return message(
        person,
        "audio",
        {
            "mime_type": "audio/ogg; codecs=opus",
            "sha256": hashlib.sha256(media_id.encode()).hexdigest(),
            "id": media_id,
            "voice": voice,
        },
    )


def sticker(person: Person) -> Payload:
    return message(person, "sticker", {"mime_type": "image/webp", "id": "9988", "animated": False})


def unsupported(person: Person) -> Payload:
    return message(person, "unsupported", {"type": "poll"})


def status(
    wamid_: str,
    state: str,
    person: Person,
    *,
    errors: list[tuple[int, str]] | None = None,
) -> Payload:
    """A sent / delivered / read / failed status for a message the bot sent."""
    item: Payload = {"id": wamid_, "status": state, "timestamp": str(int(time.time()))}
    if person.wa_id:
        item["recipient_id"] = person.wa_id
    if person.user_id:
        item["recipient_user_id"] = person.user_id
    if state in ("sent", "delivered"):
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
    if errors:
        item["errors"] = [
            {
                "code": code,
                "title": title,
                "message": title,
                "error_data": {"details": title},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }
            for code, title in errors
        ]
    value: Payload = {"statuses": [item]}
    if state != "failed":  # Meta leaves contacts out of failed statuses
        value["contacts"] = [_contact(person)]
    return envelope(value)


def webhook_errors(code: int, title: str) -> Payload:
    """A value-level `errors` notice (e.g. 131051 for a message type WhatsApp could not read)."""
    return envelope(
        {
            "errors": [
                {"code": code, "title": title, "message": title, "error_data": {"details": title}}
            ]
        }
    )


def encode(payload: Payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}
