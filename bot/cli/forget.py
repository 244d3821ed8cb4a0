"""`clusterbot forget CHANNEL:ID`: erase a person who asked on paper or by phone, exactly
as /forget does (bot/erasure.py); audited with actor `cli`."""

from __future__ import annotations

import argparse
import sqlite3

from bot import erasure
from bot.cli.common import UsageError
from bot.clock import utc_now
from bot.config import Settings
from bot.storage import contacts, whatsapp
from bot.storage.db import connect_sync, migrate, run_in_transaction, truncate_wal

CHANNELS = ("telegram", "whatsapp", "console")


class NotFound(Exception):
    pass


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forget = sub.add_parser("forget", help="erase a person's data, as /forget does (audited)")
    forget.add_argument(
        "who", metavar="CHANNEL:ID", help="telegram:<user id> or whatsapp:<phone number or id>"
    )


def find(conn: sqlite3.Connection, channel: str, ident: str) -> int | None:
    """The contact of a channel id; on WhatsApp also of the phone number replies go to."""
    if channel == whatsapp.CHANNEL:
        return whatsapp.contact_for(conn, ident)
    found = contacts.find(conn, channel, ident)
    return found.id if found else None


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    channel, _, ident = args.who.partition(":")
    channel, ident = channel.lower(), ident.strip().lstrip("+")
    if channel not in CHANNELS or not ident:
        raise UsageError(f"{args.who!r}: expected telegram:<user id> or whatsapp:<phone number>")
    if not settings.db.exists():
        raise UsageError(f"no database at {settings.db} (CLUSTERBOT_DB)")

    def forget(conn: sqlite3.Connection) -> erasure.Erased:
        contact_id = find(conn, channel, ident)
        done = None
        if contact_id is not None:
            done = erasure.erase(
                conn,
                contact_id,
                now=utc_now(),
                actor="cli",
                media_root=settings.media_root,
                default_language=settings.default_language,
                timezone=settings.timezone,
            )
        if done is None:
            raise NotFound
        return done

    conn = connect_sync(settings.db)
    try:
        migrate(conn)
        try:
            done = run_in_transaction(conn, forget)
        except NotFound:
            raise UsageError(
                f"nobody is known as {channel}:{ident} (erased already, or never wrote to the bot)"
            ) from None
        emptied = truncate_wal(conn)
    finally:
        conn.close()
    print(
        f"Erased contact:{done.contact_id}: {done.answers} answers, {len(done.files)} media"
        f" files, {done.registrations} registrations and {done.rsvps} meeting answers removed;"
        f" {len(done.promoted)} waiting people moved into freed seats."
    )
    if not emptied:
        print(
            "Warning: the running bot kept reading for 5 seconds, so old copies remain in the"
            " WAL file until the bot stops or empties it after its next erasure."
        )
    return 0
