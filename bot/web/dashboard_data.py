"""What the dashboard's ledger, events and plan pages show, read from the database in a few
grouped queries per page (the report's own figures come from bot.reports.indicators).

Counts only: nothing here returns a name, phone number, village or anything a person typed,
so an observer may see all of it. Event titles and activity titles are the CDA's words, as
on the public page; an event's place and an activity's "responsible" are left out, since
both may name a person or a village. Read-only: run on the reader connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.reports.ledger import merged
from bot.storage import broadcasts, outbox
from bot.storage import event_reminders as er
from bot.storage import whatsapp as whatsapp_ledger
from bot.storage.activities import Activity, in_cluster

SHOWN = 30  # broadcasts and events per delivery page: the latest; older ones are in the chat
EVENTS_SHOWN = 100  # events on the events page, latest start first


@dataclass(frozen=True)
class Delivery:
    """One bot-initiated message in the outbox ledger, counted by status."""

    kind: str  # broadcast | invitation | reminder
    ref: str
    number: int  # the broadcast's or the event's id
    when: str | None  # UTC ISO: when the broadcast went out; the event's start
    state: str  # broadcast: sent | scheduled | cancelled | missed; reminder: its status
    counts: dict[str, int]  # bot.reports.ledger.STATUS keys
    offset_minutes: int = 0  # a reminder's, before the start
    delivered: int = 0  # WhatsApp's delivery receipts (Telegram sends none)
    read: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def missed(self) -> int:
        """Did not get it (yet) and will not without the CDA: failed, blocked, opted out,
        skipped; "waiting" is counted apart."""
        return self.total - self.counts["sent"] - self.counts["waiting"]


def broadcast_deliveries(conn: sqlite3.Connection, cluster_id: int) -> list[Delivery]:
    found = broadcasts.recent(conn, {cluster_id}, SHOWN)
    counts = outbox.counts(conn, "broadcast", [str(b.id) for b in found])
    rows = []
    for b in found:
        seen = whatsapp_ledger.receipts(conn, "broadcast", str(b.id))
        rows.append(
            Delivery("broadcast", str(b.id), b.id, b.sent_at or b.scheduled_at or b.created_at,
                     b.status, merged(counts[str(b.id)]), delivered=seen["delivered"],
                     read=seen["read"])
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class EventDeliveries:
    event_id: int
    title: str
    starts_at: str
    status: str
    messages: list[Delivery]  # the invitation, then each reminder


def event_deliveries(conn: sqlite3.Connection, cluster_id: int) -> list[EventDeliveries]:
    """The cluster's events the ledger holds invitations or reminders for, latest first."""
    ids = outbox.messaged_events(conn, [cluster_id], SHOWN)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    events = {
        r[0]: r
        for r in conn.execute(
            f"SELECT id, title, starts_at, status FROM events WHERE id IN ({marks})", ids
        )
    }
    found = []
    for event_id in ids:
        _id, title, starts_at, status = events[event_id]
        invitation = f"event:{event_id}"
        messages = [
            Delivery("invitation", invitation, event_id, starts_at, status,
                     merged(outbox.counts(conn, "invitation", [invitation])[invitation]))
        ]  # fmt: skip
        for rem in er.reminders_of(conn, event_id):
            ref = rem.ledger_ref
            messages.append(
                Delivery("reminder", ref, event_id, rem.due_at, rem.status,
                         merged(outbox.counts(conn, "reminder", [ref])[ref]),
                         offset_minutes=rem.offset_minutes)
            )  # fmt: skip
        found.append(EventDeliveries(event_id, title, starts_at, status, messages))
    return found


@dataclass(frozen=True)
class EventFigures:
    """One meeting or visit: who answered, who has a seat, who came."""

    event_id: int
    kind: str  # meeting | visit
    title: str  # as stored; the page picks the reader's version (Report.event_title)
    starts_at: str
    status: str  # scheduled | cancelled
    seats: int | None
    answers: dict[str, int]  # meeting RSVPs: yes, no, maybe
    confirmed: int  # visit seats taken
    waiting: int  # visit waiting list
    attended: int  # marked present
    women: int  # of them, women


def events(conn: sqlite3.Connection, cluster_id: int) -> list[EventFigures]:
    """The cluster's events, latest start first, each with its counts; one query per kind of
    count for the whole page, not one per event."""
    rows = conn.execute(
        "SELECT id, kind, title, starts_at, status, seats FROM events WHERE cluster_id = ?"
        " ORDER BY starts_at DESC, id DESC LIMIT ?",
        (cluster_id, EVENTS_SHOWN),
    ).fetchall()
    answers: dict[int, dict[str, int]] = {}
    for event_id, answer, n in conn.execute(
        "SELECT r.event_id, r.answer, COUNT(*) FROM rsvps r JOIN events e ON e.id = r.event_id"
        " WHERE e.cluster_id = ? GROUP BY r.event_id, r.answer",
        (cluster_id,),
    ):
        answers.setdefault(event_id, {})[answer] = n
    seats: dict[int, dict[str, int]] = {}
    for event_id, status, n in conn.execute(
        "SELECT g.event_id, g.status, COUNT(*) FROM registrations g"
        " JOIN events e ON e.id = g.event_id WHERE e.cluster_id = ? GROUP BY g.event_id, g.status",
        (cluster_id,),
    ):
        seats.setdefault(event_id, {})[status] = n
    came: dict[int, tuple[int, int]] = {}
    for event_id, present, women in conn.execute(
        "SELECT a.event_id, COUNT(*), COALESCE(SUM(c.gender = 'female'), 0) FROM attendance a"
        " JOIN events e ON e.id = a.event_id LEFT JOIN contacts c ON c.id = a.contact_id"
        " WHERE e.cluster_id = ? AND a.present = 1 GROUP BY a.event_id",
        (cluster_id,),
    ):
        came[event_id] = (int(present), int(women))
    found = []
    for event_id, kind, title, starts_at, status, seat_count in rows:
        said = answers.get(event_id, {})
        taken = seats.get(event_id, {})
        present, women = came.get(event_id, (0, 0))
        found.append(
            EventFigures(
                event_id, kind, title, starts_at, status, seat_count,
                {a: said.get(a, 0) for a in ("yes", "no", "maybe")},
                taken.get("confirmed", 0), taken.get("waiting", 0), present, women,
            )
        )  # fmt: skip
    return found


def activities(conn: sqlite3.Connection, cluster_id: int, language: str) -> list[Activity]:
    """The action plan in plan order, each title in the reader's language if the CDA gave
    one."""
    return [a.read(language) for a in in_cluster(conn, cluster_id)]
