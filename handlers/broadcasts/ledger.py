"""How the outbox ledger reads in a CDA's chat: a status in words, counts by status, and
who did not get a message and why. One wording for broadcasts, invitations and reminders
(/deliveries, its meetings-and-visits screens, and /events)."""

from __future__ import annotations

from bot.engine import Context
from bot.jobs.reminders import SKIPPED_REASON
from bot.reports.ledger import STATUS, merged
from bot.storage import outbox
from handlers.common import role_label

FLOW = "deliveries"
LISTED = 20  # people listed per message; the rest are counted


def counts_line(ctx: Context, counts: dict[str, int]) -> str:
    """'sent 5 · waiting 1 · blocked the bot 1' from ledger counts (also used by /events
    for a meeting's invitations: the same ledger covers every bot-initiated message)."""
    shown = merged(counts)
    parts = [
        f"{ctx._(label)} {ctx._.number(shown[key])}" for key, label in STATUS.items() if shown[key]
    ]
    return " · ".join(parts) or ctx._("nobody in the audience")


def reason(ctx: Context, status: str, error: str | None) -> str:
    """Why one ledger row did not reach its person, in the reader's language."""
    _ = ctx._
    error = (error or "")[:80]
    if status == "failed":
        return _("failed: {reason}").format(reason=error or "?")
    if status == "blocked":
        return _("blocked the bot")
    if status == "opted_out":
        return _("stopped updates (/stop)")
    if status == "skipped":
        if error == SKIPPED_REASON:  # a reminder that could only run after the start
            return _("skipped: the event had already started")
        return _("erased their data") if error == "erased" else _("skipped")
    if error:
        return _("waiting; will try again ({reason})").format(reason=error)
    return _("waiting to be sent")


def missing_lines(
    ctx: Context,
    kind: str,
    ref: str,
    counts: dict[str, int],
    heading: str,
    listed: int = LISTED,
) -> list[str]:
    """`heading` and one line per person who did not get this message (yet) and why, the
    rest counted; nothing when everyone got it."""
    missing = sum(n for status, n in counts.items() if status != "sent")
    if not missing:
        return []
    rows = outbox.not_delivered(ctx.conn, kind, ref, listed) if listed > 0 else []
    lines = [heading]
    for row in rows:
        name = (row["name"] or "—")[:40]
        role = role_label(ctx, row["role"])
        lines.append(f"• {name} ({role}): {reason(ctx, row['status'], row['last_error'])}")
    if missing > len(rows):
        lines.append(ctx._("…and {count} more.").format(count=ctx._.number(missing - len(rows))))
    return lines
