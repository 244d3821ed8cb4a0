"""The outbox ledger's statuses as people read them, shared by the chat's /deliveries
(handlers/broadcasts/ledger.py) and the dashboard's delivery page, so a status reads the
same in both and is translated once."""

from __future__ import annotations

from bot.i18n import N_

STATUS = {
    "sent": N_("sent"),
    "waiting": N_("waiting"),
    "failed": N_("failed"),
    "blocked": N_("blocked the bot"),
    "opted_out": N_("opted out"),
    "skipped": N_("skipped"),
}


def merged(counts: dict[str, int]) -> dict[str, int]:
    """Ledger counts by the statuses above: queued and in flight are both still waiting
    for the person, so they read as one."""
    found = dict(counts)
    found["waiting"] = found.pop("queued", 0) + found.pop("in_flight", 0)
    return {key: found.get(key, 0) for key in STATUS}
