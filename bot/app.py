"""Wiring: storage, engine, channels and the HTTP listener for `run`, `demo` and `chat`."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot.clock import iso, utc_now
from bot.config import Settings
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.messages import Inbound, Outbound
from bot.storage import admins, clusters, contacts
from bot.storage.db import Database

log = logging.getLogger(__name__)

DEMO_CLUSTER = ("BAGRU", "Bagru hand-block printers, Jaipur")


def make_engine(db: Database, settings: Settings) -> Engine:
    import handlers

    return Engine(db, settings, handlers.route)


async def run(
    settings: Settings, *, stop: asyncio.Event | None = None, ready: asyncio.Event | None = None
) -> None:
    """`clusterbot run`: every configured channel until SIGINT/SIGTERM (or `stop` is set).

    `ready` is set once every channel is up (tests wait for it).
    """
    from bot import web

    stop = stop or _stop_on_signals()
    db = await Database.open(settings.db)
    engine = make_engine(db, settings)
    http = web.make_app()
    telegram = None
    try:
        if settings.telegram_on:
            telegram = await _start_telegram(settings, engine, db, http)
        runner = await web.serve(http, settings.listen_host, settings.listen_port)
        log.info("listening on %s:%s", settings.listen_host, settings.listen_port)
        if ready is not None:
            ready.set()
        await stop.wait()
        await runner.cleanup()
    finally:
        if telegram is not None:
            await _stop_telegram(telegram)
        await db.close()


async def _start_telegram(settings: Settings, engine: Engine, db: Database, http: object) -> object:
    from bot.channels import telegram as tg

    webhook = bool(settings.telegram_webhook_url)
    application = tg.build_application(
        settings.telegram_token, settings.telegram_api_server, polling=not webhook
    )

    async def mark_blocked(chat_id: str) -> None:
        await db.write(lambda conn: _mark_unreachable(conn, chat_id))

    channel = tg.TelegramChannel(
        application, engine.handle, on_blocked=mark_blocked, media_dir=media_dir(settings)
    )
    await application.initialize()
    await channel.register_commands(_menus(), await db.read(_staff_chats(settings)))
    await application.start()
    if webhook:
        http.router.add_post(  # type: ignore[attr-defined]
            "/telegram/webhook", tg.webhook_route(application, settings.telegram_webhook_secret)
        )
        await application.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=["message", "callback_query"],
        )
        log.info("telegram: webhook mode at %s", settings.telegram_webhook_url)
    else:
        assert application.updater is not None
        await application.bot.delete_webhook()
        await application.updater.start_polling(
            timeout=20, allowed_updates=["message", "callback_query"]
        )
        log.info("telegram: long polling")
    return application


async def _stop_telegram(application: object) -> None:
    from telegram.ext import Application

    assert isinstance(application, Application)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


def media_dir(settings: Settings) -> Path:
    """Photos and voice notes people send (survey answers) live beside the database."""
    return settings.db.resolve().parent / "media"


def _menus() -> dict[str, list[tuple[str, str]]]:
    from handlers.registry import menu_entries

    return {
        language: menu_entries(translator(language).gettext, staff=False)
        for language in SHIPPED_LANGUAGES
    }


def _staff_chats(
    settings: Settings,
) -> Callable[[sqlite3.Connection], dict[int, list[tuple[str, str]]]]:
    from handlers.registry import menu_entries

    def read(conn: sqlite3.Connection) -> dict[int, list[tuple[str, str]]]:
        ids = {a.split(":", 1)[1] for a in settings.admins if a.startswith("telegram:")}
        ids |= {
            row["channel_user_id"]
            for row in admins.all_admins(conn)
            if row["channel"] == "telegram"
        }
        entries = menu_entries(translator("en").gettext, staff=True)
        return {int(i): entries for i in ids if i.lstrip("-").isdigit()}

    return read


def _mark_unreachable(conn: sqlite3.Connection, chat_id: str) -> None:
    conn.execute(
        "UPDATE contacts SET unreachable = 1 WHERE channel = 'telegram' AND chat_id = ?", (chat_id,)
    )


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


# --- console ----------------------------------------------------------------------------------


def seed_demo(conn: sqlite3.Connection, settings: Settings) -> None:
    """The demo database: a sample cluster and a CDA account for `demo --as cda`."""
    now = iso(utc_now())
    cluster = clusters.by_code(conn, DEMO_CLUSTER[0]) or clusters.add(
        conn, DEMO_CLUSTER[0], DEMO_CLUSTER[1], settings.timezone, now
    )
    admins.add(conn, "console", "cda", cluster.id, "cda", now)
    cda = contacts.get_or_create(conn, "console", "cda", "cda", now)
    if not cda.registered:
        contacts.update(
            conn,
            cda.id,
            language=settings.default_language,
            consent_at=now,
            name="Demo CDA",
            role="government",
            cluster_id=cluster.id,
            gender="undisclosed",
            status="registered",
            registered_at=now,
        )


async def console(settings: Settings, *, user_id: str, seed: bool) -> None:
    from bot.channels.console import ConsoleChat

    db = await Database.open(settings.db)
    try:
        if seed:
            await db.write(lambda conn: seed_demo(conn, settings))

        async def handle(inbound: Inbound) -> list[Outbound]:
            return await engine.handle(inbound)

        engine = make_engine(db, settings)
        await ConsoleChat(handle, user_id=user_id, media_dir=Path("demo-files")).run()
    finally:
        await db.close()
