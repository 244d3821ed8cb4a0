"""What the outbox does after a send attempt (pure: no database, no network).

A channel adapter turns whatever happened into a `SendResult`; `decide` turns that plus
the row's attempt count into a `Decision` the outbox applies to the row. Keeping this
pure means the retry rules are tested without SQLite, a network or real time.
Each channel maps its platform's errors to a `SendResult` in its own module
(`bot/channels/telegram_errors.py`, `bot/channels/whatsapp_api.py`).
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass

__all__ = [
    "Action",
    "Decision",
    "Outcome",
    "RetryPolicy",
    "SendResult",
    "decide",
]


class Outcome(enum.Enum):
    """What one send attempt did. Values are stable strings, safe to store."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"  # 429 / flood control: the platform said when to come back
    TRANSIENT = "transient"  # timeout, network, 5xx: may work next time
    BLOCKED = "blocked"  # the user blocked the bot / is deactivated: never retry
    FAILED = "failed"  # permanent for this message (bad request, chat gone)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    reason: str = ""
    retry_after: float = 0.0  # seconds; meaningful for RETRY_AFTER only
    platform_message_id: str | None = None
    # RETRY_AFTER for this chat only (Telegram's 429 is per chat), not the whole channel.
    chat_only: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with proportional jitter for TRANSIENT failures.

    Delay before retrying after the n-th counted attempt failed::

        d = min(max_delay, base_delay * 2 ** (n - 1))
        delay = d * (1 - jitter * U),  U ~ uniform[0, 1)   ->  delay in (d*(1-jitter), d]

    ``jitter=1.0`` is AWS's "full jitter", the default 0.5 is its "equal jitter": half of
    the backoff is guaranteed, so a burst of failures (e.g. a network blip during a
    broadcast) is spread out without any retry coming back almost immediately. Not
    "decorrelated jitter": that needs the previous delay as state, while the outbox row
    only keeps its attempt count, and this keeps ``next_delay`` a pure function of
    (attempt, rng). The cap is applied before the jitter so retries at the cap stay
    spread out too (in (max_delay*(1-jitter), max_delay]). Below the cap, with
    jitter <= 0.5 the ranges of consecutive attempts do not overlap, so delays never
    shrink from one attempt to the next.
    """

    max_attempts: int = 5  # counted attempts in total, the first send included
    base_delay: float = 1.0
    max_delay: float = 300.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not (0 < self.base_delay <= self.max_delay and math.isfinite(self.max_delay)):
            raise ValueError("need 0 < base_delay <= max_delay < inf")
        if not (0.0 <= self.jitter <= 1.0):
            raise ValueError("jitter must be in [0, 1]")

    def next_delay(self, attempt: int, rng: random.Random) -> float | None:
        """Seconds to wait after counted attempt number ``attempt`` (1-based) failed.

        None when that was the last attempt allowed.
        """
        if attempt < 1:
            raise ValueError(f"attempt is 1-based, got {attempt}")
        if attempt >= self.max_attempts:
            return None
        # Clamp the exponent: 2.0 ** 1100 overflows, and anything past 2**62 is capped anyway.
        capped = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 62))
        return capped * (1.0 - self.jitter * rng.random())


class Action(enum.Enum):
    """What the outbox does with the row. Values are stable strings, safe to store/log."""

    MARK_SENT = "mark_sent"
    RETRY = "retry"  # due again at now + delay; the attempt counted
    PAUSE_AND_RETRY = "pause_and_retry"  # pause the channel for `pause`; attempt not counted
    MARK_BLOCKED = "mark_blocked"  # no retry; the contact should be flagged unreachable
    MARK_FAILED = "mark_failed"  # no retry; keep the reason for the admin


@dataclass(frozen=True)
class Decision:
    action: Action
    attempts: int  # the row's attempt count to store after this result
    delay: float = 0.0  # seconds from now until the row is due again (retry actions)
    pause: float = 0.0  # seconds the channel (or the row's chat) must not send
    reason: str = ""
    platform_message_id: str | None = None
    chat_only: bool = False  # the pause holds back the row's chat only


def decide(
    result: SendResult, attempts_so_far: int, policy: RetryPolicy, rng: random.Random
) -> Decision:
    """Decide the row's fate after a send attempt.

    ``attempts_so_far`` is the row's counted attempts *before* this one. Every outcome
    except RETRY_AFTER counts this attempt: a 429 is the platform's pacing, not a
    failure of the message, so it must not eat into max_attempts (otherwise a busy
    broadcast would fail messages that were never actually rejected). The limiter and
    the pause keep 429s rare; nothing else bounds how many a row may meet.
    """
    if attempts_so_far < 0:
        raise ValueError(f"attempts_so_far must be >= 0, got {attempts_so_far}")
    attempts = attempts_so_far + 1
    outcome = result.outcome

    if outcome is Outcome.SENT:
        return Decision(Action.MARK_SENT, attempts, platform_message_id=result.platform_message_id)
    if outcome is Outcome.RETRY_AFTER:
        # Telegram always sends retry_after >= 1; a 429 without one (WhatsApp 130429 has
        # no Retry-After) still must not be retried in a tight loop.
        pause = result.retry_after if result.retry_after > 0 else policy.base_delay
        return Decision(
            Action.PAUSE_AND_RETRY,
            attempts_so_far,
            delay=pause,
            pause=pause,
            reason=result.reason or f"rate limited for {pause:g}s",
            chat_only=result.chat_only,
        )
    if outcome is Outcome.BLOCKED:
        return Decision(Action.MARK_BLOCKED, attempts, reason=result.reason or "blocked")
    if outcome is Outcome.FAILED:
        return Decision(Action.MARK_FAILED, attempts, reason=result.reason or "failed")

    # TRANSIENT
    delay = policy.next_delay(attempts, rng)
    if delay is None:
        return Decision(
            Action.MARK_FAILED,
            attempts,
            reason=f"gave up after {attempts} attempts: {result.reason or 'transient error'}",
        )
    return Decision(Action.RETRY, attempts, delay=delay, reason=result.reason)
