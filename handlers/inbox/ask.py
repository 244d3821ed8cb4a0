"""/ask and /mine: a stakeholder writes to the CDA of their cluster (issue 15).

    /ask (or the main menu's "Write to the CDA", or on WhatsApp free text outside any flow)
      -> kind: question / suggestion / complaint / about my data
      -> suggestions and complaints: with my name, or anonymously (what that means, plainly)
      -> the message: text (at most 2,000 characters), a photo or a voice note
      -> Send: an item with a reference number; the CDAs hear of it in their digest

Refused before anything is asked, and again at Send: someone without a cluster, someone a
CDA blocked, and someone with 10 items still waiting. `/mine` lists the last items a person
sent, with their status and the CDA's answer.
"""

from __future__ import annotations

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.jobs import inbox_digest
from bot.messages import Choice, InboundKind
from bot.storage import inbox
from bot.storage.inbox import ANONYMOUS_KINDS, KINDS, MAX_OPEN_PER_PERSON, MAX_TEXT
from handlers.broadcasts.draft import text_length
from handlers.common import picked, use_buttons
from handlers.inbox import words
from handlers.inbox.words import reference
from handlers.people import menu

FLOW = "ask"
KIND, ANON, TEXT, MORE, OFFER = (f"{FLOW}.{s}" for s in ("kind", "anon", "text", "more", "offer"))
MEDIA_KINDS = {InboundKind.PHOTO: "photo", InboundKind.AUDIO: "audio"}
MINE_SHOWN = 10
MESSAGE_MAX = 3900  # a margin below Telegram's 4,096 for /mine's packed lines


def _data(ctx: Context) -> dict[str, object]:
    return dict(ctx.conv.data) if ctx.conv and ctx.conv.flow == FLOW else {}


def refusal(ctx: Context) -> str | None:
    """Why this person may not open an item now, in their language; None: they may."""
    _ = ctx._
    if ctx.contact.cluster_id is None:
        return _("You are not part of a cluster yet. Send /start to register.")
    if inbox.is_blocked(ctx.conn, ctx.contact.cluster_id, ctx.contact.id):
        return _(
            "The CDA has stopped taking messages from you here. Please speak to them in person."
        )
    if inbox.open_count(ctx.conn, ctx.contact.id) >= MAX_OPEN_PER_PERSON:
        return _(
            "You have {count} messages waiting for the CDA's answer. Please wait for some "
            "answers before you send more; /mine shows them."
        ).format(count=_.number(MAX_OPEN_PER_PERSON))
    return None


def _kind_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"ask:k:{kind}", words.kind_label(ctx._, kind)) for kind in KINDS]


def _anon_choices(ctx: Context) -> list[Choice]:
    return [
        Choice("ask:a:name", ctx._("With my name")),
        Choice("ask:a:anon", ctx._("Anonymously")),
    ]


def _more_choices(ctx: Context) -> list[Choice]:
    return [Choice("ask:send", ctx._("Send")), Choice("ask:drop", ctx._("Cancel"))]


def _offer_choices(ctx: Context) -> list[Choice]:
    return [Choice("ask:offer:yes", ctx._("Send to the CDA")), Choice("ask:offer:no", ctx._("No"))]


def grievance_line(ctx: Context) -> str:
    """Where a complaint about one's data may also go (the data-safety settings)."""
    contact = ctx.settings.grievance_contact or ctx._("your CDA")
    return ctx._(
        "About your data you may also complain to {grievance}, and, if it is not resolved, "
        "to the Data Protection Board of India."
    ).format(grievance=contact)


@command("ask", N_("Write to the CDA"), Audience.MEMBER)
def start(ctx: Context) -> None:
    begin(ctx, "")


def begin(ctx: Context, text: str) -> None:
    """A new item; `text`: words already typed (WhatsApp's offer)."""
    reason = refusal(ctx)
    if reason is not None:
        ctx.end()
        ctx.reply(reason)
        return
    ctx.conv = None
    ctx.go(FLOW, KIND, text=text, media_kind="", media_path="", anonymous=False)
    ask_kind(ctx)


def ask_kind(ctx: Context) -> None:
    ctx.reply(
        ctx._("What would you like to send to the CDA? Send /cancel to stop."),
        _kind_choices(ctx),
    )


def offer(ctx: Context) -> None:
    """WhatsApp: words typed outside any flow may be meant for the CDA (issue 15)."""
    text = ctx.inbound.text.strip()
    # A CDA's stray words are not meant for themselves.
    if ctx.access.cda or refusal(ctx) is not None or not text or text_length(text) > MAX_TEXT:
        menu.not_understood(ctx)
        return
    ctx.go(FLOW, OFFER, text=text)
    ctx.reply(ctx._("Send this to the CDA?") + "\n\n“" + words.quote(text) + "”",
              _offer_choices(ctx))  # fmt: skip


def _ask_text(ctx: Context) -> None:
    ctx.reply(
        ctx._(
            "Please write your message (at most {max} characters). You may also send a "
            "photo or a voice note. Send /cancel to stop."
        ).format(max=ctx._.number(MAX_TEXT))
    )


def _ask_more(ctx: Context) -> None:
    data, _ = _data(ctx), ctx._
    if data.get("media_kind"):
        lead = _("Type a few words about it if you like, then press “Send”.")
    else:
        lead = _("You may add a photo or a voice note, or press “Send”.")
    ctx.reply(lead, _more_choices(ctx))


def _after_kind(ctx: Context) -> None:
    data = _data(ctx)
    if data.get("kind") == "privacy":
        ctx.reply(grievance_line(ctx))
    if data.get("kind") in ANONYMOUS_KINDS:
        ctx.go(FLOW, ANON)
        ctx.reply(
            ctx._(
                "Send it with your name, or anonymously? Anonymously means: the CDA does not "
                "see who sent it. The bot keeps the link to you only to bring you the CDA's "
                "reply, and /forget removes it."
            ),
            _anon_choices(ctx),
        )
        return
    _to_message(ctx)


def _to_message(ctx: Context) -> None:
    if _data(ctx).get("text"):
        ctx.go(FLOW, MORE)
        _ask_more(ctx)
    else:
        ctx.go(FLOW, TEXT)
        _ask_text(ctx)


def _take_message(ctx: Context) -> bool:
    """Text, a photo or a voice note for the draft; False (and why) when it is none. Words
    sent in several messages are joined: people write in short bursts."""
    inbound, data, _ = ctx.inbound, _data(ctx), ctx._
    if inbound.kind in MEDIA_KINDS and data.get("media_kind"):
        ctx.reply(_("One photo or voice note can go with a message. Press “Send” to send it."))
        return False
    if inbound.kind in MEDIA_KINDS and inbound.media_ref:
        ctx.go(FLOW, MORE, media_kind=MEDIA_KINDS[inbound.kind], media_path=inbound.media_ref)
        caption = inbound.text.strip()
        return not caption or _add_words(ctx, caption)
    typed = inbound.text.strip() if inbound.kind is InboundKind.TEXT else ""
    if typed and not typed.startswith("/"):
        return _add_words(ctx, typed)
    if inbound.kind in MEDIA_KINDS:
        ctx.reply(_("That file could not be taken. Please type your message instead."))
        return False
    if inbound.kind is InboundKind.CHOICE:
        ctx.reply(_("That button belongs to an earlier question."))
    ctx.reply(_("Please type your message, or send a photo or a voice note."))
    return False


def _add_words(ctx: Context, words_typed: str) -> bool:
    _ = ctx._
    before = str(_data(ctx).get("text") or "")
    text = f"{before}\n{words_typed}" if before else words_typed
    if text_length(text) > MAX_TEXT:
        ctx.reply(
            _(
                "Your message has {length} characters; at most {max} fit. Please send a "
                "shorter one."
            ).format(length=_.number(text_length(text)), max=_.number(MAX_TEXT))
        )
        return False
    ctx.go(FLOW, MORE, text=text)
    return True


def _send(ctx: Context) -> None:
    reason = refusal(ctx)
    data, _ = _data(ctx), ctx._
    ctx.end()
    if reason is not None:
        ctx.reply(reason)
        return
    assert ctx.contact.cluster_id is not None  # refusal() checked
    item = inbox.add(
        ctx.conn,
        cluster_id=ctx.contact.cluster_id,
        contact_id=ctx.contact.id,
        kind=str(data.get("kind", "question")),
        anonymous=bool(data.get("anonymous")),
        text=str(data.get("text", "")),
        media_kind=str(data.get("media_kind") or "") or None,
        media_path=str(data.get("media_path") or "") or None,
        role=ctx.contact.role,
        gender=ctx.contact.gender,
        now=ctx.now_iso,
    )
    inbox_digest.arm(ctx.conn, item.cluster_id, ctx.now, ctx.settings.timezone)
    lines = [
        _(
            "Sent to the CDA. Your reference number is {ref}. The answer will come here; "
            "/mine shows what you sent and the answers."
        ).format(ref=reference(item.id))
    ]
    if item.anonymous:
        lines.append(_("It was sent anonymously: the CDA does not see who sent it."))
    if item.kind == "privacy":
        lines.append(grievance_line(ctx))
    ctx.reply("\n\n".join(lines), remove_keyboard=True)


@flow(FLOW)
def on_input(ctx: Context) -> None:
    step = ctx.conv.step if ctx.conv else ""
    if step == OFFER:
        choice = picked(ctx, _offer_choices(ctx))
        if choice is None:
            ctx.end()
            menu.not_understood(ctx)
        elif choice.id == "ask:offer:yes":
            begin(ctx, str(_data(ctx).get("text", "")))
        else:
            ctx.end()
            menu.main_menu(ctx)
        return
    if step == KIND:
        kind_choice = picked(ctx, _kind_choices(ctx))
        if kind_choice is None:
            use_buttons(ctx, _kind_choices(ctx))
            return
        ctx.go(FLOW, KIND, kind=kind_choice.id.removeprefix("ask:k:"))
        _after_kind(ctx)
    elif step == ANON:
        anon_choice = picked(ctx, _anon_choices(ctx))
        if anon_choice is None:
            use_buttons(ctx, _anon_choices(ctx))
            return
        ctx.go(FLOW, ANON, anonymous=anon_choice.id == "ask:a:anon")
        _to_message(ctx)
    elif step == TEXT:
        if _take_message(ctx):
            _ask_more(ctx)
    elif step == MORE:
        choice = picked(ctx, _more_choices(ctx))
        if choice is not None and choice.id == "ask:send":
            _send(ctx)
        elif choice is not None:
            ctx.end()
            ctx.reply(ctx._("Cancelled. Nothing was sent."))
        elif _take_message(ctx):
            _ask_more(ctx)
    else:
        ctx.end()


@command("mine", N_("My messages to the CDA"), Audience.MEMBER)
def show_mine(ctx: Context) -> None:
    _ = ctx._
    items = inbox.of_sender(ctx.conn, ctx.contact.id, MINE_SHOWN)
    if not items:
        ctx.reply(_("You have not written to the CDA yet. Send /ask to write."))
        return
    zone = words.zone_of(ctx.conn, items[0].cluster_id, ctx.settings.timezone)
    entries = [_("What you sent to the CDA, newest first:")]
    for item in items:
        head = " · ".join(
            (
                reference(item.id),
                words.kind_label(_, item.kind),
                words.sent_on(_, item, zone),
                _(words.STATUS_LABELS[item.status]),
            )
        )
        lines = [head, "“" + words.quote(item.text, 300) + "”" if item.text else "📎"]
        if item.anonymous:
            lines.append(_("(sent anonymously)"))
        answer = inbox.last_answer(ctx.conn, item.id)
        if answer is not None:
            lines.append(_("Answer: {text}").format(text=answer.text))
        entries.append("\n".join(lines))
    messages: list[str] = []
    for entry in entries:
        if messages and text_length(messages[-1]) + 2 + text_length(entry) <= MESSAGE_MAX:
            messages[-1] += "\n\n" + entry
        else:
            messages.append(entry)
    for text in messages:
        ctx.reply(text)
