"""Loopback stand-in for the Telegram Bot API, for end-to-end tests and benchmarks.

It speaks enough of the HTTP Bot API for python-telegram-bot (PTB) to run unmodified
against it, and it rejects requests the way Telegram does (too long texts, bad
``callback_data``, unparsable HTML/MarkdownV2, editing unknown messages, rate limits...),
so that tests catch bugs that would otherwise only show up in production.

In-process use (the bot and the fake share one event loop)::

    fake = FakeTelegram()
    root = await fake.start()                 # "http://127.0.0.1:PORT"
    bot = Bot(fake.token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot")
    fake.push_text(42, "/start")              # user 42 writes to the bot
    [reply] = await fake.wait_for(42, 1)      # first new message the bot sent to chat 42
    fake.press(42, "Next")                    # tap an inline button of the latest keyboard
    await fake.stop()

For kill -9 tests the bot runs in a subprocess and the fake stays in the test process,
started on a fixed port with ``await fake.start(port)`` so a restarted bot finds it again.
The fake can also run on its own: ``python -m tests.fakes.telegram_api --port 8081`` prints
its root URL and serves a small JSON control API (``POST /_fake/push_text`` with the
keyword arguments as a JSON object, ``GET /_fake/state``) for driving it from elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import html
import json
import math
import re
import secrets
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USERNAME = "clusterbot_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# Methods that produce a message: these are what rate limits and `sent` are about.
_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendLocation",
                           "sendAudio", "sendVoice", "sendVideo"})
_EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
# Methods addressed to a chat: they fail with "chat not found" / 403 when blocked.
_CHAT_METHODS = _SEND_METHODS | _EDIT_METHODS | {"sendChatAction", "deleteMessage"}
_HARMLESS = ("logOut", "close", "setMyDescription", "setMyShortDescription",
             "setMyName", "setChatMenuButton")
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")
# Form encodings carry everything as strings; these are the fields PTB JSON-encodes.
_JSON_FIELDS = frozenset({"reply_markup", "scope", "commands", "allowed_updates", "entities",
                          "caption_entities", "link_preview_options", "reply_parameters", "media"})
_INT_FIELDS = frozenset({"chat_id", "message_id", "offset", "limit", "reply_to_message_id",
                         "message_thread_id", "cache_time", "user_id", "from_chat_id"})
_FLOAT_FIELDS = frozenset({"timeout", "latitude", "longitude", "horizontal_accuracy"})
_BOOL_FIELDS = frozenset({"disable_notification", "protect_content", "show_alert",
                          "drop_pending_updates", "allow_sending_without_reply"})
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_CONTROL_ACTIONS = frozenset({"push_text", "push_callback", "press", "push_contact",
                              "push_location", "push_photo", "push_voice", "push_sticker",
                              "block", "unblock", "fail_next", "add_chat"})


@dataclass
class UploadedFile:
    """A multipart file part as received from the client."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class SentMessage:
    """One message the bot sent successfully (sendMessage/sendPhoto/sendDocument/sendLocation)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None  # raw text as sent (markup included); caption for media
    reply_markup: dict[str, Any] | None = None
    file_name: str | None = None
    file: bytes | None = None
    time: float = 0.0  # time.monotonic() when the fake accepted it
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline keyboard, row by row."""
        return [b.get("text", "") for b in _inline_buttons(self.reply_markup)]


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    path: str
    data: bytes
    mime_type: str
    file_name: str | None = None


@dataclass
class _Stored:
    """Current state of a message in a chat; `raw`/`parse_mode` decide "not modified"."""

    msg: dict[str, Any]
    from_bot: bool
    raw: str | None = None
    parse_mode: str | None = None


class ApiError(Exception):
    """Raised inside method handlers; becomes a Telegram-shaped error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class _Notifier:
    """Wake-up signal usable across threads and event loops.

    A version number closes the race between "check state" and "start waiting" when the
    state is changed from another thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.version = 0

    def notify_all(self) -> None:
        with self._lock:
            self.version += 1
            waiters, self._waiters = self._waiters, []
        for loop, fut in waiters:
            if not loop.is_closed():  # a waiter left behind by a finished test loop
                loop.call_soon_threadsafe(_resolve, fut)

    async def wait(self, seen_version: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.version != seen_version:
                return
            self._waiters.append((loop, fut))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(fut, max(timeout, 0.0))


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _inline_buttons(markup: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    for row in (markup or {}).get("inline_keyboard") or []:
        yield from row


# --------------------------------------------------------------------------- text parsing
# Telegram rejects malformed formatting outright, which is the most common production bug
# with HTML/MarkdownV2 replies, so the fake parses both and returns the plain text.

_HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                        "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"})
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough",
              "||": "Spoiler", "[": "TextUrl"}


def _offset(text: str, i: int) -> int:
    return len(text[:i].encode())


def _entities_error(message: str) -> ApiError:
    return _bad(f"can't parse entities: {message}")


def _html_plain(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "<":
            m = _TAG_RE.match(text, i)
            name = m.group(2).lower() if m else re.split(r"[\s>]", text[i + 1:], maxsplit=1)[0]
            if m is None or name not in _HTML_TAGS:
                raise _entities_error(
                    f'Unsupported start tag "{name}" at byte offset {_offset(text, i)}')
            if m.group(1):
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "nothing"
                    raise _entities_error(f"Unmatched end tag at byte offset {_offset(text, i)}, "
                                          f'expected {expected}, found "</{name}>"')
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
            continue
        entity = _ENTITY_RE.match(text, i) if c == "&" else None
        if entity:
            out.append(html.unescape(entity.group(0)))
            i = entity.end()
            continue
        out.append(c)
        i += 1
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _md2_skip_until(text: str, i: int, delim: str, out: list[str]) -> int:
    """Copy escaped content up to `delim`; return index after it or -1 if unterminated."""
    while i < len(text):
        if text.startswith(delim, i):
            return i + len(delim)
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return -1


def _markdown_v2_plain(text: str) -> str:
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == "`":
            delim = "```" if text.startswith("```", i) else "`"
            code: list[str] = []
            end = _md2_skip_until(text, i + len(delim), delim, code)
            if end < 0:
                kind = "Pre" if delim == "```" else "Code"
                raise _entities_error(
                    f"Can't find end of {kind} entity at byte offset {_offset(text, i)}")
            body = "".join(code)
            if delim == "```" and "\n" in body and " " not in body.split("\n", 1)[0]:
                body = body.split("\n", 1)[1]  # first line is the language name
            out.append(body)
            i = end
            continue
        if c == "]" and stack and stack[-1][0] == "[" and text.startswith("(", i + 1):
            stack.pop()
            end = _md2_skip_until(text, i + 2, ")", [])
            if end < 0:
                raise _entities_error(
                    f"Can't find end of a URL at byte offset {_offset(text, i + 1)}")
            i = end
            continue
        tok = next((t for t in ("||", "__", "*", "_", "~", "[") if text.startswith(t, i)), None)
        if tok:
            if stack and stack[-1][0] == tok and tok != "[":
                stack.pop()
            else:
                stack.append((tok, i))
            i += len(tok)
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # block quotation marker
            continue
        if c in _MD2_RESERVED:
            raise _entities_error(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        out.append(c)
        i += 1
    if stack:
        tok, pos = stack[-1]
        raise _entities_error(
            f"Can't find end of {_MD2_NAMES[tok]} entity at byte offset {_offset(text, pos)}")
    return "".join(out)


def _markdown_plain(text: str) -> str:
    """Legacy Markdown: *bold* _italic_ `code` [text](url), '\\' escapes outside entities."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text[i + 1:i + 2] in ("_", "*", "`", "["):
            out.append(text[i + 1])
            i += 2
        elif c in "*_`":
            delim = "```" if text.startswith("```", i) else c
            end = text.find(delim, i + len(delim))
            if end < 0:
                raise _entities_error("Can't find end of the entity starting at byte offset "
                                      f"{_offset(text, i)}")
            out.append(text[i + len(delim):end])
            i = end + len(delim)
        elif c == "[" and (m := re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)):
            out.append(m.group(1))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def render_text(text: str, parse_mode: str | None) -> str:
    """Plain text Telegram would store, or ApiError 400 "can't parse entities"."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html_plain(text)
    if mode == "markdownv2":
        return _markdown_v2_plain(text)
    if mode == "markdown":
        return _markdown_plain(text)
    if mode:
        raise _bad(f"unsupported parse_mode {parse_mode}")
    return text


# --------------------------------------------------------------------------- the fake


class FakeTelegram:
    """In-memory Telegram Bot API server; see the module docstring for usage."""

    def __init__(self, token: str = "123:TEST", *, rate_limit_per_second: float | None = None,
                 per_chat_per_minute_groups: int | None = None) -> None:
        self.token = token
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_per_minute_groups = per_chat_per_minute_groups
        self.root = ""
        self.sent: list[SentMessage] = []
        self.edits: list[dict[str, Any]] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, status, description)
        self.rejected_429 = 0
        prefix = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 1, "is_bot": True,
            "first_name": "ClusterBot Test", "username": BOT_USERNAME}
        # RLock: press() calls push_callback(), and handlers may run on another thread than
        # the one pushing updates.
        self._lock = threading.RLock()
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, dict[int, _Stored]] = {}
        self._last_message_id: dict[int, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._paths: dict[str, _StoredFile] = {}
        self._file_seq = 0
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1000
        self._delivered_upto = 0
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._pending_callbacks: set[str] = set()
        self._callback_seq = 0
        self._failures: dict[str, deque[tuple[int | None, ApiError]]] = {}
        self._blocked: set[int] = set()
        self._global_window: deque[float] = deque()
        self._group_windows: dict[int, deque[float]] = {}
        self._webhook_url = ""
        self._cursor: dict[int, int] = {}
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._closing = False
        self._updates_changed = _Notifier()
        self._sent_changed = _Notifier()
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:`port` (0 = ephemeral) and return the root URL."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already running; stop() it first")
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/_fake/{action}", self._handle_control)
        # handler_cancellation: a long poll from a killed bot must not swallow updates.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=2.0,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        real_port = self._runner.addresses[-1][1]
        self._closing = False
        self.root = f"http://127.0.0.1:{real_port}"
        return self.root

    async def stop(self) -> None:
        """Stop serving; pending long polls return empty. State is kept for a restart."""
        self._closing = True
        self._updates_changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ simulated users
    def add_chat(self, chat_id: int, *, title: str | None = None) -> None:
        """Make a group chat known (negative id; -100... ids are supergroups)."""
        with self._lock:
            kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            self._chats.setdefault(chat_id, {"id": chat_id, "type": kind,
                                             "title": title or f"Group {chat_id}"})

    def push_text(self, user_id: int, text: str, *, first_name: str = "Test",
                  language_code: str | None = None, chat_id: int | None = None) -> int:
        """Enqueue a text message from the user (to a group if `chat_id` is given)."""
        content: dict[str, Any] = {"text": text}
        command = _COMMAND_RE.match(text)
        if command:
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.group(0))}]
        return self._push_message(user_id, content, first_name, language_code, chat_id)

    def push_contact(self, user_id: int, phone: str) -> int:
        with self._lock:
            user = self._user(user_id)
            return self._push_message(user_id, {"contact": {
                "phone_number": phone, "first_name": user["first_name"], "user_id": user_id}})

    def push_location(self, user_id: int, lat: float, lon: float) -> int:
        return self._push_message(user_id, {"location": {"latitude": lat, "longitude": lon}})

    def push_photo(self, user_id: int,
                   content: bytes = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-jpeg\xff\xd9") -> int:
        f = self._store_file(content, "photos", "jpg", "image/jpeg")
        thumb = self._alias(f)
        return self._push_message(user_id, {"photo": [
            {"file_id": thumb.file_id, "file_unique_id": thumb.file_unique_id, "width": 90,
             "height": 90, "file_size": len(content)},
            {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": 800,
             "height": 600, "file_size": len(content)}]})

    def push_voice(self, user_id: int, content: bytes = b"OggS\x00fake-opus-voice") -> int:
        f = self._store_file(content, "voice", "oga", "audio/ogg")
        return self._push_message(user_id, {"voice": {
            "file_id": f.file_id, "file_unique_id": f.file_unique_id, "duration": 1,
            "mime_type": "audio/ogg", "file_size": len(content)}})

    def push_sticker(self, user_id: int) -> int:
        f = self._store_file(b"RIFF\x00\x00\x00\x00WEBPfake", "stickers", "webp", "image/webp")
        return self._push_message(user_id, {"sticker": {
            "file_id": f.file_id, "file_unique_id": f.file_unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
            "emoji": "\N{THUMBS UP SIGN}", "file_size": len(f.data)}})

    def push_callback(self, user_id: int, message_id: int, data: str, *,
                      chat_id: int | None = None) -> str:
        """Enqueue a callback_query as if the user tapped a button of that bot message."""
        with self._lock:
            user = self._user(user_id)
            chat = chat_id if chat_id is not None else user_id
            stored = self._messages.get(chat, {}).get(message_id)
            message = dict(stored.msg) if stored else {
                "message_id": message_id, "date": int(time.time()), "chat": self._chats[chat],
                "from": self.bot_user}
            self._callback_seq += 1
            query_id = str(4_200_000_000_000_000_000 + self._callback_seq)
            self._pending_callbacks.add(query_id)
            self._enqueue({"callback_query": {
                "id": query_id, "from": user, "message": message,
                "chat_instance": str(-7_000_000_000_000_000_000 - chat), "data": data}})
            return query_id

    def press(self, user_id: int, label: str, *, message_id: int | None = None,
              chat_id: int | None = None) -> str:
        """Tap the inline button `label` of the latest bot message with a keyboard."""
        chat = chat_id if chat_id is not None else user_id
        with self._lock:
            stored = self._messages.get(chat, {})
            if message_id is not None:
                candidates = [stored[message_id]] if message_id in stored else []
            else:
                candidates = [s for s in stored.values()
                              if s.from_bot and s.msg.get("reply_markup")]
            if not candidates:
                raise AssertionError(f"no bot message with an inline keyboard in chat {chat}"
                                     + (f" (message_id={message_id})" if message_id else ""))
            target = candidates[-1]
            buttons = list(_inline_buttons(target.msg.get("reply_markup")))
            for button in buttons:
                if button.get("text") == label and "callback_data" in button:
                    return self.push_callback(user_id, target.msg["message_id"],
                                              button["callback_data"], chat_id=chat)
            raise AssertionError(
                f"no callback button {label!r} in message {target.msg['message_id']} "
                f"to chat {chat}; available: {[b.get('text') for b in buttons]}")

    # ------------------------------------------------------------------ inspection
    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """All messages sent to the chat; also marks them read for wait_for()."""
        with self._lock:
            msgs = [m for m in self.sent if m.chat_id == chat_id]
            self._cursor[chat_id] = len(msgs)
            return msgs

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Current state (after edits) of a message, as the Bot API would return it."""
        with self._lock:
            stored = self._messages.get(chat_id, {}).get(message_id)
            return dict(stored.msg) if stored else None

    async def wait_for(self, chat_id: int, count: int,
                       timeout: float = 10.0) -> list[SentMessage]:
        """Return the next `count` unread messages to the chat, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            version = self._sent_changed.version
            with self._lock:
                msgs = [m for m in self.sent if m.chat_id == chat_id]
                cursor = self._cursor.get(chat_id, 0)
                if len(msgs) - cursor >= count:
                    self._cursor[chat_id] = cursor + count
                    return msgs[cursor:cursor + count]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [(m.method, m.text) for m in msgs[cursor:]]
                raise AssertionError(
                    f"expected {count} new message(s) to chat {chat_id} within {timeout}s, "
                    f"got {len(got)}: {got}; recent API errors: {self.errors[-5:]}")
            await self._sent_changed.wait(version, remaining)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched all updates and made no call for `quiet` seconds.

        An idle long poll is not activity; a getUpdates that returned updates is.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            with self._lock:
                undelivered = sum(u["update_id"] > self._delivered_upto for u in self._updates)
                busy = self._inflight > 0 or undelivered > 0
                silent_for = now - self._last_activity
            if not busy and silent_for >= quiet:
                return
            if now >= deadline:
                raise AssertionError(
                    f"bot not idle after {timeout}s: {self._inflight} request(s) in flight, "
                    f"{undelivered} update(s) not fetched, last call {silent_for:.2f}s ago")
            await asyncio.sleep(min(0.02, max(quiet - silent_for, 0.005)))

    # ------------------------------------------------------------------ failure injection
    def fail_next(self, method: str, status: int, description: str, *,
                  retry_after: int | None = None, times: int = 1,
                  chat_id: int | None = None) -> None:
        """Make the next `times` calls of `method` fail with this Telegram error (only the
        calls for `chat_id` when given: e.g. flood control for one chat)."""
        with self._lock:
            queue = self._failures.setdefault(method.lower(), deque())
            queue.extend((chat_id, ApiError(status, description, retry_after))
                         for _ in range(times))

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to the chat answer 403 until unblock()/a push."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ internals: state
    def _user(self, user_id: int, first_name: str = "Test",
              language_code: str | None = None) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = {"id": user_id, "is_bot": False,
                                           "first_name": first_name}
        elif first_name != "Test":
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        if user_id > 0:
            self._chats[user_id] = {"id": user_id, "type": "private",
                                    "first_name": user["first_name"]}
        return user

    def _push_message(self, user_id: int, content: dict[str, Any], first_name: str = "Test",
                      language_code: str | None = None, chat_id: int | None = None) -> int:
        with self._lock:
            user = self._user(user_id, first_name, language_code)
            if chat_id is not None and chat_id not in self._chats:
                self.add_chat(chat_id)
            chat = chat_id if chat_id is not None else user_id
            # A user who writes to the bot must have unblocked it first.
            self._blocked.discard(user_id)
            msg = self._new_message(chat, content, from_user=user)
            self._enqueue({"message": msg})
            return int(msg["message_id"])

    def _new_message(self, chat_id: int, content: dict[str, Any], *,
                     from_user: dict[str, Any] | None = None, raw: str | None = None,
                     parse_mode: str | None = None) -> dict[str, Any]:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        msg = {"message_id": message_id, "from": from_user or self.bot_user,
               "date": int(time.time()), "chat": self._chats[chat_id], **content}
        self._messages.setdefault(chat_id, {})[message_id] = _Stored(
            msg, from_user is None, raw, parse_mode)
        return msg

    def _enqueue(self, payload: dict[str, Any]) -> None:
        self._next_update_id += 1
        self._updates.append({"update_id": self._next_update_id, **payload})
        self._updates_changed.notify_all()

    def _store_file(self, data: bytes, folder: str, ext: str, mime: str,
                    file_name: str | None = None) -> _StoredFile:
        with self._lock:
            self._file_seq += 1
            f = _StoredFile(
                file_id=f"AgAC{self._file_seq}{secrets.token_hex(8)}",
                file_unique_id=f"AQAD{self._file_seq}", data=data, mime_type=mime,
                path=f"{folder}/file_{self._file_seq}.{ext}", file_name=file_name)
            self._files[f.file_id] = self._paths[f.path] = f
            return f

    def _alias(self, f: _StoredFile) -> _StoredFile:
        with self._lock:
            self._file_seq += 1
            alias = _StoredFile(f"AgAC{self._file_seq}{secrets.token_hex(8)}",
                                f"AQAD{self._file_seq}", f.path, f.data, f.mime_type)
            self._files[alias.file_id] = alias
            return alias

    def _record_sent(self, method: str, msg: dict[str, Any], params: dict[str, Any],
                     text: str | None, upload: _StoredFile | None = None) -> None:
        self.sent.append(SentMessage(
            chat_id=msg["chat"]["id"], message_id=msg["message_id"], method=method, text=text,
            reply_markup=params.get("reply_markup"), file_name=upload.file_name if upload else None,
            file=upload.data if upload else None, time=time.monotonic(), params=params))
        self._sent_changed.notify_all()

    # ------------------------------------------------------------------ internals: HTTP
    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        name = _METHODS.get(request.match_info["method"].lower())
        if name is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        is_poll = name == "getUpdates"
        try:
            params = await _read_params(request)
        except ApiError as err:
            return web.json_response(err.body(), status=err.status)
        with self._lock:
            self.requests.append((name, params))
            if not is_poll:
                self._inflight += 1
                self._last_activity = time.monotonic()
        try:
            if is_poll:
                result: Any = await self._get_updates(params)
            else:
                with self._lock:
                    result = self._dispatch(name, params)
            return web.json_response({"ok": True, "result": result})
        except ApiError as err:
            with self._lock:
                self.errors.append((name, err.status, err.description))
                if err.status == 429:
                    self.rejected_429 += 1
            return web.json_response(err.body(), status=err.status)
        finally:
            if not is_poll:
                with self._lock:
                    self._inflight -= 1
                    self._last_activity = time.monotonic()

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        with self._lock:
            self.requests.append(("file", {"file_path": path}))
            f = self._paths.get(path) if request.match_info["token"] == self.token else None
        if f is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=f.data, content_type=f.mime_type)

    async def _handle_control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action == "state" and request.method == "GET":
            with self._lock:
                state = {
                    "sent": [{**{k: v for k, v in m.__dict__.items() if k not in ("file",
                                                                                   "params")},
                              "file_size": len(m.file) if m.file else None} for m in self.sent],
                    "edits": self.edits, "answered_callbacks": self.answered_callbacks,
                    "commands": {f"{s}|{lang}": c for (s, lang), c in self.commands.items()},
                    "rejected_429": self.rejected_429, "requests": len(self.requests),
                    "errors": self.errors}
            return web.json_response({"ok": True, "result": state}, dumps=_dumps)
        if action not in _CONTROL_ACTIONS or request.method != "POST":
            return web.json_response({"ok": False, "description": "unknown action"}, status=404)
        kwargs = await request.json() if request.can_read_body else {}
        if "content_b64" in kwargs:
            kwargs["content"] = base64.b64decode(kwargs.pop("content_b64"))
        try:
            result = getattr(self, action)(**kwargs)
        except (TypeError, AssertionError, KeyError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": result})

    def _dispatch(self, name: str, p: dict[str, Any]) -> Any:
        self._take_failure(name, p.get("chat_id"))
        if name in _CHAT_METHODS:
            chat_id = p.get("chat_id")
            if "inline_message_id" in p:
                raise _bad("inline messages are not supported by the fake")
            if not isinstance(chat_id, int) or chat_id not in self._chats:
                raise _bad("chat not found")
            if chat_id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if name in _SEND_METHODS:
                self._check_rate(chat_id)
        return getattr(self, f"_api_{name}")(p)

    def _take_failure(self, name: str, chat_id: object = None) -> None:
        queue = self._failures.get(name.lower())
        for i, (only, error) in enumerate(queue or ()):
            if only is None or only == chat_id:
                assert queue is not None
                del queue[i]
                raise error

    def _check_rate(self, chat_id: int) -> None:
        now = time.monotonic()
        rate = self.rate_limit_per_second
        if rate:
            # A rate below 1/s still needs a window that can hold one message.
            window, capacity = (1.0, rate) if rate >= 1 else (1.0 / rate, 1.0)
            while self._global_window and self._global_window[0] <= now - window:
                self._global_window.popleft()
            if len(self._global_window) >= capacity:
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        group_limit = self.per_chat_per_minute_groups
        if group_limit and chat_id < 0:
            groups = self._group_windows.setdefault(chat_id, deque())
            while groups and groups[0] <= now - 60.0:
                groups.popleft()
            if len(groups) >= group_limit:
                wait = max(1, math.ceil(groups[0] + 60.0 - now))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            groups.append(now)
        if rate:
            self._global_window.append(now)

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            self._take_failure("getUpdates")
            if self._webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
            offset = p.get("offset")
            if isinstance(offset, int) and offset < 0:
                self._updates = self._updates[offset:]
            elif isinstance(offset, int):
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if "allowed_updates" in p:
                self._allowed_updates = set(p["allowed_updates"] or []) or None
            limit = min(max(int(p.get("limit") or 100), 1), 100)
            # Telegram lets the newest poll win; the older one gets 409 Conflict.
            self._poll_generation += 1
            generation = self._poll_generation
        self._updates_changed.notify_all()
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        while True:
            version = self._updates_changed.version
            with self._lock:
                if self._poll_generation != generation:
                    raise ApiError(409, _CONFLICT)
                allowed = self._allowed_updates
                if allowed is not None:  # Telegram never generates filtered-out updates
                    self._updates = [u for u in self._updates if allowed & u.keys()]
                batch = self._updates[:limit]
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._closing:
                    if batch:
                        self._delivered_upto = max(self._delivered_upto, batch[-1]["update_id"])
                        self._last_activity = time.monotonic()
                    return batch
            await self._updates_changed.wait(version, remaining)

    # ------------------------------------------------------------------ method handlers
    def _api_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _api_setWebhook(self, p: dict[str, Any]) -> bool:
        self._webhook_url = str(p.get("url") or "")
        return True

    def _api_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self._webhook_url = ""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": self._webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _harmless(self, p: dict[str, Any]) -> bool:
        return True

    def _scope_key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in (
                "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                "chat", "chat_administrators", "chat_member"):
            raise _bad("wrong parameter scope")
        if "chat_id" in scope and scope["chat_id"] not in self._chats:
            raise _bad("chat not found")
        lang = str(p.get("language_code") or "")
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise _bad("invalid language code specified")
        key = scope["type"] if len(scope) == 1 else json.dumps(scope, sort_keys=True,
                                                                separators=(",", ":"))
        return key, lang

    def _api_setMyCommands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("commands must be a list of at most 100 BotCommand")
        for cmd in commands:
            if not _BOT_COMMAND_RE.fullmatch(str(cmd.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", "")).strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p)
        if commands:
            self.commands[key] = commands
        else:
            self.commands.pop(key, None)
        return True

    def _api_getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._scope_key(p), [])

    def _api_deleteMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    def _check_markup(self, p: dict[str, Any]) -> dict[str, Any] | None:
        markup = p.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        for button in _inline_buttons(markup):
            actions = [a for a in _BUTTON_ACTIONS if a in button]
            if not actions:
                raise _bad("can't parse inline keyboard button: "
                           "Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if "callback_data" in button and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise _bad("BUTTON_DATA_INVALID")
        # Telegram echoes only inline keyboards back in the Message object.
        return markup if "inline_keyboard" in markup else None

    def _reply_to(self, chat_id: int, p: dict[str, Any]) -> dict[str, Any]:
        reply = p.get("reply_parameters") or {}
        target = reply.get("message_id", p.get("reply_to_message_id"))
        if target is None:
            return {}
        stored = self._messages.get(chat_id, {}).get(int(target))
        if stored is None:
            if reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply"):
                return {}
            raise _bad("message to be replied not found")
        return {"reply_to_message": {k: v for k, v in stored.msg.items()
                                     if k != "reply_to_message"}}

    def _text(self, p: dict[str, Any], key: str, limit: int, too_long: str) -> tuple[str, str]:
        raw = str(p.get(key) or "")
        plain = render_text(raw, p.get("parse_mode"))
        if len(plain) > limit:
            raise _bad(too_long)
        return raw, plain

    def _send(self, method: str, p: dict[str, Any], content: dict[str, Any],
              raw: str | None, upload: _StoredFile | None = None) -> dict[str, Any]:
        chat_id = p["chat_id"]
        markup = self._check_markup(p)
        content = {**content, **self._reply_to(chat_id, p)}
        if markup:
            content["reply_markup"] = markup
        msg = self._new_message(chat_id, content, raw=raw, parse_mode=p.get("parse_mode"))
        self._record_sent(method, msg, p, raw, upload)
        return msg

    def _api_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        raw, plain = self._text(p, "text", MAX_TEXT, "message is too long")
        if not plain.strip():
            raise _bad("message text is empty")
        return self._send("sendMessage", p, {"text": plain}, raw)

    def _media(self, p: dict[str, Any], key: str, folder: str, ext: str,
               mime: str) -> _StoredFile | str:
        value = p.get(key)
        if isinstance(value, UploadedFile):
            name = value.filename or ""
            if "." in name:
                ext = name.rsplit(".", 1)[1]
            return self._store_file(value.data, folder, ext, value.content_type or mime,
                                    value.filename)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
        if value:
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {key} in the request")

    def _caption(self, p: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        if not p.get("caption"):
            return None, {}
        raw, plain = self._text(p, "caption", MAX_CAPTION, "message caption is too long")
        return raw, {"caption": plain}

    def _api_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        raw, caption = self._caption(p)
        f = self._media(p, "photo", "photos", "jpg", "image/jpeg")
        ref = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
               "file_size": len(f.data)} if isinstance(f, _StoredFile) else {
               "file_id": f"url{secrets.token_hex(6)}", "file_unique_id": "url"}
        content = {"photo": [{**ref, "width": 800, "height": 600}], **caption}
        return self._send("sendPhoto", p, content, raw, f if isinstance(f, _StoredFile) else None)

    def _api_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        raw, caption = self._caption(p)
        f = self._media(p, "document", "documents", "bin", "application/octet-stream")
        doc: dict[str, Any]
        if isinstance(f, str):
            doc = {"file_id": f"url{secrets.token_hex(6)}", "file_unique_id": "url",
                   "file_name": f.rsplit("/", 1)[-1]}
        else:
            doc = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                   "file_name": f.file_name or "document", "mime_type": f.mime_type,
                   "file_size": len(f.data)}
        content = {"document": doc, **caption}
        return self._send("sendDocument", p, content, raw,
                          f if isinstance(f, _StoredFile) else None)

    def _api_sendAudio(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendAudio", p, "audio", "audio", "mp3", "audio/mpeg")

    def _api_sendVoice(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendVoice", p, "voice", "voice", "ogg", "audio/ogg")

    def _api_sendVideo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("sendVideo", p, "video", "videos", "mp4", "video/mp4")

    def _send_file(self, method: str, p: dict[str, Any], key: str, folder: str, ext: str,
                   mime: str) -> dict[str, Any]:
        """sendAudio / sendVoice / sendVideo: the file under `key`, an optional caption."""
        raw, caption = self._caption(p)
        f = self._media(p, key, folder, ext, mime)
        ref: dict[str, Any]
        if isinstance(f, str):
            ref = {"file_id": f"url{secrets.token_hex(6)}", "file_unique_id": "url"}
        else:
            ref = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                   "mime_type": f.mime_type, "file_size": len(f.data), "duration": 1}
            if key == "video":
                ref.update(width=640, height=360)
        return self._send(method, p, {key: ref, **caption}, raw,
                          f if isinstance(f, _StoredFile) else None)

    def _api_sendLocation(self, p: dict[str, Any]) -> dict[str, Any]:
        lat, lon = p.get("latitude"), p.get("longitude")
        if not isinstance(lat, float) or not isinstance(lon, float):
            raise _bad("latitude and longitude must be numbers")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad("wrong latitude/longitude")
        return self._send("sendLocation", p, {"location": {"latitude": lat, "longitude": lon}},
                          None)

    def _api_sendChatAction(self, p: dict[str, Any]) -> bool:
        if p.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _editable(self, p: dict[str, Any]) -> _Stored:
        stored = self._messages.get(p["chat_id"], {}).get(p.get("message_id") or 0)
        if stored is None:
            raise _bad("message to edit not found")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return stored

    def _apply_edit(self, name: str, stored: _Stored, p: dict[str, Any],
                    changes: dict[str, Any], raw: str | None) -> dict[str, Any]:
        markup = self._check_markup(p)
        same_text = raw is None or (
            raw == (stored.raw or "") and p.get("parse_mode") == stored.parse_mode)
        if same_text and markup == stored.msg.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        stored.msg.pop("reply_markup", None)
        for key, value in changes.items():
            if value is None:
                stored.msg.pop(key, None)
            else:
                stored.msg[key] = value
        stored.msg["edit_date"] = int(time.time())
        if markup:
            stored.msg["reply_markup"] = markup
        if raw is not None:
            stored.raw, stored.parse_mode = raw, p.get("parse_mode")
        self.edits.append({**p, "method": name})
        self._sent_changed.notify_all()
        return dict(stored.msg)

    def _api_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self._editable(p)
        if "text" not in stored.msg:
            raise _bad("there is no text in the message to edit")
        raw, plain = self._text(p, "text", MAX_TEXT, "MESSAGE_TOO_LONG")
        if not plain.strip():
            raise _bad("message text is empty")
        return self._apply_edit("editMessageText", stored, p, {"text": plain}, raw)

    def _api_editMessageCaption(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self._editable(p)
        if "text" in stored.msg or "location" in stored.msg:
            raise _bad("there is no caption in the message to edit")
        raw, caption = self._caption(p)
        changes = caption or {"caption": None}
        return self._apply_edit("editMessageCaption", stored, p, changes, raw or "")

    def _api_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._apply_edit("editMessageReplyMarkup", self._editable(p), p, {}, None)

    def _api_deleteMessage(self, p: dict[str, Any]) -> bool:
        if self._messages.get(p["chat_id"], {}).pop(p.get("message_id") or 0, None) is None:
            raise _bad("message to delete not found")
        return True

    def _api_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._pending_callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if len(str(p.get("text") or "")) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._pending_callbacks.discard(query_id)
        self.answered_callbacks.append(p)
        return True

    def _api_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        f = self._files.get(str(p.get("file_id")))
        if f is None:
            raise _bad("invalid file_id")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                "file_size": len(f.data), "file_path": f.path}


for _name in _HARMLESS:
    assert not hasattr(FakeTelegram, f"_api_{_name}"), _name  # never shadow a real handler
    setattr(FakeTelegram, f"_api_{_name}", FakeTelegram._harmless)
# Bot API method names are case-insensitive.
_METHODS = {m.removeprefix("_api_").lower(): m.removeprefix("_api_")
            for m in dir(FakeTelegram) if m.startswith("_api_")}
_METHODS["getupdates"] = "getUpdates"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, default=repr)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string and any of the body encodings Telegram accepts."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _bad("can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise _bad("JSON body must be an object")
            params.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(key, value.filename, value.content_type,
                                               value.file.read())
                elif isinstance(value, bytes | bytearray):
                    params[key] = bytes(value).decode()
                else:
                    params[key] = value
    return _coerce(params)


def _coerce(params: dict[str, Any]) -> dict[str, Any]:
    """Turn form strings into the JSON types Telegram would parse them as."""
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        try:
            if key in _JSON_FIELDS:
                params[key] = json.loads(value)
            elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
                params[key] = int(value)
            elif key in _FLOAT_FIELDS:
                params[key] = float(value)
            elif key in _BOOL_FIELDS:
                params[key] = value.lower() in ("true", "1")
        except ValueError as exc:
            what = "reply keyboard markup" if key == "reply_markup" else key
            raise _bad(f"can't parse {what} JSON object") from exc
    for key in _FLOAT_FIELDS & params.keys():
        if isinstance(params[key], int):
            params[key] = float(params[key])
    return params


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTelegram(args.token, rate_limit_per_second=args.rate_limit,
                        per_chat_per_minute_groups=args.per_group_per_minute)
    print(await fake.start(args.port), flush=True)  # parent processes read the URL from here
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Telegram Bot API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="123:TEST")
    parser.add_argument("--rate-limit", type=float, default=None, help="send* calls per second")
    parser.add_argument("--per-group-per-minute", type=int, default=None)
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
