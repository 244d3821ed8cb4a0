"""`clusterbot activity import FILE.xlsx --cluster CODE` and `clusterbot activity export
--cluster CODE --out FILE.xlsx`: the action plan to and from a spreadsheet (issue 7; the
format is in bot/activity_sheet.py and docs/activities.md).

Import adds the rows without an id and updates the rows whose id is an activity of that
cluster. It checks every row first and refuses a bad file with one line per problem,
changing nothing: it is one transaction. Export then import changes nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from bot.activity_sheet import Row, SheetError, read_sheet, write_sheet
from bot.cli.common import write_db
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.storage import activities, audit, clusters
from bot.storage.db import connect_sync, migrate


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    activity = sub.add_parser("activity", help="the action plan to and from .xlsx").add_subparsers(
        dest="action", required=True
    )
    load = activity.add_parser("import", help="add and update activities from an .xlsx file")
    load.add_argument("file")
    load.add_argument("--cluster", required=True, help="cluster code")
    out = activity.add_parser("export", help="the cluster's activities as .xlsx")
    out.add_argument("--cluster", required=True, help="cluster code")
    out.add_argument("--out", required=True, help="file to write (.xlsx)")


def cmd_activity(settings: Settings, args: argparse.Namespace) -> int:
    return _import(settings, args) if args.action == "import" else _export(settings, args)


def _fail(message: str) -> int:
    print(f"clusterbot: {message}", file=sys.stderr)
    return 2


# --- import -------------------------------------------------------------------------------


def apply(conn: sqlite3.Connection, cluster_id: int, rows: list[Row], now: str) -> dict[str, int]:
    """Add and update, in the caller's transaction; raises SheetError (→ rollback)."""
    problems = []
    for row in rows:
        found = activities.get(conn, row.id) if row.id is not None else None
        if row.id is not None and (found is None or found.cluster_id != cluster_id):
            problems.append(f"row {row.number}, column id: no activity {row.id} in this cluster")
    if problems:
        raise SheetError(problems)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        if row.id is None:
            activities.add(conn, cluster_id=cluster_id, by="cli", now=now, **row.fields)
            counts["added"] += 1
            continue
        before = activities.get(conn, row.id)
        assert before is not None
        changed = {k: v for k, v in row.fields.items() if getattr(before, k) != v}
        status = changed.pop("status", None)
        if changed:
            activities.change(conn, row.id, now=now, **changed)
        if status:  # logged as a note, like a status change in chat
            activities.set_status(conn, row.id, status, by="cli", now=now)
        counts["updated" if changed or status else "unchanged"] += 1
    return counts


def _import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no file {str(path)!r}")
    try:
        rows = read_sheet(path)
    except SheetError as err:
        return _refused(path, err)

    def store(conn: sqlite3.Connection) -> dict[str, int] | None:
        cluster = clusters.by_code(conn, args.cluster)
        if cluster is None:
            return None
        now = iso(utc_now())
        counts = apply(conn, cluster.id, rows, now)
        audit.record(
            conn, at=now, actor="cli", action="activity.import", cluster_id=cluster.id,
            subject=cluster.code, detail={"file": path.name, **counts},
        )  # fmt: skip
        return counts

    try:
        counts = write_db(settings, store)
    except SheetError as err:
        return _refused(path, err)
    if counts is None:
        return _fail(f"no cluster {args.cluster!r} (see clusterbot cluster list)")
    print(
        f"Imported {path.name} into {args.cluster}: {counts['added']} added, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged."
    )
    return 0


def _refused(path: Path, err: SheetError) -> int:
    print(f"clusterbot: {path.name} was not imported; nothing changed:", file=sys.stderr)
    for problem in err.problems:
        print(f"clusterbot: {path.name}: {problem}", file=sys.stderr)
    return 2


# --- export -------------------------------------------------------------------------------


def _export(settings: Settings, args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return _fail("--out must name an .xlsx file")
    if not out.parent.exists():
        return _fail(f"folder {out.parent} does not exist")
    conn = connect_sync(settings.db)
    try:
        migrate(conn)
        conn.execute("BEGIN")  # one consistent snapshot while the bot keeps writing
        cluster = clusters.by_code(conn, args.cluster)
        plan = activities.in_cluster(conn, cluster.id) if cluster else []
        conn.execute("COMMIT")
    finally:
        conn.close()
    if cluster is None:
        return _fail(f"no cluster {args.cluster!r} (see clusterbot cluster list)")
    write_sheet(plan, out)

    def record(conn: sqlite3.Connection) -> None:
        audit.record(
            conn, at=iso(utc_now()), actor="cli", action="activity.export",
            cluster_id=cluster.id, subject=cluster.code, detail={"file": out.name},
        )  # fmt: skip

    write_db(settings, record)
    print(f"Wrote {len(plan)} activities of {cluster.code} to {out}")
    return 0
