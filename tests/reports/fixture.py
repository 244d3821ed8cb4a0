"""A small, hand-countable M&E database: two clusters, seven people of BAGRU (one erased,
one never registered), events, RSVPs, visits, attendance, surveys, updates with their
outbox ledger, and an action plan. Every expected number in tests/reports is counted by
hand from these rows (see the comments); the other cluster's rows must never show up.

The clock of the tests is 2026-11-28 09:00 UTC; in Asia/Kolkata "the last 3 months" start
2026-09-01 00:00 IST = 2026-08-31 18:30 UTC, "this month" 2026-11-01 00:00 IST.
"""

from __future__ import annotations

import sqlite3

BAGRU, ALLEPPEY = 1, 2
# Personal data that an observer's report must never contain.
NAMES = ("Sunita Devi", "Ramesh Kumar", "Lakshmi Bai", "Mohan Lal", "Geeta Sharma", "Arjun Reddy")
PHONES = ("+919800000001", "+919800000002", "+919800000003")
PLACES = ("Mahapura", "Chandlai", "Kheri")

T0 = "2026-01-01T00:00:00+00:00"


def populate(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO clusters (id, code, name, timezone, created_at) VALUES (?, ?, ?, ?, ?)",
        [
            (BAGRU, "BAGRU", "Bagru hand-block printers", "Asia/Kolkata", T0),
            (ALLEPPEY, "ALLEPPEY", "Alleppey coir makers", "Asia/Kolkata", T0),
        ],
    )
    # id, name, role, gender, status, cluster, registered_at, last_inbound_at, opted, unreach
    people = [
        (1, NAMES[0], "artisan", "female", "registered", BAGRU,
         "2026-06-01T05:00:00+00:00", "2026-11-20T10:00:00+00:00", 0, 0),
        (2, NAMES[1], "artisan", "male", "registered", BAGRU,
         "2026-06-02T05:00:00+00:00", "2026-07-01T10:00:00+00:00", 0, 0),
        (3, NAMES[2], "shg_member", "female", "registered", BAGRU,
         "2026-09-15T05:00:00+00:00", "2026-09-15T05:00:00+00:00", 0, 0),
        (4, NAMES[3], "entrepreneur", "undisclosed", "registered", BAGRU,
         "2026-11-05T05:00:00+00:00", "2026-11-05T05:00:00+00:00", 0, 0),
        (5, NAMES[4], "shg_member", None, "registered", BAGRU,
         "2026-07-10T05:00:00+00:00", "2026-07-10T05:00:00+00:00", 1, 0),
        (6, NAMES[5], "artisan", "other", "registered", BAGRU,
         "2026-08-01T05:00:00+00:00", "2026-08-01T05:00:00+00:00", 0, 1),
        # erased with /forget: role, gender and cluster stay for anonymous counts
        (7, None, "artisan", "female", "erased", BAGRU,
         "2026-06-05T05:00:00+00:00", "2026-06-05T05:00:00+00:00", 1, 0),
        # never finished registering
        (8, None, None, None, "new", None, None, "2026-11-01T05:00:00+00:00", 0, 0),
        # the other cluster
        (9, "Anil Menon", "artisan", "male", "registered", ALLEPPEY,
         "2026-06-01T05:00:00+00:00", "2026-11-01T05:00:00+00:00", 0, 0),
    ]  # fmt: skip
    for i, (cid, name, role, gender, status, cluster, reg, last, opted, unreach) in enumerate(
        people
    ):
        conn.execute(
            "INSERT INTO contacts (id, channel, channel_user_id, chat_id, language, status,"
            " consent_at, name, role, cluster_id, gender, place, phone, opted_out, unreachable,"
            " created_at, registered_at, last_inbound_at) VALUES"
            " (?, 'fixture', ?, ?, 'en', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cid, None if status == "erased" else f"u{cid}", f"u{cid}", status, reg, name,
                role, cluster, gender, PLACES[i % 3] if name else None,
                PHONES[i % 3] if name else None, opted, unreach, T0, reg, last,
            ),
        )  # fmt: skip

    conn.execute("INSERT INTO outbox_payloads (id, body) VALUES (1, '{}')")

    def outbox(kind: str, ref: str, contact: int, status: str = "sent") -> None:
        conn.execute(
            "INSERT INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id, status,"
            " next_attempt_at, created_at) VALUES ('fixture', ?, ?, ?, ?, 1, ?, ?, ?)",
            (contact, f"u{contact}", kind, ref, status, T0, T0),
        )

    # Events: 1 meeting (Sep), 2 visit (Nov), 3 meeting cancelled (Nov), 4 meeting (Jun),
    # 5 the other cluster's meeting (Nov).
    for eid, cluster, kind, title, starts, status in (
        (1, BAGRU, "meeting", "Cluster meeting on dyes", "2026-09-10T06:00:00+00:00", "scheduled"),
        (2, BAGRU, "visit", "Exposure visit to a dye house", "2026-11-10T04:00:00+00:00",
         "scheduled"),
        (3, BAGRU, "meeting", "Cancelled meeting", "2026-11-12T06:00:00+00:00", "cancelled"),
        (4, BAGRU, "meeting", "First trust meeting", "2026-06-15T06:00:00+00:00", "scheduled"),
        (5, ALLEPPEY, "meeting", "Coir meeting", "2026-11-11T06:00:00+00:00", "scheduled"),
    ):  # fmt: skip
        conn.execute(
            "INSERT INTO events (id, cluster_id, kind, title, place, starts_at, seats, status,"
            " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'Community hall', ?, ?,"
            " ?, 'fixture', ?, ?)",
            (eid, cluster, kind, title, starts, 30 if kind == "visit" else None, status, T0, T0),
        )
    for event, invited in ((1, (1, 2, 3, 5, 6)), (2, (1, 3, 4, 5)), (3, (1, 2)), (4, (1, 2)),
                           (5, (9,))):  # fmt: skip
        for contact in invited:
            outbox("invitation", f"event:{event}", contact)
    conn.executemany(
        "INSERT INTO rsvps (event_id, contact_id, answer, at) VALUES (?, ?, ?, ?)",
        [
            (1, 1, "yes", "2026-09-01T05:00:00+00:00"),
            (1, 2, "yes", "2026-09-02T05:00:00+00:00"),
            (1, 3, "no", "2026-09-02T06:00:00+00:00"),
            (1, 5, "maybe", "2026-09-03T05:00:00+00:00"),
            (3, 1, "yes", "2026-11-02T05:00:00+00:00"),
            (4, 1, "yes", "2026-06-10T05:00:00+00:00"),
            (5, 9, "yes", "2026-11-02T05:00:00+00:00"),
        ],
    )
    conn.executemany(
        "INSERT INTO registrations (event_id, contact_id, status, seq, at) VALUES (?, ?, ?, ?, ?)",
        [
            (2, 1, "confirmed", 1, "2026-11-02T05:00:00+00:00"),
            (2, 3, "confirmed", 2, "2026-11-03T05:00:00+00:00"),
            (2, 4, "waiting", 3, "2026-11-04T05:00:00+00:00"),
        ],
    )
    conn.executemany(
        "INSERT INTO attendance (event_id, contact_id, present, marked_by, at)"
        " VALUES (?, ?, ?, 'fixture', ?)",
        [
            (1, 1, 1, T0), (1, 2, 1, T0), (1, 3, 1, T0), (1, 6, 0, T0),  # 3 walked in after "no"
            (2, 1, 1, T0), (2, 4, 1, T0),
            (4, 1, 1, T0), (4, 2, 0, T0),
            (5, 9, 1, T0),
        ],
    )  # fmt: skip

    # Surveys: 'diag' (every cluster, two versions), 'skills' (BAGRU), 'coir' (ALLEPPEY).
    for sid, key, version, title, cluster in (
        (1, "diag", "1", "Diagnostic v1", None),
        (2, "diag", "2", "Cluster diagnostic", None),
        (3, "skills", "1", "Skills needs", BAGRU),
        (4, "coir", "1", "Coir survey", ALLEPPEY),
    ):
        conn.execute(
            "INSERT INTO surveys (id, key, version, title, cluster_id, form, form_sha, languages,"
            " question_count, imported_at) VALUES (?, ?, ?, ?, ?, '{}', 'x', 'en', 1, ?)",
            (sid, key, version, title, cluster, T0),
        )
    for rid, survey, contact, status, started, completed in (
        (1, 1, 1, "completed", "2026-09-20T10:00:00+00:00", "2026-09-20T10:12:00+00:00"),
        (2, 2, 3, "completed", "2026-10-05T10:00:00+00:00", "2026-10-05T10:20:00+00:00"),
        (3, 2, 2, "in_progress", "2026-11-01T10:00:00+00:00", None),
        (4, 2, 4, "completed", "2026-11-06T08:00:00+00:00", "2026-11-06T08:30:00+00:00"),
        (5, 3, 1, "paused", "2026-11-07T08:00:00+00:00", None),
        (6, 1, 5, "completed", "2026-07-01T08:00:00+00:00", "2026-07-01T08:06:00+00:00"),
        (7, 2, 9, "completed", "2026-11-01T08:00:00+00:00", "2026-11-01T08:09:00+00:00"),
        (8, 2, 7, "completed", "2026-09-25T08:00:00+00:00", "2026-09-25T08:10:00+00:00"),
        (9, 4, 9, "completed", "2026-11-02T08:00:00+00:00", "2026-11-02T08:03:00+00:00"),
    ):
        conn.execute(
            "INSERT INTO responses (id, survey_id, contact_id, status, started_at, completed_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rid, survey, contact, status, started, completed, completed or started),
        )

    # Broadcasts 1, 2 (BAGRU, published in the quarter), 3 (BAGRU, May), 4 (ALLEPPEY).
    for bid, cluster, published in (
        (1, BAGRU, "2026-10-01T05:00:00+00:00"),
        (2, BAGRU, "2026-11-15T05:00:00+00:00"),
        (3, BAGRU, "2026-05-01T05:00:00+00:00"),
        (4, ALLEPPEY, "2026-11-15T05:00:00+00:00"),
    ):
        conn.execute(
            "INSERT INTO broadcasts (id, cluster_id, author, texts, default_language, status,"
            " created_at, sent_at) VALUES (?, ?, 'fixture', '{}', 'en', 'sent', ?, ?)",
            (bid, cluster, published, published),
        )
        conn.execute(
            "INSERT INTO updates (id, cluster_id, broadcast_id, published_at, texts,"
            " default_language) VALUES (?, ?, ?, ?, '{}', 'en')",
            (bid, cluster, bid, published),
        )
    for ref, contact, status in (
        ("1", 1, "sent"), ("1", 2, "sent"), ("1", 3, "failed"), ("1", 5, "opted_out"),
        ("2", 1, "sent"), ("2", 3, "sent"), ("2", 4, "queued"),
        ("3", 1, "sent"),
        ("4", 9, "sent"),
    ):  # fmt: skip
        outbox("broadcast", ref, contact, status)

    # Action plan (paise): budget of the activities not dropped, by who pays.
    for cluster, title, category, status, beneficiaries, agency, others in (
        (BAGRU, "Dye workshop", "trust_building", "done", 10_000_000, 40_000_000, 0),
        (BAGRU, "Study tour", "trust_building", "planned", 0, 20_000_000, 0),
        (BAGRU, "Common facility pilot", "pilot", "ongoing", 5_000_000, 0, 15_000_000),
        (BAGRU, "Design training", "capacity_building", "dropped", 0, 99_990_000, 0),
        (BAGRU, "Brand strategy", "strategic", "done", 0, 0, 0),
        (ALLEPPEY, "Coir pilot", "pilot", "done", 0, 50_000_000, 0),
    ):
        conn.execute(
            "INSERT INTO activities (cluster_id, title, category, status, beneficiaries_paise,"
            " agency_paise, others_paise, created_by, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'fixture', ?, ?)",
            (cluster, title, category, status, beneficiaries, agency, others, T0, T0),
        )
