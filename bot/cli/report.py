"""`clusterbot report [--cluster CODE] --out PATH` (SPEC §4, issue 7): the M&E indicators of
one cluster as an `.xlsx` (one sheet per indicator group) or a `.png` chart, for the
implementing agency. The same indicators and renderers as `/report`.

Without --cluster the only cluster is used; with several, --cluster is required. The
period is the whole programme unless --since / --until (dates, inclusive, in the
cluster's time zone) narrow it. The export is audited.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.common import write_db
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.logframe.standing import standings
from bot.reports import indicators
from bot.storage import audit, clusters
from bot.storage.db import connect_sync, migrate

FORMATS = (".xlsx", ".png")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="M&E indicators of a cluster as .xlsx or .png")
    report.add_argument("--cluster", default=None, help="cluster code (needed with several)")
    report.add_argument("--out", required=True, help="file to write: .xlsx or .png")
    report.add_argument("--since", default=None, help="first day, YYYY-MM-DD (default: start)")
    report.add_argument("--until", default=None, help="last day, YYYY-MM-DD (default: today)")
    report.add_argument(
        "--language", default=None, choices=SHIPPED_LANGUAGES,
        help="labels' language (default: CLUSTERBOT_DEFAULT_LANGUAGE)",
    )  # fmt: skip


def _fail(message: str) -> int:
    print(f"clusterbot: {message}", file=sys.stderr)
    return 2


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected a date like 2026-11-28") from None


def period(
    since: date | None, until: date | None, zone: ZoneInfo, now: datetime
) -> indicators.Period:
    """Whole days of the cluster's zone: [since 00:00, the day after `until` 00:00)."""
    if since is None and until is None:
        return indicators.period_for("all", now, zone)
    start = iso(datetime.combine(since, time(), zone)) if since else None
    end = (
        iso(datetime.combine(until + timedelta(days=1), time(), zone))
        if until
        else iso(now + timedelta(seconds=1))
    )
    return indicators.Period("custom", start, end)


def _cluster(conn: sqlite3.Connection, code: str | None) -> clusters.Cluster | str:
    """The cluster, or the one-line reason there is none to use."""
    if code:
        return clusters.by_code(conn, code) or f"no cluster {code!r} (see clusterbot cluster list)"
    found = clusters.all_clusters(conn)
    if not found:
        return "no cluster yet: clusterbot cluster add CODE --name NAME"
    if len(found) > 1:
        codes = ", ".join(c.code for c in found)
        return f"there are several clusters ({codes}): choose one with --cluster CODE"
    return found[0]


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        return _fail("--out must end in .xlsx or .png")
    if not out.parent.exists():
        return _fail(f"folder {out.parent} does not exist")
    try:
        since, until = _day(args.since, "--since"), _day(args.until, "--until")
    except ValueError as err:
        return _fail(str(err))
    if since and until and until < since:
        return _fail("--until is before --since")
    _ = translator(args.language or settings.default_language)
    now = utc_now()

    # A read transaction: one consistent snapshot while the running bot keeps writing.
    conn = connect_sync(settings.db)
    try:
        migrate(conn)
        conn.execute("BEGIN")
        chosen = _cluster(conn, args.cluster)
        if isinstance(chosen, str):
            return _fail(chosen)
        report = indicators.build(
            conn, chosen.id, period(since, until, ZoneInfo(chosen.timezone), now)
        )
        frame = standings(conn, chosen.id, now, now.astimezone(ZoneInfo(chosen.timezone)).date())
        conn.execute("COMMIT")
    finally:
        conn.close()

    if out.suffix.lower() == ".png":
        from bot.reports.charts import report_chart

        out.write_bytes(report_chart(_, report))
    else:
        from bot.reports.workbook import report_workbook

        report_workbook(_, report, str(out), frame)

    def record(conn: sqlite3.Connection) -> None:
        audit.record(
            conn, at=iso(utc_now()), actor="cli", action="report.export",
            cluster_id=chosen.id, subject=chosen.code,
            detail={"format": out.suffix.lower().lstrip("."), "file": out.name,
                    "since": args.since, "until": args.until},
        )  # fmt: skip

    write_db(settings, record)
    print(f"Wrote the {chosen.code} report to {out}")
    return 0
