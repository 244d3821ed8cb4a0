"""The channel-neutral engine: Inbound -> handler -> Outbound.

`Engine.handle()` runs one whole turn as a single write transaction on the database's
writer connection: load the contact and their conversation, route to a handler, let it read
and write through the repositories, save the new conversation state, record the update as
processed, commit. Only then does the channel send the returned messages. A crash at any
point leaves either the old state or the new one, never half of a turn.

Turns queued together commit together, each in its own savepoint, on the event loop's
thread (`Database.write(quick=True)`): a failing turn undoes only itself, and when the
shared COMMIT fails every turn of the group fails and none of their replies is sent.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from bot.clock import Clock, iso, utc_now
from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES, Translator, translator
from bot.messages import Choice, Inbound, InboundKind, Outbound
from bot.storage import admins, audit, contacts, conversations
from bot.storage.admins import Access
from bot.storage.contacts import Contact
from bot.storage.conversations import Conversation
from bot.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What a handler gets: the open transaction, the person, and a place to put replies."""

    conn: sqlite3.Connection
    inbound: Inbound
    contact: Contact
    settings: Settings
    now: datetime
    conv: Conversation | None
    out: list[Outbound] = field(default_factory=list)
    now_iso: str = ""  # `now` as stored; formatted once per turn, used by every write
    erased: bool = False  # someone was erased: empty the WAL once the turn has committed
    _: Translator = field(init=False)
    _access: Access | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._ = translator(self.contact.language or self.settings.default_language)
        self.now_iso = self.now_iso or iso(self.now)

    @property
    def access(self) -> Access:
        """The person's CDA / observer rights, read when first asked: most turns (a survey
        answer) never ask, and the turn is the bot's hot path."""
        if self._access is None:
            self._access = admins.access_for(
                self.conn, self.inbound.channel, self.inbound.user_id, self.settings.admins
            )
        return self._access

    @property
    def language(self) -> str:
        return self._.language

    def reply(self, text: str, choices: tuple[Choice, ...] | list[Choice] = (), **kw: Any) -> None:
        self.out.append(Outbound(text=text, choices=tuple(choices), **kw))

    def reply_later(self, build: Build, fallback: str) -> None:
        """Queue replies that `build(reader_conn)` makes once this turn has committed."""
        self.out.append(Later(text=fallback, build=build))

    def go(self, flow: str, step: str, **data: Any) -> None:
        """Move to a step; `data` is merged into the flow's draft."""
        merged = dict(self.conv.data) if self.conv and self.conv.flow == flow else {}
        merged.update(data)
        self.conv = Conversation(flow, step, merged)

    def end(self) -> None:
        self.conv = None

    def update_contact(self, **fields: Any) -> None:
        contacts.update(self.conn, self.contact.id, **fields)
        fresh = contacts.by_id(self.conn, self.contact.id)
        assert fresh is not None
        self.contact = fresh
        if "language" in fields:
            self._ = translator(self.contact.language or self.settings.default_language)

    def audit(self, action: str, *, subject: str | None = None, **detail: Any) -> None:
        audit.record(
            self.conn,
            at=self.now_iso,
            actor=self.contact.ref,
            action=action,
            cluster_id=self.contact.cluster_id,
            subject=subject,
            detail=detail,
        )


Router = Callable[[Context], None]
Build = Callable[[sqlite3.Connection], list[Outbound]]


@dataclass(frozen=True)
class Later(Outbound):
    """A reply built after the turn commits, on the reader connection (`Database.read`):
    slow work such as a chart or a spreadsheet must not hold the single writer. `text` is
    what is sent instead if building fails."""

    build: Build | None = None


Prepare = Callable[[sqlite3.Connection], None]


class Handle(Protocol):
    """`Engine.handle`, or a wrapper of it (the app's notifier, the inbound limit)."""

    async def __call__(
        self, inbound: Inbound, update_key: str = "", prepare: Prepare | None = None
    ) -> list[Outbound]: ...


@dataclass(frozen=True)
class Recipient:
    """Who a turn's replies are for, as the turn saw them: what a channel needs to render
    them (the language, and which menu they get) without reading the database again."""

    language: str
    registered: bool = False
    cda: bool = False
    observer: bool = False


class Replies(list[Outbound]):
    """A turn's replies, with their `recipient` (None when the turn did not run: a
    duplicate update, a failure, or a message held back by the inbound limit)."""

    recipient: Recipient | None = None


def replies_for(ctx: Context) -> Replies:
    replies = Replies(ctx.out)
    replies.recipient = Recipient(
        language=ctx._.language,
        registered=ctx.contact.registered,
        cda=ctx.access.cda,
        observer=ctx.access.observer,
    )
    return replies


class Engine:
    """Routes each Inbound through `router` (handlers.route) inside one transaction."""

    def __init__(self, db: Database, settings: Settings, router: Router, clock: Clock = utc_now):
        self.db = db
        self.settings = settings
        self.router = router
        self.clock = clock
        self._wipe_wal = False  # a turn erased someone (bot/erasure.py)

    async def handle(
        self, inbound: Inbound, update_key: str = "", prepare: Prepare | None = None
    ) -> list[Outbound]:
        """One turn. `prepare` runs first inside the turn's transaction: a channel's own
        bookkeeping of who wrote (WhatsApp's identities), so one message is one transaction."""
        try:
            # quick: a turn is short by design, so it runs on the loop's thread (db.write).
            replies = await self.db.write(
                partial(self.turn, inbound, update_key, prepare), quick=True
            )
        except Exception:
            log.exception(
                # The update, not the user: a WhatsApp user id may be a phone number.
                "turn failed: channel=%s update=%s kind=%s",
                inbound.channel,
                update_key,
                inbound.kind,
            )
            language = await self.db.read(partial(_language_of, inbound))
            _ = translator(language or self.settings.default_language)
            return [Outbound(_("Sorry, something went wrong on our side. Please try again."))]
        if self._wipe_wal:
            # The erased text is still in the WAL's old frames until it is truncated.
            self._wipe_wal = False
            try:
                # Busy (readers kept an old snapshot for 5 s): the next turn tries again.
                self._wipe_wal = not await self.db.wipe_wal()
            except Exception:  # the erasure itself is committed; the next turn retries
                self._wipe_wal = True
                log.exception("could not empty the WAL after an erasure")
        if any(isinstance(reply, Later) for reply in replies):
            built = Replies(await self._build_later(replies))
            built.recipient = getattr(replies, "recipient", None)
            return built
        return replies

    async def _build_later(self, replies: list[Outbound]) -> list[Outbound]:
        built: list[Outbound] = []
        for reply in replies:
            if not isinstance(reply, Later) or reply.build is None:
                built.append(reply)
                continue
            try:
                built.extend(await self.db.read(reply.build))
            except Exception:
                log.exception("building a later reply failed")
                built.append(Outbound(reply.text))
        return built

    def turn(
        self,
        inbound: Inbound,
        update_key: str,
        prepare: Prepare | None,
        conn: sqlite3.Connection,
    ) -> list[Outbound]:
        """One turn, run inside the write transaction (see module docstring)."""
        now = self.clock()
        stamp = iso(now)
        if update_key and not _first_time(conn, inbound.channel, update_key, stamp):
            log.info("duplicate update %s:%s ignored", inbound.channel, update_key)
            return []
        if prepare is not None:
            prepare(conn)
        contact = contacts.get_or_create(
            conn, inbound.channel, inbound.user_id, inbound.chat_id, stamp
        )
        conv, offered = conversations.load(conn, contact.id)
        ctx = Context(
            conn=conn,
            inbound=_numbered_choice(offered, inbound),
            contact=contact,
            settings=self.settings,
            now=now,
            conv=conv,
            now_iso=stamp,
        )
        inbound = ctx.inbound
        if contact.language is None and inbound.language_code[:2] in SHIPPED_LANGUAGES:
            # Until the person picks, the client's own language is a better guess.
            ctx._ = translator(inbound.language_code[:2])
        had_conversation = ctx.conv is not None
        self.router(ctx)
        self._wipe_wal = self._wipe_wal or ctx.erased
        if ctx.contact.status != "erased" and (had_conversation or ctx.conv is not None):
            # The buttons just sent replace the stored ones; a turn without replies keeps them.
            shown = next((m.choices for m in reversed(ctx.out) if m.choices), ())
            ids = [c.id for c in shown] if ctx.out else None
            conversations.save(conn, ctx.contact.id, ctx.conv, ctx.now_iso, last_choices=ids)
        return replies_for(ctx)


def freeze_heap() -> None:
    """Keep what start-up allocated (modules, catalogues, forms) out of garbage collection.

    A full collection walks every object alive: over the start-up heap it paused the
    writer ~35 ms every few seconds under load (bench/bench_survey.py), the worst latency
    of a turn. Call when start-up is over; `thaw_heap()` undoes it (tests run the bot many
    times in one process)."""
    gc.freeze()


def thaw_heap() -> None:
    gc.unfreeze()


def _numbered_choice(offered: list[str], inbound: Inbound) -> Inbound:
    """A typed "2" presses the second button offered last (numbered-text channels)."""
    text = inbound.text.strip()
    if inbound.kind is not InboundKind.TEXT or not text.isdigit() or len(text) > 3:
        return inbound
    number = int(text)
    if not 1 <= number <= len(offered):
        return inbound
    # `text` keeps the typed digits: a question that asks for a number takes them as the
    # answer, not as a press of its Skip button (handlers/surveys/respond.py).
    return replace(inbound, kind=InboundKind.CHOICE, choice=offered[number - 1])


def _first_time(conn: sqlite3.Connection, channel: str, key: str, now: str) -> bool:
    cur = conn.execute(
        "INSERT OR IGNORE INTO processed_updates (channel, update_key, at) VALUES (?, ?, ?)",
        (channel, key, now),
    )
    return cur.rowcount == 1


def _language_of(inbound: Inbound, conn: sqlite3.Connection) -> str | None:
    contact = contacts.find(conn, inbound.channel, inbound.user_id)
    return contact.language if contact else None
