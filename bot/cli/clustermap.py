"""`clusterbot clustermap --cluster CODE --out map.png|map.svg [--at DATE] [--compare]`
(issue 19): the cluster map as `/clustermap` draws it, for a report or a slide. SVG keeps
the text as shaped outlines, so it looks the same without the fonts installed.

`--at` draws the map as it stood at the end of that day; `--compare` puts the start (the
report's baseline: the programme's first day, or the first linkage's day when none was
known then; or `--baseline DATE`) beside it, new linkages highlighted. Aggregates only;
the export is audited like `clusterbot report`.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import date
from pathlib import Path

from bot.cli.common import write_db
from bot.cli.report import _cluster as pick_cluster
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.networks import draw, graph
from bot.storage import audit
from bot.storage.db import connect_sync, migrate

FORMATS = (".png", ".svg")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    found = sub.add_parser("clustermap", help="the cluster map (actors, networks, linkages)")
    found.add_argument("--cluster", default=None, help="cluster code (needed with several)")
    found.add_argument("--out", required=True, help="file to write: .png or .svg")
    found.add_argument("--at", default=None, help="as it stood on YYYY-MM-DD (default: now)")
    found.add_argument("--compare", action="store_true", help="the start beside it")
    found.add_argument("--baseline", default=None,
                       help="with --compare: the start, YYYY-MM-DD (default: the baseline)")
    found.add_argument(
        "--language", default=None, choices=SHIPPED_LANGUAGES,
        help="labels' language (default: CLUSTERBOT_DEFAULT_LANGUAGE)",
    )  # fmt: skip


def _fail(message: str) -> int:
    print(f"clusterbot: {message}", file=sys.stderr)
    return 2


def _day(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected a date like 2026-11-28") from None


def cmd_clustermap(settings: Settings, args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        return _fail("--out must end in .png or .svg")
    if not out.parent.exists():
        return _fail(f"folder {out.parent} does not exist")
    if args.baseline and not args.compare:
        return _fail("--baseline goes with --compare")
    try:
        at, baseline = _day(args.at, "--at"), _day(args.baseline, "--baseline")
    except ValueError as err:
        return _fail(str(err))
    _ = translator(args.language or settings.default_language)
    conn = connect_sync(settings.db)
    try:
        migrate(conn)
        conn.execute("BEGIN")  # one consistent snapshot while the bot keeps writing
        chosen = pick_cluster(conn, args.cluster)
        if isinstance(chosen, str):
            return _fail(chosen)
        if args.compare:
            baseline = baseline or graph.baseline_date(conn, chosen.id)
            if baseline is None:
                return _fail(f"{chosen.code} has no linkage yet: nothing to compare with"
                             " (or give --baseline DATE)")
            if at is not None and baseline > at:
                return _fail("the start (--baseline or the baseline) is after --at")
        picture = draw.picture(_, conn, chosen.id, draw.title_of(chosen.name, chosen.code),
                               at=at, baseline=baseline, fmt=out.suffix.lower().lstrip("."))
        conn.execute("COMMIT")
    finally:
        conn.close()
    out.write_bytes(picture)

    def record(conn: sqlite3.Connection) -> None:
        audit.record(
            conn, at=iso(utc_now()), actor="cli", action="clustermap.export",
            cluster_id=chosen.id, subject=chosen.code,
            detail={"format": out.suffix.lower().lstrip("."), "file": out.name, "at": at,
                    "baseline": baseline},
        )  # fmt: skip

    write_db(settings, record)
    shown = f" beside {baseline}" if baseline else ""
    print(f"Wrote the {chosen.code} cluster map{shown} to {out}")
    return 0
