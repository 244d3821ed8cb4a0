"""Telegram updates of different people handled at once, each person's in order (issue 12).

python-telegram-bot hands every update to an update processor (`BaseUpdateProcessor`). With
`concurrent_updates(False)` one slow or flooding person delays everyone; a plain concurrent
processor would let one person's messages overtake each other. `PerPersonUpdates` chains
each person's updates (the next waits for the previous to finish) and runs the chains of
different people side by side, at most `running` at a time.

Two bounds, deliberately different:

* `running` (the inner semaphore): updates being *handled* at once. Only the head of each
  person's chain takes a slot, so 500 queued messages of one person hold one slot, never
  all of them (a flood cannot starve the others of slots).
* `max_concurrent_updates` (PTB's own semaphore, taken before `do_process_update`): updates
  *accepted* and not yet done. It is large because every one of them waits here cheaply;
  it is the memory valve, reached only if intake outruns handling by that much.

Order: PTB starts one task per update, in arrival order, and each runs synchronously into
`do_process_update` (PTB's semaphore does not suspend while it has room), where it takes its
place in its person's chain before its first `await`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

RUNNING = 64  # updates handled at once (each a turn plus its replies)
ACCEPTED = 10_000  # updates accepted and not yet handled (PTB's bound)


def person_of(update: object) -> str:
    """The key that orders updates: the sender, else the chat; '' for anything else."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return f"u{update.effective_user.id}"
        if update.effective_chat is not None:
            return f"c{update.effective_chat.id}"
    return ""


class PerPersonUpdates(BaseUpdateProcessor):
    """Concurrent across people, in order within one person; see the module docstring."""

    __slots__ = ("_running", "_slots", "_tails")

    def __init__(self, running: int = RUNNING, accepted: int = ACCEPTED) -> None:
        if not 1 <= running <= accepted:
            raise ValueError("need 1 <= running <= accepted")
        super().__init__(accepted)
        self._running = running
        self._slots = asyncio.Semaphore(running)
        # person -> the future the person's latest update resolves when it is done.
        self._tails: dict[str, asyncio.Future[None]] = {}

    @property
    def people_waiting(self) -> int:
        """People with an update being handled or waiting (tests, metrics)."""
        return len(self._tails)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = person_of(update)
        before = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        try:
            if before is not None:
                await asyncio.shield(before)
            async with self._slots:
                await coroutine
        finally:
            _close_unstarted(coroutine)  # cancelled before its turn (shutdown)

            def finish(_: object = None) -> None:
                _resolve(done)
                if self._tails.get(key) is done:
                    del self._tails[key]

            if before is None or before.done():
                finish()
            else:  # cancelled while waiting: the next one must still wait for `before`
                before.add_done_callback(finish)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: `Application.stop` already waited for every update."""


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _close_unstarted(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that never ran, so it does not warn 'never awaited'."""
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == "CORO_CREATED":
        coroutine.close()
