"""`clusterbot survey round open|list`, `survey indicators` and `survey change` (issue 18).

A new round asks the people who finished an earlier round to answer again (through the
outbox: the ledger, retries, rate limits, and WhatsApp's template outside the 24-hour
window); `survey change` prints the paired change of the outcome indicators between two
rounds (bot/surveys/change.py)."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from bot.cli.common import write_db
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.i18n import translator
from bot.storage import audit, clusters, rounds
from bot.storage import surveys as store
from bot.surveys import change_text, round_invites
from bot.surveys.change import CHOICE_TYPES, NUMBER_TYPES, change, comparable
from bot.surveys.export import forms_of
from bot.surveys.model import Question, Repeat


def add_parsers(survey: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    round_ = survey.add_parser("round", help="rounds: baseline, midline, endline")
    actions = round_.add_subparsers(dest="round_action", required=True)
    opening = actions.add_parser("open", help="open a new round and ask earlier respondents")
    opening.add_argument("key")
    opening.add_argument("--name", required=True, help='e.g. "Midline 2027"')
    actions.add_parser("list", help="the rounds of a survey").add_argument("key")
    marks = survey.add_parser("indicators", help="mark the outcome questions of a survey")
    marks.add_argument("key")
    marks.add_argument("names", nargs="*", help="question names (none: show the marked ones)")
    compare = survey.add_parser("change", help="change per enterprise between two rounds")
    compare.add_argument("key")
    compare.add_argument("--from", dest="before", default="1", help="round name or number")
    compare.add_argument("--to", dest="after", default=None, help="default: the latest")
    compare.add_argument("--cluster", default=None, help="cluster code (default: all)")
    compare.add_argument("--language", default="en")


def _fail(message: str) -> int:
    print(f"clusterbot: {message}", file=sys.stderr)
    return 2


def cmd_round(settings: Settings, args: argparse.Namespace) -> int:
    if args.round_action == "list":
        found = write_db(settings, lambda conn: _list(conn, args.key))
        if found is None:
            return _fail(f"no survey {args.key!r} (see clusterbot survey list)")
        print("\n".join(found))
        return 0

    def open_it(conn: sqlite3.Connection) -> tuple[rounds.Round, int]:
        survey = store.current(conn, args.key)
        if survey is None:
            raise rounds.RoundError(f"there is no survey {args.key!r}")
        now = utc_now()
        opened = rounds.open_round(conn, survey.key, args.name, iso(now))
        asked = round_invites.invite(conn, settings, survey, opened, now)
        audit.record(conn, at=iso(now), actor="cli", action="survey.round_open",
                     subject=survey.key, detail={"round": opened.name, "asked": asked})  # fmt: skip
        return opened, asked

    try:
        opened, asked = write_db(settings, open_it)
    except rounds.RoundError as exc:
        return _fail(str(exc))
    print(f"Round “{opened.name}” of {opened.key} is open; {asked} earlier respondents "
          "are asked to answer again.")  # fmt: skip
    return 0


def _list(conn: sqlite3.Connection, key: str) -> list[str] | None:
    survey = store.current(conn, key)
    if survey is None:
        return None
    out = []
    for n, found in enumerate(rounds.of_key(conn, survey.key), start=1):
        done = conn.execute(
            "SELECT count(*) FROM responses WHERE round_id = ? AND status = 'completed'",
            (found.id,),
        ).fetchone()[0]
        state = "open" if found.open else f"closed {found.closed_at[:10]}"  # type: ignore[index]
        out.append(f"{n}\t{found.name}\t{found.opened_at[:10]}\t{state}\t{done} completed")
    return out or [f"{survey.key} has no round yet: the first answers open the Baseline"]


def cmd_indicators(settings: Settings, args: argparse.Namespace) -> int:
    def mark(conn: sqlite3.Connection) -> list[str] | str:
        survey = store.current(conn, args.key)
        if survey is None:
            return f"no survey {args.key!r} (see clusterbot survey list)"
        if not args.names:
            return rounds.indicators(conn, survey.key)
        known = comparable(forms_of(conn, survey.key))
        unknown = [n for n in args.names if n not in known]
        if unknown:
            return (f"survey {survey.key} has no question {unknown[0]!r} outside a repeat "
                    "(a repeat's name compares how many it has)")  # fmt: skip
        bad = [n for n in args.names if _type(known[n]) not in CHOICE_TYPES | NUMBER_TYPES]
        if bad:
            return (f"question {bad[0]!r} is a {_type(known[bad[0]])}: an indicator must be a "
                    "number or a choice question")  # fmt: skip
        rounds.set_indicators(conn, survey.key, args.names)
        audit.record(conn, at=iso(utc_now()), actor="cli", action="survey.indicators",
                     subject=survey.key, detail={"names": list(args.names)})  # fmt: skip
        return rounds.indicators(conn, survey.key)

    found = write_db(settings, mark)
    if isinstance(found, str):
        return _fail(found)
    print("Outcome indicators: " + (", ".join(found) if found else "none marked"))
    return 0


def _type(node: Question | Repeat) -> str:
    return node.type if isinstance(node, Question) else "integer"  # a repeat: its count


def cmd_change(settings: Settings, args: argparse.Namespace) -> int:
    def compute(conn: sqlite3.Connection) -> str:
        survey = store.current(conn, args.key)
        if survey is None:
            raise rounds.RoundError(f"no survey {args.key!r} (see clusterbot survey list)")
        found = rounds.of_key(conn, survey.key)
        before = rounds.by_name(conn, survey.key, args.before)
        after = rounds.by_name(conn, survey.key, args.after) if args.after else (
            found[-1] if found else None)  # fmt: skip
        if before is None or after is None or before.id == after.id:
            known = ", ".join(r.name for r in found) or "none yet"
            raise rounds.RoundError(f"give two different rounds of {survey.key} (rounds: {known})")
        scope = None
        if args.cluster:
            cluster = clusters.by_code(conn, args.cluster)
            if cluster is None:
                raise rounds.RoundError(f"no cluster {args.cluster!r}")
            scope = frozenset({cluster.id})
        names = rounds.indicators(conn, survey.key)
        if not names:
            raise rounds.RoundError(
                f"mark the outcome questions first: clusterbot survey indicators {survey.key} "
                "NAME…"
            )
        nodes = comparable(forms_of(conn, survey.key))
        figures = change(conn, survey.key, before, after, nodes, names, scope)
        _ = translator(args.language)
        return change_text.report(_, survey.title, before.name, after.name, figures)

    try:
        print(write_db(settings, compute))
    except rounds.RoundError as exc:
        return _fail(str(exc))
    return 0
