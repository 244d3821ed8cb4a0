"""Outbound -> WhatsApp Cloud API message bodies, always within WhatsApp's documented limits.

Pure: no network, no database. `render()` returns the requests to make, in order; the
channel adds the recipient and posts them (uploading media first where a request says so).

Choices, from richest to plainest (the first that fits wins):

* reply buttons: at most 3 choices, every title at most 20 characters and all different;
* a list message: at most 10 rows; a label longer than a row title (24) but within a row
  description (72) goes into the description, under the choice's `short` title (or, for a
  choice without one, a shortened title). The bot's own labels always fit whole: they
  have short forms in the catalogues (msgctxt "button"), tested in
  tests/whatsapp/test_label_fit.py; a tick ("✓ ") is within the 24 too;
* numbered text ("1. …" lines): the engine maps a typed number to the choice offered last.

Every interactive body is kept within 1024 characters: a longer text goes first as plain
text messages (each within 4096), and only its last part carries the buttons. Lengths
are counted in UTF-16 code units, which is never less than the characters WhatsApp
counts, so a Hindi or Telugu label that passes here passes there.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.limits import (
    WHATSAPP_MAX_BUTTON_TITLE,
    WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_CAPTION,
    WHATSAPP_MAX_INTERACTIVE_BODY,
    WHATSAPP_MAX_LIST_BUTTON,
    WHATSAPP_MAX_LIST_ROWS,
    WHATSAPP_MAX_ROW_DESCRIPTION,
    WHATSAPP_MAX_ROW_TITLE,
    WHATSAPP_MAX_TEXT,
)
from bot.messages import Choice, Media, Outbound, Request

CHECK = "✓ "
# Button ids the channel turns back into an Inbound itself (never seen by handlers):
SAY_PREFIX = "wa:say:"  # press = the person typed the text after the prefix (e.g. "Skip")
SHARE_NUMBER = "wa:contact"  # press = share the WhatsApp number this chat runs on
Body = dict[str, Any]


@dataclass(frozen=True)
class Words:
    """The few words the renderer adds itself, already in the person's language."""

    choose: str = "Choose"  # list button of an ordinary question
    menu: str = "Menu"  # list button of a command menu
    reply_with_number: str = "Reply with the number of your choice."
    use_this_number: str = "Use this number"
    skip_hint: str = "Or skip this question:"


@dataclass(frozen=True)
class WaRequest:
    """One POST /messages body (recipient fields added by the channel).

    When `upload` is set, the channel uploads it first and puts the media id into
    ``body[body["type"]]["id"]``.
    """

    body: Body
    upload: Media | None = None


def wa_len(text: str) -> int:
    """Length as WhatsApp may count it at most: UTF-16 code units (emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_at(text: str, limit: int) -> int:
    """Largest index i such that wa_len(text[:i]) <= limit."""
    if wa_len(text) <= limit:
        return len(text)
    i, units = 0, 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _clean_cut(text: str, cut: int) -> int:
    """Move a cut back so it does not strand a vowel sign or virama (Devanagari, Telugu)."""
    while (
        cut > 0
        and cut < len(text)
        and (unicodedata.category(text[cut]) in ("Mn", "Mc") or text[cut] == "\u200d")
    ):
        cut -= 1
    return cut


def shorten(text: str, limit: int) -> str:
    """`text` within `limit`, cut at a word boundary if one is near, with an ellipsis."""
    text = " ".join(text.split())
    if wa_len(text) <= limit:
        return text
    cut = _cut_at(text, limit - 1)
    space = text.rfind(" ", 0, cut + 1)
    # A word boundary in the last 40 % reads better than a word cut in half.
    cut = space if space >= cut * 0.6 else _clean_cut(text, cut)
    return text[:cut].rstrip(" ,;:-·") + "…"


def split_text(text: str, limit: int = WHATSAPP_MAX_TEXT) -> list[str]:
    """Split at paragraph, then line, then word boundaries so no part exceeds `limit`."""
    parts: list[str] = []
    while wa_len(text) > limit:
        hard = _cut_at(text, limit)
        cut = max(text.rfind("\n\n", 0, hard), text.rfind("\n", 0, hard), text.rfind(" ", 0, hard))
        if cut <= 0:
            cut = _clean_cut(text, hard) or hard
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return [p for p in parts if p.strip()] or ["…"]


def lead_and_tail(text: str, tail_limit: int) -> tuple[list[str], str]:
    """Plain messages to send first, and a last part within `tail_limit` to carry buttons."""
    text = text.strip() or "…"
    if wa_len(text) <= tail_limit:
        return [], text
    start = _cut_at(text, wa_len(text) - tail_limit)  # earliest start keeping the tail short
    tail_start = -1
    for sep in ("\n\n", "\n", " "):
        found = text.find(sep, start)
        if found != -1:
            tail_start = found + len(sep)
            break
    if tail_start == -1 or not text[tail_start:].strip():
        # One enormous word: cut hard, forward past any vowel sign so the tail stays short.
        tail_start = start + 1
        while tail_start < len(text) and unicodedata.category(text[tail_start]) in ("Mn", "Mc"):
            tail_start += 1
    head, tail = text[:tail_start].rstrip(), text[tail_start:].strip()
    return split_text(head) if head else [], tail


def text_message(body: str) -> Body:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _title(choice: Choice, selected: frozenset[str]) -> str:
    return (CHECK if choice.id in selected else "") + " ".join(choice.label.split())


def _row(choice: Choice, selected: frozenset[str]) -> Body:
    """A list row: the whole label when it fits; else the choice's short title with the
    label as its description (only a label without one is cut, by `list_row`)."""
    title = _title(choice, selected)
    if wa_len(title) <= WHATSAPP_MAX_ROW_TITLE or not choice.short:
        return list_row(choice.id, title)
    short = (CHECK if choice.id in selected else "") + " ".join(choice.short.split())
    return list_row(choice.id, short, " ".join(choice.label.split()))


def buttons_message(body: str, buttons: list[tuple[str, str]]) -> Body:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": bid, "title": title}}
                    for bid, title in buttons
                ]
            },
        },
    }


def list_message(body: str, button: str, rows: list[Body]) -> Body:
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": shorten(button, WHATSAPP_MAX_LIST_BUTTON),
                "sections": [{"rows": rows}],
            },
        },
    }


def list_row(choice_id: str, title: str, description: str = "") -> Body:
    """A list row; a title too long for a row moves whole into the description."""
    row: Body = {"id": choice_id, "title": shorten(title, WHATSAPP_MAX_ROW_TITLE)}
    if row["title"] != title:
        description = title + (f" · {description}" if description else "")
    if description:
        row["description"] = shorten(description, WHATSAPP_MAX_ROW_DESCRIPTION)
    return row


def fits_buttons(titles: list[str]) -> bool:
    return (
        0 < len(titles) <= WHATSAPP_MAX_BUTTONS
        and all(0 < wa_len(t) <= WHATSAPP_MAX_BUTTON_TITLE for t in titles)
        and len(set(titles)) == len(titles)  # WhatsApp rejects two buttons with one title
    )


def fits_list(titles: list[str]) -> bool:
    return 0 < len(titles) <= WHATSAPP_MAX_LIST_ROWS and all(
        0 < wa_len(t) <= WHATSAPP_MAX_ROW_DESCRIPTION for t in titles
    )


def numbered(text: str, titles: list[str], words: Words) -> str:
    lines = [f"{n}. {t}" for n, t in enumerate(titles, start=1)]
    return "\n\n".join([text.strip(), "\n".join(lines), words.reply_with_number])


def choices_block(
    text: str, choices: tuple[Choice, ...], selected: frozenset[str], words: Words
) -> list[Body]:
    """The messages for a question with choices (see the module docstring)."""
    titles = [_title(c, selected) for c in choices]
    if fits_buttons(titles):
        lead, tail = lead_and_tail(text, WHATSAPP_MAX_INTERACTIVE_BODY)
        pairs = [(c.id, t) for c, t in zip(choices, titles, strict=True)]
        return [*(text_message(p) for p in lead), buttons_message(tail, pairs)]
    if fits_list(titles):
        lead, tail = lead_and_tail(text, WHATSAPP_MAX_INTERACTIVE_BODY)
        rows = [_row(c, selected) for c in choices]
        is_menu = all(c.id.startswith("cmd:") for c in choices)
        return [
            *(text_message(p) for p in lead),
            list_message(tail, words.menu if is_menu else words.choose, rows),
        ]
    return [text_message(p) for p in split_text(numbered(text, titles, words))]


def request_block(message: Outbound, words: Words, *, can_share_number: bool) -> list[Body]:
    """A contact or location request. WhatsApp has no contact-request control (it already
    knows the number), so that becomes buttons: use this number, and/or skip."""
    skip = [
        (SAY_PREFIX + message.skip_label, shorten(message.skip_label, WHATSAPP_MAX_BUTTON_TITLE))
    ]
    if not message.skip_label:
        skip = []
    if message.request is Request.CONTACT:
        share = [(SHARE_NUMBER, shorten(words.use_this_number, WHATSAPP_MAX_BUTTON_TITLE))]
        buttons = (share if can_share_number else []) + skip
        if not buttons:
            return [text_message(p) for p in split_text(message.text)]
        lead, tail = lead_and_tail(message.text, WHATSAPP_MAX_INTERACTIVE_BODY)
        return [*(text_message(p) for p in lead), buttons_message(tail, buttons)]
    lead, tail = lead_and_tail(message.text, WHATSAPP_MAX_INTERACTIVE_BODY)
    out = [
        *(text_message(p) for p in lead),
        {
            "type": "interactive",
            "interactive": {
                "type": "location_request_message",
                "body": {"text": tail},
                "action": {"name": "send_location"},
            },
        },
    ]
    if skip:
        out.append(buttons_message(shorten(words.skip_hint, WHATSAPP_MAX_INTERACTIVE_BODY), skip))
    return out


def media_type(media: Media) -> str:
    """The MIME type to upload with (WhatsApp checks it against the file)."""
    guessed, _ = mimetypes.guess_type(media.filename)
    if media.kind == "photo":
        return guessed if guessed in ("image/jpeg", "image/png") else "image/jpeg"
    return guessed or "application/octet-stream"


# The audio and video formats WhatsApp plays in the chat; other files go as documents.
WHATSAPP_AUDIO = frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"})
WHATSAPP_VIDEO = frozenset({"video/mp4", "video/3gpp"})


def media_kind(media: Media) -> str:
    """The Cloud API message type for a file: image, audio, video or document."""
    mime = media_type(media).lower()
    if media.kind == "photo" and mime.startswith("image/"):
        return "image"
    if media.kind == "audio" and mime in WHATSAPP_AUDIO:
        return "audio"
    if media.kind == "video" and mime in WHATSAPP_VIDEO:
        return "video"
    return "document"


def media_request(media: Media, caption: str) -> WaRequest:
    kind = media_kind(media)
    inner: Body = {}
    if caption and kind != "audio":  # an audio message has no caption
        inner["caption"] = caption
    if kind == "document":
        inner["filename"] = media.filename
    return WaRequest({"type": kind, kind: inner}, upload=media)


def render(message: Outbound, words: Words, *, can_share_number: bool = True) -> list[WaRequest]:
    """The requests for one Outbound, in sending order.

    `replace=True` (redraw a multi-select) cannot edit on WhatsApp: it is sent anew, with
    the check marks of `selected`. `remove_keyboard` has nothing to remove on WhatsApp.
    """
    out: list[WaRequest] = []
    text = message.text
    if message.media is not None:
        fits_caption = wa_len(text) <= WHATSAPP_MAX_CAPTION
        alone = not message.choices and message.request is Request.NONE
        takes_caption = media_kind(message.media) != "audio"
        caption = text.strip() if alone and fits_caption and takes_caption else ""
        out.append(media_request(message.media, caption))
        if caption or (alone and not text.strip()):
            return out
    if message.choices:
        bodies = choices_block(text, message.choices, message.selected, words)
    elif message.request is not Request.NONE:
        bodies = request_block(message, words, can_share_number=can_share_number)
    else:
        bodies = [text_message(p) for p in split_text(text)]
    return out + [WaRequest(b) for b in bodies]
