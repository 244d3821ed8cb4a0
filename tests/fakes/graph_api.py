"""Loopback stand-in for the WhatsApp Cloud API (Graph API) and for WhatsApp's webhooks.

It accepts what the real Cloud API accepts and rejects what it rejects, with WhatsApp's
error JSON (``{"error": {"message": "(#131009) Parameter value is not valid", "type":
"OAuthException", "code": 131009, "error_data": {"messaging_product": "whatsapp",
"details": ...}, "fbtrace_id": ...}}``): more than 3 reply buttons, a button title over 20
characters or two buttons with one title, more than 10 list rows, a row title over 24 or a
description over 72 characters, a list button label over 20, an interactive body over 1024
(4096 for lists), a text over 4096, an unknown media id, a template it does not know... so a
renderer bug fails a test instead of a send in the field.

    fake = FakeGraph()
    root = await fake.start()                   # CLUSTERBOT_WHATSAPP_API_SERVER
    fake.webhook_url = "http://127.0.0.1:PORT/whatsapp/webhook"
    await fake.deliver(payloads.text(SUNITA, "help"))   # signed POST, like Meta's servers
    [reply] = await fake.wait_for(SUNITA.address, 1)
    fake.fail_next(131047)                      # next send answers "Re-engagement message"
    fake.close_window(SUNITA.address)           # free-form sends accepted, then a failed
                                                # status webhook with 131047 (as in the field)
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes import whatsapp_payloads as wp

TOKEN = "EAAG-test-token"
VERSION_PREFIX = "v"

ERRORS: dict[int, tuple[int, str]] = {
    # code: (HTTP status, message) as the Cloud API sends them
    100: (400, "(#100) Invalid parameter"),
    190: (401, "Error validating access token: Session has expired"),
    130429: (400, "(#130429) Rate limit hit"),
    131009: (400, "(#131009) Parameter value is not valid"),
    131026: (400, "(#131026) Message undeliverable"),
    131047: (400, "(#131047) Re-engagement message"),
    131056: (400, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    131000: (500, "(#131000) Something went wrong"),
    132000: (400, "(#132000) Number of parameters does not match the expected number of params"),
    132001: (400, "(#132001) Template name does not exist in the translation"),
}


class GraphError(Exception):
    def __init__(self, code: int, details: str = "") -> None:
        super().__init__(details)
        self.code = code
        self.details = details

    def response(self) -> web.Response:
        status, message = ERRORS.get(self.code, (400, f"(#{self.code}) Error"))
        return web.json_response(
            {
                "error": {
                    "message": message,
                    "type": "OAuthException",
                    "code": self.code,
                    "error_data": {"messaging_product": "whatsapp", "details": self.details},
                    "fbtrace_id": secrets.token_urlsafe(12),
                }
            },
            status=status,
        )


def invalid(details: str) -> GraphError:
    return GraphError(131009, details)


@dataclass
class Sent:
    """One accepted POST /messages."""

    to: str  # the phone number or business-scoped id it went to
    type: str
    body: dict[str, Any]
    wamid: str
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        """The visible text: text body, interactive body, caption or template name."""
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if self.type in ("image", "document", "video"):
            return str(self.body[self.type].get("caption", ""))
        if self.type == "template":
            return f"[template {self.body['template']['name']}]"
        return ""

    @property
    def interactive_type(self) -> str:
        return str(self.body.get("interactive", {}).get("type", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(id, title) of reply buttons, or of list rows."""
        inter = self.body.get("interactive", {})
        action = inter.get("action", {})
        if inter.get("type") == "button":
            return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
        if inter.get("type") == "list":
            return [(r["id"], r["title"]) for s in action["sections"] for r in s["rows"]]
        return []

    @property
    def rows(self) -> list[dict[str, Any]]:
        inter = self.body.get("interactive", {})
        if inter.get("type") != "list":
            return []
        return [r for s in inter["action"]["sections"] for r in s["rows"]]


def _length(value: Any, name: str, limit: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise invalid(f"{name} is required")
    if len(value) > limit:
        raise invalid(f"{name} is too long: {len(value)} characters, the limit is {limit}")
    return value


class FakeGraph:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        phone_number_id: str = wp.PHONE_NUMBER_ID,
        app_secret: str = wp.APP_SECRET,
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.root = ""
        self.webhook_url = ""  # the bot's /whatsapp/webhook, for deliver() and statuses
        self.sent: list[Sent] = []
        self.errors: list[tuple[int, str]] = []  # (code, details) of every refused request
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.media: dict[str, tuple[bytes, str]] = {}  # id -> (data, mime): uploads and inbound
        self.templates: dict[tuple[str, str], int] = {}  # (name, language) -> body params
        self.closed_windows: set[str] = set()
        # GET /{phone-number-id}?fields=display_phone_number, as Meta formats it
        self.display_phone_number = "+91 98290 12345"
        self._failures: deque[int] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._last_activity = time.monotonic()
        self._inflight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/{version}/{node}/messages", self._messages)
        app.router.add_post("/{version}/{node}/media", self._upload)
        app.router.add_get("/_download/{media_id}", self._download)  # before the catch-all
        app.router.add_get("/{version}/{media_id}", self._media_info)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.root = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        self._session = aiohttp.ClientSession()
        return self.root

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the person's side: webhooks ------------------------------------------------------

    async def deliver(
        self, payload: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> int:
        """POST a webhook to the bot, signed like Meta's servers do. Returns the HTTP status."""
        assert self._session is not None and self.webhook_url, "start() and set webhook_url"
        body = wp.encode(payload)
        sent_headers = wp.signed_headers(body, self.app_secret) if headers is None else headers
        self._last_activity = time.monotonic()
        async with self._session.post(self.webhook_url, data=body, headers=sent_headers) as r:
            await r.read()
            return r.status

    def add_media(self, media_id: str, data: bytes, mime: str) -> None:
        """Media a person sent: the bot fetches it by id."""
        self.media[media_id] = (data, mime)

    # --- inspection -----------------------------------------------------------------------

    def messages_to(self, address: str) -> list[Sent]:
        return [m for m in self.sent if m.to == address]

    async def wait_for(self, address: str, count: int, timeout: float = 10.0) -> list[Sent]:
        before = len(self.messages_to(address))
        deadline = time.monotonic() + timeout
        while len(self.messages_to(address)) < before + count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {count} new message(s) to {address} in {timeout}s")
            await asyncio.sleep(0.01)
        return self.messages_to(address)[before:]

    async def wait_idle(self, quiet: float = 0.25, timeout: float = 10.0) -> None:
        """No request for `quiet` seconds and none in flight."""
        deadline = time.monotonic() + timeout
        while True:
            silent = time.monotonic() - self._last_activity
            if self._inflight == 0 and silent >= quiet and not self._tasks:
                return
            if time.monotonic() > deadline:
                raise AssertionError("Graph API stand-in not idle")
            await asyncio.sleep(0.02)

    # --- failure injection ----------------------------------------------------------------

    def fail_next(self, code: int, *, times: int = 1) -> None:
        """The next `times` POST /messages answer with this WhatsApp error code."""
        self._failures.extend([code] * times)

    def close_window(self, address: str) -> None:
        """More than 24 h since this person wrote: free-form messages fail by webhook."""
        self.closed_windows.add(address)

    def add_template(self, name: str, language: str, body_params: int) -> None:
        self.templates[(name, language)] = body_params

    # --- the API --------------------------------------------------------------------------

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise GraphError(190, "invalid token")

    async def _guard(self, request: web.Request, work: Any) -> web.Response:
        self._inflight += 1
        self._last_activity = time.monotonic()
        self.requests.append((request.method, request.path))
        try:
            self._check_auth(request)
            return await work()
        except GraphError as exc:
            self.errors.append((exc.code, exc.details))
            return exc.response()
        finally:
            self._inflight -= 1
            self._last_activity = time.monotonic()

    async def _messages(self, request: web.Request) -> web.Response:
        async def work() -> web.Response:
            if request.match_info["node"] != self.phone_number_id:
                raise GraphError(100, "unknown phone number id")
            try:
                body = await request.json()
            except ValueError as exc:
                raise GraphError(100, "body is not JSON") from exc
            if self._failures:
                raise GraphError(self._failures.popleft(), "injected")
            to = self._recipient(body)
            kind = self.validate(body)
            wamid = wp.wamid()
            self.sent.append(Sent(to, kind, body, wamid))
            if to in self.closed_windows and kind != "template":
                self._spawn(self._status_later(wamid, to, "failed", 131047))
            contact = {"input": to, ("wa_id" if to.isdigit() else "user_id"): to}
            return web.json_response(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [contact],
                    "messages": [{"id": wamid}],
                }
            )

        return await self._guard(request, work)

    def _recipient(self, body: dict[str, Any]) -> str:
        if body.get("messaging_product") != "whatsapp":
            raise GraphError(100, "messaging_product must be whatsapp")
        to = body.get("to") or body.get("recipient")
        if not isinstance(to, str) or not to:
            raise GraphError(100, "to or recipient is required")
        return to

    def validate(self, body: dict[str, Any]) -> str:
        """The message type, or GraphError for a body the Cloud API would refuse."""
        kind = body.get("type", "text")
        content = body.get(kind)
        if not isinstance(content, dict):
            raise GraphError(100, f"{kind} object is required")
        if kind == "text":
            _length(content.get("body"), "text.body", 4096)
        elif kind == "interactive":
            self._interactive(content)
        elif kind in ("image", "document", "audio", "video"):
            media_id = content.get("id")
            if media_id not in self.media and not content.get("link"):
                raise invalid(f"unknown media id {media_id}")
            if kind == "audio" and "caption" in content:
                raise invalid("audio messages take no caption")
            _length(content.get("caption"), "caption", 1024, required=False)
            if kind == "document":
                _length(content.get("filename"), "filename", 240, required=False)
        elif kind == "template":
            self._template(content)
        else:
            raise GraphError(100, f"message type {kind} is not supported here")
        return str(kind)

    def _interactive(self, inter: dict[str, Any]) -> None:
        kind = inter.get("type")
        body_limit = 4096 if kind == "list" else 1024
        _length((inter.get("body") or {}).get("text"), "body.text", body_limit)
        header = inter.get("header")
        if header is not None and header.get("type") == "text":
            _length(header.get("text"), "header.text", 60)
        if inter.get("footer") is not None:
            _length(inter["footer"].get("text"), "footer.text", 60)
        action = inter.get("action") or {}
        if kind == "button":
            buttons = action.get("buttons")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
                raise invalid("buttons: between 1 and 3 are allowed")
            ids, titles = [], []
            for button in buttons:
                reply = button.get("reply") or {}
                if button.get("type") != "reply":
                    raise invalid("button type must be reply")
                ids.append(_length(reply.get("id"), "button id", 256))
                titles.append(_length(reply.get("title"), "button title", 20))
            if len(set(ids)) != len(ids) or len(set(titles)) != len(titles):
                raise invalid("buttons must have unique ids and titles")
        elif kind == "list":
            _length(action.get("button"), "action.button", 20)
            sections = action.get("sections")
            if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
                raise invalid("sections: between 1 and 10 are allowed")
            rows = []
            for section in sections:
                _length(section.get("title"), "section title", 24, required=len(sections) > 1)
                rows.extend(section.get("rows") or [])
            if not 1 <= len(rows) <= 10:
                raise invalid(f"rows: between 1 and 10 in total are allowed, got {len(rows)}")
            ids = [_length(r.get("id"), "row id", 200) for r in rows]
            for row in rows:
                _length(row.get("title"), "row title", 24)
                _length(row.get("description"), "row description", 72, required=False)
            if len(set(ids)) != len(ids):
                raise invalid("row ids must be unique")
        elif kind == "location_request_message":
            if action.get("name") != "send_location":
                raise invalid("action.name must be send_location")
        else:
            raise GraphError(100, f"interactive type {kind} is not supported here")

    def _template(self, template: dict[str, Any]) -> None:
        name = template.get("name")
        language = (template.get("language") or {}).get("code")
        if (name, language) not in self.templates:
            raise GraphError(132001, f"template {name} ({language}) does not exist")
        params = [
            p
            for c in template.get("components") or []
            if c.get("type") == "body"
            for p in c.get("parameters") or []
        ]
        if len(params) != self.templates[(name, language)]:
            raise GraphError(132000, f"expected {self.templates[(name, language)]} params")
        for p in params:
            if p.get("type") == "text":
                _length(p.get("text"), "parameter text", 1024)

    async def _upload(self, request: web.Request) -> web.Response:
        async def work() -> web.Response:
            form = await request.post()
            upload = form.get("file")
            mime = str(form.get("type", ""))
            if form.get("messaging_product") != "whatsapp" or not hasattr(upload, "file"):
                raise GraphError(100, "messaging_product and file are required")
            allowed = ("image/jpeg", "image/png", "application/", "text/plain", "audio/",
                       "video/mp4", "video/3gpp")
            if not mime.startswith(allowed):
                raise invalid(f"unsupported media type {mime}")
            media_id = str(10**15 + next(self._ids))
            self.media[media_id] = (upload.file.read(), mime)  # type: ignore[union-attr]
            return web.json_response({"id": media_id})

        return await self._guard(request, work)

    async def _media_info(self, request: web.Request) -> web.Response:
        async def work() -> web.Response:
            media_id = request.match_info["media_id"]
            if media_id == self.phone_number_id:  # the business phone number node
                return web.json_response(
                    {
                        "display_phone_number": self.display_phone_number,
                        "verified_name": "Cluster programme",
                        "id": media_id,
                    }
                )
            if media_id not in self.media:
                raise GraphError(100, "unknown media id")
            data, mime = self.media[media_id]
            return web.json_response(
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.root}/_download/{media_id}",
                    "mime_type": mime,
                    "file_size": len(data),
                    "id": media_id,
                }
            )

        return await self._guard(request, work)

    async def _download(self, request: web.Request) -> web.Response:
        async def work() -> web.Response:
            data, mime = self.media[request.match_info["media_id"]]
            return web.Response(body=data, content_type=mime.split(";")[0])

        return await self._guard(request, work)

    # --- status webhooks ------------------------------------------------------------------

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _status_later(self, wamid: str, to: str, state: str, code: int) -> None:
        await asyncio.sleep(0.05)
        person = wp.Person(wa_id=to if to.isdigit() else None, user_id=None if to.isdigit() else to)
        title = ERRORS.get(code, (400, ""))[1].split(") ", 1)[-1]
        if self.webhook_url:
            await self.deliver(wp.status(wamid, state, person, errors=[(code, title)]))

    async def send_status(self, sent: Sent, state: str) -> int:
        """Tell the bot a message was delivered / read (what WhatsApp does later)."""
        person = wp.Person(
            wa_id=sent.to if sent.to.isdigit() else None,
            user_id=None if sent.to.isdigit() else sent.to,
        )
        return await self.deliver(wp.status(sent.wamid, state, person))
