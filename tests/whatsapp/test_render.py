"""The WhatsApp renderer never builds a request WhatsApp would refuse (SPEC §2, issue 6):
synthetic edge cases, and every reply the handlers produce in every shipped language."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.channels.whatsapp_render import (
    SAY_PREFIX,
    SHARE_NUMBER,
    WaRequest,
    Words,
    lead_and_tail,
    render,
    shorten,
    split_text,
    wa_len,
)
from bot.channels.whatsapp_send import words_for
from bot.i18n import SHIPPED_LANGUAGES
from bot.messages import Choice, InboundKind, Media, Outbound, Request
from bot.storage import surveys
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import ChatDriver
from tests.fakes.graph_api import FakeGraph
from tests.handlers.people.test_onboarding import register

WORDS = Words()


def accepted(requests: Iterable[WaRequest]) -> list[str]:
    """Validate each request with the Graph API stand-in's rules; the message types."""
    fake = FakeGraph()
    fake.media["1"] = (b"x", "image/png")
    kinds = []
    for request in requests:
        body = dict(request.body)
        if request.upload is not None:
            kind = body["type"]
            body[kind] = {**body[kind], "id": "1"}
        kinds.append(fake.validate({"messaging_product": "whatsapp", "to": "91", **body}))
    return kinds


def choices(*labels: str) -> tuple[Choice, ...]:
    return tuple(Choice(f"c:{i}", label) for i, label in enumerate(labels))


def interactive(request: WaRequest) -> str:
    return str(request.body.get("interactive", {}).get("type", request.body["type"]))


def test_three_short_choices_are_reply_buttons() -> None:
    [req] = render(Outbound("Do you agree?", choices("I agree", "No, thanks")), WORDS)
    assert interactive(req) == "button"
    assert accepted([req]) == ["interactive"]


def test_four_choices_are_a_list() -> None:
    [req] = render(
        Outbound("Gender?", choices("Woman", "Man", "Other", "Prefer not to say")), WORDS
    )
    assert interactive(req) == "list"
    assert req.body["interactive"]["action"]["button"] == "Choose"
    accepted([req])


def test_a_title_too_long_for_a_button_makes_a_list_with_descriptions() -> None:
    label = "Supplier / related enterprise"  # 29 characters
    [req] = render(Outbound("Role?", choices("Artisan", label)), WORDS)
    assert interactive(req) == "list"
    rows = req.body["interactive"]["action"]["sections"][0]["rows"]
    assert wa_len(rows[1]["title"]) <= 24 and rows[1]["description"] == label
    assert "description" not in rows[0]
    accepted([req])


def test_duplicate_titles_never_become_buttons() -> None:
    [req] = render(Outbound("Pick", choices("Same", "Same")), WORDS)
    assert interactive(req) == "list"
    accepted([req])


@pytest.mark.parametrize("count", [11, 25])
def test_more_than_ten_choices_are_numbered_text(count: int) -> None:
    labels = [f"Option {n}" for n in range(1, count + 1)]
    requests = render(Outbound("Which one?", choices(*labels)), WORDS)
    assert all(r.body["type"] == "text" for r in requests)
    text = "\n".join(r.body["text"]["body"] for r in requests)
    assert "1. Option 1" in text and f"{count}. Option {count}" in text
    assert WORDS.reply_with_number in text
    accepted(requests)


def test_a_label_longer_than_a_description_makes_numbered_text() -> None:
    long = "A very long answer that no list row description could ever hold in full " * 2
    requests = render(Outbound("Pick", choices("Short", long.strip())), WORDS)
    assert [r.body["type"] for r in requests] == ["text"]
    accepted(requests)


def test_multi_select_redraw_is_a_new_message_with_check_marks() -> None:
    message = Outbound(
        "Which markets?",
        (*choices("Local", "Jaipur", "Export"), Choice("done", "Done")),
        selected=frozenset({"c:0", "c:2"}),
        replace=True,
    )
    [req] = render(message, WORDS)
    titles = [r["title"] for r in req.body["interactive"]["action"]["sections"][0]["rows"]]
    assert titles == ["✓ Local", "Jaipur", "✓ Export", "Done"]
    accepted([req])


def test_check_mark_that_pushes_a_title_over_the_button_limit() -> None:
    label = "x" * 19  # 19 + "✓ " = 21 > 20: no longer a button title
    [req] = render(Outbound("Pick", choices(label, "y"), selected=frozenset({"c:0"})), WORDS)
    assert interactive(req) == "list"
    accepted([req])


def test_long_text_with_buttons_goes_first_as_text() -> None:
    text = ("पहला अनुच्छेद। " * 100 + "\n\n") * 5 + "क्या आप सहमत हैं?"
    requests = render(Outbound(text, choices("हाँ", "नहीं")), WORDS)
    assert requests[-1].body["type"] == "interactive"
    assert all(r.body["type"] == "text" for r in requests[:-1])
    assert wa_len(requests[-1].body["interactive"]["body"]["text"]) <= 1024
    joined = " ".join(
        r.body["text"]["body"]
        if r.body["type"] == "text"
        else r.body["interactive"]["body"]["text"]
        for r in requests
    )
    assert joined.split() == text.split()  # nothing lost, nothing added
    accepted(requests)


def test_plain_text_is_split_within_4096() -> None:
    text = "క" * 10000
    requests = render(Outbound(text), WORDS)
    assert len(requests) == 3 and "".join(r.body["text"]["body"] for r in requests) == text
    accepted(requests)


def test_emoji_count_double_so_limits_hold_however_whatsapp_counts() -> None:
    assert wa_len("🙂") == 2
    title = shorten("🙂" * 30, 20)
    assert wa_len(title) <= 20


def test_shorten_does_not_strand_a_vowel_sign() -> None:
    text = "प्रशिक्षण या अनुसंधान संस्थान"
    short = shorten(text, 24)
    assert wa_len(short) <= 24 and short.endswith("…")
    assert not short[:-1].endswith(("\u094d",))  # no dangling virama


def test_lead_and_tail_keeps_the_tail_short() -> None:
    lead, tail = lead_and_tail("word " * 600, 1024)
    assert wa_len(tail) <= 1024 and all(wa_len(p) <= 4096 for p in lead)
    lead, tail = lead_and_tail("x" * 3000, 1024)  # one enormous word
    assert wa_len(tail) <= 1024 and "".join(lead) + tail == "x" * 3000
    assert split_text("") == ["…"]


def test_contact_request_offers_this_number_and_skip() -> None:
    message = Outbound(
        "Share your phone number",
        request=Request.CONTACT,
        request_label="Share my phone number",
        skip_label="Skip",
    )
    [req] = render(message, WORDS)
    buttons = [b["reply"] for b in req.body["interactive"]["action"]["buttons"]]
    assert buttons == [
        {"id": SHARE_NUMBER, "title": "Use this number"},
        {"id": SAY_PREFIX + "Skip", "title": "Skip"},
    ]
    [req] = render(message, WORDS, can_share_number=False)  # a username user: no number
    assert [b["reply"]["id"] for b in req.body["interactive"]["action"]["buttons"]] == [
        SAY_PREFIX + "Skip"
    ]
    accepted([req])


def test_location_request_uses_the_native_request_and_a_skip_button() -> None:
    message = Outbound("Where is your workshop?", request=Request.LOCATION, skip_label="Skip")
    requests = render(message, WORDS)
    assert [interactive(r) for r in requests] == ["location_request_message", "button"]
    accepted(requests)


def test_media_is_uploaded_then_sent_by_id() -> None:
    photo = Media("photo", "chart.png", b"\x89PNG")
    [req] = render(Outbound("Results", media=photo), WORDS)
    assert req.upload == photo and req.body == {"type": "image", "image": {"caption": "Results"}}
    doc = Media("document", "answers.xlsx", b"PK")
    requests = render(Outbound("Your export", choices("Again", "Menu"), media=doc), WORDS)
    assert [r.body["type"] for r in requests] == ["document", "interactive"]
    assert requests[0].body["document"]["filename"] == "answers.xlsx"
    accepted(requests)


@pytest.mark.parametrize(
    ("media", "kind"),
    [
        (Media("audio", "q_hi.ogg", b"OggS"), "audio"),
        (Media("audio", "q.mp3", b"ID3"), "audio"),
        (Media("video", "q.mp4", b"ftyp"), "video"),
        (Media("audio", "q.wav", b"RIFF"), "document"),  # WhatsApp does not play WAV
        (Media("video", "q.mov", b"moov"), "document"),
        (Media("photo", "q.jpg", b"\xff\xd8"), "image"),
    ],
)
def test_question_media_go_as_audio_video_or_document(media: Media, kind: str) -> None:
    """A survey question's picture, voice and film (sent before its text, no caption)."""
    [req] = render(Outbound("", media=media), WORDS)
    assert req.upload == media and req.body["type"] == kind
    assert accepted([req]) == [kind]
    # With a text: an audio message takes no caption, so the text follows on its own.
    requests = render(Outbound("Do you own a loom?", media=media), WORDS)
    expected = [kind, "text"] if kind == "audio" else [kind]
    assert accepted(requests) == expected


# --- every reply the handlers produce, in every shipped language -----------------------------


async def _conversation(chat: ChatDriver, cda: ChatDriver, language: str) -> list[Outbound]:
    """Onboarding and the menus, collecting every Outbound."""
    seen: list[Outbound] = []

    async def say(driver: ChatDriver, text: str) -> None:
        seen.extend(await driver.say(text))

    async def press(driver: ChatDriver, choice: str) -> None:
        seen.extend(await driver.press(choice))

    await say(chat, "/start")
    await press(chat, f"lang:{language}")
    await say(chat, "something else")  # not a button: "please choose"
    await press(chat, "consent:yes")
    await press(chat, "name:profile")
    await press(chat, "rgrp:make")
    await press(chat, "rgrp:back")
    await press(chat, "rgrp:support")
    await press(chat, "role:supplier")
    await press(chat, "gender:undisclosed")
    await say(chat, "/help")  # in the middle of onboarding
    await say(chat, "Bagru")
    await say(chat, "not a number")
    seen.extend(await chat.share_contact("+91 98290 12345"))
    for command in ("/help", "/menu", "/profile", "/language", "/stop", "/subscribe", "/events"):
        await say(chat, command)
    await press(chat, f"lang:{language}")
    await say(chat, "/profile")
    for field in ("name", "role", "gender", "place", "phone"):
        await press(chat, f"edit:{field}")
        await say(chat, "/profile")
    await say(chat, "/broadcast")
    await say(chat, "/frobnicate")
    seen.extend(await chat.sticker())
    await say(chat, "/forget")
    await press(chat, "forget:no")
    await say(cda, "/help")
    await say(cda, "/report")
    return seen


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_every_handler_reply_renders_within_whatsapp_limits(
    chat: ChatDriver, cda_chat: ChatDriver, one_cluster, language: str
) -> None:
    outbounds = await _conversation(chat, cda_chat, language)
    assert len(outbounds) > 40
    words = words_for(language)
    kinds: dict[int, str] = {}
    for message in outbounds:
        requests = render(message, words)
        accepted(requests)
        if message.choices:
            kinds[len(message.choices)] = interactive(requests[-1])
    # What the person sees for the onboarding questions:
    assert kinds[2] == "button"  # consent, forget
    assert kinds[4] == "list"  # gender
    assert 11 not in kinds  # roles come in two steps (a group, then a role): lists
    assert kinds[6] == "list" and kinds[7] == "list"  # 5 or 6 roles and Other roles


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_renderers_own_words_fit(language: str) -> None:
    words = words_for(language)
    assert 0 < wa_len(words.choose) <= 20 and 0 < wa_len(words.menu) <= 20
    assert 0 < wa_len(words.use_this_number) <= 20


# --- a survey that stretches the limits, in every shipped language -------------------------

FORM = Path(__file__).parent / "forms" / "wa_limits.md"


async def _answer_survey(chat: ChatDriver, steps: int = 25) -> list[Outbound]:
    """Answer whatever is asked, generically: press each offered button once per question
    (so a multi-select is toggled, then Done), share a location when asked, and otherwise
    rotate through a photo, a voice note and a number."""
    seen = list(await chat.say("/survey"))
    pressed: dict[str, set[str]] = {}
    rotation = 0
    for _ in range(steps):
        asking = next((m for m in reversed(chat.last) if m.choices or m.request), None)
        if asking is not None and asking.request is Request.LOCATION:
            seen += await chat._send(kind=InboundKind.LOCATION, latitude=26.8, longitude=75.5)
        elif asking is not None and asking.choices:
            done = pressed.setdefault(asking.text, set())
            choice = next((c for c in asking.choices if c.id not in done), asking.choices[-1])
            done.add(choice.id)
            seen += await chat.press(choice.id)
        else:
            kind = (InboundKind.PHOTO, InboundKind.AUDIO, InboundKind.TEXT)[rotation % 3]
            rotation += 1
            seen += await chat._send(kind=kind, text="3", media_ref="/tmp/answer.bin")
    return seen


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_a_survey_renders_within_whatsapp_limits(
    chat: ChatDriver, db: Database, one_cluster, language: str
) -> None:
    form = load_form(FORM).form
    await db.write(lambda conn: surveys.import_form(conn, form, now="2026-11-28T00:00:00+00:00"))
    await register(chat, language=f"lang:{language}")
    outbounds = await _answer_survey(chat)
    words = words_for(language)
    for message in outbounds:
        accepted(render(message, words))
    assert any(m.selected for m in outbounds), "the multi-select was never redrawn"
    many = [m for m in outbounds if len(m.choices) > 10]
    assert many and render(many[0], words)[-1].body["type"] == "text"  # numbered
