"""Where a log-frame indicator's value comes from (its "source of verification").

A source is one line of text in the log-frame file:

- `manual`: a CDA enters each value by chat (`/logframe` → indicator → new value), with the
  date it was measured and a note.
- a figure of the M&E report, computed by the same code as `/report` over everything so far
  (bot/reports/indicators.py), never a second copy:
  `registered`, `women_share` (% of registered people who are women), `participants`,
  `meetings_held`, `attended` (attendances marked), `attendance_rate` (% of those invited who
  attended), `activities_done`, `activities_done_share` (%), `updates_sent`,
  `beneficiaries_share` (% of the action-plan budget the beneficiaries pay),
  `networks_formed` (networks formed or revived during the programme), `network_members`
  (people in any network now), `women_members_share` (% of them who are women), `linkages`
  (linkages standing now, every kind) — issue 19.
- a survey question: `survey:KEY.QUESTION:AGGREGATE`, optionally `@ROUND` (a round's name or
  number; default the latest round with answers). AGGREGATE is `median`, `mean`, `sum`,
  `count` (people who answered), `share=CHOICE` (% of people whose answer includes CHOICE),
  or `change` (the median change per person since the first round, bot/surveys/change.py).
  Each person's latest completed response in the round counts; a figure from fewer than 5
  people is not given ("too few to say").
"""

from __future__ import annotations

import re
import sqlite3
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports import indicators as ind
from bot.storage import clusters, rounds
from bot.storage import surveys as store
from bot.surveys.change import MIN_PAIRS, answer_path, change, comparable, latest_completed

REPORT_FIGURES = (
    "registered", "women_share", "participants", "meetings_held", "attended",
    "attendance_rate", "activities_done", "activities_done_share", "updates_sent",
    "beneficiaries_share", "networks_formed", "network_members", "women_members_share",
    "linkages",
)  # fmt: skip
AGGREGATES = ("median", "mean", "sum", "count", "change")
_SURVEY = re.compile(
    r"survey:(?P<key>[^.:@\s]+)\.(?P<name>[^:@\s]+):(?P<agg>[a-z]+(?:=[^@\s]+)?)"
    r"(?:@(?P<round>.+))?"
)


class SourceError(ValueError):
    """A source that cannot be read or does not exist (the reason, for the import report)."""


@dataclass(frozen=True)
class Source:
    kind: str  # manual | report | survey
    figure: str = ""  # report: one of REPORT_FIGURES
    key: str = ""  # survey
    name: str = ""
    aggregate: str = ""  # median | mean | sum | count | change | share
    choice: str = ""  # share=CHOICE
    round: str = ""  # empty: the latest round with answers

    @property
    def computed(self) -> bool:
        return self.kind != "manual"


def parse(text: str) -> Source:
    """The source in `text`; SourceError says what is wrong (nothing is looked up)."""
    cleaned = " ".join(text.split())
    folded = cleaned.casefold()
    if folded in ("manual", ""):
        return Source("manual")
    if folded in REPORT_FIGURES:
        return Source("report", figure=folded)
    found = _SURVEY.fullmatch(cleaned)
    if found is None:
        raise SourceError(
            f"unknown source {cleaned!r}: use manual, one of {', '.join(REPORT_FIGURES)}, "
            "or survey:KEY.QUESTION:AGGREGATE[@ROUND]"
        )
    aggregate, _, choice = found["agg"].partition("=")
    if aggregate == "share" and choice:
        pass
    elif aggregate not in AGGREGATES or choice:
        raise SourceError(
            f"unknown aggregate {found['agg']!r}: use median, mean, sum, count, change or "
            "share=CHOICE"
        )
    return Source("survey", key=found["key"], name=found["name"], aggregate=aggregate,
                  choice=choice, round=(found["round"] or "").strip())  # fmt: skip


def check(conn: sqlite3.Connection, source: Source) -> None:
    """SourceError when a survey source names a survey, question, choice or round that does
    not exist (report figures always exist)."""
    if source.kind != "survey":
        return
    survey = store.current(conn, source.key)
    if survey is None:
        raise SourceError(f"there is no survey {source.key!r}")
    nodes = comparable([s.form(conn) for s in reversed(store.versions(conn, survey.key))])
    node = nodes.get(source.name)
    if node is None:
        raise SourceError(f"survey {survey.key} has no question {source.name!r} outside a repeat")
    if source.aggregate == "share":
        choices = {c.name for c in getattr(node, "choices", ())}
        if source.choice not in choices:
            raise SourceError(f"question {source.name!r} has no choice {source.choice!r}")
    if source.round and rounds.by_name(conn, survey.key, source.round) is None:
        known = ", ".join(r.name for r in rounds.of_key(conn, survey.key)) or "none yet"
        raise SourceError(f"survey {survey.key} has no round {source.round!r} (rounds: {known})")


def value(
    conn: sqlite3.Connection, source: Source, cluster_id: int, now: datetime,
    memo: dict[str, Any] | None = None,
) -> float | None:  # fmt: skip
    """The indicator's value today for the cluster; None when there is none to give.
    `memo` keeps the report's figures between the rows of one log-frame (each is computed
    once however many rows use it)."""
    if source.kind == "report":
        return _report_figure(conn, source.figure, cluster_id, now, {} if memo is None else memo)
    if source.kind == "survey":
        return _survey_figure(conn, source, cluster_id)
    return None


def _percent(count: int, total: int) -> float | None:
    return round(100 * count / total, 1) if total else None


def _once(memo: dict[str, Any], name: str, make: Callable[[], Any]) -> Any:
    if name not in memo:
        memo[name] = make()
    return memo[name]


def _report_figure(
    conn: sqlite3.Connection, figure: str, cluster_id: int, now: datetime, memo: dict[str, Any]
) -> float | None:
    period = ind.Period("all", None, now.isoformat())
    if figure in ("registered", "women_share", "participants"):
        outreach = _once(memo, "outreach", lambda: ind.outreach(conn, cluster_id, period))
        registered = _once(memo, "scale", lambda: ind.scale(conn, cluster_id, period)).registered
        if figure == "registered":
            return float(registered)
        if figure == "participants":
            return float(outreach.participants)
        return _percent(outreach.registered_by_gender.get("female", 0), registered)
    if figure in ("meetings_held", "attended", "attendance_rate"):
        zone = ZoneInfo(_zone(conn, cluster_id))
        events = _once(
            memo, "participation", lambda: ind.participation(conn, cluster_id, period, zone)
        ).events
        held = [e for e in events if e.starts_at <= now.isoformat()]
        if figure == "meetings_held":
            return float(len(held))
        attended = sum(e.attended for e in held)
        if figure == "attended":
            return float(attended)
        return _percent(attended, sum(e.invited for e in held))
    if figure in ("networks_formed", "network_members", "women_members_share", "linkages"):
        zone = ZoneInfo(_zone(conn, cluster_id))
        found = _once(memo, "networks", lambda: ind.networks(conn, cluster_id, period, zone))
        if figure == "networks_formed":
            origins = found.by_origin
            return float(origins["formed"] + origins["revived"])
        if figure == "network_members":
            return float(found.members)
        if figure == "women_members_share":
            return _percent(found.women, found.members)
        return float(sum(found.linkages_now.values()))
    if figure == "updates_sent":
        found = _once(memo, "transparency", lambda: ind.transparency(conn, cluster_id, period))
        return float(len(found.updates))
    plan = _once(memo, "plan", lambda: ind.action_plan(conn, cluster_id))
    if figure == "activities_done":
        return float(plan.done.count)
    if figure == "activities_done_share":
        return _percent(plan.done.count, plan.done.total)
    if figure == "beneficiaries_share":
        share = plan.beneficiaries_share
        return _percent(share.count, share.total)
    raise SourceError(f"unknown report figure {figure!r}")


def _zone(conn: sqlite3.Connection, cluster_id: int) -> str:
    found = clusters.by_id(conn, cluster_id)
    return found.timezone if found else "Asia/Kolkata"


def _round_of(conn: sqlite3.Connection, source: Source, key: str) -> rounds.Round | None:
    if source.round:
        return rounds.by_name(conn, key, source.round)
    for found in reversed(rounds.of_key(conn, key)):
        if conn.execute(
            "SELECT 1 FROM responses WHERE round_id = ? AND status = 'completed' LIMIT 1",
            (found.id,),
        ).fetchone():
            return found
    return None


def _survey_figure(conn: sqlite3.Connection, source: Source, cluster_id: int) -> float | None:
    survey = store.current(conn, source.key)
    if survey is None:
        return None
    nodes = comparable([s.form(conn) for s in reversed(store.versions(conn, survey.key))])
    chosen = _round_of(conn, source, survey.key)
    if chosen is None:
        return None
    scope = frozenset({cluster_id})
    if source.aggregate == "change":
        taken = rounds.of_key(conn, survey.key)
        if chosen.id == taken[0].id:
            return None
        (found,) = change(conn, survey.key, taken[0], chosen, nodes, [source.name], scope)
        return found.number.median_change if found.number else None
    latest = latest_completed(conn, survey.key, chosen.id, scope)
    path = answer_path(nodes.get(source.name), source.name)
    ids = list(latest.values())
    answers: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        answers += [
            str(row[0])
            for row in conn.execute(
                "SELECT value FROM answers WHERE path = ? AND response_id IN"
                f" ({','.join('?' * len(chunk))})",
                [path, *chunk],
            )
            if row[0] != ""
        ]
    if len(answers) < MIN_PAIRS:
        return None
    if source.aggregate == "count":
        return len(answers)
    if source.aggregate == "share":
        return _percent(sum(source.choice in a.split() for a in answers), len(answers))
    numbers = [n for a in answers if (n := _float(a)) is not None]
    if len(numbers) < MIN_PAIRS:
        return None
    if source.aggregate == "median":
        return statistics.median(numbers)
    if source.aggregate == "mean":
        return round(statistics.fmean(numbers), 2)
    return sum(numbers)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
