"""Which steps take a file (issue 12): the policy `bot.media_gate` asks before a channel
downloads a photo, voice note or document.

    survey.answer at an `image` question        -> a photo     (the person consented)
    survey.answer at an `audio` question        -> a voice note / audio file
    survey.answer at a `text` question          -> a voice note / audio file, unless the
                                                   form says `voice` = no (issue 14)
    survey.answer at a `video` question         -> a video
    survey.answer at a `file` question          -> a document
    broadcast.message, broadcast.preview (CDA)  -> a photo or a document to attach
    ask.text, ask.more (/ask, issue 15)         -> a photo or a voice note for the CDA

Anything else — a stranger, someone who has not consented, any other step — gets no
download: the message reaches the handlers without a file, as any unexpected input does.
"""

from __future__ import annotations

from bot.engine import Context
from bot.messages import InboundKind
from bot.surveys.answers import takes_voice
from bot.surveys.navigation import SlotKind
from handlers.broadcasts.draft import FLOW as BROADCAST
from handlers.inbox import ask
from handlers.surveys import respond as survey

SURVEY_MEDIA = {
    "image": InboundKind.PHOTO,
    "audio": InboundKind.AUDIO,
    "video": InboundKind.VIDEO,
    "file": InboundKind.DOCUMENT,
}
BROADCAST_STEPS = frozenset({f"{BROADCAST}.message", f"{BROADCAST}.preview"})
ATTACHMENTS = frozenset({InboundKind.PHOTO, InboundKind.DOCUMENT})


def wanted(ctx: Context) -> bool:
    """Whether the person's current step asks for the kind of file in `ctx.inbound`."""
    conv, kind = ctx.conv, ctx.inbound.kind
    if conv is None:
        return False
    if conv.flow == BROADCAST:
        return conv.step in BROADCAST_STEPS and kind in ATTACHMENTS and bool(ctx.access.cda)
    if conv.flow == ask.FLOW:
        return (
            conv.step in (ask.TEXT, ask.MORE)
            and kind in ask.MEDIA_KINDS
            and not conv.data.get("media_kind")
            and bool(ctx.contact.consent_at)
        )
    if conv.flow == survey.FLOW and conv.step == survey.ANSWER and ctx.contact.consent_at:
        slot = survey.current_slot(ctx)
        if slot is None or slot.kind is not SlotKind.QUESTION:
            return False
        if kind is InboundKind.AUDIO and takes_voice(slot.question):
            return True  # a voice note answers a text question
        return SURVEY_MEDIA.get(slot.question.type) is kind
    return False
