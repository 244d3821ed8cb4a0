"""Telegram through python-telegram-bot: updates -> Inbound, Outbound -> Bot API calls.

Only this module imports `telegram`. The Application runs updates one at a time
(`concurrent_updates` off), which keeps each person's messages in order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.limits import TELEGRAM_MAX_CALLBACK_DATA, TELEGRAM_MAX_CAPTION, TELEGRAM_MAX_TEXT
from bot.messages import Inbound, InboundKind, Outbound, Request

log = logging.getLogger(__name__)

CHANNEL = "telegram"
Handle = Callable[[Inbound, str], Awaitable[list[Outbound]]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def build_application(token: str, api_server: str, *, polling: bool = True) -> Application:
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_server}/bot")
        .base_file_url(f"{api_server}/file/bot")
        .concurrent_updates(False)
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
    if message.photo:
        return replace(base, kind=InboundKind.PHOTO, media_ref=message.photo[-1].file_id)
    if message.voice is not None or message.audio is not None:
        media = message.voice or message.audio
        assert media is not None
        return replace(base, kind=InboundKind.AUDIO, media_ref=media.file_id)
    if message.document is not None:
        return replace(base, kind=InboundKind.DOCUMENT, media_ref=message.document.file_id)
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
    ):
        self.application = application
        self.handle = handle
        self.on_blocked = on_blocked
        self.media_dir = media_dir
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inbound = to_inbound(update)
        if inbound is None:
            return
        inbound = await self._fetch_media(update, inbound)
        query = update.callback_query
        replies = await self.handle(inbound, str(update.update_id))
        if query is not None:
            if replies and replies[0].replace and await self._redraw(query, replies[0]):
                replies = replies[1:]
            else:
                await self._acknowledge_press(query)
        await self.send(int(inbound.chat_id), replies)

    async def _fetch_media(self, update: Update, inbound: Inbound) -> Inbound:
        """Store a photo or voice note under media_dir; the answer records its path."""
        if self.media_dir is None or inbound.kind not in (InboundKind.PHOTO, InboundKind.AUDIO):
            return inbound
        message = update.message
        assert message is not None
        media = message.photo[-1] if message.photo else (message.voice or message.audio)
        if media is None:
            return inbound
        suffix = ".jpg" if message.photo else ".ogg"
        target = self.media_dir / "telegram" / f"{media.file_unique_id}{suffix}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            file = await media.get_file()
            await file.download_to_drive(target)
        except (TelegramError, OSError) as exc:
            log.warning("could not fetch media %s: %s", media.file_id, exc)
            return inbound
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
        for message in messages:
            try:
                await self.send_one(chat_id, message)
            except Forbidden:
                log.info("chat %s blocked the bot", chat_id)
                if self.on_blocked is not None:
                    await self.on_blocked(str(chat_id))
                return

    async def send_one(self, chat_id: int, message: Outbound) -> list[Message]:
        bot = self.application.bot
        markup = markup_for(message)
        if message.media is not None:
            caption, rest = _caption_and_rest(message.text)
            send = bot.send_photo if message.media.kind == "photo" else bot.send_document
            first = await send(
                chat_id,
                message.media.data,
                caption=caption or None,
                filename=message.media.filename,
                reply_markup=markup if not rest else None,
            )
            sent = [first]
            for part in split_text(rest) if rest else []:
                sent.append(await bot.send_message(chat_id, part, reply_markup=markup))
            return sent
        parts = split_text(message.text)
        sent = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            sent.append(
                await bot.send_message(chat_id, part, reply_markup=markup if last else None)
            )
        return sent

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


def _pressed_label(message: Message, data: str) -> str:
    markup = message.reply_markup
    if markup is None:
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


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
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="bad update")
        if update is not None:
            await application.update_queue.put(update)
        return web.Response(text="ok")

    return receive
