"""The CDA's digest of new inbox items (issue 15): one summary message, at most every 30
minutes, never at night.

    an item is sent (handlers/inbox/ask.py) -> arm(): unless a digest is already pending,
        the scheduled_jobs row 'inbox_digest:<cluster id>' at the later of now and 30
        minutes after the last digest, moved out of the night (21:00-08:00 in the cluster's
        zone -> 08:00)
    the scheduler fires -> run(): to every CDA of the cluster, one outbox row of kind
        'inbox_digest' counting the items nobody has opened yet, by kind, with an
        "Open inbox" button (`cmd:inbox`)

Items sent while a digest is pending wait for it: that is the "at most once every 30
minutes". The job is a database row, so a digest due while the bot was down runs at start.
On WhatsApp outside the 24-hour window it goes out as the template `clusterbot_inbox_digest`.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.clock import iso, parse_iso
from bot.config import Settings
from bot.i18n import N_, translator
from bot.jobs.scheduler import Due
from bot.jobs.survey_reminders import by_day, zone_of
from bot.messages import Choice
from bot.outbox.queue import Payload, enqueue
from bot.storage import clusters, inbox, schedule

JOB_KIND = "inbox_digest"
EVERY = timedelta(minutes=30)
KIND_WORDS = {
    "question": N_("questions"),
    "suggestion": N_("suggestions"),
    "complaint": N_("complaints"),
    "privacy": N_("about their data"),
}


def job_id(cluster_id: int) -> str:
    return f"{JOB_KIND}:{cluster_id}"


def arm(conn: sqlite3.Connection, cluster_id: int, now: datetime, tz: str) -> None:
    """After an item is sent: a digest soon, unless one is already waiting to go."""
    existing = schedule.get(conn, job_id(cluster_id))
    if existing is not None and existing.status == "pending":
        return
    at = now
    if existing is not None:
        at = max(now, parse_iso(existing.run_at) + EVERY)
    at = by_day(at, zone_of(conn, cluster_id, tz))
    schedule.put(conn, job_id(cluster_id), JOB_KIND, str(cluster_id), iso(at), iso(now))


def cdas_of(
    conn: sqlite3.Connection, cluster_id: int, bootstrap: frozenset[str]
) -> list[sqlite3.Row]:
    """The contacts of the cluster's CDAs (CDA rows of the cluster or of every cluster,
    and the bootstrap admins) the bot can write to."""
    refs = {tuple(a.split(":", 1)) for a in bootstrap if ":" in a}
    refs |= {
        (r["channel"], r["channel_user_id"])
        for r in conn.execute(
            "SELECT channel, channel_user_id FROM admins WHERE role = 'cda'"
            " AND (cluster_id = ? OR cluster_id IS NULL)",
            (cluster_id,),
        )
    }
    found: list[sqlite3.Row] = []
    for channel, user_id in sorted(refs):
        row = conn.execute(
            "SELECT id, channel, chat_id, language FROM contacts WHERE channel = ?"
            " AND (channel_user_id = ? OR chat_id = ?) AND chat_id IS NOT NULL"
            " AND status != 'erased'",
            (channel, user_id, user_id),
        ).fetchone()
        if row is not None and all(row["id"] != f["id"] for f in found):
            found.append(row)
    return found


def run(settings: Settings, conn: sqlite3.Connection, due: Due) -> str:
    """The scheduler's job function for kind 'inbox_digest' (ref: the cluster id)."""
    cluster = clusters.by_id(conn, int(due.ref))
    if cluster is None:
        return "nothing to do: no such cluster"
    counts = {
        kind: n
        for kind, n in conn.execute(
            "SELECT kind, COUNT(*) FROM inbox_items WHERE cluster_id = ? AND status = 'new'"
            " GROUP BY kind",
            (cluster.id,),
        )
    }
    total = sum(counts.values())
    if not total:
        return "nothing to do: no new items"
    send_at = by_day(due.now, zone_of(conn, cluster.id, settings.timezone))
    queued = 0
    for cda in cdas_of(conn, cluster.id, settings.admins):
        _ = translator(cda["language"] or settings.default_language)
        parts = ", ".join(
            f"{_.number(counts[kind])} {_(KIND_WORDS[kind])}"
            for kind in inbox.KINDS
            if counts.get(kind)
        )
        text = _(
            "New messages for you in {cluster}: {count} ({parts}). Send /inbox to read them."
        ).format(cluster=cluster.name, count=_.number(total), parts=parts)
        queued += (
            enqueue(
                conn,
                channel=cda["channel"],
                contact_id=cda["id"],
                chat_id=cda["chat_id"],
                kind=JOB_KIND,
                ref=f"{cluster.id}:{due.run_at.isoformat()}",
                payload=Payload(text=text, choices=(Choice("cmd:inbox", _("Open inbox")),)),
                now=due.now,
                due=send_at,
            )
            is not None
        )
    return f"queued {queued} digest(s) of {total} new item(s)"
