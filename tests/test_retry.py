"""Retry policy, outbox decisions and python-telegram-bot error classification."""

from __future__ import annotations

import os

# Opt in to PTB's timedelta periods before telegram is imported anywhere in this process.
os.environ.setdefault("PTB_TIMEDELTA", "true")

import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram_errors import classify_telegram_error
from bot.outbox.retry import (
    Action,
    Decision,
    Outcome,
    RetryPolicy,
    SendResult,
    decide,
)

POLICY = RetryPolicy()  # 5 attempts, 1 s base, 300 s cap, jitter 0.5
TRANSIENT = SendResult(Outcome.TRANSIENT, "timed out")


# ------------------------------------------------------------------------ policy


def test_policy_validation() -> None:
    for bad in (
        {"max_attempts": 0},
        {"base_delay": 0.0},
        {"base_delay": 10.0, "max_delay": 5.0},
        {"jitter": 1.5},
        {"jitter": -0.1},
    ):
        with pytest.raises(ValueError):
            RetryPolicy(**bad)
    with pytest.raises(ValueError):
        POLICY.next_delay(0, random.Random(0))


def test_without_jitter_delays_double_then_cap() -> None:
    policy = RetryPolicy(max_attempts=20, base_delay=1.0, max_delay=60.0, jitter=0.0)
    rng = random.Random(0)
    delays = [policy.next_delay(n, rng) for n in range(1, 10)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]


def test_huge_attempt_numbers_do_not_overflow() -> None:
    policy = RetryPolicy(max_attempts=10**6, jitter=0.0)
    assert policy.next_delay(5000, random.Random(0)) == policy.max_delay


@given(seed=st.integers(min_value=0, max_value=2**32), jitter=st.floats(0.0, 1.0))
def test_jitter_bounds(seed: int, jitter: float) -> None:
    policy = RetryPolicy(max_attempts=30, base_delay=0.5, max_delay=100.0, jitter=jitter)
    rng = random.Random(seed)
    for n in range(1, 30):
        ceiling = min(100.0, 0.5 * 2 ** (n - 1))
        delay = policy.next_delay(n, rng)
        assert delay is not None
        assert ceiling * (1 - jitter) <= delay <= ceiling
        assert delay <= policy.max_delay
        if jitter == 1.0:
            assert delay > 0.0  # full jitter: (0, ceiling]


def delays_for(policy: RetryPolicy, attempts: range, rng: random.Random) -> list[float]:
    delays = [policy.next_delay(n, rng) for n in attempts]
    assert all(d is not None for d in delays)
    return [d for d in delays if d is not None]


@given(seed=st.integers(min_value=0, max_value=2**32))
def test_default_delays_never_shrink_below_the_cap(seed: int) -> None:
    """Equal jitter (0.5): attempt n+1's range starts where attempt n's ends."""
    policy = RetryPolicy(max_attempts=15)
    delays = delays_for(policy, range(1, 15), random.Random(seed))
    uncapped = delays[:9]  # 1 * 2**8 = 256 <= 300; from attempt 10 on the cap applies
    assert uncapped == sorted(uncapped)
    # At the cap delays stay jittered in (150, 300] so capped retries don't bunch up.
    assert all(150.0 <= d <= 300.0 for d in delays[9:])


def test_jitter_spreads_delays() -> None:
    rng = random.Random(1)
    delays = {d for _ in range(200) for d in delays_for(POLICY, range(3, 4), rng)}
    assert len(delays) == 200
    assert min(delays) < 2.2 and max(delays) > 3.8


def test_attempts_exhausted() -> None:
    rng = random.Random(0)
    assert POLICY.next_delay(4, rng) is not None
    assert POLICY.next_delay(5, rng) is None
    assert POLICY.next_delay(6, rng) is None
    assert RetryPolicy(max_attempts=1).next_delay(1, rng) is None


# ----------------------------------------------------------------------- decide


def test_sent() -> None:
    d = decide(SendResult(Outcome.SENT, platform_message_id="42"), 0, POLICY, random.Random(0))
    assert d == Decision(Action.MARK_SENT, attempts=1, platform_message_id="42")


def test_transient_retries_with_growing_delay_then_fails() -> None:
    rng = random.Random(3)
    attempts = 0
    delays = []
    while True:
        d = decide(TRANSIENT, attempts, POLICY, rng)
        if d.action is not Action.RETRY:
            break
        assert d.attempts == attempts + 1
        delays.append(d.delay)
        attempts = d.attempts
    assert len(delays) == POLICY.max_attempts - 1  # 5 sends, 4 waits in between
    assert delays == sorted(delays)
    assert d.action is Action.MARK_FAILED
    assert d.attempts == 5
    assert d.reason == "gave up after 5 attempts: timed out"


def test_retry_after_does_not_consume_an_attempt() -> None:
    rng = random.Random(0)
    d = decide(SendResult(Outcome.RETRY_AFTER, retry_after=7.0), 4, POLICY, rng)
    assert d.action is Action.PAUSE_AND_RETRY
    assert (d.attempts, d.pause, d.delay) == (4, 7.0, 7.0)
    # Any number of 429s later, the row still has its last attempt.
    for _ in range(50):
        d = decide(SendResult(Outcome.RETRY_AFTER, retry_after=1.0), d.attempts, POLICY, rng)
    assert d.attempts == 4
    assert decide(TRANSIENT, d.attempts, POLICY, rng).action is Action.MARK_FAILED


def test_retry_after_without_a_value_still_waits() -> None:
    d = decide(SendResult(Outcome.RETRY_AFTER), 0, POLICY, random.Random(0))
    assert d.pause == POLICY.base_delay > 0


def test_blocked_and_failed_never_retry() -> None:
    rng = random.Random(0)
    blocked = decide(SendResult(Outcome.BLOCKED, "user is deactivated"), 0, POLICY, rng)
    assert blocked == Decision(Action.MARK_BLOCKED, attempts=1, reason="user is deactivated")
    failed = decide(SendResult(Outcome.FAILED, "chat not found"), 2, POLICY, rng)
    assert failed == Decision(Action.MARK_FAILED, attempts=3, reason="chat not found")


def test_negative_attempts_rejected() -> None:
    with pytest.raises(ValueError):
        decide(TRANSIENT, -1, POLICY, random.Random(0))


# --------------------------------------------------------------- classification


def test_retry_after_timedelta() -> None:
    result = classify_telegram_error(RetryAfter(timedelta(seconds=3)))
    assert result.outcome is Outcome.RETRY_AFTER
    assert result.retry_after == 3.0
    fractional = classify_telegram_error(RetryAfter(timedelta(seconds=2.5)))
    assert fractional.retry_after == 2.5


def test_retry_after_int_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without PTB_TIMEDELTA, PTB hands out int seconds (and warns about it).
    monkeypatch.setenv("PTB_TIMEDELTA", "false")
    with pytest.warns(PTBDeprecationWarning):
        result = classify_telegram_error(RetryAfter(12))
    assert (result.outcome, result.retry_after) == (Outcome.RETRY_AFTER, 12.0)


@pytest.mark.parametrize(
    ("exc", "outcome", "reason"),
    [
        (
            Forbidden("Forbidden: bot was blocked by the user"),
            Outcome.BLOCKED,
            "Forbidden: bot was blocked by the user",
        ),
        (
            Forbidden("Forbidden: user is deactivated"),
            Outcome.BLOCKED,
            "Forbidden: user is deactivated",
        ),
        (BadRequest("Chat not found"), Outcome.FAILED, "chat not found"),
        (BadRequest("Bad Request: chat not found"), Outcome.FAILED, "chat not found"),
        (BadRequest("Message is too long"), Outcome.FAILED, "Message is too long"),
        (ChatMigrated(-1001234567890), Outcome.FAILED, "chat migrated to -1001234567890"),
        (TimedOut(), Outcome.TRANSIENT, "timed out"),
        (NetworkError("x"), Outcome.TRANSIENT, "network error: x"),
        (Conflict("terminated by other getUpdates"), Outcome.TRANSIENT, None),
        (InvalidToken(), Outcome.TRANSIENT, None),
        (ConnectionResetError("peer reset"), Outcome.TRANSIENT, None),
    ],
)
def test_classification(exc: BaseException, outcome: Outcome, reason: str | None) -> None:
    result = classify_telegram_error(exc)
    assert result.outcome is outcome
    assert result.reason == (repr(exc) if reason is None else reason)
    assert result.retry_after == 0.0
    assert result.platform_message_id is None


def test_classified_results_flow_through_decide() -> None:
    rng = random.Random(0)
    blocked = classify_telegram_error(Forbidden("Forbidden: bot was blocked by the user"))
    assert decide(blocked, 0, POLICY, rng).action is Action.MARK_BLOCKED
    flood = classify_telegram_error(RetryAfter(timedelta(seconds=3)))
    d = decide(flood, 1, POLICY, rng)
    assert (d.action, d.pause, d.attempts) == (Action.PAUSE_AND_RETRY, 3.0, 1)


def test_retry_module_does_not_import_telegram() -> None:
    code = "import sys, bot.outbox.retry; assert 'telegram' not in sys.modules, 'telegram imported'"
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
