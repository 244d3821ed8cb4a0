"""Per-channel send rate limiter for the outbox sender (pure: no database, no network).

One `RateLimiter` per channel (one Telegram bot, one WhatsApp business number). The
channel's sender task calls `acquire()` before every send: direct replies with
``priority=True``, outbox rows (broadcasts, reminders) without.

Three limits apply to a send, all enforced together:

* **Overall** (``per_second``, ``burst``) -- two mechanisms:

  1. A *sliding-window log* of the last ``N = floor(per_second)`` grant times. A send is
     allowed only if the N-th most recent one is at least ``1 s + window_margin`` ago, so
     any N+1 consecutive sends span more than one second and **no sliding 1-second
     window, open or closed, ever holds more than N sends**. This is the hard guarantee,
     and it is independent of ``burst``.
  2. A GCRA token bucket (rate ``per_second``, capacity ``burst``) that only shapes *how*
     sends are spread inside the window: after an idle period at most ``burst`` go
     back-to-back, then they are paced evenly at 1/per_second.

  Why both, rather than "burst=1 with even pacing": a pure even-pacing bucket loses
  every bit of lateness for good -- a sender that wakes 1 ms late on each send (timer
  overshoot, the previous HTTP round trip) runs at 1/(1/30 s + 1 ms) = 29.1/s, 97 % of
  the limit, with no margin left. The window log instead pins send k+N to send k plus
  1.01 s, so one late send delays only its own slot and the long-run rate stays at
  N / (1 s + margin) = 29.7/s (99 %) for the defaults. The cost is ``window_margin``:
  a deliberate 1 % of throughput spent so that 10 ms of clock or network jitter between
  our grants and the server's sliding-window counter cannot turn into a 429.
  Long-run rate = ``min(per_second, N / (1 + window_margin))``.

* **Per chat** (``per_chat_per_second``, ``per_chat_burst``): a GCRA bucket per chat id,
  e.g. Telegram's "about one message per second to a chat, short bursts allowed", or
  WhatsApp's pair rate limit (one message per 6 s to a user).

* **Per group** (``per_group_per_minute``, only when ``group=True``): a sliding-window
  log, at most that many sends in any rolling 60 s (+ margin). Group sends are also
  subject to the per-chat bucket.

Pauses (429): ``pause_chat`` holds back one chat for the ``retry_after`` the platform gave
(Telegram answers 429 per chat: one flooded chat must not stop the others), while
``pause_for`` holds back the whole channel. When ``ESCALATE_CHATS`` different chats are
paused within ``ESCALATE_WINDOW`` seconds the limit hit is the bot's own, not one chat's,
so the pause is applied to everyone too. A pause applies even to ``chat_limit=False``.

Ordering: waiting callers are served priority-first, FIFO within a class. A waiter held
back only by its *own* chat or group limit does not block others (no head-of-line
blocking: one chatty user must not stall a broadcast); the overall budget always goes to
the first waiter in that order that can use it.

Memory: per-chat and per-group state is dropped as soon as it is indistinguishable from
a fresh chat (bucket full again / every logged send out of the window), so eviction
loses nothing, and the tables only hold chats that sent within the last few seconds
(group: last minute). Sweeps are amortised: a table is swept when it has doubled in
size since the previous sweep.

Time comes from the injected ``clock`` and waiting goes through the injected ``sleep``,
so tests drive everything on virtual time. Grant times are the ``clock()`` value at the
moment the permission is handed out; the real send happens a little later, which the
margin also absorbs.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

__all__ = [
    "TELEGRAM_LIMITS",
    "TELEGRAM_PAID_LIMITS",
    "WHATSAPP_LIMITS",
    "Limits",
    "RateLimiter",
]

# Tolerance for comparing times. Timers (a real loop's clock resolution, float rounding in
# a virtual loop) can wake a hair before the instant we asked for; without a tolerance the
# waiter would re-sleep for 1e-16 s forever. 1 µs is far below window_margin, so it
# cannot break the window guarantee.
_EPS = 1e-6

_WINDOW = 1.0  # seconds; the overall limit is stated "per second"
_GROUP_WINDOW = 60.0  # seconds; the group limit is stated "per minute"

# 429s from this many different chats within ESCALATE_WINDOW seconds mean the channel's
# overall limit was hit, not one chat's: pause_chat then pauses the whole channel.
ESCALATE_CHATS = 3
ESCALATE_WINDOW = 1.0

# Below this size a table is never swept: sweeping a tiny dict is pure overhead.
_MIN_SWEEP = 256


@dataclass(frozen=True)
class Limits:
    """Rate limits of one channel. See the module docstring for how each is enforced."""

    # Overall: long-run rate and how many sends may go back-to-back after an idle
    # period. The hard cap is floor(per_second) sends in any 1 s window whatever the
    # burst; burst only decides how bunched they are within the window.
    per_second: float = 30.0
    burst: int = 5
    # Per chat: sustained rate and burst of a GCRA bucket.
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    # Per group chat: sends in any rolling minute.
    per_group_per_minute: int = 20
    # Extra length added to every sliding window (1 s overall, 60 s per group): slack
    # for jitter between our clock and the server's counter. Costs
    # margin/(1+margin) of throughput when the window is the binding limit.
    window_margin: float = 0.01

    def __post_init__(self) -> None:
        if not (self.per_second > 0 and math.isfinite(self.per_second)):
            raise ValueError(f"per_second must be positive and finite, got {self.per_second}")
        if not (self.per_chat_per_second > 0 and math.isfinite(self.per_chat_per_second)):
            raise ValueError(
                f"per_chat_per_second must be positive and finite, got {self.per_chat_per_second}"
            )
        if self.burst < 1 or self.per_chat_burst < 1:
            raise ValueError("burst and per_chat_burst must be at least 1")
        if self.per_group_per_minute < 1:
            raise ValueError("per_group_per_minute must be at least 1")
        if not (0.0 <= self.window_margin < _WINDOW):
            raise ValueError(f"window_margin must be in [0, 1), got {self.window_margin}")

    @property
    def window_cap(self) -> int:
        """Most sends any sliding 1-second window can hold (the hard guarantee)."""
        # +1e-9 so that a rate computed as 29.999999999999 still allows 30.
        return max(1, math.floor(self.per_second * _WINDOW + 1e-9))


# Telegram Bot API FAQ: ~30 messages/s overall, ~1/s to one chat (short bursts tolerated),
# at most 20/min to one group. Overall burst 5 rather than 30: the window log already
# caps any second at 30, so a large burst buys no throughput, only lumpier traffic
# (Telegram asks bots to spread broadcasts); 5 lets the first replies after a quiet
# spell go out at once and absorbs a late sender (see the module docstring).
TELEGRAM_LIMITS = Limits()

# With allow_paid_broadcast Telegram accepts up to 1000 messages/s (paid in Stars beyond
# 30/s). Per-chat and group limits are unchanged. A bigger burst lets a sender with many
# concurrent requests in flight catch up after timer jitter (1 ms per send at this rate).
TELEGRAM_PAID_LIMITS = Limits(per_second=1000.0, burst=50)

# WhatsApp Cloud API: 80 messages/s per business number by default; pair rate limit of
# about one message per 6 s to the same user (error 131056), short bursts tolerated.
# WhatsApp has no group sends in this bot, so the group limit is never exercised.
# Burst 8 = 100 ms worth of sends at 80/s, the same smoothing as Telegram's 5 at 30/s.
WHATSAPP_LIMITS = Limits(
    per_second=80.0,
    burst=8,
    per_chat_per_second=1.0 / 6.0,
    per_chat_burst=3,
)


class _Waiter:
    """One blocked `acquire()` call."""

    __slots__ = ("charge", "chat_id", "chat_limit", "granted", "group", "wakeup")

    def __init__(
        self, chat_id: str, group: bool, chat_limit: bool = True, charge: bool = True
    ) -> None:
        self.chat_id = chat_id
        self.group = group
        self.chat_limit = chat_limit
        self.charge = charge  # counts against the chat's own limits once granted
        self.granted = False
        # Set while the waiter is parked; resolved to make it re-check its state.
        self.wakeup: asyncio.Future[None] | None = None


def _resolve(fut: asyncio.Future[None], _: object = None) -> None:
    if not fut.done():
        fut.set_result(None)


class RateLimiter:
    """Limits one channel's sends; see the module docstring for the guarantees.

    Not thread-safe: use it from the event loop that runs the channel's sender.
    """

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep

        # Nobody sends before this instant (set from a 429's retry_after). -inf: never set.
        self.paused_until: float = -math.inf
        # One chat's 429: chat id -> instant it may be sent to again (pause_chat).
        self._chat_paused: dict[str, float] = {}
        self._recent_pauses: deque[tuple[float, str]] = deque()  # for the escalation

        # Overall GCRA: theoretical arrival time of the next send; a send at t is allowed
        # when t >= tat - tau, and moves tat to max(tat, t) + interval.
        self._interval = 1.0 / limits.per_second
        self._tau = (limits.burst - 1) * self._interval
        self._tat = -math.inf
        # Overall sliding-window log: the last window_cap grant times.
        self._window = _WINDOW + limits.window_margin
        self._log: deque[float] = deque(maxlen=limits.window_cap)

        # Per-chat GCRA: chat id -> tat. An entry with tat <= now is a full bucket, i.e.
        # the same as no entry, which is what makes eviction lossless.
        self._chat_interval = 1.0 / limits.per_chat_per_second
        self._chat_tau = (limits.per_chat_burst - 1) * self._chat_interval
        self._chat_tat: dict[str, float] = {}
        self._chat_sweep_at = _MIN_SWEEP

        # Per-group sliding-window log: chat id -> last per_group_per_minute grant times.
        self._group_window = _GROUP_WINDOW + limits.window_margin
        self._group_log: dict[str, deque[float]] = {}
        self._group_sweep_at = _MIN_SWEEP

        # Blocked acquire() calls, in service order within each class.
        self._priority: list[_Waiter] = []
        self._bulk: list[_Waiter] = []
        # Exactly one blocked caller (the leader) sleeps until the next instant anyone
        # could be served; the others park on their own future. This avoids waking every
        # waiter for every token.
        self._leader: _Waiter | None = None
        self._leader_wake: asyncio.Future[None] | None = None
        self._leader_target = math.inf

    # ----------------------------------------------------------------- public API

    def delay_for(self, chat_id: str, *, group: bool = False) -> float:
        """Seconds until a send to this chat would be allowed (0.0 = now); consumes nothing.

        Looks at the limits and any pause only, not at callers already queued in
        `acquire()`: it answers "is this chat ready", which lets the outbox pick a row
        that can go now instead of one that would wait.
        """
        now = self._clock()
        ready = max(self.paused_until, self._overall_ready(), self._chat_ready(chat_id, group))
        delay = ready - now
        return delay if delay > _EPS else 0.0

    def try_acquire(self, chat_id: str, *, group: bool = False) -> bool:
        """Take a send permission if one is available right now, without waiting.

        Never jumps ahead of a queued `acquire()` that could be served now.
        """
        now = self._clock()
        for waiter in self._grant(now):  # serve anyone already due first
            self._wake(waiter)
        if not self._can_send(chat_id, group, now):
            return False
        self._consume(chat_id, group, now)
        return True

    async def acquire(
        self,
        chat_id: str,
        *,
        group: bool = False,
        priority: bool = False,
        chat_limit: bool = True,
        per_chat: bool = True,
    ) -> None:
        """Wait until a send to ``chat_id`` is allowed, then take the permission.

        ``priority`` callers (direct replies) are served before any waiting non-priority
        caller; FIFO within a class. If the call is cancelled after the permission was
        granted but before it returned, that permission is forfeited (never over-sends).

        ``chat_limit=False`` skips *waiting* for this chat's own bucket (and group log)
        but still charges it: for a direct reply to someone who just wrote, where making
        them wait a second per message would break the conversation. Bot-initiated sends
        to the same chat then wait for the bucket to refill. The overall limit and any
        429 pause always apply.

        ``per_chat=False`` neither waits for nor charges the chat's own limits: for the
        second and later messages of one reply, whose first message took the chat's
        permission (a turn's replies go out together, paced per turn).
        """
        if not per_chat:
            chat_limit = False
        now = self._clock()
        if (
            not self._priority
            and not self._bulk
            and self._can_send(chat_id, group, now, chat_limit=chat_limit)
        ):
            # fast path: nobody queued, budget available
            self._consume(chat_id, group, now, charge=per_chat)
            return

        waiter = _Waiter(chat_id, group, chat_limit, per_chat)
        queue = self._priority if priority else self._bulk
        queue.append(waiter)
        try:
            # Serve everyone due now in order; this may include the newcomer (e.g. a reply
            # while the queued bulk is held by its own chat limits).
            await self._dispatch(waiter, self._grant(now))
            if not waiter.granted and self._waiter_ready(waiter) < self._leader_target - _EPS:
                # The leader sleeps until a later instant than this newcomer needs.
                self._poke_leader()
            loop = asyncio.get_running_loop()
            while not waiter.granted:
                if self._leader is None:
                    self._leader = waiter
                if self._leader is waiter:
                    await self._lead(waiter)
                else:
                    waiter.wakeup = loop.create_future()
                    try:
                        await waiter.wakeup
                    finally:
                        waiter.wakeup = None
        finally:
            if not waiter.granted:
                queue.remove(waiter)
            if self._leader is waiter:
                self._leader = None
                self._promote()

    def pause_for(self, seconds: float) -> None:
        """Honour a 429: nobody on this channel is granted a send before clock()+seconds.

        Never shortens a pause already in force.
        """
        if not math.isfinite(seconds):
            raise ValueError(f"pause must be finite, got {seconds}")  # nan would poison max()
        self.paused_until = max(self.paused_until, self._clock() + max(0.0, seconds))
        # No need to wake the leader: a pause only ever makes its target later, and it
        # re-checks when it wakes.

    def pause_chat(self, chat_id: str, seconds: float) -> None:
        """Honour a 429 for one chat: nothing is granted to ``chat_id`` before
        clock()+seconds; other chats go on. Escalates to `pause_for` when several chats
        are paused at once (see the module docstring). Never shortens a pause in force.
        """
        if not math.isfinite(seconds):
            raise ValueError(f"pause must be finite, got {seconds}")
        now = self._clock()
        until = now + max(0.0, seconds)
        paused = self._chat_paused
        if len(paused) >= _MIN_SWEEP:
            self._chat_paused = paused = {c: t for c, t in paused.items() if t > now}
        paused[chat_id] = max(paused.get(chat_id, -math.inf), until)
        recent = self._recent_pauses
        recent.append((now, chat_id))
        while recent and recent[0][0] < now - ESCALATE_WINDOW:
            recent.popleft()
        if len({chat for _, chat in recent}) >= ESCALATE_CHATS:
            self.pause_for(seconds)

    def chat_paused_until(self, chat_id: str) -> float:
        """When a `pause_chat` on this chat ends (-inf: none in force or ever)."""
        return self._chat_paused.get(chat_id, -math.inf)

    @property
    def waiting(self) -> int:
        """Number of `acquire()` calls currently blocked."""
        return len(self._priority) + len(self._bulk)

    @property
    def tracked_chats(self) -> int:
        """Per-chat plus per-group state entries held (for the eviction tests/metrics)."""
        return len(self._chat_tat) + len(self._group_log) + len(self._chat_paused)

    def evict_idle(self) -> None:
        """Drop all state that no longer limits anything (also done automatically)."""
        now = self._clock()
        self._sweep_chats(now)
        self._sweep_groups(now)

    # ------------------------------------------------------------ limit arithmetic

    def _overall_ready(self) -> float:
        ready = self._tat - self._tau
        log = self._log
        if len(log) == log.maxlen:
            ready = max(ready, log[0] + self._window)
        return ready

    def _chat_ready(self, chat_id: str, group: bool) -> float:
        tat = self._chat_tat.get(chat_id)
        ready = -math.inf if tat is None else tat - self._chat_tau
        if self._chat_paused:
            ready = max(ready, self._chat_paused.get(chat_id, -math.inf))
        if group:
            glog = self._group_log.get(chat_id)
            if glog is not None and len(glog) == glog.maxlen:
                ready = max(ready, glog[0] + self._group_window)
        return ready

    def _own_ready(self, waiter: _Waiter) -> float:
        """When the waiter's own chat/group limit lets it go (only a chat pause when exempt)."""
        if not waiter.chat_limit:
            return self._chat_paused.get(waiter.chat_id, -math.inf)
        return self._chat_ready(waiter.chat_id, waiter.group)

    def _waiter_ready(self, waiter: _Waiter) -> float:
        return max(self.paused_until, self._overall_ready(), self._own_ready(waiter))

    def _can_send(self, chat_id: str, group: bool, now: float, *, chat_limit: bool = True) -> bool:
        limit = now + _EPS
        return (
            self.paused_until <= limit
            and self._overall_ready() <= limit
            and (
                self._chat_ready(chat_id, group) <= limit
                if chat_limit
                else self._chat_paused.get(chat_id, -math.inf) <= limit
            )
        )

    def _consume(self, chat_id: str, group: bool, now: float, *, charge: bool = True) -> None:
        self._tat = max(self._tat, now) + self._interval
        self._log.append(now)
        if not charge:
            return

        chats = self._chat_tat
        chats[chat_id] = max(chats.get(chat_id, -math.inf), now) + self._chat_interval
        if len(chats) > self._chat_sweep_at:
            self._sweep_chats(now)

        if group:
            glog = self._group_log.get(chat_id)
            if glog is None:
                glog = self._group_log[chat_id] = deque(maxlen=self.limits.per_group_per_minute)
            glog.append(now)
            if len(self._group_log) > self._group_sweep_at:
                self._sweep_groups(now)

    def _sweep_chats(self, now: float) -> None:
        # tat <= now means the bucket has refilled: identical to a chat never seen.
        self._chat_tat = {c: tat for c, tat in self._chat_tat.items() if tat > now}
        self._chat_paused = {c: t for c, t in self._chat_paused.items() if t > now}
        self._chat_sweep_at = max(_MIN_SWEEP, 2 * len(self._chat_tat))

    def _sweep_groups(self, now: float) -> None:
        # Once the newest send has left the window, the log no longer limits anything.
        horizon = now - self._group_window
        self._group_log = {c: g for c, g in self._group_log.items() if g and g[-1] > horizon}
        self._group_sweep_at = max(_MIN_SWEEP, 2 * len(self._group_log))

    # ------------------------------------------------------------------ waiting

    def _grant(self, now: float) -> list[_Waiter]:
        """Hand out permissions to every queued waiter that can go at ``now``, in order.

        Returns the waiters served, in service order.
        """
        served: list[_Waiter] = []
        if self.paused_until > now + _EPS:
            return served
        for queue in (self._priority, self._bulk):
            if not queue:
                continue
            kept: list[_Waiter] = []
            exhausted = False
            for waiter in queue:
                if exhausted:
                    kept.append(waiter)
                elif self._overall_ready() > now + _EPS:
                    # The shared budget is gone: nobody behind can go either.
                    exhausted = True
                    kept.append(waiter)
                elif self._own_ready(waiter) > now + _EPS:
                    kept.append(waiter)  # held by its own chat limit; others may pass
                else:
                    self._consume(waiter.chat_id, waiter.group, now, charge=waiter.charge)
                    waiter.granted = True
                    served.append(waiter)
            queue[:] = kept
            if exhausted:
                break
        return served

    async def _dispatch(self, me: _Waiter, served: list[_Waiter]) -> None:
        """Wake the waiters ``me`` just served so that they run in service order.

        The task that ran `_grant` would otherwise carry on first, and e.g. a bulk send
        could hit the wire before a reply that was granted ahead of it in the same
        instant. So: wake those ranked before ``me``, yield once (a bare yield, not a
        timed wait; their wake-ups are already scheduled, so they run first), and wake
        those ranked after ``me`` only then.
        """
        if me not in served:
            for waiter in served:
                self._wake(waiter)
            return
        mine = served.index(me)
        for waiter in served[:mine]:
            self._wake(waiter)
        try:
            if mine:
                await asyncio.sleep(0)
        finally:
            for waiter in served[mine + 1 :]:
                self._wake(waiter)

    def _next_grant_time(self) -> float:
        """Earliest instant at which some queued waiter could be served."""
        overall = max(self.paused_until, self._overall_ready())
        best = math.inf
        for queue in (self._priority, self._bulk):
            for waiter in queue:
                best = min(best, max(overall, self._own_ready(waiter)))
                if best <= overall:
                    return best  # cannot get any earlier than the shared budget allows
        return best

    async def _lead(self, me: _Waiter) -> None:
        """Sleep until the next instant someone can be served (or until poked), then serve."""
        now = self._clock()
        target = self._next_grant_time()
        if target > now + _EPS:
            wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._leader_wake = wake
            self._leader_target = target
            sleeper = asyncio.ensure_future(self._sleep(target - now))
            sleeper.add_done_callback(partial(_resolve, wake))
            try:
                await wake
            finally:
                self._leader_wake = None
                self._leader_target = math.inf
                if not sleeper.done():
                    sleeper.cancel()
            if sleeper.done() and not sleeper.cancelled():
                error = sleeper.exception()
                if error is not None:
                    raise error  # the injected sleep failed; don't spin on it
        await self._dispatch(me, self._grant(self._clock()))

    def _poke_leader(self) -> None:
        if self._leader_wake is not None:
            _resolve(self._leader_wake)

    def _wake(self, waiter: _Waiter) -> None:
        if waiter is self._leader:
            self._poke_leader()
        elif waiter.wakeup is not None:
            _resolve(waiter.wakeup)

    def _promote(self) -> None:
        """Make the first remaining waiter the leader (the old one left)."""
        for queue in (self._priority, self._bulk):
            if queue:
                successor = self._leader = queue[0]
                # It is parked on its own future, not on the leader's wake future.
                if successor.wakeup is not None:
                    _resolve(successor.wakeup)
                return
