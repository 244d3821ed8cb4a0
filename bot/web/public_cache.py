"""What the web pages keep in memory (issue 16): the public page's data and the dashboard's
reports. Building them reads every contact and answer of a cluster — most of a second for
10,000 people — while a page should answer in well under 100 ms.

An entry is fresh for `ttl`; after that the old data is still served while one task reads
the new, so no reader waits for it (the page lags the chat by a minute or so). Only a key
never read before makes its readers wait, and then they all wait for the one read
(single flight): fifty readers of a cold page cost one build, not fifty.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

V = TypeVar("V")
D = TypeVar("D")


@dataclass
class _Entry(Generic[V]):
    at: datetime
    value: V


class StaleWhileRefresh(Generic[V]):
    def __init__(self, ttl: timedelta) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, _Entry[V]] = {}
        self._reading: dict[Hashable, asyncio.Task[V]] = {}

    async def get(
        self, key: Hashable, now: datetime, read: Callable[[], Awaitable[V]], *, wait: bool = False
    ) -> V:
        """The value of `key`; a stale one at once unless `wait` (a caller that is itself
        a background refresh wants the new value, not a second minute of lag)."""
        entry = self._entries.get(key)
        # a clock set back makes an entry "from the future": read it again
        if entry is not None and timedelta(0) <= now - entry.at < self.ttl:
            return entry.value
        refresh = self._start(key, now, read)
        if entry is not None and not wait:
            return entry.value
        return await asyncio.shield(refresh)

    def _start(
        self, key: Hashable, now: datetime, read: Callable[[], Awaitable[V]]
    ) -> asyncio.Task[V]:
        running = self._reading.get(key)
        if running is not None:
            return running

        async def refresh() -> V:
            value = await read()
            self._entries[key] = _Entry(now, value)
            return value

        task = asyncio.get_running_loop().create_task(refresh())
        self._reading[key] = task
        # a callback, not a `finally`: a task cancelled before it ran never runs its body
        task.add_done_callback(lambda done: self._finished(key, done))
        return task

    def _finished(self, key: Hashable, task: asyncio.Task[V]) -> None:
        if self._reading.get(key) is task:
            del self._reading[key]
        # a failed background read: the old value stays and the next reader tries again
        if not task.cancelled() and task.exception() is not None:
            log.error("reading the public page failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Waits for the reads under way (tests; the app's shutdown)."""
        while self._reading:
            await asyncio.gather(*self._reading.values(), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._reading.values()):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.settled()



class DrawnFrom(Generic[D]):
    """What was drawn from a kept value (a page's HTML, its sections), kept while that value
    is the one the cache hands out: drawing (SVG, Babel's numbers) holds the event loop the
    chat's turns share for milliseconds a page. At most `size` drawings; past it they start
    again (a key may hold a query string anyone can vary)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._drawn: dict[Hashable, tuple[object, D]] = {}

    def get(self, key: Hashable, source: object, draw: Callable[[], D]) -> D:
        kept = self._drawn.get(key)
        if kept is not None and kept[0] is source:
            return kept[1]
        drawn = draw()
        if len(self._drawn) >= self.size:
            self._drawn.clear()
        self._drawn[key] = (source, drawn)
        return drawn
