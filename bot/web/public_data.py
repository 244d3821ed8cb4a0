"""What the public page of a cluster shows (issue 16), read from the database in one go and
already cut to what anyone may see: texts in the reader's language, no name, phone,
village or free-text answer, and no group of fewer than `MIN_GROUP` people.

The indicators come from `bot.reports.indicators.build` (the one place they are computed,
the same numbers as /report); this module only picks from them and hides small groups.

Small groups: a count below `MIN_GROUP` is left out. When exactly one group of a table has
1 to 4 people, the smallest group shown is left out with it, so the total minus the groups
shown does not give the small one away (secondary suppression). A survey with fewer than
`MIN_GROUP` responses is not shown at all; only choice questions are, never free text or
numbers (a number — an age, an income — could single someone out).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.reports import indicators
from bot.storage import activities, events, updates
from bot.storage import surveys as survey_store
from bot.storage.clusters import Cluster
from bot.surveys.answers import choice_label
from bot.surveys.model import localized
from bot.surveys.results import CHOICES, Results, results

MIN_GROUP = 5
UPDATES_SHOWN = 20
UPCOMING_SHOWN = 10


def hide_small(counts: Mapping[str, int]) -> dict[str, int]:
    """The groups that may be shown, in the given order (see the module's docstring).
    Empty groups are left out too, but need no second group hidden with them: working
    out a zero tells nothing about anyone."""
    small = [key for key, n in counts.items() if 0 < n < MIN_GROUP]
    shown = {key: n for key, n in counts.items() if n >= MIN_GROUP}
    if len(small) == 1 and shown:
        smallest = min(shown, key=lambda key: shown[key])
        del shown[smallest]
    return shown


def at_least(count: int) -> int | None:
    """A headcount, or None when it is too small to show."""
    return count if count >= MIN_GROUP else None


@dataclass(frozen=True)
class ShownUpdate:
    id: int
    published_at: datetime
    text: str


@dataclass(frozen=True)
class ShownActivity:
    title: str
    status: str  # a key of activities.STATUSES
    starts_on: date | None
    ends_on: date | None
    budget_paise: int


@dataclass(frozen=True)
class ShownEvent:
    kind: str  # meeting | visit
    title: str
    starts_at: datetime
    place: str


@dataclass(frozen=True)
class MonthAttendance:
    month: str  # YYYY-MM
    meetings: int  # events held that month (meetings and visits)
    share: indicators.Share | None  # attended of invited; None when either is below 5


@dataclass(frozen=True)
class ChoiceQuestion:
    label: str
    choices: list[tuple[str, int]]  # (choice label, how many chose it), small ones left out


@dataclass(frozen=True)
class SurveyResult:
    title: str
    responses: int
    questions: list[ChoiceQuestion]


@dataclass(frozen=True)
class PublicData:
    cluster: Cluster
    language: str
    updates: list[ShownUpdate]
    more_updates: bool
    plan: list[ShownActivity]
    budget: indicators.ActionPlan
    upcoming: list[ShownEvent]
    registered: int | None
    by_role: dict[str, int]
    by_gender: dict[str, int]
    participants: int | None
    meetings_held: int
    visits_made: int
    attendance: list[MonthAttendance]
    surveys: list[SurveyResult]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.cluster.timezone)


def shown_updates(
    conn: sqlite3.Connection, cluster_id: int, language: str, limit: int
) -> tuple[list[ShownUpdate], bool]:
    """The newest `limit` updates in `language` where the CDA wrote that version; whether
    there are more."""
    found, more = updates.page(conn, cluster_id, limit=limit)
    return [ShownUpdate(u.id, parse_iso(u.published_at), u.text_for(language)) for u in found], more


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _plan(conn: sqlite3.Connection, cluster_id: int, language: str) -> list[ShownActivity]:
    # Who is responsible and the target group are left out: either may be a person's name.
    return [
        ShownActivity(a.title, a.status, _day(a.starts_on), _day(a.ends_on), a.total_paise)
        for a in (a.read(language) for a in activities.in_cluster(conn, cluster_id))
    ]


def _upcoming(
    conn: sqlite3.Connection, cluster_id: int, language: str, now: datetime
) -> list[ShownEvent]:
    # Title, time and place only: who was invited or answered stays in the chat.
    return [
        ShownEvent(e.kind, e.title, parse_iso(e.starts_at), e.place)
        for e in (
            e.read(language) for e in events.upcoming(conn, cluster_id, iso(now), UPCOMING_SHOWN)
        )
    ]


def _attendance(report: indicators.Report) -> list[MonthAttendance]:
    months = []
    for point in report.participation.trend:
        share = point.attendance_rate
        small = share.count < MIN_GROUP or share.total < MIN_GROUP
        months.append(MonthAttendance(point.month, point.events, None if small else share))
    return months


@dataclass(frozen=True)
class Counted:
    """The costly part of the page, the same in every language: the indicators and the
    counts of each survey with 5 responses or more."""

    report: indicators.Report
    surveys: list[tuple[indicators.SurveyStats, Results, str]]  # + the form's language


def count(conn: sqlite3.Connection, cluster: Cluster, now: datetime) -> Counted:
    """Reads every contact and answer of the cluster: run it once for all languages."""
    zone = ZoneInfo(cluster.timezone)
    report = indicators.build(conn, cluster.id, indicators.period_for("all", now, zone))
    found = []
    for stats in report.surveys:
        if stats.responses < MIN_GROUP:
            continue
        survey = survey_store.current(conn, stats.key)
        if survey is None:
            continue
        counted = results(conn, survey, frozenset({cluster.id}))
        if counted.responses >= MIN_GROUP:
            found.append((stats, counted, survey.form(conn).default_language))
    return Counted(report, found)


def _survey_results(counted: Counted, language: str) -> list[SurveyResult]:
    found = []
    for stats, result, default in counted.surveys:
        questions = []
        for answers in result.questions:
            question = answers.question
            if question.type not in CHOICES:
                continue
            # Only the form's own choices: an "other" answer may hold what someone typed.
            counts = {c.name: answers.counts.get(c.name, 0) for c in question.choices}
            shown = hide_small(counts)
            if not shown:
                continue
            labels = {c.name: choice_label(c, language, default) for c in question.choices}
            questions.append(
                ChoiceQuestion(
                    localized(question.labels, language, default) or question.name,
                    [(labels[name], n) for name, n in shown.items()],
                )
            )
        title = counted.report.survey_title(stats.key, stats.title, language)
        found.append(SurveyResult(title, result.responses, questions))
    return found


def gather(
    conn: sqlite3.Connection, cluster: Cluster, language: str, now: datetime, counted: Counted
) -> PublicData:
    """Everything the page shows, in `language`, as of `now` (UTC), from `counted` and a
    few small reads."""
    report = counted.report
    shown, more = shown_updates(conn, cluster.id, language, UPDATES_SHOWN)
    held = report.participation.events  # the period ends now: every one of them was held
    return PublicData(
        cluster=cluster,
        language=language,
        updates=shown,
        more_updates=more,
        plan=_plan(conn, cluster.id, language),
        budget=report.action_plan,
        upcoming=_upcoming(conn, cluster.id, language, now),
        registered=at_least(report.scale.registered),
        by_role=hide_small(report.scale.by_role),
        by_gender=hide_small(report.outreach.registered_by_gender),
        participants=at_least(report.outreach.participants),
        meetings_held=sum(e.kind == "meeting" for e in held),
        visits_made=sum(e.kind == "visit" for e in held),
        attendance=_attendance(report),
        surveys=_survey_results(counted, language),
    )
