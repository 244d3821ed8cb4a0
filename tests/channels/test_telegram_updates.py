"""PerPersonUpdates: people at once, each person in order, a bounded number running
(issue 12: one person cannot slow everyone)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest
from telegram import Chat, Message, Update, User

from bot.channels.telegram_updates import PerPersonUpdates, person_of


def update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "Test", False)
    chat = Chat(user_id, "private")
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user))


class Recorder:
    def __init__(self) -> None:
        self.started: list[tuple[int, int]] = []
        self.finished: list[tuple[int, int]] = []
        self.running = 0
        self.peak = 0

    async def handle(self, user: int, n: int, gate: asyncio.Event | None = None) -> None:
        self.started.append((user, n))
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            if gate is not None:
                await gate.wait()
            for _ in range(random.randint(0, 3)):
                await asyncio.sleep(0)  # interleave with the others
        finally:
            self.running -= 1
        self.finished.append((user, n))


def spawn(
    processor: PerPersonUpdates, recorder: Recorder, user: int, n: int, gate: asyncio.Event | None
) -> asyncio.Task[None]:
    """What PTB's update fetcher does: one task per update, in arrival order."""
    return asyncio.create_task(
        processor.process_update(update(n, user), recorder.handle(user, n, gate))
    )


async def test_each_persons_updates_stay_in_order_while_people_interleave() -> None:
    random.seed(12)
    processor = PerPersonUpdates(running=8)
    recorder = Recorder()
    arrivals = [(user, n) for n in range(40) for user in random.sample(range(6), 6)]
    tasks = [spawn(processor, recorder, user, n, None) for user, n in arrivals]
    await asyncio.gather(*tasks)
    for user in range(6):
        mine = [n for u, n in recorder.finished if u == user]
        assert mine == sorted(mine) and len(mine) == 40  # in order, none lost
    assert recorder.peak > 1  # different people were handled at the same time
    assert processor.people_waiting == 0  # nothing kept once done


async def test_a_flooding_person_does_not_hold_up_anyone_else() -> None:
    processor = PerPersonUpdates(running=4)
    recorder = Recorder()
    stuck = asyncio.Event()  # the flooder's first update never finishes until released
    flood = [spawn(processor, recorder, 1, n, stuck if n == 0 else None) for n in range(500)]
    other = spawn(processor, recorder, 2, 0, None)
    await asyncio.wait_for(other, 5)  # answered while the flood is still queued
    assert recorder.finished == [(2, 0)]
    assert recorder.started[0] == (1, 0) and (1, 1) not in recorder.started
    stuck.set()
    await asyncio.gather(*flood)
    assert [n for u, n in recorder.finished if u == 1] == list(range(500))


async def test_at_most_running_updates_are_handled_at_once() -> None:
    processor = PerPersonUpdates(running=3)
    recorder = Recorder()
    gate = asyncio.Event()
    tasks = [spawn(processor, recorder, user, 0, gate) for user in range(10)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert recorder.running == 3 and len(recorder.started) == 3
    gate.set()
    await asyncio.gather(*tasks)
    assert recorder.peak == 3 and len(recorder.finished) == 10


async def test_a_failing_update_does_not_stop_the_persons_next_one() -> None:
    processor = PerPersonUpdates()
    done: list[str] = []

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> None:
        done.append("next")

    first = asyncio.create_task(processor.process_update(update(1, 7), boom()))
    second = asyncio.create_task(processor.process_update(update(2, 7), fine()))
    with pytest.raises(RuntimeError):
        await first
    await second
    assert done == ["next"]


async def test_cancelled_while_waiting_keeps_the_order_and_closes_the_update() -> None:
    processor = PerPersonUpdates()
    recorder = Recorder()
    gate = asyncio.Event()
    first = spawn(processor, recorder, 5, 0, gate)
    second = spawn(processor, recorder, 5, 1, None)
    third = spawn(processor, recorder, 5, 2, None)
    await asyncio.sleep(0)
    second.cancel()  # e.g. shutdown: its coroutine is closed, never half-run
    await asyncio.gather(second, return_exceptions=True)
    for _ in range(10):
        await asyncio.sleep(0)
    assert (5, 2) not in recorder.started  # still behind the first one
    gate.set()
    await asyncio.gather(first, third)
    assert recorder.finished == [(5, 0), (5, 2)]


def test_updates_are_ordered_by_sender() -> None:
    assert person_of(update(1, 42)) == "u42"
    assert person_of(object()) == ""
    with pytest.raises(ValueError):
        PerPersonUpdates(running=0)
