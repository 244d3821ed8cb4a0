"""Limiter overhead and pacing on a fake clock (a script, not a test).

    python bench/bench_ratelimit.py [N]

Runs N (default 100,000) acquires from one sender on an injected fake clock whose
sleep() advances time instantly, so the numbers are pure limiter cost: no real waiting.
Reports per-call overhead (wall µs, p50/p99) and what the grants look like in virtual
time: achieved rate and the most sends seen in any sliding 1 s window.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.outbox.ratelimit import TELEGRAM_LIMITS, TELEGRAM_PAID_LIMITS, Limits, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds  # one sender: nobody else can observe the jump


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best = lo = 0
    for hi, t in enumerate(times):
        while times[lo] < t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def report(name: str, costs_ns: list[int]) -> None:
    us = sorted(c / 1000 for c in costs_ns)
    print(
        f"  {name:<44} p50 {percentile(us, 0.50):6.2f} µs   p99 {percentile(us, 0.99):6.2f} µs"
        f"   mean {statistics.fmean(us):6.2f} µs"
    )


async def saturated(limits: Limits, n: int) -> None:
    """Every call beyond the burst has to wait: the slow path (sleep + wake-up)."""
    clock = FakeClock()
    limiter = RateLimiter(limits, clock=clock, sleep=clock.sleep)
    costs: list[int] = []
    times: list[float] = []
    peak_state = 0
    perf = time.perf_counter_ns
    for i in range(n):
        chat = f"chat{i}"  # n distinct chats: exercises per-chat state and its eviction
        t0 = perf()
        await limiter.acquire(chat)
        costs.append(perf() - t0)
        times.append(clock.now)
        peak_state = max(peak_state, limiter.tracked_chats)
    rate = (len(times) - 1) / (times[-1] - times[0])
    cap = limits.window_cap
    print(f"{limits.per_second:g}/s limit, burst {limits.burst}, {n:,} acquires, 1 sender:")
    report("acquire (saturated, waits via fake sleep)", costs)
    print(
        f"  achieved {rate:.3f}/s = {100 * rate / limits.per_second:.2f} % of the limit;"
        f" max sends in any 1 s window {max_in_window(times)} (cap {cap});"
        f" peak per-chat state {peak_state} entries"
    )


async def uncontended(n: int) -> None:
    """Budget always available: the fast path (no waiting, no task switch)."""
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_LIMITS, clock=clock, sleep=clock.sleep)
    acquire_costs: list[int] = []
    delay_costs: list[int] = []
    try_costs: list[int] = []
    perf = time.perf_counter_ns
    for i in range(n):
        clock.now += 0.05  # slower than the limit: never waits
        chat = f"chat{i % 5000}"
        t0 = perf()
        limiter.delay_for(chat)
        t1 = perf()
        await limiter.acquire(chat)
        t2 = perf()
        clock.now += 0.05
        limiter.try_acquire(chat)
        t3 = perf()
        delay_costs.append(t1 - t0)
        acquire_costs.append(t2 - t1)
        try_costs.append(t3 - t2)
    print(f"uncontended (1 send per 50 ms, 5,000 chats), {n:,} calls each:")
    report("acquire (fast path)", acquire_costs)
    report("try_acquire", try_costs)
    report("delay_for", delay_costs)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    asyncio.run(saturated(TELEGRAM_LIMITS, n))
    asyncio.run(saturated(TELEGRAM_PAID_LIMITS, n))
    asyncio.run(uncontended(n))


if __name__ == "__main__":
    main()
