"""WhatsApp through the Cloud API: webhook -> Inbound -> engine -> Outbound -> Graph API.

    GET  /whatsapp/webhook   verification handshake (hub.mode, hub.verify_token, hub.challenge)
    POST /whatsapp/webhook   X-Hub-Signature-256 checked on the raw body (missing 401, wrong
                             403, nothing processed); answered 200 at once, processed in a
                             background task

* One person's messages are handled in arrival order (a queue per person); different
  people are handled concurrently. The engine's `update_key` is the message's `wamid`, so
  a redelivered webhook changes nothing twice.
* Identity: see `bot.storage.whatsapp` (business-scoped user id first, phone number second).
* Replies go through the number's `RateLimiter` (`CLUSTERBOT_WHATSAPP_RATE`, 80 messages/s
  by default) with priority over bot-initiated messages, which also keep WhatsApp's
  per-person spacing (see `whatsapp_send.whatsapp_limits`).
* Rendering: `whatsapp_render`; the slash-free commands and the Menu: `whatsapp_menu`;
  sending (replies and outbox rows): `whatsapp_send`; Graph API calls and the error ->
  `SendResult` mapping: `whatsapp_api`.

Only the `bot/channels/whatsapp*` modules know WhatsApp.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.whatsapp_api import OUTSIDE_WINDOW, UNDELIVERABLE, GraphClient, GraphError
from bot.channels.whatsapp_menu import menu_requests, slashless
from bot.channels.whatsapp_render import SHARE_NUMBER
from bot.channels.whatsapp_send import WhatsAppSender, person, words_for
from bot.channels.whatsapp_webhook import (
    CHANNEL,
    SIGNATURE_HEADER,
    Incoming,
    Status,
    handshake,
    parse,
    signature_ok,
)
from bot.clock import iso
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Inbound, InboundKind, Outbound
from bot.ratelimit import RateLimiter
from bot.storage import whatsapp as identities

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
Handle = Callable[[Inbound, str], Awaitable[list[Outbound]]]


class WhatsAppChannel:
    def __init__(
        self,
        *,
        engine: Engine,
        api: GraphClient,
        limiter: RateLimiter | None = None,
        media_dir: Path | None = None,
        wrap: Callable[[Engine], Handle] | None = None,
    ):
        self.engine = engine
        # `wrap` adds what the app does after every turn (wake the outbox senders).
        self.handle: Handle = wrap(engine) if wrap is not None else engine.handle
        self.db = engine.db
        self.settings: Settings = engine.settings
        self.api = api
        self.sender = WhatsAppSender(engine.db, api, engine.settings, limiter, engine.clock)
        self.limiter = self.sender.limiter
        self.deliver = self.sender.deliver  # for the outbox sender
        self.media_dir = media_dir
        self._queues: dict[str, deque[Incoming]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._bootstrap = frozenset(
            a.split(":", 1)[1] for a in self.settings.admins if a.startswith(f"{CHANNEL}:")
        )

    # --- HTTP ---------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(WEBHOOK_PATH, self.verify)
        app.router.add_post(WEBHOOK_PATH, self.receive)

    async def verify(self, request: web.Request) -> web.Response:
        challenge = handshake(request.query, self.settings.whatsapp_verify_token)
        if challenge is None:
            return web.Response(status=403, text="forbidden")
        return web.Response(text=challenge)

    async def receive(self, request: web.Request) -> web.Response:
        header = request.headers.get(SIGNATURE_HEADER)
        if header is None:
            return web.Response(status=401, text="signature missing")
        body = await request.read()
        if not signature_ok(self.settings.whatsapp_app_secret, body, header):
            log.warning("whatsapp webhook with a wrong signature refused")
            return web.Response(status=403, text="bad signature")
        try:
            payload = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="not JSON")
        messages, statuses = parse(payload, self.settings.whatsapp_phone_number_id)
        for incoming in messages:
            self._enqueue(incoming)
        if statuses:
            self._spawn(self._on_statuses(statuses))
        return web.Response(text="ok")  # Meta retries anything slow or non-200

    # --- background work ----------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _enqueue(self, incoming: Incoming) -> None:
        queue = self._queues.get(incoming.key)
        if queue is not None:
            queue.append(incoming)  # its worker is running and will get to it
            return
        queue = self._queues[incoming.key] = deque([incoming])
        self._spawn(self._drain(incoming.key, queue))

    async def _drain(self, key: str, queue: deque[Incoming]) -> None:
        try:
            while queue:
                try:
                    await self.process(queue[0])
                except Exception:
                    log.exception("whatsapp: handling message %s failed", queue[0].wamid)
                queue.popleft()
        finally:
            self._queues.pop(key, None)

    async def close(self, grace: float = 10.0) -> None:
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.api.close()

    # --- one message ----------------------------------------------------------------------

    async def load_aliases(self) -> None:
        """Bootstrap admins named by phone in CLUSTERBOT_ADMINS, already known by BSUID."""
        found = await self.db.read(
            lambda conn: identities.keys_for_phones(conn, set(self._bootstrap))
        )
        for phone, key in found.items():
            self._alias(key, phone)

    def _alias(self, key: str, phone: str) -> None:
        """CLUSTERBOT_ADMINS may name a CDA by phone; their contact is keyed by BSUID."""
        ref = f"{CHANNEL}:{key}"
        if (
            phone
            and key != phone
            and phone in self._bootstrap
            and ref not in self.engine.settings.admins
        ):
            # This engine instance is the channel's own, so widening its set is local.
            self.engine.settings = replace(
                self.engine.settings, admins=self.engine.settings.admins | {ref}
            )

    async def process(self, incoming: Incoming) -> None:
        key, chat_id = await self.db.write(partial(_resolve, incoming.user_id, incoming.wa_id))
        self._alias(key, incoming.wa_id or chat_id)
        inbound = replace(incoming.inbound, user_id=key, chat_id=chat_id)
        if inbound.kind is InboundKind.CHOICE and inbound.choice == SHARE_NUMBER:
            # "Use this number": the number this chat runs on, when we know it.
            phone = chat_id if chat_id.isdigit() else ""
            kind = InboundKind.CONTACT if phone else InboundKind.OTHER
            inbound = replace(inbound, kind=kind, choice="", phone=f"+{phone}" if phone else "")
        if incoming.media_id and inbound.kind in (InboundKind.PHOTO, InboundKind.AUDIO):
            inbound = await self._fetch_media(inbound, incoming.media_id)
        menu_asked = False
        if inbound.kind is InboundKind.TEXT:
            text, menu_asked = slashless(inbound.text)
            inbound = replace(inbound, text=text)
        replies = await self.handle(inbound, incoming.wamid)
        if not replies:
            return  # a redelivery, or nothing to say
        who = await self.db.read(partial(person, key, self.engine.settings))
        words = words_for(who.language)
        if menu_asked and (who.registered or who.cda or who.observer):
            requests = menu_requests(
                who.language, words, registered=who.registered, cda=who.cda, observer=who.observer
            )
        else:
            requests = self.sender.render_all(replies, words, inbound.chat_id)
        await self.sender.send_requests(inbound.chat_id, requests)

    async def _fetch_media(self, inbound: Inbound, media_id: str) -> Inbound:
        """Store a photo or voice note under the media folder; the answer records its path."""
        if self.media_dir is None:
            return inbound
        try:
            path = await self.api.download(media_id, self.media_dir)
        except (GraphError, OSError) as exc:
            log.warning("could not fetch whatsapp media %s: %s", media_id, exc)
            return inbound
        return replace(inbound, media_ref=str(path))

    # --- statuses -------------------------------------------------------------------------

    async def _on_statuses(self, statuses: list[Status]) -> None:
        """Delivery receipts into the outbox ledger; failures as WhatsApp explains them."""
        now = iso(self.engine.clock())
        done = await self.db.write(partial(_record_statuses, statuses, now))
        for status, what in zip(statuses, done, strict=True):
            if status.status == "failed":
                log.info("whatsapp: %s failed %s: %s", status.wamid, status.errors, what)


def _record_statuses(statuses: list[Status], now: str, conn: sqlite3.Connection) -> list[str]:
    done = []
    for status in statuses:
        what = identities.apply_status(
            conn,
            status.wamid,
            status.status,
            status.errors,
            now,
            outside_window=OUTSIDE_WINDOW,
            undeliverable=UNDELIVERABLE,
        )
        codes = {code for code, _ in status.errors}
        if status.status == "failed" and what == "not an outbox message":  # a reply
            if UNDELIVERABLE in codes:
                identities.mark_unreachable(conn, status.recipient)
            contact_id = identities.contact_for(conn, status.recipient)
            if OUTSIDE_WINDOW in codes and contact_id is not None:
                identities.close_window(conn, contact_id, now)
        done.append(what)
    return done


def _resolve(user_id: str, wa_id: str, conn: sqlite3.Connection) -> tuple[str, str]:
    return identities.resolve(conn, user_id, wa_id)


async def start(
    settings: Settings,
    engine: Engine,
    http: web.Application,
    media_dir: Path,
    *,
    wrap: Callable[[Engine], Handle] | None = None,
) -> WhatsAppChannel:
    """Wire the channel onto the shared listener (`bot.app.run`).

    The channel gets its own Engine (same database, router and clock) because it widens
    that engine's bootstrap-admin set with the business-scoped ids of CDAs named by phone.
    """
    api = GraphClient(
        settings.whatsapp_api_server, settings.whatsapp_token, settings.whatsapp_phone_number_id
    )
    own_engine = Engine(engine.db, engine.settings, engine.router, engine.clock)
    channel = WhatsAppChannel(engine=own_engine, api=api, media_dir=media_dir / CHANNEL, wrap=wrap)
    await channel.load_aliases()
    channel.add_routes(http)
    log.info("whatsapp: webhook at %s", WEBHOOK_PATH)
    return channel
