"""The one place that maps python-telegram-bot's exceptions to outbox outcomes
(`bot.outbox.retry.SendResult`): callers catch classes, not codes."""

from __future__ import annotations

from datetime import timedelta

from telegram import error as tg

from bot.outbox.retry import Outcome, SendResult


def _seconds(value: object) -> float:
    """retry_after is a timedelta with PTB_TIMEDELTA=true, else int (or float) seconds."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"unexpected retry_after {value!r}")


def classify_telegram_error(exc: BaseException) -> SendResult:
    """Map an exception raised by a python-telegram-bot send call to a `SendResult`.

    Returns TRANSIENT for anything it does not recognise (including non-Telegram
    exceptions): the message was not confirmed sent, and max_attempts bounds the
    retries. The caller must still re-raise ``asyncio.CancelledError`` itself.
    """
    # Order matters: BadRequest and TimedOut are subclasses of NetworkError.
    if isinstance(exc, tg.RetryAfter):
        seconds = _seconds(exc.retry_after)
        # Per chat: the limiter pauses that chat only, and escalates to the whole bot
        # when several chats meet flood control at once (bot.outbox.ratelimit).
        return SendResult(
            Outcome.RETRY_AFTER,
            f"flood control: retry after {seconds:g}s",
            retry_after=seconds,
            chat_only=True,
        )
    if isinstance(exc, tg.ChatMigrated):
        # The group became a supergroup; this row's chat id is dead. The new id is in the
        # reason so the contact can be updated and the message re-queued.
        return SendResult(Outcome.FAILED, f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, tg.Forbidden):
        # "bot was blocked by the user", "user is deactivated", "bot was kicked from the
        # group chat", "bot can't initiate conversation with a user": retrying won't help.
        return SendResult(Outcome.BLOCKED, exc.message)
    if isinstance(exc, tg.BadRequest):
        if "chat not found" in exc.message.lower():
            return SendResult(Outcome.FAILED, "chat not found")
        return SendResult(Outcome.FAILED, exc.message)
    if isinstance(exc, tg.TimedOut):
        # The request may have reached Telegram; a retry can duplicate the message. The
        # outbox is at-least-once by design, so we accept that rather than lose it.
        return SendResult(Outcome.TRANSIENT, "timed out")
    if isinstance(exc, tg.NetworkError):
        return SendResult(Outcome.TRANSIENT, f"network error: {exc.message}")
    return SendResult(Outcome.TRANSIENT, repr(exc))
