"""WhatsApp through the Cloud API: webhook -> Inbound -> engine -> Outbound -> Graph API.

    GET  /whatsapp/webhook   verification handshake (hub.mode, hub.verify_token, hub.challenge)
    POST /whatsapp/webhook   X-Hub-Signature-256 checked on the raw body (missing 401, wrong
                             403, nothing processed); stored in SQLite (`webhook_intake`),
                             then answered 200 and handled from there in the background;
                             503 when WHATSAPP_INTAKE_MAX_PENDING payloads are waiting

* Durable intake: a payload answered 200 is in the database, so a crash or `kill -9` loses
  nothing: rows left at start-up are handled again. A row is deleted once all it carried
  is handled, in the same transaction as its delivery statuses; messages are deduplicated
  by wamid (processed_updates), so one handled before the crash is not handled twice. A
  failure (a database error) keeps the row and retries it with a growing delay.

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
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.whatsapp_api import (
    OUTSIDE_WINDOW,
    UNDELIVERABLE,
    GraphClient,
    GraphError,
    MediaTooLarge,
)
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
    well_formed,
)
from bot.clock import iso
from bot.config import Settings
from bot.engine import Engine, Handle, Recipient, Replies
from bot.limits import WHATSAPP_INTAKE_MAX_ATTEMPTS, WHATSAPP_INTAKE_MAX_PENDING
from bot.media_gate import MediaGate
from bot.messages import Inbound, InboundKind, Outbound
from bot.outbox.ratelimit import RateLimiter
from bot.storage import intake
from bot.storage import whatsapp as identities
from bot.web.state import JoinLinks

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
# Test hook: with this set to 1 the channel stores payloads but handles none, so a crash
# test can kill the process between the 200 and the handling (tests/e2e/test_whatsapp_crash.py).
HOLD_ENV = "CLUSTERBOT_TEST_HOLD_WHATSAPP_INTAKE"


@dataclass
class _Row:
    """A stored payload being handled: its parts (each message, the statuses) not done yet,
    and the first error of any of them."""

    remaining: int
    error: str | None = None


class WhatsAppChannel:
    def __init__(
        self,
        *,
        engine: Engine,
        api: GraphClient,
        limiter: RateLimiter | None = None,
        media_dir: Path | None = None,
        wrap: Callable[[Engine], Handle] | None = None,
        max_pending: int = WHATSAPP_INTAKE_MAX_PENDING,
        retry_delay: float = 1.0,
        hold: bool = False,
        media_gate: MediaGate | None = None,
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
        self.media_gate = media_gate  # whether to fetch a file someone sent; None: never
        self.max_pending = max_pending
        self.retry_delay = retry_delay  # seconds before the first retry; doubles, up to 64x
        self.hold = hold  # see HOLD_ENV
        self._queues: dict[str, deque[tuple[int, Incoming]]] = {}
        self._rows: dict[int, _Row] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._retries: set[asyncio.Task[None]] = set()

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
        except (ValueError, RecursionError):
            return web.Response(status=400, text="not JSON")
        if not well_formed(payload):  # `[]`, `null`, `{"entry": [5]}`…: never a 500
            return web.Response(status=400, text="not a webhook payload")
        messages, statuses = parse(payload, self.settings.whatsapp_phone_number_id)
        if not messages and not statuses:
            return web.Response(text="ok")  # nothing for us: nothing to keep
        now = iso(self.engine.clock())
        text = body.decode("utf-8", "replace")
        row_id = await self.db.write(
            partial(intake.accept, channel=CHANNEL, payload=text, now=now, limit=self.max_pending)
        )
        if row_id is None:
            log.warning("whatsapp intake full (%d waiting): 503, Meta retries", self.max_pending)
            return web.Response(status=503, text="busy, retry later")
        self._dispatch(row_id, messages, statuses)
        return web.Response(text="ok")  # stored: Meta need not resend

    # --- background work ----------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def recover(self) -> int:
        """Handle again the payloads a crash or a stop left stored; returns how many."""
        rows = await self.db.read(partial(intake.pending, channel=CHANNEL))
        for row_id, text in rows:
            self._dispatch_stored(row_id, text)
        if rows:
            log.info("whatsapp: %d stored webhook payloads to handle", len(rows))
        return len(rows)

    def _dispatch_stored(self, row_id: int, text: str) -> None:
        try:
            payload = json.loads(text)
        except ValueError:  # cannot happen for a row we stored; never retry it
            payload = None
        messages, statuses = parse(payload, self.settings.whatsapp_phone_number_id)
        self._dispatch(row_id, messages, statuses)

    def _dispatch(self, row_id: int, messages: list[Incoming], statuses: list[Status]) -> None:
        """Hand a stored payload's parts to their workers; the last one to finish closes it."""
        if self.hold:
            return
        self._rows[row_id] = _Row(remaining=len(messages) + (1 if statuses else 0))
        if not messages and not statuses:
            self._rows[row_id].remaining = 1
            self._part_done(row_id)
            return
        for incoming in messages:
            self._enqueue(row_id, incoming)
        if statuses:
            self._spawn(self._on_statuses(row_id, statuses))

    def _enqueue(self, row_id: int, incoming: Incoming) -> None:
        queue = self._queues.get(incoming.key)
        if queue is not None:
            queue.append((row_id, incoming))  # its worker is running and will get to it
            return
        queue = self._queues[incoming.key] = deque([(row_id, incoming)])
        self._spawn(self._drain(incoming.key, queue))

    async def _drain(self, key: str, queue: deque[tuple[int, Incoming]]) -> None:
        try:
            while queue:
                row_id, incoming = queue[0]
                error = None
                try:
                    await self.process(incoming)
                except Exception as exc:
                    log.exception("whatsapp: handling message %s failed", incoming.wamid)
                    error = repr(exc)
                queue.popleft()
                self._part_done(row_id, error)
        finally:
            self._queues.pop(key, None)

    def _part_done(self, row_id: int, error: str | None = None, *, closed: bool = False) -> None:
        """One part of a stored payload is handled (or failed). `closed`: its transaction
        already deleted the row."""
        row = self._rows.get(row_id)
        if row is None:
            return
        row.remaining -= 1
        row.error = row.error or error
        if row.remaining > 0:
            return
        del self._rows[row_id]
        if closed:
            return
        if row.error is None:
            self._spawn(self._close_row(row_id))
        else:
            self._schedule_retry(row_id, row.error)

    async def _close_row(self, row_id: int) -> None:
        try:
            await self.db.write(partial(intake.done, row_id=row_id))
        except Exception as exc:
            log.exception("whatsapp: closing stored payload %d failed", row_id)
            self._schedule_retry(row_id, repr(exc))  # handled again: nothing happens twice

    def _schedule_retry(self, row_id: int, error: str) -> None:
        task = asyncio.create_task(self._retry(row_id, error))
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _retry(self, row_id: int, error: str) -> None:
        """Count the failed attempt, wait, and handle the stored payload again."""
        try:
            attempts = await self.db.write(partial(
                intake.failed, row_id=row_id, error=error,
                max_attempts=WHATSAPP_INTAKE_MAX_ATTEMPTS,
            ))  # fmt: skip
        except Exception:
            log.exception("whatsapp: recording the failure of stored payload %d failed", row_id)
            attempts = 1  # the row is still pending either way
        if attempts >= WHATSAPP_INTAKE_MAX_ATTEMPTS:
            log.error("whatsapp: stored payload %d set aside after %d attempts: %s",
                      row_id, attempts, error)  # fmt: skip
            return
        await asyncio.sleep(self.retry_delay * 2 ** min(attempts - 1, 6))
        try:
            text = await self.db.read(partial(intake.payload_of, row_id=row_id))
        except Exception as exc:
            log.exception("whatsapp: reading stored payload %d failed", row_id)
            self._schedule_retry(row_id, repr(exc))
            return
        if text is not None:
            self._dispatch_stored(row_id, text)

    async def close(self, grace: float = 10.0) -> None:
        for retry in list(self._retries):  # a waiting retry is picked up at the next start
            retry.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.api.close()

    # --- one message ----------------------------------------------------------------------

    async def process(self, incoming: Incoming) -> None:
        if await self.db.read(partial(_handled, incoming.wamid)):
            return  # handled before a crash or a retry: the stored payload is handled again
        # Who wrote, as the turn will see them; the turn itself moves phone-keyed rows to
        # the user id first (`identities.adopt`), in its own transaction.
        key, chat_id = await self.db.read(
            partial(_address, incoming.user_id, incoming.wa_id)
        )
        inbound = replace(incoming.inbound, user_id=key, chat_id=chat_id)
        if inbound.kind is InboundKind.CHOICE and inbound.choice == SHARE_NUMBER:
            # "Use this number": the number this chat runs on, when we know it.
            phone = chat_id if chat_id.isdigit() else ""
            kind = InboundKind.CONTACT if phone else InboundKind.OTHER
            inbound = replace(inbound, kind=kind, choice="", phone=f"+{phone}" if phone else "")
        if incoming.media_id:
            fetched = await self._fetch_media(replace(inbound, media_ref=""), incoming.media_id)
            if fetched is None:
                return  # refused (too large, quota): the person was told
            inbound = fetched
        menu_asked = False
        if inbound.kind is InboundKind.TEXT:
            text, menu_asked = slashless(inbound.text)
            inbound = replace(inbound, text=text)
        adopt = partial(_adopt, incoming.user_id, incoming.wa_id)
        replies = await self.handle(inbound, incoming.wamid, adopt)
        if not replies:
            return  # a redelivery, or nothing to say
        # The turn's own view of the person; read only when the turn did not run (held back).
        who: Recipient = (
            replies.recipient
            if isinstance(replies, Replies) and replies.recipient is not None
            else await self.db.read(partial(person, key, self.engine.settings))
        )
        words = words_for(who.language)
        if menu_asked and (who.registered or who.cda or who.observer):
            requests = menu_requests(
                who.language, words, registered=who.registered, cda=who.cda, observer=who.observer
            )
        else:
            requests = self.sender.render_all(replies, words, inbound.chat_id)
        await self.sender.send_requests(inbound.chat_id, requests)

    async def _fetch_media(self, inbound: Inbound, media_id: str) -> Inbound | None:
        """Store a photo, voice note or document under the media folder when the person's
        current step asks for it (`media_gate`, issue 12); the answer records its path.
        WhatsApp's webhook gives no size: the media URL's answer does, before the download.
        None: refused, and the person told why."""
        if self.media_dir is None or self.media_gate is None:
            return inbound
        verdict = await self.media_gate.verdict(inbound)
        if verdict.refusal is not None:
            await self._say(inbound, [verdict.refusal])
            return None
        if not verdict.take:
            return inbound  # this step takes no file: the handlers answer as to any input
        try:
            path = await self.api.download(media_id, self.media_dir, max_bytes=verdict.max_bytes)
            size = path.stat().st_size
        except MediaTooLarge:
            if verdict.too_large is not None:
                await self._say(inbound, [verdict.too_large])
            return None
        except (GraphError, OSError) as exc:
            log.warning("could not fetch whatsapp media %s: %s", media_id, exc)
            return inbound
        await self.media_gate.received(inbound, size)
        return replace(inbound, media_ref=str(path))

    async def _say(self, inbound: Inbound, replies: list[Outbound]) -> None:
        who = await self.db.read(partial(person, inbound.user_id, self.engine.settings))
        requests = self.sender.render_all(replies, words_for(who.language), inbound.chat_id)
        await self.sender.send_requests(inbound.chat_id, requests)

    # --- statuses -------------------------------------------------------------------------

    async def _on_statuses(self, row_id: int, statuses: list[Status]) -> None:
        """Delivery receipts into the outbox ledger; failures as WhatsApp explains them.
        When they are the last part of their payload, the stored row goes in the same
        transaction; if the transaction fails the row stays and is retried."""
        now = iso(self.engine.clock())
        row = self._rows.get(row_id)
        last = row is not None and row.remaining == 1 and row.error is None
        try:
            done = await self.db.write(
                partial(_record_statuses, statuses, now, row_id if last else None)
            )
        except Exception as exc:
            log.exception("whatsapp: recording %d statuses failed; kept for a retry", len(statuses))
            self._part_done(row_id, repr(exc))
            return
        self._part_done(row_id, closed=last)
        for status, what in zip(statuses, done, strict=True):
            if status.status == "failed":
                log.info("whatsapp: %s failed %s: %s", status.wamid, status.errors, what)


def _handled(wamid: str, conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM processed_updates WHERE channel = ? AND update_key = ?",
            (CHANNEL, wamid),
        ).fetchone()
        is not None
    )


def _record_statuses(
    statuses: list[Status], now: str, row_id: int | None, conn: sqlite3.Connection
) -> list[str]:
    if row_id is not None:
        intake.done(conn, row_id)
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


def _adopt(user_id: str, wa_id: str, conn: sqlite3.Connection) -> None:
    identities.adopt(conn, user_id, wa_id)


def _address(user_id: str, wa_id: str, conn: sqlite3.Connection) -> tuple[str, str]:
    return identities.address(conn, user_id, wa_id)


async def start(
    settings: Settings,
    engine: Engine,
    http: web.Application,
    media_dir: Path,
    *,
    wrap: Callable[[Engine], Handle] | None = None,
    media_gate: MediaGate | None = None,
    links: JoinLinks | None = None,
) -> WhatsAppChannel:
    """Wire the channel onto the shared listener (`bot.app.run`). The engine is the app's:
    `links` (the web pages' join links) learns the business number from Graph when the
    settings do not name it.
    a CDA named by phone in CLUSTERBOT_ADMINS is recognised by the storage
    (`bot.storage.admins.access_for`), not by widening the channel's settings."""
    api = GraphClient(
        settings.whatsapp_api_server, settings.whatsapp_token, settings.whatsapp_phone_number_id
    )
    channel = WhatsAppChannel(
        engine=engine,
        api=api,
        media_dir=media_dir / CHANNEL,
        wrap=wrap,
        hold=os.environ.get(HOLD_ENV) == "1",
        media_gate=media_gate,
    )
    await channel.recover()  # what a crash left stored goes first
    channel.add_routes(http)
    if links is not None and not links.whatsapp_number:
        links.whatsapp_number = await api.display_number()
    log.info("whatsapp: webhook at %s", WEBHOOK_PATH)
    return channel
