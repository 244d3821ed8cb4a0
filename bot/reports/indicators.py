"""The M&E indicators of `/report` and `clusterbot report` (issue 7): the ONE place where
they are defined. Every other report module (text, chart, workbook) only renders these
results.

Each indicator group is one function of `(conn, cluster_id, period)` returning a plain
dataclass. Counts are kept next to every rate (`Share`): with 7 participants, "43%" alone
misleads, "3 of 7" does not. Nothing here returns a name, phone number, village or chat
id, so the same results may be shown to observers (aggregates only).

Time: a `Period` is half-open, `start <= t < end`, in UTC ISO-8601 text as stored
(`bot.clock.iso`), so comparisons are plain string comparisons on the stored columns.
`start` None means "since the programme began".

Read-only: run it on the reader connection, never inside a turn (DESIGN.md).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.storage.activities import CATEGORIES, STATUSES
from bot.vocabulary import GENDERS, ROLES

# Vocabulary: the stored keys, in the order reports show them (onboarding's order).
ROLE_KEYS = tuple(ROLES)
# "unknown": no gender stored (registered before the question existed, or a bad value).
GENDER_KEYS = (*GENDERS, "unknown")
CATEGORY_KEYS = CATEGORIES  # the action plan's schema words (bot/storage/activities.py)
STATUS_KEYS = STATUSES
PERIOD_KINDS = ("month", "quarter", "all")


@dataclass(frozen=True)
class Share:
    """`count` out of `total`; `rate` is None when there is nothing to divide by."""

    count: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | all | custom
    start: str | None  # inclusive, UTC ISO; None: from the beginning
    end: str  # exclusive, UTC ISO

    def params(self) -> tuple[str | None, str | None, str]:
        """For `_IN` below: (start, start, end)."""
        return self.start, self.start, self.end


def _in(column: str) -> str:
    """SQL: `column` falls in the period; takes Period.params()."""
    return f"((? IS NULL OR {column} >= ?) AND {column} < ?)"


def period_for(kind: str, now: datetime, zone: ZoneInfo) -> Period:
    """This month / the last 3 months (this one and the two before) / the whole programme,
    counted in months of the cluster's time zone, up to and including `now`."""
    end = iso(now + timedelta(seconds=1))
    if kind == "all":
        return Period("all", None, end)
    first = now.astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if kind == "quarter":
        year, month = first.year, first.month - 2
        if month <= 0:
            year, month = year - 1, month + 12
        first = first.replace(year=year, month=month)
    elif kind != "month":
        raise ValueError(f"unknown period {kind!r}")
    return Period(kind, iso(first), end)


# --- Scale ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How many stakeholders the programme reaches."""

    registered: int  # registered in the cluster by the end of the period
    by_role: dict[str, int]  # every role key, zeros included; None role counted as "unknown"
    new_in_period: int  # of them, registered during the period
    active: int  # registered people who did something in the period (see `scale`)
    erased: int  # people who registered and later erased their data (/forget)


def scale(conn: sqlite3.Connection, cluster_id: int, period: Period) -> Scale:
    """Registered: contacts with status 'registered' in the cluster whose `registered_at` is
    before the period's end. Active: those of them who in the period wrote to the bot,
    answered an invitation or registered for a visit of the cluster, worked on a survey,
    or were marked present at an event of the period (so active <= registered)."""
    by_role: Counter[str] = Counter()
    new = 0
    for role, registered_at in conn.execute(
        "SELECT role, registered_at FROM contacts WHERE cluster_id = ? AND status = 'registered'"
        " AND registered_at < ?",
        (cluster_id, period.end),
    ):
        by_role[role if role in ROLE_KEYS else "unknown"] += 1
        new += period.start is None or registered_at >= period.start
    active = conn.execute(
        "SELECT COUNT(*) FROM contacts WHERE cluster_id = ? AND status = 'registered'"
        " AND registered_at < ? AND id IN ("
        " SELECT id FROM contacts WHERE cluster_id = ? AND status != 'new'"
        f"  AND {_in('last_inbound_at')}"
        " UNION SELECT r.contact_id FROM rsvps r JOIN events e ON e.id = r.event_id"
        f"  WHERE e.cluster_id = ? AND {_in('r.at')}"
        " UNION SELECT g.contact_id FROM registrations g JOIN events e ON e.id = g.event_id"
        f"  WHERE e.cluster_id = ? AND {_in('g.at')}"
        " UNION SELECT a.contact_id FROM attendance a JOIN events e ON e.id = a.event_id"
        f"  WHERE e.cluster_id = ? AND a.present = 1 AND {_in('e.starts_at')}"
        " UNION SELECT s.contact_id FROM responses s JOIN contacts c ON c.id = s.contact_id"
        f"  WHERE c.cluster_id = ? AND {_in('s.updated_at')}"
        ")",
        (
            *(cluster_id, period.end),
            *(cluster_id, *period.params()),
            *(cluster_id, *period.params()),
            *(cluster_id, *period.params()),
            *(cluster_id, *period.params()),
            *(cluster_id, *period.params()),
        ),
    ).fetchone()[0]
    erased = conn.execute(
        "SELECT COUNT(*) FROM contacts WHERE cluster_id = ? AND status = 'erased'"
        " AND registered_at < ?",
        (cluster_id, period.end),
    ).fetchone()[0]
    roles = {key: by_role.get(key, 0) for key in ROLE_KEYS}
    if by_role.get("unknown"):
        roles["unknown"] = by_role["unknown"]
    return Scale(sum(by_role.values()), roles, int(new), int(active), int(erased))


# --- Outreach ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupShare:
    """Women among the participants of one event or one survey."""

    key: str  # 'event:12' or the survey key
    label: str  # event title / survey title (never a person)
    when: str | None  # event start (UTC ISO); None for a survey
    women: Share


@dataclass(frozen=True)
class Outreach:
    """Who the programme reaches: women, and each stakeholder group."""

    registered_by_gender: dict[str, int]  # every GENDER_KEYS entry, zeros included
    participants: int  # distinct people who took part in the period (see `outreach`)
    participants_by_gender: dict[str, int]
    participants_by_role: dict[str, int]  # every ROLE_KEYS entry (+ "unknown" when any)
    events: list[GroupShare] = field(default_factory=list)
    surveys: list[GroupShare] = field(default_factory=list)

    @property
    def women_registered(self) -> Share:
        return Share(self.registered_by_gender["female"], sum(self.registered_by_gender.values()))

    @property
    def women_participants(self) -> Share:
        return Share(self.participants_by_gender["female"], self.participants)


def _gender(value: str | None) -> str:
    return value if value in GENDER_KEYS else "unknown"


def outreach(conn: sqlite3.Connection, cluster_id: int, period: Period) -> Outreach:
    """Participants: people marked present at an event of the cluster held in the period,
    or who started a survey response in the period (erased people count anonymously: their
    role and gender stay). Event participants are those marked present (not those who said
    yes); survey participants are everyone who started a response."""
    registered = Counter(
        _gender(g)
        for (g,) in conn.execute(
            "SELECT gender FROM contacts WHERE cluster_id = ? AND status = 'registered'"
            " AND registered_at < ?",
            (cluster_id, period.end),
        )
    )
    people = conn.execute(
        "SELECT c.id, c.gender, c.role FROM contacts c WHERE c.id IN ("
        " SELECT a.contact_id FROM attendance a JOIN events e ON e.id = a.event_id"
        f"  WHERE e.cluster_id = ? AND e.status = 'scheduled' AND a.present = 1"
        f"  AND {_in('e.starts_at')}"
        " UNION SELECT s.contact_id FROM responses s JOIN contacts p ON p.id = s.contact_id"
        f"  WHERE p.cluster_id = ? AND {_in('s.started_at')})",
        (cluster_id, *period.params(), cluster_id, *period.params()),
    ).fetchall()
    by_gender = Counter(_gender(r[1]) for r in people)
    by_role = Counter(r[2] if r[2] in ROLE_KEYS else "unknown" for r in people)
    roles = {key: by_role.get(key, 0) for key in ROLE_KEYS}
    if by_role.get("unknown"):
        roles["unknown"] = by_role["unknown"]
    events = [
        GroupShare(f"event:{r[0]}", r[1], r[2], Share(int(r[4] or 0), int(r[3])))
        for r in conn.execute(
            "SELECT e.id, e.title, e.starts_at, COUNT(a.contact_id),"
            " SUM(c.gender = 'female') FROM events e"
            " LEFT JOIN attendance a ON a.event_id = e.id AND a.present = 1"
            " LEFT JOIN contacts c ON c.id = a.contact_id"
            f" WHERE e.cluster_id = ? AND e.status = 'scheduled' AND {_in('e.starts_at')}"
            " GROUP BY e.id ORDER BY e.starts_at, e.id",
            (cluster_id, *period.params()),
        )
    ]
    women_by_survey: dict[str, list[int]] = {}
    for key, gender in conn.execute(
        "SELECT s.key, c.gender FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " JOIN contacts c ON c.id = r.contact_id"
        f" WHERE c.cluster_id = ? AND {_in('r.started_at')}"
        " GROUP BY s.key, r.contact_id",
        (cluster_id, *period.params()),
    ):
        counts = women_by_survey.setdefault(key, [0, 0])
        counts[0] += gender == "female"
        counts[1] += 1
    surveys = [
        GroupShare(key, title, None, Share(*women_by_survey.get(key, [0, 0])))
        for key, title in _surveys_of(conn, cluster_id)
    ]
    return Outreach(
        registered_by_gender={key: registered.get(key, 0) for key in GENDER_KEYS},
        participants=len(people),
        participants_by_gender={key: by_gender.get(key, 0) for key in GENDER_KEYS},
        participants_by_role=roles,
        events=events,
        surveys=surveys,
    )


def _surveys_of(conn: sqlite3.Connection, cluster_id: int) -> list[tuple[str, str]]:
    """(key, title of the newest version) of the surveys this cluster's people can answer."""
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT key, title FROM surveys WHERE id IN (SELECT MAX(id) FROM surveys"
            " WHERE cluster_id = ? OR cluster_id IS NULL GROUP BY key) ORDER BY key",
            (cluster_id,),
        )
    ]


def survey_titles(conn: sqlite3.Connection, cluster_id: int) -> dict[str, dict[str, str]]:
    """key -> language -> title of the newest version, from the form's own translations
    (the stored title column is every language joined; a reader should see theirs). Read
    straight from the stored form JSON: a report needs the titles, not a parsed form."""
    titles: dict[str, dict[str, str]] = {}
    for key, form in conn.execute(
        "SELECT key, form FROM surveys WHERE id IN (SELECT MAX(id) FROM surveys"
        " WHERE cluster_id = ? OR cluster_id IS NULL GROUP BY key)",
        (cluster_id,),
    ):
        stored = json.loads(form).get("titles")
        if isinstance(stored, dict):
            titles[key] = {str(k): str(v) for k, v in stored.items()}
    return titles


# --- Participation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventParticipation:
    event_id: int
    kind: str  # meeting | visit
    title: str
    starts_at: str  # UTC ISO
    invited: int  # invitations / announcements queued for it (outbox ledger)
    said_yes: int  # meeting: RSVP yes; visit: confirmed registrations
    attended: int  # marked present

    @property
    def yes_rate(self) -> Share:
        return Share(self.said_yes, self.invited)

    @property
    def attendance_rate(self) -> Share:
        return Share(self.attended, self.invited)

    @property
    def turnout(self) -> Share:
        """Of those who said yes, how many came (walk-ins can push it past 100%)."""
        return Share(self.attended, self.said_yes)


@dataclass(frozen=True)
class MonthPoint:
    month: str  # 'YYYY-MM' in the cluster's time zone
    events: int
    invited: int
    attended: int

    @property
    def attendance_rate(self) -> Share:
        return Share(self.attended, self.invited)


@dataclass(frozen=True)
class Participation:
    """The seed's trust indicator: do people come when invited, and more over time?"""

    events: list[EventParticipation]
    trend: list[MonthPoint]  # every month from the first to the last, zeros included

    @property
    def invited(self) -> int:
        return sum(e.invited for e in self.events)

    @property
    def said_yes(self) -> int:
        return sum(e.said_yes for e in self.events)

    @property
    def attended(self) -> int:
        return sum(e.attended for e in self.events)


def participation(
    conn: sqlite3.Connection, cluster_id: int, period: Period, zone: ZoneInfo
) -> Participation:
    """Per event of the cluster starting in the period (cancelled ones left out): invited
    = outbox rows of kind 'invitation' for it (whoever got the invitation or the visit
    announcement), yes = RSVP yes (meeting) or a confirmed seat (visit), attended = marked
    present with /attendance. The trend groups the same counts by month of the start."""
    events = [
        EventParticipation(
            event_id=r[0],
            kind=r[1],
            title=r[2],
            starts_at=r[3],
            invited=r[4],
            said_yes=r[5] if r[1] == "meeting" else r[6],
            attended=r[7],
        )
        for r in conn.execute(
            "SELECT e.id, e.kind, e.title, e.starts_at,"
            " (SELECT COUNT(*) FROM outbox o WHERE o.kind = 'invitation'"
            "   AND o.ref = 'event:' || e.id),"
            " (SELECT COUNT(*) FROM rsvps r WHERE r.event_id = e.id AND r.answer = 'yes'),"
            " (SELECT COUNT(*) FROM registrations g WHERE g.event_id = e.id"
            "   AND g.status = 'confirmed'),"
            " (SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.id AND a.present = 1)"
            f" FROM events e WHERE e.cluster_id = ? AND e.status = 'scheduled'"
            f" AND {_in('e.starts_at')} ORDER BY e.starts_at, e.id",
            (cluster_id, *period.params()),
        )
    ]
    return Participation(events, _trend(events, zone))


def _month(stamp: str, zone: ZoneInfo) -> str:
    return parse_iso(stamp).astimezone(zone).strftime("%Y-%m")


def _trend(events: list[EventParticipation], zone: ZoneInfo) -> list[MonthPoint]:
    if not events:
        return []
    buckets: dict[str, list[int]] = {}
    for e in events:
        bucket = buckets.setdefault(_month(e.starts_at, zone), [0, 0, 0])
        bucket[0] += 1
        bucket[1] += e.invited
        bucket[2] += e.attended
    first, last = min(buckets), max(buckets)
    points = []
    year, month = int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        points.append(MonthPoint(key, *buckets.get(key, [0, 0, 0])))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return points


# --- Surveys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyStats:
    key: str
    title: str
    responses: int  # started in the period by people of the cluster
    completed: int
    median_minutes: float | None  # from start to completion, completed responses only

    @property
    def completion(self) -> Share:
        return Share(self.completed, self.responses)


def surveys(conn: sqlite3.Connection, cluster_id: int, period: Period) -> list[SurveyStats]:
    """Per survey the cluster's people can answer (every version together, zero rows
    included): responses started in the period by people of the cluster, how many are
    completed, and the median minutes from start to completion."""
    started: Counter[str] = Counter()
    durations: dict[str, list[float]] = {}
    for key, status, minutes in conn.execute(
        "SELECT s.key, r.status,"
        " (julianday(r.completed_at) - julianday(r.started_at)) * 1440.0"
        " FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " JOIN contacts c ON c.id = r.contact_id"
        f" WHERE c.cluster_id = ? AND {_in('r.started_at')}",
        (cluster_id, *period.params()),
    ):
        started[key] += 1
        if status == "completed" and minutes is not None:
            durations.setdefault(key, []).append(float(minutes))
    return [
        SurveyStats(
            key=key,
            title=title,
            responses=started.get(key, 0),
            completed=len(durations.get(key, [])),
            median_minutes=statistics.median(durations[key]) if durations.get(key) else None,
        )
        for key, title in _surveys_of(conn, cluster_id)
    ]


# --- Transparency -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateReach:
    update_id: int
    published_at: str  # UTC ISO
    recipients: int  # outbox rows written at fan-out (opted out and skipped included)
    delivered: int  # rows the platform accepted ('sent')

    @property
    def reach(self) -> Share:
        return Share(self.delivered, self.recipients)


@dataclass(frozen=True)
class Transparency:
    """Does the cluster hear what the programme does?"""

    updates: list[UpdateReach]  # published in the period, oldest first
    opted_out: int  # registered people who stopped updates with /stop (now)
    unreachable: int  # registered people who blocked the bot (now)

    @property
    def reach(self) -> Share:
        return Share(
            sum(u.delivered for u in self.updates), sum(u.recipients for u in self.updates)
        )


def transparency(conn: sqlite3.Connection, cluster_id: int, period: Period) -> Transparency:
    """Updates of the cluster's public log published in the period; per update, from the
    outbox ledger of its broadcast: recipients (every row, whatever became of it) and
    delivered (status 'sent'). Opt-outs and blocks are today's counts of registered people."""
    updates = [
        UpdateReach(r[0], r[1], int(r[2]), int(r[3] or 0))
        for r in conn.execute(
            "SELECT u.id, u.published_at, COUNT(o.id), SUM(o.status = 'sent') FROM updates u"
            " LEFT JOIN outbox o ON o.kind = 'broadcast' AND o.ref = CAST(u.broadcast_id AS TEXT)"
            f" WHERE u.cluster_id = ? AND {_in('u.published_at')}"
            " GROUP BY u.id ORDER BY u.published_at, u.id",
            (cluster_id, *period.params()),
        )
    ]
    opted_out, unreachable = conn.execute(
        "SELECT COALESCE(SUM(opted_out = 1), 0), COALESCE(SUM(unreachable = 1), 0)"
        " FROM contacts WHERE cluster_id = ? AND status = 'registered'",
        (cluster_id,),
    ).fetchone()
    return Transparency(updates, int(opted_out), int(unreachable))


# --- Action plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionPlan:
    """The action plan as it stands now (statuses are current, so not cut by period)."""

    by_category: dict[str, dict[str, int]]  # category -> status -> count, zeros included
    beneficiaries_paise: int  # budget of activities not dropped, by who pays
    agency_paise: int
    others_paise: int
    unplanned: int = 0  # activities not dropped that came up after the plan (issue 18)

    @property
    def by_status(self) -> dict[str, int]:
        return {s: sum(row[s] for row in self.by_category.values()) for s in STATUS_KEYS}

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def budget_paise(self) -> int:
        return self.beneficiaries_paise + self.agency_paise + self.others_paise

    @property
    def done(self) -> Share:
        """Done among the activities still in the plan (dropped ones left out)."""
        status = self.by_status
        return Share(status["done"], self.total - status["dropped"])

    @property
    def beneficiaries_share(self) -> Share:
        return Share(self.beneficiaries_paise, self.budget_paise)

    @property
    def unplanned_share(self) -> Share:
        """Unplanned among the activities still in the plan: the seed expects up to 20 %."""
        status = self.by_status
        return Share(self.unplanned, self.total - status["dropped"])


def action_plan(conn: sqlite3.Connection, cluster_id: int) -> ActionPlan:
    """Activities of the cluster counted by category × status; the budget and its split
    summed over the activities not dropped."""
    grid = {c: dict.fromkeys(STATUS_KEYS, 0) for c in CATEGORY_KEYS}
    for category, status, count in conn.execute(
        "SELECT category, status, COUNT(*) FROM activities WHERE cluster_id = ?"
        " GROUP BY category, status",
        (cluster_id,),
    ):
        if category in grid and status in STATUS_KEYS:
            grid[category][status] = int(count)
    money = conn.execute(
        "SELECT COALESCE(SUM(beneficiaries_paise), 0), COALESCE(SUM(agency_paise), 0),"
        " COALESCE(SUM(others_paise), 0), COALESCE(SUM(plan = 'unplanned'), 0) FROM activities"
        " WHERE cluster_id = ? AND status != 'dropped'",
        (cluster_id,),
    ).fetchone()
    return ActionPlan(grid, int(money[0]), int(money[1]), int(money[2]), int(money[3]))


# --- Listening (the inbox, issue 15) ----------------------------------------------------------

INBOX_KINDS = ("question", "suggestion", "complaint", "privacy")
# An anonymous item is counted under "anonymous", never under a gender or role: in a small
# cluster "the one complaint from a woman dyer" could name its sender.
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class GroupListening:
    received: int
    answered: int

    @property
    def answered_share(self) -> Share:
        return Share(self.answered, self.received)


@dataclass(frozen=True)
class Listening:
    """Does the programme hear what people raise? Items sent to the CDA (`/ask`)."""

    received: dict[str, int]  # every INBOX_KINDS entry, zeros included
    answered: int  # of them, answered by the end of the period
    published: int  # of them, published as a public answer by the end of the period
    median_hours: float | None  # from sending to the first answer, over the answered ones
    by_gender: dict[str, GroupListening]  # GENDER_KEYS and "anonymous"; zeros left out
    by_role: dict[str, GroupListening]  # ROLE_KEYS, "unknown" and "anonymous"; zeros left out

    @property
    def total(self) -> int:
        return sum(self.received.values())

    @property
    def answered_share(self) -> Share:
        return Share(self.answered, self.total)

    @property
    def published_share(self) -> Share:
        return Share(self.published, self.total)


NO_LISTENING = Listening(dict.fromkeys(INBOX_KINDS, 0), 0, 0, None, {}, {})


def _groups(
    keys: tuple[str, ...], seen: Counter[str], done: Counter[str]
) -> dict[str, GroupListening]:
    return {k: GroupListening(seen[k], done[k]) for k in keys if seen[k]}


def listening(conn: sqlite3.Connection, cluster_id: int, period: Period) -> Listening:
    """Items sent to the cluster's CDAs in the period, by kind (privacy complaints, "about
    my data", are their own kind, shown apart); answered: a CDA replied before the end of
    the period; the median time to that first reply; published: the question and answer
    went to /updates. Split by the sender's gender and role as they were when they sent it
    (kept after /forget), anonymous items apart."""
    received = dict.fromkeys(INBOX_KINDS, 0)
    answered = published = 0
    hours: list[float] = []
    genders: Counter[str] = Counter()
    genders_answered: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    roles_answered: Counter[str] = Counter()
    for kind, anonymous, role, gender, created, first_answer, published_at in conn.execute(
        "SELECT kind, anonymous, sender_role, sender_gender, created_at, first_answer_at,"
        f" published_at FROM inbox_items WHERE cluster_id = ? AND {_in('created_at')}",
        (cluster_id, *period.params()),
    ):
        received[kind if kind in received else "question"] += 1
        is_answered = first_answer is not None and first_answer < period.end
        if is_answered:
            answered += 1
            hours.append((parse_iso(first_answer) - parse_iso(created)).total_seconds() / 3600)
        published += published_at is not None and published_at < period.end
        gender_key = ANONYMOUS if anonymous else _gender(gender)
        role_key = ANONYMOUS if anonymous else (role if role in ROLE_KEYS else "unknown")
        genders[gender_key] += 1
        roles[role_key] += 1
        genders_answered[gender_key] += is_answered
        roles_answered[role_key] += is_answered
    return Listening(
        received=received,
        answered=answered,
        published=published,
        median_hours=statistics.median(hours) if hours else None,
        by_gender=_groups((*GENDER_KEYS, ANONYMOUS), genders, genders_answered),
        by_role=_groups((*ROLE_KEYS, "unknown", ANONYMOUS), roles, roles_answered),
    )


# --- Networks and linkages (issue 19) ---------------------------------------------------------

NETWORK_ORIGINS = ("formed", "revived", "existing")
LINKAGE_KEYS = ("buys_from", "sells_to", "supplies", "trains", "lends_to", "advises")


@dataclass(frozen=True)
class NetworkStats:
    network_id: int
    name: str  # typed by the CDA: a group's name, not a person's
    kind: str
    origin: str  # formed | revived | existing
    members: int  # at the end of the period
    women: int  # of them, women
    trend: list[tuple[str, int]]  # ('YYYY-MM', members at the month's end), every month
    meetings: list[EventParticipation]  # meetings addressed to its members, in the period
    beneficiaries_paise: int  # the beneficiaries' share of its activities' budget

    @property
    def women_share(self) -> Share:
        return Share(self.women, self.members)

    @property
    def participation(self) -> Share:
        """Attended of invited, over its meetings in the period."""
        return Share(sum(e.attended for e in self.meetings), sum(e.invited for e in self.meetings))


@dataclass(frozen=True)
class Networks:
    """The seed's trust and linkage indicators: networks formed and revived, members and
    their trend, participation in each network's meetings, women among the members,
    linkages by kind at the baseline and now, what members committed."""

    networks: list[NetworkStats]
    members: int  # distinct people in any network at the end of the period
    women: int  # of them, women
    baseline: str | None  # local date of the baseline (networks_baseline), None: no linkage
    linkages_baseline: dict[str, int]  # kind -> linkages standing on the baseline date
    linkages_now: dict[str, int]  # kind -> linkages standing at the end of the period
    beneficiaries_paise: int = 0  # the whole action plan's beneficiaries' share (not dropped)

    @property
    def by_origin(self) -> dict[str, int]:
        counts = dict.fromkeys(NETWORK_ORIGINS, 0)
        for n in self.networks:
            counts[n.origin] = counts.get(n.origin, 0) + 1
        return counts

    @property
    def women_share(self) -> Share:
        return Share(self.women, self.members)

    def committed_share(self, stats: NetworkStats) -> Share:
        """A network's part of the beneficiaries' share of the action-plan budget."""
        return Share(stats.beneficiaries_paise, self.beneficiaries_paise)


NO_NETWORKS = Networks([], 0, 0, None, dict.fromkeys(LINKAGE_KEYS, 0),
                       dict.fromkeys(LINKAGE_KEYS, 0))  # fmt: skip


def networks_baseline(conn: sqlite3.Connection, cluster_id: int) -> str | None:
    """The baseline date of the linkages (local 'YYYY-MM-DD'): the programme's first day (the
    cluster's creation, in its zone), or the earliest linkage's date when none was recorded
    as standing by then (the baseline survey came later). None when there is no linkage."""
    row = conn.execute(
        "SELECT c.created_at, c.timezone, (SELECT MIN(since) FROM linkages l"
        " WHERE l.cluster_id = c.id) FROM clusters c WHERE c.id = ?",
        (cluster_id,),
    ).fetchone()
    if row is None or row[2] is None:
        return None
    started = parse_iso(row[0]).astimezone(ZoneInfo(row[1])).date().isoformat()
    return max(started, str(row[2]))


def _linkages_on(conn: sqlite3.Connection, cluster_id: int, on: str) -> dict[str, int]:
    counts = dict.fromkeys(LINKAGE_KEYS, 0)
    for kind, count in conn.execute(
        "SELECT kind, COUNT(*) FROM linkages WHERE cluster_id = ? AND since <= ?"
        " AND (until IS NULL OR until > ?) GROUP BY kind",
        (cluster_id, on, on),
    ):
        counts[kind] = int(count)
    return counts


_Spell = tuple[int, int, str, str | None, str | None]


def _member_rows(conn: sqlite3.Connection, cluster_id: int) -> list[_Spell]:
    """(network, contact, gender, joined_at, left_at) for every spell of membership."""
    return [
        (int(r[0]), int(r[1]), r[2] or "", r[3], r[4])
        for r in conn.execute(
            "SELECT m.network_id, m.contact_id, c.gender, m.joined_at, m.left_at"
            " FROM network_members m JOIN networks n ON n.id = m.network_id"
            " JOIN contacts c ON c.id = m.contact_id"
            " WHERE n.cluster_id = ? AND m.joined_at IS NOT NULL",
            (cluster_id,),
        )
    ]


def _in_at(joined: str | None, left: str | None, at: str) -> bool:
    return joined is not None and joined < at and (left is None or left >= at)


def _month_ends(first: str, end: str, zone: ZoneInfo) -> list[tuple[str, str]]:
    """('YYYY-MM', UTC ISO of the next month's first instant, capped at `end`) from the
    month of `first` to the month before `end` (end exclusive)."""
    start = parse_iso(first).astimezone(zone)
    stop = parse_iso(end)
    year, month = start.year, start.month
    found = []
    while True:
        following = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
        found.append((f"{year:04d}-{month:02d}", iso(min(following, stop))))
        if following >= stop:
            return found
        year, month = following.year, following.month


def networks(
    conn: sqlite3.Connection, cluster_id: int, period: Period, zone: ZoneInfo,
    events: list[EventParticipation] | None = None,
) -> Networks:
    """Networks and linkages as they stood at the end of the period. Members count at a
    moment: a spell begun before it and not ended by then. A network's meetings are the
    cluster's meetings addressed to its members ({"network": id}); `events` is the period's
    participation (computed once by `build`)."""
    found = conn.execute(
        "SELECT id, name, kind, origin FROM networks WHERE cluster_id = ? ORDER BY id",
        (cluster_id,),
    ).fetchall()
    linkage_dates = networks_baseline(conn, cluster_id)
    end_day = (parse_iso(period.end) - timedelta(seconds=1)).astimezone(zone).date().isoformat()
    now_counts = _linkages_on(conn, cluster_id, end_day)
    base_counts = (
        _linkages_on(conn, cluster_id, linkage_dates) if linkage_dates
        else dict.fromkeys(LINKAGE_KEYS, 0)
    )
    if not found:
        return Networks([], 0, 0, linkage_dates, base_counts, now_counts)
    spells = _member_rows(conn, cluster_id)
    if events is None:
        events = participation(conn, cluster_id, period, zone).events
    addressed = {
        int(r[0]): int(r[1])
        for r in conn.execute(
            "SELECT id, json_extract(audience, '$.network') FROM events WHERE cluster_id = ?"
            " AND kind = 'meeting' AND json_extract(audience, '$.network') IS NOT NULL",
            (cluster_id,),
        )
    }
    committed = {
        int(r[0]): int(r[1])
        for r in conn.execute(
            "SELECT network_id, SUM(beneficiaries_paise) FROM activities WHERE cluster_id = ?"
            " AND status != 'dropped' AND network_id IS NOT NULL GROUP BY network_id",
            (cluster_id,),
        )
    }
    plan_total = conn.execute(
        "SELECT COALESCE(SUM(beneficiaries_paise), 0) FROM activities WHERE cluster_id = ?"
        " AND status != 'dropped'",
        (cluster_id,),
    ).fetchone()[0]
    end = period.end
    first_join = min((s[3] for s in spells if s[3]), default=None)
    months = _month_ends(first_join, end, zone) if first_join and first_join < end else []
    stats: list[NetworkStats] = []
    everyone: set[int] = set()
    women: set[int] = set()
    for network_id, name, kind, origin in found:
        mine = [s for s in spells if s[0] == network_id]
        now_in = {s[1]: s[2] for s in mine if _in_at(s[3], s[4], end)}
        everyone |= set(now_in)
        women |= {c for c, g in now_in.items() if g == "female"}
        trend = [
            (label, len({s[1] for s in mine if _in_at(s[3], s[4], at)})) for label, at in months
        ]
        stats.append(NetworkStats(
            network_id, name, kind, origin, len(now_in),
            sum(1 for g in now_in.values() if g == "female"), trend,
            [e for e in events if addressed.get(e.event_id) == network_id],
            committed.get(network_id, 0),
        ))  # fmt: skip
    return Networks(stats, len(everyone), len(women), linkage_dates, base_counts, now_counts,
                    int(plan_total))  # fmt: skip


# --- The whole report -------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    cluster_id: int
    cluster_code: str
    cluster_name: str
    timezone: str
    period: Period
    scale: Scale
    outreach: Outreach
    participation: Participation
    surveys: list[SurveyStats]
    transparency: Transparency
    action_plan: ActionPlan
    survey_titles: dict[str, dict[str, str]]  # key -> language -> title (renderers pick)
    # event id -> language -> the CDA's version of its title (issue 17)
    event_titles: dict[int, dict[str, str]] = field(default_factory=dict)
    listening: Listening = NO_LISTENING  # what people sent the CDA (issue 15)
    networks: Networks = NO_NETWORKS  # networks and linkages (issue 19)

    def survey_title(self, key: str, stored: str, language: str) -> str:
        """A survey's title in `language`, else in English, else as stored."""
        titles = self.survey_titles.get(key, {})
        return titles.get(language) or titles.get("en") or stored

    def event_title(self, event: int | str, stored: str, language: str) -> str:
        """An event's title (by id or "event:<id>") in `language` if the CDA gave one,
        else as typed."""
        event_id = int(str(event).removeprefix("event:"))
        return self.event_titles.get(event_id, {}).get(language) or stored


def build(conn: sqlite3.Connection, cluster_id: int, period: Period) -> Report:
    """Every indicator group for one cluster and one period."""
    row = conn.execute(
        "SELECT code, name, timezone FROM clusters WHERE id = ?", (cluster_id,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no cluster {cluster_id}")
    zone = ZoneInfo(row[2])
    taking_part = participation(conn, cluster_id, period, zone)
    return Report(
        cluster_id=cluster_id,
        cluster_code=row[0],
        cluster_name=row[1],
        timezone=row[2],
        period=period,
        scale=scale(conn, cluster_id, period),
        outreach=outreach(conn, cluster_id, period),
        participation=taking_part,
        surveys=surveys(conn, cluster_id, period),
        transparency=transparency(conn, cluster_id, period),
        action_plan=action_plan(conn, cluster_id),
        survey_titles=survey_titles(conn, cluster_id),
        event_titles=event_titles(conn, cluster_id),
        listening=listening(conn, cluster_id, period),
        networks=networks(conn, cluster_id, period, zone, taking_part.events),
    )


def event_titles(conn: sqlite3.Connection, cluster_id: int) -> dict[int, dict[str, str]]:
    """event id -> language -> title version, for the cluster's events."""
    found: dict[int, dict[str, str]] = {}
    for event_id, language, text in conn.execute(
        "SELECT v.event_id, v.language, v.text FROM event_versions v"
        " JOIN events e ON e.id = v.event_id WHERE e.cluster_id = ? AND v.field = 'title'",
        (cluster_id,),
    ):
        found.setdefault(event_id, {})[language] = text
    return found
