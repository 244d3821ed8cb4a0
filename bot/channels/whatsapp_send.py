"""Sending on WhatsApp: replies (a few quick retries of their own) and outbox rows (one
attempt each; `bot.outbox.sender` retries), through the number's shared `RateLimiter`, with media
uploaded once per file and every Graph API answer mapped by `whatsapp_api.classify`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import math
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from bot.channels import whatsapp_templates as templates
from bot.channels.whatsapp_api import (
    OUTSIDE_WINDOW,
    GraphClient,
    GraphError,
    error_code,
    recipient_fields,
)
from bot.channels.whatsapp_render import WaRequest, Words, media_type, render
from bot.channels.whatsapp_webhook import CHANNEL
from bot.clock import Clock, iso, parse_iso, utc_now
from bot.config import Settings
from bot.engine import Recipient
from bot.i18n import translator
from bot.messages import Media, Outbound
from bot.outbox.queue import OutboxItem
from bot.outbox.ratelimit import WHATSAPP_LIMITS, Limits, RateLimiter
from bot.outbox.retry import Outcome, SendResult
from bot.storage import admins, contacts
from bot.storage import whatsapp as identities
from bot.storage.db import Database

log = logging.getLogger(__name__)

REPLY_ATTEMPTS = 3
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=30)
UPLOAD_CACHE = 64  # media ids remembered by file content


def whatsapp_limits(rate: float) -> Limits:
    """The number's limits at `CLUSTERBOT_WHATSAPP_RATE` messages a second.

    The burst stays 100 ms worth of sends (8 at the default 80/s), so a number Meta moved
    to a higher throughput is smoothed the same way. The pair rate limit (about one
    message every 6 s to one person, short bursts allowed) is WhatsApp's own and does not
    change with the number's throughput.
    """
    return dataclasses.replace(WHATSAPP_LIMITS, per_second=rate, burst=max(1, math.ceil(rate / 10)))


def words_for(language: str) -> Words:
    """The renderer's own words in the person's language (button labels: 20 characters)."""
    _ = translator(language)
    return Words(
        choose=_("Choose"),
        menu=_("Menu"),
        reply_with_number=_("Reply with the number of your choice."),
        use_this_number=_("Use this number"),
        skip_hint=_("Or skip this question:"),
    )


def person(key: str, settings: Settings, conn: sqlite3.Connection) -> Recipient:
    """What rendering needs to know about the person a message goes to, read afresh (for
    messages not answering a turn: a refusal before download, a held-back message)."""
    contact = contacts.find(conn, CHANNEL, key)
    access = admins.access_for(conn, CHANNEL, key, settings.admins)
    language = (contact.language if contact else None) or settings.default_language
    return Recipient(
        language=language,
        registered=bool(contact and contact.registered),
        cda=access.cda,
        observer=access.observer,
    )


def _unreachable(recipient: str, conn: sqlite3.Connection) -> None:
    identities.mark_unreachable(conn, recipient)


# Logs name a person by their contact number, never by phone number (issue 12). Graph's
# error texts may quote the recipient, so digit runs that look like a number go too.
PHONE_LIKE = re.compile(r"\+?\d[\d \-]{5,}\d")


def unnumbered(text: str) -> str:
    return PHONE_LIKE.sub("…", text)


def _contact_label(chat_id: str, conn: sqlite3.Connection) -> str:
    contact_id = identities.contact_for(conn, chat_id)
    return f"contact {contact_id}" if contact_id is not None else "an unknown contact"


class WhatsAppSender:
    def __init__(
        self,
        db: Database,
        api: GraphClient,
        settings: Settings,
        limiter: RateLimiter | None = None,
        clock: Clock = utc_now,
    ):
        self.db = db
        self.clock = clock
        self.api = api
        self.settings = settings
        self.limiter = limiter or RateLimiter(whatsapp_limits(settings.whatsapp_rate))
        self._uploads: OrderedDict[str, str] = OrderedDict()  # sha256 -> media id

    def render_all(
        self, replies: Sequence[Outbound], words: Words, chat_id: str
    ) -> list[WaRequest]:
        can_share = "to" in recipient_fields(chat_id)  # we know their number
        return [r for m in replies for r in render(m, words, can_share_number=can_share)]

    async def send_requests(
        self, chat_id: str, requests: Sequence[WaRequest], *, reply: bool = True
    ) -> SendResult:
        """Send in order; stop at a blocked recipient (marked unreachable).

        A reply goes on past a refused request (the rest still helps the person); an outbox
        send stops at the first failure and lets the outbox decide. The result carries the
        wamid of the first message sent, which later status webhooks refer to.
        """
        first: str | None = None
        failed: SendResult | None = None
        for request in requests:
            result = await self.send_one(chat_id, request, reply=reply)
            if result.outcome is Outcome.SENT:
                first = first or result.platform_message_id
                continue
            who = await self.db.read(partial(_contact_label, chat_id))
            reason = unnumbered(result.reason or "")
            if result.outcome is Outcome.BLOCKED:
                log.info("whatsapp: %s cannot receive messages (%s)", who, reason)
                await self.db.write(partial(_unreachable, chat_id))
                return result
            log.error("whatsapp: send to %s failed: %s", who, reason)
            failed = failed or result
            if not reply:
                return result
        if failed is not None and first is None:
            return failed
        return SendResult(Outcome.SENT, platform_message_id=first)

    async def send_one(self, chat_id: str, request: WaRequest, *, reply: bool = True) -> SendResult:
        """One request. A reply retries a few times itself; an outbox send (reply=False)
        makes one attempt and leaves retrying to the outbox."""
        body = request.body
        if request.upload is not None:
            try:
                media_id = await self._upload(request.upload)
            except GraphError as exc:
                return exc.result
            kind = body["type"]
            body = {**body, kind: {**body[kind], "id": media_id}}
        attempts = REPLY_ATTEMPTS if reply else 1
        result = SendResult(Outcome.TRANSIENT, "not sent")
        for attempt in range(attempts):
            # A reply skips waiting for the per-person pair limit: making someone who just
            # wrote wait seconds per message would break the conversation.
            await self.limiter.acquire(chat_id, priority=reply, chat_limit=not reply)
            result = await self.api.send(chat_id, body)
            if result.outcome is Outcome.RETRY_AFTER:
                self.limiter.pause_for(result.retry_after or 1.0)
            elif result.outcome is Outcome.TRANSIENT and attempt + 1 < attempts:
                await asyncio.sleep(0.5 * 2**attempt)
            else:
                return result
        return result

    async def _upload(self, media: Media) -> str:
        """Upload once per file content; WhatsApp keeps uploaded media for 30 days."""
        digest = hashlib.sha256(media.data).hexdigest()
        if digest in self._uploads:
            self._uploads.move_to_end(digest)
            return self._uploads[digest]
        media_id = await self.api.upload(media, media_type(media))
        self._uploads[digest] = media_id
        while len(self._uploads) > UPLOAD_CACHE:
            self._uploads.popitem(last=False)
        return media_id

    async def deliver(self, item: OutboxItem) -> SendResult:
        """Send one outbox row (`bot.outbox.sender` calls this); never raises for API errors.

        Only to people who gave consent in onboarding. Inside the 24-hour window the
        message goes out as it is; outside it (or when WhatsApp answers 131047) as the
        approved template for its kind, in the person's language.
        """
        who = await self.db.read(partial(_recipient, item.chat_id))
        if who is None or not who.consented:
            return SendResult(Outcome.FAILED, "no opt-in recorded for WhatsApp messages")
        language = who.language or self.settings.default_language
        now = self.clock()
        if window_open(who, now):
            result = await self._free_form(item, language)
            if error_code(result) != OUTSIDE_WINDOW:
                return result
            await self.db.write(partial(_close_window, who.contact_id, iso(now)))
        body = templates.message(item.kind, language, item.payload.text)
        return await self.send_one(item.chat_id, WaRequest(body), reply=False)

    async def _free_form(self, item: OutboxItem, language: str) -> SendResult:
        payload = item.payload
        media = None
        if payload.media_kind:
            path = Path(payload.media_path)
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError:
                return SendResult(Outcome.FAILED, "media file missing")
            media = Media(payload.media_kind, payload.media_name or path.name, data)
        message = Outbound(payload.text, payload.choices, payload.columns, media=media)
        requests = self.render_all([message], words_for(language), item.chat_id)
        return await self.send_requests(item.chat_id, requests, reply=False)


def window_open(who: identities.Recipient, now: datetime) -> bool:
    """Inside WhatsApp's customer-service window: the person wrote less than 24 hours ago
    (less a margin for a queued message that leaves a little later), and WhatsApp has not
    refused a free-form message since."""
    if who.last_inbound_at is None:
        return False
    last = parse_iso(who.last_inbound_at)
    if who.closed_at is not None and parse_iso(who.closed_at) >= last:
        return False
    return now - last < WINDOW - WINDOW_MARGIN


def _recipient(chat_id: str, conn: sqlite3.Connection) -> identities.Recipient | None:
    return identities.recipient(conn, chat_id)


def _close_window(contact_id: int, now: str, conn: sqlite3.Connection) -> None:
    identities.close_window(conn, contact_id, now)
