"""Whether to fetch a photo, voice note or document someone sent (issue 12).

A channel asks before it downloads anything:

    verdict = await gate.verdict(inbound)      # inbound.media_size: what the platform says
    if verdict.refusal:   send it, stop        # too large, or the person's quota is used up
    elif verdict.take:    download (at most verdict.max_bytes; else send verdict.too_large),
                          then gate.received(inbound, size) and hand the path on
    else:                 hand the message on with no file (media_ref "")

A file is taken only when the person's current step asks for that kind of media — the
handlers decide (`handlers.media.wanted`: a survey's image or audio question, a CDA's
broadcast attachment) — so nothing is fetched from a stranger, from someone who has not
consented, or from anyone at a step that takes text. Sizes and the per-person daily quota
are in `bot/limits.py`. The channels never import handlers: `bot.app` hands them a gate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from bot.clock import Clock, iso, utc_now
from bot.config import Settings
from bot.engine import Context
from bot.i18n import Translator
from bot.limits import MEDIA_MAX_BYTES, MEDIA_MAX_BYTES_PER_DAY, MEDIA_MAX_FILES_PER_DAY
from bot.messages import Inbound, InboundKind, Outbound
from bot.storage import contacts, conversations
from bot.storage import media as usage
from bot.storage.db import Database

Wanted = Callable[[Context], bool]
KIND_NAMES = {InboundKind.PHOTO: "photo", InboundKind.AUDIO: "audio",
              InboundKind.DOCUMENT: "document", InboundKind.VIDEO: "video"}  # fmt: skip
MB = 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    take: bool  # fetch the file
    refusal: Outbound | None = None  # answer this instead of handling the message
    too_large: Outbound | None = None  # answer this if the file proves larger than max_bytes
    max_bytes: int = 0


NOT_WANTED = Verdict(take=False)


class MediaGate:
    def __init__(self, db: Database, settings: Settings, wanted: Wanted, clock: Clock = utc_now):
        self.db = db
        self.settings = settings
        self.wanted = wanted
        self.clock = clock

    async def verdict(self, inbound: Inbound) -> Verdict:
        if inbound.kind not in KIND_NAMES:
            return NOT_WANTED
        return await self.db.read(partial(self._verdict, inbound))

    async def received(self, inbound: Inbound, size: int) -> None:
        """Count a fetched file against the person's quota."""
        now = self.clock()
        await self.db.write(partial(self._record, inbound, size, iso(now),
                                    iso(now - timedelta(days=1))))  # fmt: skip

    def _record(
        self, inbound: Inbound, size: int, now: str, since: str, conn: sqlite3.Connection
    ) -> None:
        contact = contacts.find(conn, inbound.channel, inbound.user_id)
        if contact is not None:
            usage.record(conn, contact.id, size, now, since)

    def _verdict(self, inbound: Inbound, conn: sqlite3.Connection) -> Verdict:
        contact = contacts.find(conn, inbound.channel, inbound.user_id)
        if contact is None or contact.status == "erased":
            return NOT_WANTED
        conv, _ = conversations.load(conn, contact.id)
        now = self.clock()
        ctx = Context(conn=conn, inbound=inbound, contact=contact, settings=self.settings,
                      now=now, conv=conv)  # fmt: skip
        if not self.wanted(ctx):
            return NOT_WANTED
        _ = ctx._
        limit = MEDIA_MAX_BYTES[KIND_NAMES[inbound.kind]]
        too_large = Outbound(too_large_text(_, limit))
        if inbound.media_size > limit:
            return Verdict(take=False, refusal=too_large)
        files, used = usage.used_since(conn, contact.id, iso(now - timedelta(days=1)))
        if files >= MEDIA_MAX_FILES_PER_DAY or used + inbound.media_size > MEDIA_MAX_BYTES_PER_DAY:
            return Verdict(take=False, refusal=Outbound(quota_text(_)))
        return Verdict(take=True, too_large=too_large, max_bytes=limit)


def too_large_text(_: Translator, limit: int) -> str:
    return _("That file is too large. Please send one of at most {megabytes} MB.").format(
        megabytes=_.number(limit // MB)
    )


def quota_text(_: Translator) -> str:
    return _(
        "You have sent as many files as the bot takes in one day ({files} files or "
        "{megabytes} MB). Please send more tomorrow."
    ).format(
        files=_.number(MEDIA_MAX_FILES_PER_DAY), megabytes=_.number(MEDIA_MAX_BYTES_PER_DAY // MB)
    )

