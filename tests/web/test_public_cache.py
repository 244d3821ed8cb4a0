"""The public page's memory (bot/web/public_cache.py): one read for many readers of a cold
key, the old value while a new one is read, the new one for a caller that waits, and a
failed read that leaves the old value."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.web.public_cache import StaleWhileRefresh

T = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


class Source:
    def __init__(self) -> None:
        self.reads = 0
        self.gate = asyncio.Event()
        self.fail = False

    async def read(self) -> int:
        self.reads += 1
        await self.gate.wait()
        if self.fail:
            raise RuntimeError("database gone")
        return self.reads


async def test_fifty_readers_of_a_cold_key_cost_one_read() -> None:
    cache: StaleWhileRefresh[int] = StaleWhileRefresh(TTL)
    source = Source()
    readers = [asyncio.create_task(cache.get("k", T, source.read)) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*readers) == [1] * 50
    assert source.reads == 1


async def test_a_stale_value_is_served_while_the_new_one_is_read() -> None:
    cache: StaleWhileRefresh[int] = StaleWhileRefresh(TTL)
    source = Source()
    source.gate.set()
    assert await cache.get("k", T, source.read) == 1
    assert await cache.get("k", T + TTL - timedelta(seconds=1), source.read) == 1
    assert source.reads == 1  # fresh: no read
    source.gate.clear()
    later = T + TTL
    assert await cache.get("k", later, source.read) == 1  # at once, the old value
    assert await cache.get("k", later, source.read) == 1
    await asyncio.sleep(0)
    assert source.reads == 2  # one read under way, not two
    source.gate.set()
    await cache.settled()
    assert await cache.get("k", later, source.read) == 2
    # a clock set back: read again
    await cache.get("k", T, source.read)
    await cache.settled()
    assert source.reads == 3


async def test_a_waiting_caller_gets_the_new_value() -> None:
    cache: StaleWhileRefresh[int] = StaleWhileRefresh(TTL)
    source = Source()
    source.gate.set()
    await cache.get("k", T, source.read)
    assert await cache.get("k", T + TTL, source.read, wait=True) == 2


async def test_a_failed_read_keeps_the_old_value(caplog: pytest.LogCaptureFixture) -> None:
    cache: StaleWhileRefresh[int] = StaleWhileRefresh(TTL)
    source = Source()
    source.gate.set()
    await cache.get("k", T, source.read)
    source.fail = True
    assert await cache.get("k", T + TTL, source.read) == 1
    await cache.settled()
    assert "reading the public page failed" in caplog.text
    assert await cache.get("k", T + TTL, source.read) == 1  # and it tries again
    await cache.settled()
    assert source.reads == 3
    with pytest.raises(RuntimeError):
        await cache.get("cold", T, source.read)  # nothing old to give: the reader sees it


async def test_closing_cancels_the_reads_under_way() -> None:
    cache: StaleWhileRefresh[int] = StaleWhileRefresh(TTL)
    source = Source()
    reader = asyncio.create_task(cache.get("k", T, source.read))
    await asyncio.sleep(0)
    await cache.close()
    with pytest.raises(asyncio.CancelledError):
        await reader
