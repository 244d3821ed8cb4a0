"""`clusterbot ...` sub-commands (SPEC §4)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cli import activity as activity_cli
from bot.cli import clustermap as clustermap_cli
from bot.cli import forget as forget_cli
from bot.cli import logframe as logframe_cli
from bot.cli import report as report_cli
from bot.cli import survey as survey_cli
from bot.cli import whatsapp as whatsapp_cli
from bot.cli.common import UsageError, write_db
from bot.cli.demo_web import with_public_url
from bot.clock import iso, utc_now
from bot.config import ConfigError, Settings, environment, load
from bot.storage import admins, audit, clusters
from bot.storage.db import Database

NOTHING_CONFIGURED = (
    "clusterbot: no channel configured. Set CLUSTERBOT_TELEGRAM_TOKEN (and/or the four "
    "CLUSTERBOT_WHATSAPP_* settings), or try `clusterbot demo` for a console chat."
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="clusterbot", description="Cluster development bot.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="start every configured channel")

    demo = sub.add_parser("demo", help="demo database + console chat, no token needed")
    demo.add_argument("--as", dest="as_", choices=("stakeholder", "cda"), default="stakeholder")
    demo.add_argument("--db", default="clusterbot-demo.db", help="demo database file")
    demo.add_argument("--fresh", action="store_true", help="delete the demo database first")

    chat = sub.add_parser("chat", help="console chat against the configured database")
    chat.add_argument("--user", default="console", help="console identity (e.g. an admin id)")

    cluster = sub.add_parser("cluster", help="manage clusters").add_subparsers(
        dest="action", required=True
    )
    add = cluster.add_parser("add", help="add a cluster")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--timezone", default=None)
    cluster.add_parser("list", help="list clusters")

    admin = sub.add_parser("admin", help="manage CDAs and observers").add_subparsers(
        dest="action", required=True
    )
    admin_add = admin.add_parser("add", help="make CHANNEL:ID a CDA (or an observer)")
    admin_add.add_argument("who", metavar="CHANNEL:ID")
    admin_add.add_argument("--cluster", default=None, help="cluster code (default: every cluster)")
    admin_add.add_argument("--observer", action="store_true", help="aggregate reports only")
    admin.add_parser("list", help="list CDAs and observers")

    survey_cli.add_parser(sub)
    activity_cli.add_parser(sub)
    report_cli.add_parser(sub)
    clustermap_cli.add_parser(sub)
    whatsapp_cli.add_parser(sub)
    forget_cli.add_parser(sub)
    logframe_cli.add_parser(sub)

    backup = sub.add_parser("backup", help="consistent online copy of the database")
    backup.add_argument("path")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load(environment())
        if args.command == "demo":
            settings = with_public_url(dataclasses.replace(settings, db=Path(args.db)))
        return COMMANDS[args.command](settings, args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"clusterbot: {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"clusterbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `clusterbot whatsapp templates --json | head`: the reader left; no traceback, and
        # stdout goes to /dev/null so the interpreter's final flush cannot raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot import app

    if not (settings.telegram_on or settings.whatsapp_on):
        print(NOTHING_CONFIGURED, file=sys.stderr)
        return 2
    from telegram.error import InvalidToken, NetworkError

    # A refused token or an unreachable Bot API at start is a setting to fix: one line
    # naming it, as for any other wrong value, not a traceback.
    try:
        asyncio.run(app.run(settings))
    except InvalidToken:
        raise UsageError(
            "CLUSTERBOT_TELEGRAM_TOKEN: Telegram refused the token; copy it again from @BotFather"
        ) from None
    except NetworkError as exc:
        print(
            f"clusterbot: cannot reach the Telegram Bot API at {settings.telegram_api_server} "
            f"(CLUSTERBOT_TELEGRAM_API_SERVER): {exc}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot import app

    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{settings.db}{suffix}").unlink(missing_ok=True)
    user = "cda" if args.as_ == "cda" else "demo"
    print(f"Demo database: {settings.db}")
    asyncio.run(app.console(settings, user_id=user, seed=True))
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot import app

    asyncio.run(app.console(settings, user_id=args.user, seed=False))
    return 0


def cmd_cluster(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":

        def rows(conn: sqlite3.Connection) -> list[str]:
            counts = clusters.member_counts(conn)
            return [
                f"{c.code}\t{c.name}\t{c.timezone}\t{counts.get(c.id, 0)} registered"
                for c in clusters.all_clusters(conn)
            ]

        lines = write_db(settings, rows)
        print(
            "\n".join(lines)
            if lines
            else "No clusters yet: clusterbot cluster add CODE --name NAME"
        )
        return 0
    code, name = args.code.strip(), args.name.strip()
    if not clusters.CODE_PATTERN.match(code):
        raise UsageError(f"cluster code {code!r}: use 1-32 letters, digits, - or _")
    if not name:
        raise UsageError("--name must not be empty")
    timezone = args.timezone or settings.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {timezone!r}") from exc

    def add(conn: sqlite3.Connection) -> None:
        if clusters.by_code(conn, code):
            raise UsageError(f"cluster {code} exists already")
        now = iso(utc_now())
        cluster = clusters.add(conn, code, name, timezone, now)
        audit.record(
            conn,
            at=now,
            actor="cli",
            action="cluster.add",
            cluster_id=cluster.id,
            subject=code,
            detail={"name": name},
        )

    write_db(settings, add)
    print(f"Added cluster {code}: {name}")
    return 0


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        rows = write_db(settings, admins.all_admins)
        for row in rows:
            where = row["cluster_code"] or "all clusters"
            print(f"{row['channel']}:{row['channel_user_id']}\t{row['role']}\t{where}")
        for ref in sorted(settings.admins):
            print(f"{ref}\tcda\tall clusters (CLUSTERBOT_ADMINS)")
        return 0
    channel, _, ident = args.who.partition(":")
    channel = channel.lower()
    if channel not in ("telegram", "whatsapp", "console") or not ident:
        raise UsageError(f"{args.who!r}: expected telegram:<user id> or whatsapp:<id>")
    if channel == "telegram" and not ident.lstrip("-").isdigit():
        raise UsageError(f"{args.who!r}: a Telegram user id is a number")
    ident = ident.lstrip("+")
    role = "observer" if args.observer else "cda"

    def add(conn: sqlite3.Connection) -> bool:
        cluster_id = None
        if args.cluster:
            found = clusters.by_code(conn, args.cluster)
            if found is None:
                raise UsageError(f"no cluster {args.cluster!r} (see clusterbot cluster list)")
            cluster_id = found.id
        now = iso(utc_now())
        added = admins.add(conn, channel, ident, cluster_id, role, now)
        if added:
            audit.record(
                conn,
                at=now,
                actor="cli",
                action="admin.add",
                cluster_id=cluster_id,
                subject=f"{channel}:{ident}",
                detail={"role": role},
            )
        return added

    added = write_db(settings, add)
    where = f"cluster {args.cluster}" if args.cluster else "every cluster"
    print(f"{channel}:{ident} is {'now' if added else 'already'} {role} of {where}")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    target = Path(args.path)
    if target.exists():
        raise UsageError(f"{target} exists; choose a new file name")
    if not target.parent.exists():
        raise UsageError(f"folder {target.parent} does not exist")
    if not settings.db.exists():
        raise UsageError(f"no database at {settings.db} (CLUSTERBOT_DB)")

    async def copy() -> None:
        db = await Database.open(settings.db)
        try:
            await db.backup(target)
        finally:
            await db.close()

    asyncio.run(copy())
    print(f"Backed up {settings.db} to {target}")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "demo": cmd_demo,
    "chat": cmd_chat,
    "cluster": cmd_cluster,
    "admin": cmd_admin,
    "backup": cmd_backup,
    "survey": survey_cli.cmd_survey,
    "activity": activity_cli.cmd_activity,
    "report": report_cli.cmd_report,
    "clustermap": clustermap_cli.cmd_clustermap,
    "whatsapp": whatsapp_cli.cmd_whatsapp,
    "forget": forget_cli.cmd_forget,
    "logframe": logframe_cli.cmd_logframe,
}
