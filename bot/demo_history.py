"""Four months of programme history for `clusterbot demo`, so `/report` has something to say
(issue 7, "Done when": how many women took part, how attendance is trending, what share of
the action plan is done).

    24 Bagru stakeholders, registered over ~4 months (console ids member01 … member24)
    3 past meetings (80, 45, 12 days ago): invitations in the outbox ledger, sent as the
      sender records them; RSVPs; attendance rising 4 of 10 → 11 of 20 → 17 of 24
    1 published update (30 days ago) with its delivery ledger
    2 networks (an SHG formed 100 days ago, an association revived 60 days ago) and five
      linkages the CDA recorded, so /clustermap compares the start with today

Everything is written through the same functions the chat flows use (`bot.outbox.queue.fan_out`
under /newmeeting's `invite` and under a broadcast's release, `events.rsvp`,
`attendance.mark_attendance`, `updates.publish`), so the rows have exactly the shape real
use leaves. Each fan-out reaches only the people registered by then (the audience SQL plus
`registered_at`), as it would have at the time: the demo CDA and the demo stakeholder
register "now" and are in none of it. Every queued row is marked sent, so nobody gets
anything from the history when the console opens.

Names are made up; `clusterbot chat --user member01` (with `CLUSTERBOT_DB` set to the demo
database) lets you be one of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import demo_versions
from bot.clock import iso
from bot.outbox.queue import Payload, fan_out, iso_ms
from bot.storage import (
    attendance,
    broadcasts,
    clusters,
    contacts,
    events,
    inbox,
    networks,
    outbox,
    updates,
)
from bot.storage.events import Event

CDA = "console:cda"  # who planned the meetings and marked attendance
PROGRAMME_AGE = timedelta(days=120)  # the cluster's creation: before the first registration


@dataclass(frozen=True)
class Member:
    user: str  # console user id
    name: str
    gender: str
    role: str
    language: str
    registered_days_ago: int


# 13 women, 10 men, 1 "prefer not to say"; mostly artisans and SHG members.
MEMBERS = (
    Member("member01", "Sunita Chhipa", "female", "shg_member", "hi", 118),
    Member("member02", "Ramesh Chhipa", "male", "artisan", "hi", 117),
    Member("member03", "Kamla Devi", "female", "shg_member", "hi", 115),
    Member("member04", "Mahaveer Prasad Chhipa", "male", "entrepreneur", "hi", 112),
    Member("member05", "Geeta Chhipa", "female", "artisan", "hi", 110),
    Member("member06", "Gopal Lal Chhipa", "male", "artisan", "hi", 106),
    Member("member07", "Naresh Sharma (Bank of Baroda, Bagru)", "male", "bank", "en", 104),
    Member("member08", "Santosh Kanwar", "female", "shg_member", "hi", 101),
    Member("member09", "Suresh Chhipa", "male", "artisan", "hi", 97),
    Member("member10", "Vijay Agarwal (dyes and cloth)", "male", "supplier", "en", 93),
    Member("member11", "Meena Chhipa", "female", "artisan", "hi", 84),
    Member("member12", "Rekha Devi", "female", "shg_member", "hi", 80),
    Member("member13", "Kailash Chand Chhipa", "male", "entrepreneur", "hi", 77),
    Member("member14", "Pushpa Chhipa", "female", "artisan", "hi", 73),
    Member("member15", "Laxmi Devi", "female", "shg_member", "hi", 70),
    Member("member16", "Hanuman Sahay Meena", "male", "artisan", "hi", 66),
    Member("member17", "Sharda Chhipa", "female", "artisan", "hi", 63),
    Member("member18", "Anil Chhipa", "undisclosed", "artisan", "hi", 60),
    Member("member19", "Manju Kanwar", "female", "entrepreneur", "en", 57),
    Member("member20", "Om Prakash Chhipa", "male", "association", "hi", 55),
    Member("member21", "Kavita Chhipa", "female", "shg_member", "hi", 47),
    Member("member22", "Savitri Devi", "female", "artisan", "hi", 40),
    Member("member23", "Bhanwari Devi", "female", "shg_member", "hi", 31),
    Member("member24", "Deepak Chhipa", "male", "entrepreneur", "en", 24),
)


@dataclass(frozen=True)
class Meeting:
    title: str
    place: str
    days_ago: int  # invitations go out a week before
    yes: tuple[int, ...]  # member numbers
    maybe: tuple[int, ...]
    no: tuple[int, ...]
    came: tuple[int, ...]


MEETINGS = (
    Meeting(
        "Diagnostic study findings",
        "Panchayat bhawan, Bagru",
        80,
        yes=(1, 2, 4, 6, 7, 9),
        maybe=(3, 5),
        no=(10,),
        came=(1, 2, 4, 6),  # 4 of 10 invited; 1 woman
    ),
    Meeting(
        "Credit camp with Bank of Baroda",
        "Bank of Baroda, Bagru branch",
        45,
        yes=(1, 2, 3, 4, 5, 6, 7, 11, 13, 14, 15, 17, 20),
        maybe=(8, 19),
        no=(10, 16),
        came=(1, 2, 3, 4, 5, 7, 11, 14, 15, 17, 20),  # 11 of 20; 7 women
    ),
    Meeting(
        "Planning the common dye-testing lab",
        "Community hall, Bagru",
        12,
        yes=(1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 14, 15, 17, 19, 20, 21, 22, 23, 24),
        maybe=(7, 18),
        no=(10,),
        came=(1, 2, 3, 5, 6, 8, 11, 12, 13, 14, 15, 17, 19, 20, 21, 22, 23),  # 17 of 24; 13 women
    ),
)
BLOCKED = 16  # blocked the bot after the credit camp, before the update (35 days ago)
OPTED_OUT = ((9, 25), (22, 5))  # (member, days ago) used /stop
UPDATE_DAYS_AGO = 30
UPDATE = {
    "en": "After the credit camp, Bank of Baroda approved Mudra loans for 6 printers of "
    "Bagru. Those still waiting: bring your Udyam certificate to the branch on Monday.",
    "hi": "क्रेडिट कैंप के बाद बैंक ऑफ़ बड़ौदा ने बगरू के 6 छपाई कारीगरों के मुद्रा ऋण मंज़ूर किए। "
    "जिनका बाक़ी है, वे सोमवार को अपना उद्यम प्रमाणपत्र लेकर शाखा आएँ।",
    "gu": "ધિરાણ શિબિર પછી બેંક ઑફ બરોડાએ બગરુના 6 છાપકામ કારીગરોની મુદ્રા લોન મંજૂર કરી. "
    "જેમની લોન હજી બાકી છે, તેઓ સોમવારે પોતાનું ઉદ્યમ પ્રમાણપત્ર લઈને શાખાએ આવે.",
    "pa": "ਕਰਜ਼ਾ ਕੈਂਪ ਤੋਂ ਬਾਅਦ ਬੈਂਕ ਆਫ਼ ਬੜੌਦਾ ਨੇ ਬਗਰੂ ਦੇ 6 ਛਪਾਈ ਕਾਰੀਗਰਾਂ ਦੇ ਮੁਦਰਾ ਕਰਜ਼ੇ ਮਨਜ਼ੂਰ ਕਰ ਦਿੱਤੇ। "
    "ਜਿਨ੍ਹਾਂ ਦਾ ਹਾਲੇ ਬਾਕੀ ਹੈ, ਉਹ ਸੋਮਵਾਰ ਨੂੰ ਆਪਣਾ ਉਦਯਮ ਸਰਟੀਫ਼ਿਕੇਟ ਲੈ ਕੇ ਸ਼ਾਖਾ ਵਿੱਚ ਆਉਣ ਜੀ।",
}


# The invitation of a meeting, per language, as /newmeeting queues it (handed in by the
# caller, so that the runtime never imports the conversations).
Invitations = Callable[[Event, ZoneInfo], dict[str, Payload]]


def seed_history(
    conn: sqlite3.Connection, cluster_id: int, now: datetime, invitations: Invitations
) -> None:
    """Add the demo's stakeholders and past activity to the cluster, once (idempotent:
    nothing happens when member01 exists). Runs in the caller's transaction."""
    if contacts.find(conn, "console", MEMBERS[0].user) is not None:
        return
    ids = {n: _register(conn, cluster_id, m, now) for n, m in enumerate(MEMBERS, start=1)}
    last_seen = {n: _registered_at(m, now) for n, m in enumerate(MEMBERS, start=1)}
    # In time order: each fan-out takes people's state (blocked, opted out) of that day.
    _meeting(conn, cluster_id, MEETINGS[0], ids, last_seen, now, invitations)
    _meeting(conn, cluster_id, MEETINGS[1], ids, last_seen, now, invitations)
    contacts.update(conn, ids[BLOCKED], unreachable=1)  # the platform answered 403
    _update(conn, cluster_id, now - timedelta(days=UPDATE_DAYS_AGO))
    third_invited = MEETINGS[2].days_ago + 7
    _stop(conn, ids, last_seen, now, [(n, d) for n, d in OPTED_OUT if d > third_invited])
    _meeting(conn, cluster_id, MEETINGS[2], ids, last_seen, now, invitations)
    _stop(conn, ids, last_seen, now, [(n, d) for n, d in OPTED_OUT if d <= third_invited])
    _inbox(conn, cluster_id, ids, last_seen, now)
    _networks(conn, cluster_id, ids, now)
    for n, seen in last_seen.items():
        contacts.update(conn, ids[n], last_inbound_at=iso(seen))


# What members sent the CDA (/ask, issue 15): (member, kind, anonymous, days ago, text,
# hours to the CDA's answer or None, published as a public answer).
ASKED = (
    (3, "question", False, 20, "When is the next natural-dye training?", 6.0, True),
    (6, "suggestion", True, 12, "Buy indigo together: the dealer in Sanganer gives 8% off "
     "on 50 kg.", 50.0, False),
    (5, "complaint", False, 8, "The dye-testing lab was closed on market day.", 26.0, False),
    (1, "privacy", False, 5, "Please remove my photo from the survey.", None, False),
    (12, "question", False, 1, "Can SHG members also join the exposure visit?", None, False),
)  # fmt: skip


def _inbox(
    conn: sqlite3.Connection,
    cluster_id: int,
    ids: dict[int, int],
    last_seen: dict[int, datetime],
    now: datetime,
) -> None:
    """Items sent to the CDA, some answered (replies delivered then, so none is queued) and
    one published, so the report's Listening section has figures."""
    for n, kind, anonymous, days_ago, text, answer_hours, public in ASKED:
        at = now - timedelta(days=days_ago)
        m = MEMBERS[n - 1]
        item = inbox.add(conn, cluster_id=cluster_id, contact_id=ids[n], kind=kind,
                         anonymous=anonymous, text=text, media_kind=None, media_path=None,
                         role=m.role, gender=m.gender, now=iso(at))  # fmt: skip
        last_seen[n] = max(last_seen[n], at)
        if answer_hours is None:
            continue
        answered = at + timedelta(hours=answer_hours)
        inbox.answer(conn, item, None, "Thank you: see the cluster's /updates.", iso(answered))
        if public:
            update = updates.publish(
                conn, cluster_id=cluster_id, broadcast_id=None,
                texts={"en": f"Question: {text}\n\nAnswer: On the 5th, at the community hall."},
                default_language="en", now=iso(answered),
            )  # fmt: skip
            inbox.published(conn, item, None, update, iso(answered))


# (name, kind, origin, days ago, member numbers): the groups the cluster map shows.
NETWORKS = (
    ("Bagru Mahila SHG", "shg", "formed", 100, (1, 3, 8, 12, 15, 21)),
    ("Bagru Printers' Association", "association", "revived", 60, (2, 4, 6, 9, 13, 20)),
)
# (from, to, kind, days ago): "artisan buys from supplier" was known at the diagnostic (the
# start, the first linkage's day); the rest came with the programme.
LINKAGES = (
    (("role", "artisan"), ("role", "supplier"), "buys_from", 110),
    (("role", "shg_member"), ("role", "supplier"), "buys_from", 90),
    (("role", "bank"), ("network", "Bagru Mahila SHG"), "lends_to", 40),
    (("network", "Bagru Printers' Association"), ("role", "artisan"), "advises", 50),
    (("role", "entrepreneur"), ("role", "large_enterprise"), "sells_to", 20),
)


def _networks(
    conn: sqlite3.Connection, cluster_id: int, ids: dict[int, int], now: datetime
) -> None:
    cluster = clusters.by_id(conn, cluster_id)
    zone = ZoneInfo(cluster.timezone if cluster else "Asia/Kolkata")
    made: dict[str, str] = {}  # a network's name -> its id, as a linkage end names it
    for name, kind, origin, days_ago, members in NETWORKS:
        at = now - timedelta(days=days_ago)
        network = networks.create(conn, cluster_id, name, kind, origin,
                                  at.astimezone(zone).date().isoformat(), actor=CDA, now=iso(at))
        made[name] = str(network.id)
        for n in members:
            networks.add_member(conn, network.id, ids[n], actor=CDA, now=iso(at))
    for (fk, fr), (tk, tr), kind, days_ago in LINKAGES:
        at = now - timedelta(days=days_ago)
        networks.record_linkage(
            conn, cluster_id, (fk, made.get(fr, fr)), (tk, made.get(tr, tr)), kind,
            at.astimezone(zone).date().isoformat(), actor=CDA, now=iso(at),
        )  # fmt: skip


def _registered_at(m: Member, now: datetime) -> datetime:
    """Some time of that day (not everyone at the same minute)."""
    return now - timedelta(days=m.registered_days_ago, hours=-(int(m.user[-2:]) % 9))


def _register(conn: sqlite3.Connection, cluster_id: int, m: Member, now: datetime) -> int:
    """A completed registration as onboarding leaves it, consent a few minutes before."""
    at = _registered_at(m, now)
    contact = contacts.get_or_create(
        conn, "console", m.user, m.user, iso(at - timedelta(minutes=6))
    )
    contacts.update(
        conn,
        contact.id,
        language=m.language,
        consent_at=iso(at - timedelta(minutes=5)),
        name=m.name,
        role=m.role,
        cluster_id=cluster_id,
        gender=m.gender,
        place="Bagru",
        status="registered",
        registered_at=iso(at),
    )
    return contact.id


def _audience(cluster_id: int, at: datetime) -> tuple[str, list[object]]:
    """The whole cluster as it was at `at`: the broadcast audience SQL, registered by then."""
    where, params = broadcasts.audience_where(cluster_id, {})
    return f"{where} AND c.registered_at <= ?", [*params, iso(at)]


def _meeting(
    conn: sqlite3.Connection,
    cluster_id: int,
    meeting: Meeting,
    ids: dict[int, int],
    last_seen: dict[int, datetime],
    now: datetime,
    invitations: Invitations,
) -> None:
    """/newmeeting a week before (invitations as its `invite` queues them), the answers
    over the next days, and /attendance after the meeting."""
    starts = (now - timedelta(days=meeting.days_ago)).replace(
        hour=4, minute=30, second=0, microsecond=0
    )  # 10:00 IST
    planned = starts - timedelta(days=7)
    event = events.create(
        conn,
        cluster_id=cluster_id,
        kind="meeting",
        title=meeting.title,
        place=meeting.place,
        starts_at=iso(starts),
        created_by=CDA,
        now=iso(planned),
        language="en",
        versions=demo_versions.versions(title=meeting.title, place=meeting.place),
    )
    zone = ZoneInfo(
        conn.execute("SELECT timezone FROM clusters WHERE id = ?", (cluster_id,)).fetchone()[0]
    )
    where, params = _audience(cluster_id, planned)
    fan_out(
        conn,
        kind="invitation",
        ref=f"event:{event.id}",
        where=where,
        params=params,
        payloads=invitations(event, zone),
        default_language="en",
        now=planned,
    )
    _mark_sent(conn, "invitation", f"event:{event.id}", planned)
    answers = [(n, "yes") for n in meeting.yes] + [(n, "maybe") for n in meeting.maybe]
    for k, (n, answer) in enumerate([*answers, *[(n, "no") for n in meeting.no]]):
        at = planned + timedelta(hours=2 + 7 * k)  # spread over the week
        events.rsvp(conn, event.id, ids[n], answer, iso(at))
        last_seen[n] = max(last_seen[n], at)
    marked = starts + timedelta(hours=3)
    for n in meeting.came:
        attendance.mark_attendance(conn, event.id, ids[n], True, CDA, iso(marked))


def _update(conn: sqlite3.Connection, cluster_id: int, at: datetime) -> None:
    """A broadcast to the whole cluster, released as `bot.jobs.broadcasts.release` does it
    (fan-out, /updates log, status sent), then delivered."""
    b = broadcasts.create(
        conn,
        cluster_id=cluster_id,
        author=CDA,
        audience={},
        texts=UPDATE,
        now=iso(at - timedelta(minutes=3)),
    )
    where, params = _audience(cluster_id, at)
    counts = fan_out(
        conn,
        kind="broadcast",
        ref=str(b.id),
        where=where,
        params=params,
        payloads={language: Payload(text) for language, text in b.texts.items()},
        default_language=b.default_language,
        now=at,
    )
    updates.publish(
        conn,
        cluster_id=cluster_id,
        broadcast_id=b.id,
        texts=b.texts,
        default_language=b.default_language,
        now=iso(at),
    )
    broadcasts.set_status(conn, b.id, "sent", sent_at=iso(at), recipients=sum(counts.values()))
    _mark_sent(conn, "broadcast", str(b.id), at)


def _mark_sent(conn: sqlite3.Connection, kind: str, ref: str, at: datetime) -> None:
    """What the outbox sender records for a send that worked: in flight, then sent."""
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM outbox WHERE kind = ? AND ref = ? AND status = 'queued'", (kind, ref)
        )
    ]
    outbox.mark_in_flight(conn, ids)
    outbox.apply(
        conn,
        [
            outbox.Change(
                i,
                "sent",
                1,
                sent_at=iso_ms(at + timedelta(seconds=1 + k // 30)),  # 30 a second
                platform_message_id=f"console:{i}",
            )
            for k, i in enumerate(ids)
        ],
    )


def _stop(
    conn: sqlite3.Connection,
    ids: dict[int, int],
    last_seen: dict[int, datetime],
    now: datetime,
    stopped: list[tuple[int, int]],
) -> None:
    """/stop by these (member, days ago)."""
    for n, days in stopped:
        contacts.update(conn, ids[n], opted_out=1)
        last_seen[n] = max(last_seen[n], now - timedelta(days=days))
