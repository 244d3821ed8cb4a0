"""Webhook handshake, X-Hub-Signature-256, and the payload -> Inbound mapping of every
message type, with and without business-scoped user ids (SPEC §2, issue 6)."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp_render import SAY_PREFIX, SHARE_NUMBER
from bot.channels.whatsapp_webhook import handshake, parse, signature, signature_ok
from bot.messages import InboundKind
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.whatsapp_payloads import MEENA, SUNITA, USERNAME_ONLY, Person

PEOPLE = [SUNITA, MEENA, USERNAME_ONLY]


def one(payload: wp.Payload):  # type: ignore[no-untyped-def]
    messages, statuses = parse(payload, wp.PHONE_NUMBER_ID)
    assert len(messages) == 1 and statuses == []
    return messages[0]


# --- handshake and signature -------------------------------------------------------------


def test_handshake_echoes_the_challenge_for_the_right_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert handshake(query, "tok") == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "1"},
        {"hub.verify_token": "tok", "hub.challenge": "1"},
        {},
    ],
)
def test_handshake_refuses_anything_else(query: dict[str, str]) -> None:
    assert handshake(query, "tok") is None


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = wp.encode(wp.text(SUNITA, "नमस्ते"))
    header = wp.sign(body, "secret")
    assert header == signature("secret", body) and header.startswith("sha256=")
    assert signature_ok("secret", body, header)
    assert not signature_ok("other-secret", body, header)
    assert not signature_ok("secret", body + b" ", header)  # re-serialised body: refused
    assert not signature_ok("secret", body, "sha256=" + "0" * 64)
    assert not signature_ok("secret", body, "")


# --- inbound mapping ---------------------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE, ids=["phone", "phone+bsuid", "bsuid-only"])
def test_text_and_identity(person: Person) -> None:
    incoming = one(wp.text(person, "Hello"))
    inbound = incoming.inbound
    assert inbound.kind is InboundKind.TEXT and inbound.text == "Hello"
    assert inbound.user_id == (person.user_id or person.wa_id)  # BSUID first
    assert inbound.chat_id == person.address  # replies to the phone when known
    assert inbound.profile_name == person.name
    assert incoming.wamid == inbound.message_id and incoming.wamid.startswith("wamid.")
    assert (incoming.user_id, incoming.wa_id) == (person.user_id or "", person.wa_id or "")


@pytest.mark.parametrize("person", PEOPLE, ids=["phone", "phone+bsuid", "bsuid-only"])
def test_button_and_list_replies_are_choices(person: Person) -> None:
    pressed = one(wp.button_reply(person, "consent:yes", "I agree")).inbound
    assert (pressed.kind, pressed.choice) == (InboundKind.CHOICE, "consent:yes")
    picked = one(wp.list_reply(person, "gender:female", "Woman")).inbound
    assert (picked.kind, picked.choice) == (InboundKind.CHOICE, "gender:female")


def test_template_quick_reply_payload_is_a_choice() -> None:
    inbound = one(wp.template_button(MEENA, "rsvp:7:yes", "Yes")).inbound
    assert (inbound.kind, inbound.choice) == (InboundKind.CHOICE, "rsvp:7:yes")
    payload = wp.template_button(MEENA, "", "Stop promotions")
    inbound = one(payload).inbound
    assert (inbound.kind, inbound.text) == (InboundKind.TEXT, "Stop promotions")


def test_our_own_buttons_become_what_they_stand_for() -> None:
    skip = one(wp.button_reply(SUNITA, SAY_PREFIX + "छोड़ें", "छोड़ें")).inbound
    assert (skip.kind, skip.text) == (InboundKind.TEXT, "छोड़ें")
    # "Use this number" is resolved by the channel, which knows the number (e2e tests).
    share = one(wp.button_reply(MEENA, SHARE_NUMBER, "Use this number")).inbound
    assert (share.kind, share.choice) == (InboundKind.CHOICE, SHARE_NUMBER)


def test_location() -> None:
    inbound = one(wp.location(SUNITA, 26.8167, 75.5439)).inbound
    assert inbound.kind is InboundKind.LOCATION
    assert (inbound.latitude, inbound.longitude) == (26.8167, 75.5439)


def test_image_and_voice_note_carry_the_media_id() -> None:
    photo = one(wp.image(MEENA, "1234567890", caption="my work"))
    assert (photo.inbound.kind, photo.media_id) == (InboundKind.PHOTO, "1234567890")
    voice = one(wp.audio(MEENA, "555"))
    assert (voice.inbound.kind, voice.media_id) == (InboundKind.AUDIO, "555")


@pytest.mark.parametrize("payload", [wp.sticker(SUNITA), wp.unsupported(SUNITA)])
def test_unknown_types_are_other(payload: wp.Payload) -> None:
    assert one(payload).inbound.kind is InboundKind.OTHER


def test_reactions_are_not_answered() -> None:
    payload = wp.message(SUNITA, "reaction", {"message_id": "wamid.x", "emoji": "👍"})
    assert parse(payload, wp.PHONE_NUMBER_ID) == ([], [])


def test_first_open_starts_onboarding() -> None:
    inbound = one(wp.message(SUNITA, "request_welcome", {})).inbound
    assert (inbound.kind, inbound.text) == (InboundKind.TEXT, "/start")


def test_another_phone_number_and_other_objects_are_ignored() -> None:
    assert parse(wp.text(SUNITA, "hi"), "999") == ([], [])
    assert parse({"object": "page", "entry": []}, wp.PHONE_NUMBER_ID) == ([], [])
    assert parse(["garbage"], wp.PHONE_NUMBER_ID) == ([], [])


def test_a_batch_is_sorted_by_timestamp() -> None:
    first, second = wp.text(SUNITA, "one"), wp.text(SUNITA, "two")
    second_msg = second["entry"][0]["changes"][0]["value"]["messages"][0]
    first_msg = first["entry"][0]["changes"][0]["value"]["messages"][0]
    first_msg["timestamp"], second_msg["timestamp"] = "200", "100"
    first["entry"][0]["changes"][0]["value"]["messages"].append(second_msg)
    messages, _ = parse(first, wp.PHONE_NUMBER_ID)
    assert [m.inbound.text for m in messages] == ["two", "one"]


@pytest.mark.parametrize("state", ["sent", "delivered", "read"])
@pytest.mark.parametrize("person", PEOPLE, ids=["phone", "phone+bsuid", "bsuid-only"])
def test_statuses(state: str, person: Person) -> None:
    messages, statuses = parse(wp.status("wamid.ABC", state, person), wp.PHONE_NUMBER_ID)
    assert messages == [] and len(statuses) == 1
    assert (statuses[0].wamid, statuses[0].status) == ("wamid.ABC", state)
    assert statuses[0].recipient == person.address


def test_failed_status_carries_the_error_code() -> None:
    payload = wp.status("wamid.X", "failed", MEENA, errors=[(131047, "Re-engagement message")])
    [status] = parse(payload, wp.PHONE_NUMBER_ID)[1]
    assert status.status == "failed" and status.errors == ((131047, "Re-engagement message"),)


def test_value_level_errors_are_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert parse(wp.webhook_errors(131051, "Message type unknown"), wp.PHONE_NUMBER_ID) == ([], [])
    assert "131051" in caplog.text
