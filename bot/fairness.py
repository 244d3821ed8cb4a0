"""A per-person inbound limit, the same on every channel (issue 12).

Every message a person sends costs a turn on the single writer and a reply on the channel,
so one person sending hundreds a minute (a stuck client, a script, a forwarded flood) would
eat everyone's capacity. `InboundLimiter` lets each person send `per_minute` messages in any
rolling minute: the first message over the limit is answered once with "please slow down",
the rest are dropped unhandled until the minute has room again. Drops are counted and
logged as counts only (no ids, no text).

`limited(handle, limiter, db, settings)` wraps a channel's handle (the engine's entry
point): `bot.app.run` wraps the one both channels call, so the limit is channel-neutral.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable
from functools import partial

from bot.config import Settings
from bot.engine import Handle, Prepare
from bot.i18n import translator
from bot.messages import Inbound, Outbound
from bot.storage import contacts
from bot.storage.db import Database

log = logging.getLogger(__name__)

WINDOW = 60.0  # seconds: the limit is stated per minute
REPORT_EVERY = 60.0  # seconds between log lines that count the drops
_MIN_SWEEP = 256  # below this many people the table is never swept



class Verdict(enum.Enum):
    ALLOW = "allow"
    SLOW_DOWN = "slow_down"  # the first message over the limit: answer once
    DROP = "drop"  # further messages over the limit: not handled


class Held(list[Outbound]):
    """The replies to a message the limit held back (empty when dropped). The message was
    not handled, so a channel must not show it as taken: a pressed button is not frozen
    as the chosen answer (bot/channels/telegram.py)."""


class InboundLimiter:
    """Sliding-window count per person: at most `per_minute` messages in any `WINDOW`.

    `per_minute` 0 means no limit. Time comes from the injected `clock` (monotonic
    seconds). Not thread-safe: use it from the event loop that runs the channels.
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic):
        if per_minute < 0:
            raise ValueError("per_minute must be 0 (no limit) or more")
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}  # person -> recent times
        self._warned: set[tuple[str, str]] = set()  # told to slow down, not allowed since
        self._sweep_at = _MIN_SWEEP
        self.dropped: Counter[str] = Counter()  # channel -> messages dropped (all time)
        self.slowed: Counter[str] = Counter()  # channel -> "slow down" replies (all time)
        self._unreported: Counter[str] = Counter()
        self._reported_at = clock()

    def check(self, channel: str, user_id: str) -> Verdict:
        """Count one message from this person and say what to do with it."""
        if not self.per_minute:
            return Verdict.ALLOW
        now = self._clock()
        person = (channel, user_id)
        seen = self._seen.get(person)
        if seen is None:
            seen = self._seen[person] = deque(maxlen=self.per_minute)
            if len(self._seen) > self._sweep_at:
                self._sweep(now)
        if len(seen) < self.per_minute or seen[0] <= now - WINDOW:
            seen.append(now)
            self._warned.discard(person)
            return Verdict.ALLOW
        if person not in self._warned:
            self._warned.add(person)
            self.slowed[channel] += 1
            log.info("inbound limit: a %s person went over %d a minute", channel, self.per_minute)
            return Verdict.SLOW_DOWN
        self.dropped[channel] += 1
        self._unreported[channel] += 1
        self.report(now)
        return Verdict.DROP

    def report(self, now: float | None = None, *, force: bool = False) -> None:
        """Log the drops since the last report, at most once every REPORT_EVERY seconds."""
        now = self._clock() if now is None else now
        if not self._unreported or (not force and now - self._reported_at < REPORT_EVERY):
            return
        for channel, count in sorted(self._unreported.items()):
            log.warning(
                "inbound limit: dropped %d %s message(s) over %d a minute (%d since start)",
                count,
                channel,
                self.per_minute,
                self.dropped[channel],
            )
        self._unreported.clear()
        self._reported_at = now

    @property
    def tracked(self) -> int:
        """People with state held (tests: the table does not grow for good)."""
        return len(self._seen)

    def _sweep(self, now: float) -> None:
        # A person whose newest message left the window is the same as one never seen.
        horizon = now - WINDOW
        self._seen = {p: s for p, s in self._seen.items() if s and s[-1] > horizon}
        self._warned &= set(self._seen)
        self._sweep_at = max(_MIN_SWEEP, 2 * len(self._seen))


def limited(handle: Handle, limiter: InboundLimiter, db: Database, settings: Settings) -> Handle:
    """`handle`, behind the inbound limit: over it, one "slow down" reply, then nothing."""

    async def admitted(
        inbound: Inbound, update_key: str = "", prepare: Prepare | None = None
    ) -> list[Outbound]:
        verdict = limiter.check(inbound.channel, inbound.user_id)
        if verdict is Verdict.ALLOW:
            return await handle(inbound, update_key, prepare)
        if verdict is Verdict.DROP:
            return Held()
        return Held([Outbound(await slow_down_text(db, settings, inbound))])

    return admitted


async def slow_down_text(db: Database, settings: Settings, inbound: Inbound) -> str:
    try:
        language = await db.read(partial(_language_of, inbound))
    except Exception:  # the reply must not fail on a database hiccup
        log.exception("inbound limit: could not read the language")
        language = None
    _ = translator(language or settings.default_language)
    return _(
        "You are sending messages very fast. Please wait a minute, then send your message again."
    )


def _language_of(inbound: Inbound, conn: sqlite3.Connection) -> str | None:
    contact = contacts.find(conn, inbound.channel, inbound.user_id)
    return contact.language if contact else None
