"""`clusterbot logframe import FILE.xlsx --cluster CODE` and `logframe export` (issue 18).

Import checks the whole file first (every problem with its row and reason, exit 2, nothing
stored); a good file replaces the cluster's log-frame in one transaction (rows matched by
ref keep the values entered by chat) and is audited. Export writes the same columns, plus
where each indicator stands today, and imports again unchanged."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.common import write_db
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.logframe import files
from bot.logframe.standing import standings
from bot.storage import audit, clusters
from bot.storage import logframe as store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    frame = sub.add_parser("logframe", help="a cluster's log-frame (.xlsx)").add_subparsers(
        dest="action", required=True
    )
    load = frame.add_parser("import", help="replace the cluster's log-frame with a file")
    load.add_argument("file")
    load.add_argument("--cluster", required=True, help="cluster code")
    out = frame.add_parser("export", help="the log-frame and where it stands, as .xlsx")
    out.add_argument("--cluster", required=True, help="cluster code")
    out.add_argument("--out", required=True, help="file to write (.xlsx)")


def _fail(message: str) -> int:
    print(f"clusterbot: {message}", file=sys.stderr)
    return 2


def _today(cluster: clusters.Cluster, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(cluster.timezone))


def cmd_logframe(settings: Settings, args: argparse.Namespace) -> int:
    return _import(settings, args) if args.action == "import" else _export(settings, args)


def _import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path}: no such file")

    def load(conn: sqlite3.Connection) -> tuple[int, int, int, int] | str:
        cluster = clusters.by_code(conn, args.cluster)
        if cluster is None:
            return f"no cluster {args.cluster!r} (see clusterbot cluster list)"
        now = utc_now()
        today = _today(cluster, now).date()
        rows = files.read(conn, path, today)
        added, changed, removed = store.replace(conn, cluster.id, rows, today.isoformat())
        audit.record(conn, at=iso(now), actor="cli", action="logframe.import",
                     subject=cluster.code, detail={"file": path.name, "rows": len(rows),
                     "added": added, "changed": changed, "removed": removed})  # fmt: skip
        return len(rows), added, changed, removed

    try:
        result = write_db(settings, load)
    except files.LogframeFileError as exc:
        for problem in exc.problems:
            print(f"clusterbot: {path.name}: {problem}", file=sys.stderr)
        return 2
    if isinstance(result, str):
        return _fail(result)
    count, added, changed, removed = result
    print(f"Log-frame of {args.cluster}: {count} indicators ({added} new, {changed} changed, "
          f"{removed} removed).")  # fmt: skip
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not out.parent.exists():
        return _fail(f"folder {out.parent} does not exist")

    def export(conn: sqlite3.Connection) -> int | str:
        cluster = clusters.by_code(conn, args.cluster)
        if cluster is None:
            return f"no cluster {args.cluster!r} (see clusterbot cluster list)"
        now = utc_now()
        found = standings(conn, cluster.id, now, _today(cluster, now).date())
        files.write(found, out)
        audit.record(conn, at=iso(now), actor="cli", action="logframe.export",
                     subject=cluster.code, detail={"file": out.name})  # fmt: skip
        return len(found)

    result = write_db(settings, export)
    if isinstance(result, str):
        return _fail(result)
    print(f"Wrote {result} indicators to {out}")
    return 0
