"""Telegram through python-telegram-bot: updates -> Inbound, Outbound -> Bot API calls.

Only this module (and `telegram_updates`) imports `telegram`. The Application handles the
updates of different people at once and each person's in order
(`telegram_updates.PerPersonUpdates`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import (
    Audio,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    PhotoSize,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    Video,
    VideoNote,
    Voice,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channels.telegram_errors import classify_telegram_error
from bot.channels.telegram_updates import PerPersonUpdates
from bot.fairness import Held
from bot.limits import TELEGRAM_MAX_CALLBACK_DATA, TELEGRAM_MAX_CAPTION, TELEGRAM_MAX_TEXT
from bot.media_gate import MediaGate
from bot.messages import Inbound, InboundKind, Outbound, Request
from bot.outbox.queue import OutboxItem, Payload
from bot.outbox.ratelimit import RateLimiter
from bot.outbox.retry import Outcome, SendResult

log = logging.getLogger(__name__)

CHANNEL = "telegram"
Handle = Callable[[Inbound, str], Awaitable[list[Outbound]]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
REPLY_ATTEMPTS = 3  # a reply that meets flood control (429) waits the pause and tries again
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def build_application(token: str, api_server: str, *, polling: bool = True) -> Application:
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_server}/bot")
        .base_file_url(f"{api_server}/file/bot")
        .concurrent_updates(PerPersonUpdates())  # concurrent across people, in order per person
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


# --- inbound --------------------------------------------------------------------------------


def to_inbound(update: Update) -> Inbound | None:
    """The Inbound for a private-chat update; None for what the bot ignores (groups, edits)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private" or user.is_bot:
        return None
    base = Inbound(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=str(chat.id),
        kind=InboundKind.OTHER,
        profile_name=user.full_name or "",
        language_code=user.language_code or "",
    )
    if update.callback_query is not None:
        return replace(base, kind=InboundKind.CHOICE, choice=update.callback_query.data or "")
    message = update.message
    if message is None:
        return None
    base = replace(base, message_id=str(message.message_id))
    if message.text is not None:
        return replace(base, kind=InboundKind.TEXT, text=message.text)
    if message.contact is not None:
        # Only a person's own number counts: a forwarded card is someone else's data.
        if message.contact.user_id == user.id:
            return replace(base, kind=InboundKind.CONTACT, phone=message.contact.phone_number)
        return replace(base, kind=InboundKind.OTHER)
    if message.location is not None:
        return replace(
            base,
            kind=InboundKind.LOCATION,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
        )
    caption = message.caption or ""
    if message.photo:
        return replace(
            base, kind=InboundKind.PHOTO, media_ref=message.photo[-1].file_id, text=caption
        )
    if message.voice is not None or message.audio is not None:
        media = message.voice or message.audio
        assert media is not None
        return replace(base, kind=InboundKind.AUDIO, media_ref=media.file_id)
    if message.document is not None:
        return replace(
            base, kind=InboundKind.DOCUMENT, media_ref=message.document.file_id, text=caption
        )
    if message.video is not None or message.video_note is not None:
        film = message.video or message.video_note
        assert film is not None
        return replace(base, kind=InboundKind.VIDEO, media_ref=film.file_id, text=caption)
    return replace(base, kind=InboundKind.OTHER)


# --- outbound -------------------------------------------------------------------------------


def split_text(text: str, limit: int = TELEGRAM_MAX_TEXT) -> list[str]:
    """Split at paragraph, then line, then word boundaries so no part exceeds `limit`."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(
            text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit)
        )
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return [p for p in parts if p] or [""]


def markup_for(message: Outbound) -> Markup:
    if message.choices:
        for choice in message.choices:
            if len(choice.id.encode()) > TELEGRAM_MAX_CALLBACK_DATA:
                raise ValueError(f"callback_data over 64 bytes: {choice.id!r}")
        columns = max(1, message.columns)
        buttons = [
            InlineKeyboardButton(
                ("✓ " if c.id in message.selected else "") + c.label, callback_data=c.id
            )
            for c in message.choices
        ]
        return InlineKeyboardMarkup(
            [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
        )
    if message.request is not Request.NONE:
        native = KeyboardButton(
            message.request_label or message.request.value,
            request_contact=message.request is Request.CONTACT,
            request_location=message.request is Request.LOCATION,
        )
        rows = [[native]] + ([[KeyboardButton(message.skip_label)]] if message.skip_label else [])
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if message.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class TelegramChannel:
    """Owns the Application; `handle` is the engine's entry point."""

    def __init__(
        self,
        application: Application,
        handle: Handle,
        on_blocked: Callable[[str], Awaitable[None]] | None = None,
        media_dir: Path | None = None,
        limiter: RateLimiter | None = None,
        paid_broadcast: bool = False,
        media_gate: MediaGate | None = None,
    ):
        self.application = application
        self.media_gate = media_gate  # whether to fetch a file someone sent; None: never
        self.handle = handle
        self.on_blocked = on_blocked
        self.media_dir = media_dir
        # Shared with the outbox sender: replies (priority) and bot-initiated sends draw
        # from one budget, so together they stay within Telegram's limits.
        self.limiter = limiter
        self.paid_broadcast = paid_broadcast  # allow_paid_broadcast on outbox sends
        # Outbox media: after the first upload Telegram gives a file_id; every later
        # recipient gets that instead of the bytes again.
        self._file_ids: dict[str, str] = {}
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inbound = to_inbound(update)
        if inbound is None:
            return
        inbound = await self._fetch_media(update, inbound)
        if inbound is None:
            return  # a file refused (too large, quota): the person was told
        query = update.callback_query
        replies = await self.handle(inbound, str(update.update_id))
        if query is not None:
            if isinstance(replies, Held):  # over the inbound limit: the press was not taken
                await _stop_spinner(query)
            elif replies and replies[0].replace and await self._redraw(query, replies[0]):
                replies = replies[1:]
            else:
                await self._acknowledge_press(query)
        await self.send(int(inbound.chat_id), replies)

    async def _fetch_media(self, update: Update, inbound: Inbound) -> Inbound | None:
        """Store a photo, voice note or document under media_dir when the person's current
        step asks for it (`media_gate`, issue 12); media_ref becomes its path, or "" when
        nothing was fetched. None: refused (too large, quota), and the person told so."""
        kinds = (InboundKind.PHOTO, InboundKind.AUDIO, InboundKind.DOCUMENT, InboundKind.VIDEO)
        if inbound.kind not in kinds:
            return inbound
        if self.media_dir is None or self.media_gate is None:
            return replace(inbound, media_ref="")  # nowhere to keep files: fetch none
        message = update.message
        assert message is not None
        media: PhotoSize | Voice | Audio | Document | Video | VideoNote | None = (
            message.photo[-1]
            if message.photo
            else (message.voice or message.audio or message.video or message.video_note)
        )
        if inbound.kind is InboundKind.DOCUMENT and message.document is not None:
            # A document keeps its name (recipients see it); one folder per file.
            media = message.document
            name = _safe_name(message.document.file_name or "document")
            target = self.media_dir / "telegram" / media.file_unique_id / name
        elif media is None:
            return inbound
        else:
            suffix = ".jpg" if message.photo else ".ogg"
            if inbound.kind is InboundKind.VIDEO:
                suffix = ".mp4"
            target = self.media_dir / "telegram" / f"{media.file_unique_id}{suffix}"
        inbound = replace(inbound, media_ref="", media_size=media.file_size or 0)
        verdict = await self.media_gate.verdict(inbound)
        if verdict.refusal is not None:
            await self.send(int(inbound.chat_id), [verdict.refusal])
            return None
        if not verdict.take:
            return inbound  # this step takes no file: the handlers answer as to any input
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            file = await media.get_file()
            await file.download_to_drive(target)
            size = target.stat().st_size
        except (TelegramError, OSError) as exc:
            log.warning("could not fetch media %s: %s", media.file_id, exc)
            return inbound
        if size > verdict.max_bytes:  # the platform did not say, or said less
            target.unlink(missing_ok=True)
            if verdict.too_large is not None:
                await self.send(int(inbound.chat_id), [verdict.too_large])
            return None
        await self.media_gate.received(inbound, size)
        return replace(inbound, media_ref=str(target))

    async def _redraw(self, query: CallbackQuery, message: Outbound) -> bool:
        """Edit the pressed message in place (multi-select check marks)."""
        try:
            await query.answer()
        except TelegramError as exc:
            log.debug("answerCallbackQuery failed: %s", exc)
        pressed = query.message
        if not isinstance(pressed, Message) or pressed.text is None:
            return False
        try:
            markup = markup_for(message)
            await pressed.edit_text(
                split_text(message.text)[0],
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
        except BadRequest as exc:  # "message is not modified" on a double tap: fine
            log.debug("redraw failed: %s", exc)
        return True

    async def _acknowledge_press(self, query: CallbackQuery) -> None:
        """Stop the spinner, then freeze the pressed message showing the choice.

        Removing the keyboard is what makes a double tap or a late press of an old
        question impossible from the client side; the engine checks it again anyway.
        """
        try:
            await query.answer()
        except TelegramError as exc:  # an old query (>15 min) cannot be answered; harmless
            log.debug("answerCallbackQuery failed: %s", exc)
        message = query.message
        if not isinstance(message, Message):
            return
        label = _pressed_label(message, query.data or "")
        try:
            if message.text is not None and label:
                text = f"{message.text}\n\n✓ {label}"
                if len(text) > TELEGRAM_MAX_TEXT:
                    text = f"✓ {label}"
                await message.edit_text(text, reply_markup=None, entities=message.entities)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:  # already edited (double tap) or too old: nothing to do
            log.debug("could not freeze pressed message: %s", exc)

    async def send(self, chat_id: int, messages: Sequence[Outbound]) -> None:
        """Send one turn's replies: they wait for the chat's limit once, then go together."""
        turn: list[bool] = []  # becomes [True] once the turn took the chat's permission
        for message in messages:
            for attempt in range(1, REPLY_ATTEMPTS + 1):
                try:
                    await self.send_one(chat_id, message, turn=turn)
                    break
                except Forbidden:
                    log.info("chat %s blocked the bot", chat_id)
                    if self.on_blocked is not None:
                        await self.on_blocked(str(chat_id))
                    return
                except RetryAfter as exc:
                    if self.limiter is None or attempt == REPLY_ATTEMPTS:
                        raise
                    # Flood control for this chat: pause sends to it (the outbox's too), retry.
                    # Other chats go on (bot.outbox.ratelimit escalates when many chats meet it).
                    self.limiter.pause_chat(str(chat_id), classify_telegram_error(exc).retry_after)

    async def _limit(self, chat_id: int, *, priority: bool, turn: list[bool] | None = None) -> None:
        """Wait for the shared rate limiter. Replies go first and keep the per-chat limit
        (about 1 a second, short bursts; 20 a minute in a group) per turn: a turn's first
        message waits for it, the rest of that turn follow at once (`turn` tracks this)."""
        if self.limiter is None:
            return
        group = chat_id < 0
        follow_up = turn is not None and bool(turn) and not group  # group: every message
        await self.limiter.acquire(
            str(chat_id), group=group, priority=priority, per_chat=not follow_up
        )
        if turn is not None and not turn:
            turn.append(True)

    async def send_one(
        self,
        chat_id: int,
        message: Outbound,
        *,
        priority: bool = True,
        turn: list[bool] | None = None,
    ) -> list[Message]:
        media = message.media
        attached = (
            (_sender(self.application.bot, media.kind, media.filename), media.data, media.filename)
            if media is not None
            else None
        )
        # Only a text message takes link_preview_options; a caption has no preview.
        extra = {"link_preview_options": NO_PREVIEW} if message.no_preview and not media else None
        return await self._post(
            chat_id,
            message.text,
            markup_for(message),
            attached,
            priority=priority,
            turn=turn,
            extra=extra,
        )

    async def _post(
        self,
        chat_id: int,
        text: str,
        markup: Markup,
        attached: tuple[Any, object, str | None] | None,
        *,
        priority: bool,
        turn: list[bool] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> list[Message]:
        """One message as Telegram takes it, for replies and outbox rows alike: the media
        with the text as its caption when it fits (else the media alone, then the text),
        text split at 4,096 characters, the buttons under the last part."""
        bot = self.application.bot
        extra = extra or {}
        sent: list[Message] = []
        rest = text
        if attached is not None:
            send, file, filename = attached
            caption, rest = _caption_and_rest(text)
            await self._limit(chat_id, priority=priority, turn=turn)
            sent.append(
                await send(
                    chat_id,
                    file,
                    caption=caption or None,
                    filename=filename,
                    reply_markup=markup if not rest else None,
                    **extra,
                )
            )
        parts = split_text(rest) if rest or attached is None else []
        for i, part in enumerate(parts):
            await self._limit(chat_id, priority=priority, turn=turn)
            last = i == len(parts) - 1
            buttons = markup if last else None
            sent.append(await bot.send_message(chat_id, part, reply_markup=buttons, **extra))
        return sent

    async def deliver(self, item: OutboxItem) -> SendResult:
        """Send one outbox row (bot.outbox.sender calls this); never raises for API errors."""
        try:
            message = await self._deliver(int(item.chat_id), item.payload)
        except asyncio.CancelledError:
            raise
        except FileNotFoundError:
            return SendResult(Outcome.FAILED, "media file missing")
        except Exception as exc:  # mapped to retry / blocked / failed in one place
            return classify_telegram_error(exc)
        return SendResult(Outcome.SENT, platform_message_id=str(message.message_id))

    async def _deliver(self, chat_id: int, payload: Payload) -> Message:
        extra = {"allow_paid_broadcast": True} if self.paid_broadcast else {}
        markup = markup_for(Outbound(payload.text, payload.choices, payload.columns))
        attached = None
        if payload.media_kind:
            cached = self._file_ids.get(payload.media_path)
            if cached is None and not Path(payload.media_path).is_file():
                raise FileNotFoundError(payload.media_path)
            send = _sender(self.application.bot, payload.media_kind, payload.media_name)
            attached = (send, cached or Path(payload.media_path), payload.media_name or None)
        sent = await self._post(
            chat_id, payload.text, markup, attached, priority=False, extra=extra
        )
        first = sent[0]
        if payload.media_kind:  # the next send of the same file goes by Telegram's file id
            uploaded = first.photo[-1] if first.photo else first.document
            if uploaded is not None:
                self._file_ids[payload.media_path] = uploaded.file_id
        return first

    async def register_commands(
        self, menus: dict[str, list[tuple[str, str]]], staff: dict[int, list[tuple[str, str]]]
    ) -> None:
        """setMyCommands: the stakeholder menu per language, and a fuller one per staff chat."""
        bot = self.application.bot
        for language, entries in menus.items():
            commands = [BotCommand(name, desc[:256]) for name, desc in entries]
            await bot.set_my_commands(
                commands,
                scope=BotCommandScopeDefault(),
                language_code=None if language == "en" else language,
            )
        for chat_id, entries in staff.items():
            try:
                await bot.set_my_commands(
                    [BotCommand(name, desc[:256]) for name, desc in entries],
                    scope=BotCommandScopeChat(chat_id),
                )
            except BadRequest as exc:  # an admin who never opened the chat: no chat yet
                log.info("no command menu for staff chat %s: %s", chat_id, exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)


async def _stop_spinner(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as exc:
        log.debug("answerCallbackQuery failed: %s", exc)


def _pressed_label(message: Message, data: str) -> str:
    markup = message.reply_markup
    if markup is None:
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def _safe_name(name: str) -> str:
    """A file name safe to write: no folders, no odd characters, at most 100 characters."""
    name = re.sub(r"[^\w.\- ]", "_", Path(name).name).strip(" .") or "document"
    return name[-100:]


def _sender(bot: Any, kind: str, filename: str) -> Any:
    """The Bot API method for a kind of media: a photo, a voice note (OGG/Opus, played in
    the chat) or another audio file, a video, else a document."""
    if kind == "photo":
        return bot.send_photo
    if kind == "audio":
        voice = filename.lower().endswith((".ogg", ".oga", ".opus"))
        return bot.send_voice if voice else bot.send_audio
    if kind == "video":
        return bot.send_video
    return bot.send_document


def _caption_and_rest(text: str) -> tuple[str, str]:
    if len(text) <= TELEGRAM_MAX_CAPTION:
        return text, ""
    return "", text


def webhook_route(application: Application, secret: str) -> Callable[..., Awaitable[object]]:
    """aiohttp handler for /telegram/webhook: checks the secret-token header first."""
    import hmac

    from aiohttp import web

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
        except (ValueError, RecursionError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="bad update")  # `[]`, `null`, `5`…
        try:
            update = Update.de_json(data, application.bot)
        except Exception:  # a shape PTB cannot read ({"message": 5}…): 400, never 500
            return web.Response(status=400, text="bad update")
        if update is not None:
            await application.update_queue.put(update)
        return web.Response(text="ok")

    return receive
