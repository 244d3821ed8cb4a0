"""`clusterbot survey import | list | export | open | close` (SPEC §4), and the rounds
of issue 18 (`round open | list`, `indicators`, `change`: bot/cli/rounds.py).

A refused form prints one line per problem (sheet, row, column, what to fix) and exits 2;
nothing is stored. `survey import diagnostic` loads the shipped cluster diagnostic survey
(`locales/forms/diagnostic.md`, the core) and its four modules (`diagnostic_*.md`), one
report line each.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from bot.cli import rounds as round_cli
from bot.cli.common import write_db
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.storage import audit, clusters
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate
from bot.surveys.errors import FormImportError
from bot.surveys.export import export_csv, export_xlsx
from bot.surveys.shipped import family, shipped_form
from bot.vocabulary import ROLES


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = sub.add_parser("survey", help="import, list and export surveys").add_subparsers(
        dest="action", required=True
    )
    load = survey.add_parser("import", help="load a survey from an XLSForm or a YAML form")
    load.add_argument(
        "file", help="form file (.xlsx .xls .csv .md .yaml), or 'diagnostic' for the shipped one"
    )
    load.add_argument("--key", default=None, help="survey key (default: the form id)")
    load.add_argument("--cluster", default=None, help="cluster code (default: every cluster)")
    load.add_argument("--roles", default=None, help="comma-separated roles (default: everyone)")
    load.add_argument(
        "--strict", action="store_true", help="refuse the form if there is any warning"
    )
    load.add_argument(
        "--media", default=None, help="folder of the form's media files (choices, pulldata CSV)"
    )
    survey.add_parser("list", help="surveys with status and response counts")
    out = survey.add_parser("export", help="responses as CSV or XLSX")
    out.add_argument("key")
    out.add_argument("--format", choices=("csv", "xlsx"), default=None)
    out.add_argument("--out", required=True, help="file to write")
    for action, text in (("open", "let people answer"), ("close", "stop taking answers")):
        survey.add_parser(action, help=f"{text} (by key)").add_argument("key")
    round_cli.add_parsers(survey)


def cmd_survey(settings: Settings, args: argparse.Namespace) -> int:
    actions = {
        "import": _import, "list": _list, "export": _export, "round": round_cli.cmd_round,
        "indicators": round_cli.cmd_indicators, "change": round_cli.cmd_change,
    }  # fmt: skip
    if args.action in actions:
        return actions[args.action](settings, args)
    return _set_status(settings, args.key, "open" if args.action == "open" else "closed")


def _fail(message: str) -> int:
    print(f"clusterbot: {message}", file=sys.stderr)
    return 2


def _import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if path.exists() or shipped_form(args.file) is None:
        return _import_one(settings, args, path)
    # A shipped form by name: the form, then its modules (their own keys).
    for n, name in enumerate(family(args.file)):
        status = _import_one(settings, args, shipped_form(name) or path, first=n == 0)
        if status:
            return status
    return 0


def _import_one(
    settings: Settings, args: argparse.Namespace, path: Path, *, first: bool = True
) -> int:
    from bot.surveys.loader import load_form  # pyxform: half a second, only when needed

    roles = [r.strip() for r in (args.roles or "").split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return _fail(f"unknown role {unknown[0]!r}; roles are: {', '.join(ROLES)}")
    try:
        report = load_form(
            path,
            key=args.key if first else None,
            strict=getattr(args, "strict", False),
            media=getattr(args, "media", None),
        )
    except FormImportError as err:
        print(f"clusterbot: {path.name} was not imported:", file=sys.stderr)
        for problem in err.problems:
            print(f"clusterbot: {path.name}: {problem}", file=sys.stderr)
        return 2
    form = report.form

    def store_it(conn: sqlite3.Connection) -> tuple[store.Survey, bool]:
        cluster_id = None
        if args.cluster:
            found = clusters.by_code(conn, args.cluster)
            if found is None:
                raise store.SurveyConflict(f"no cluster {args.cluster!r} (see cluster list)")
            cluster_id = found.id
        now = iso(utc_now())
        survey, created = store.import_form(
            conn, form, now=now, cluster_id=cluster_id, roles=roles or None, media=report.media
        )
        if created:
            audit.record(
                conn, at=now, actor="cli", action="survey.import", cluster_id=cluster_id,
                subject=form.key, detail={"version": form.version, "source": form.source},
            )  # fmt: skip
        return survey, created

    try:
        survey, created = write_db(settings, store_it)
    except store.SurveyConflict as err:
        return _fail(str(err))
    where = f"cluster {args.cluster}" if args.cluster else "every cluster"
    verb = "Imported" if created else "Already imported (unchanged):"
    print(
        f"{verb} survey {survey.key} version {survey.version}: {survey.question_count} "
        f"questions, languages {', '.join(survey.languages)}, for {where}."
    )
    if report.warnings:
        print(f"{len(report.warnings)} warning(s):")
        for warning in report.warnings:
            print(f"  - {warning}")
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    def read(conn: sqlite3.Connection) -> list[str]:
        codes = {c.id: c.code for c in clusters.all_clusters(conn)}
        lines = []
        for s in store.all_current(conn):
            counts = store.response_counts(conn, s.key)
            total = sum(counts.values())
            lines.append(
                "\t".join(
                    [
                        s.key, s.title, f"v{s.version}", ",".join(s.languages),
                        f"{s.question_count} questions", s.status,
                        codes.get(s.cluster_id, "?") if s.cluster_id else "all clusters",
                        f"{total} responses ({counts.get('completed', 0)} completed)",
                    ]
                )
            )  # fmt: skip
        return lines

    lines = write_db(settings, read)
    print("\n".join(lines) if lines else "No surveys yet: clusterbot survey import FILE")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.format or out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        return _fail("--format must be csv or xlsx (or give --out a .csv or .xlsx name)")
    if not out.parent.exists():
        return _fail(f"folder {out.parent} does not exist")

    def write(conn: sqlite3.Connection) -> tuple[list[Path], int] | None:
        survey = store.current(conn, args.key)
        if survey is None:
            return None
        counts = store.response_counts(conn, survey.key)
        if fmt == "csv":
            return export_csv(conn, survey.key, out), sum(counts.values())
        export_xlsx(conn, survey.key, out)
        return [out], sum(counts.values())

    # A read transaction: one consistent snapshot, and the running bot keeps writing.
    conn = connect_sync(settings.db)
    try:
        migrate(conn)
        conn.execute("BEGIN")
        result = write(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()
    if result is None:
        return _fail(f"no survey {args.key!r} (see clusterbot survey list)")
    written, responses = result

    def record(conn: sqlite3.Connection) -> None:
        audit.record(
            conn, at=iso(utc_now()), actor="cli", action="survey.export", subject=args.key,
            detail={"format": fmt, "file": out.name},
        )  # fmt: skip

    write_db(settings, record)
    print(f"Wrote {responses} responses to {', '.join(str(p) for p in written)}")
    return 0


def _set_status(settings: Settings, key: str, status: str) -> int:
    def change(conn: sqlite3.Connection) -> int:
        changed = store.set_status(conn, key, status)
        if changed:
            audit.record(conn, at=iso(utc_now()), actor="cli", action=f"survey.{status}",
                         subject=key)  # fmt: skip
        return changed

    if not write_db(settings, change):
        return _fail(f"no survey {key!r} (see clusterbot survey list)")
    print(f"Survey {key} is {status}.")
    return 0
