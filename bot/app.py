"""Wiring: storage, engine, channels and the HTTP listener for `run`, `demo` and `chat`."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import signal
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bot import demo_history, demo_versions
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.engine import Engine, Handle, Prepare, freeze_heap, thaw_heap
from bot.fairness import InboundLimiter, limited
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.jobs.scheduler import JobFunction, Scheduler
from bot.media_gate import MediaGate
from bot.messages import Inbound, Outbound
from bot.outbox.ratelimit import TELEGRAM_LIMITS, TELEGRAM_PAID_LIMITS, Limits, RateLimiter
from bot.outbox.retry import RetryPolicy
from bot.outbox.sender import OutboxSender
from bot.storage import admins, clusters, contacts, web_access
from bot.storage.db import Database
from bot.surveys import shipped
from bot.web.state import JoinLinks

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel
    from bot.channels.whatsapp import WhatsAppChannel

log = logging.getLogger(__name__)

DEMO_CLUSTER = ("BAGRU", "Bagru hand-block printers, Jaipur")


def make_engine(db: Database, settings: Settings) -> Engine:
    import handlers

    return Engine(db, settings, handlers.route)


def make_media_gate(db: Database, settings: Settings) -> MediaGate:
    """What the channels ask before fetching a file someone sent (issue 12)."""
    from handlers import media

    return MediaGate(db, settings, media.wanted)


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
    links = JoinLinks.from_settings(settings)  # the Telegram username is filled in at start
    http = web.make_app(db, settings, links=links)
    telegram = None
    whatsapp: WhatsAppChannel | None = None
    senders: list[OutboxSender] = []  # one per channel: they drain the outbox
    scheduler = make_scheduler(db, senders, settings)
    fair = InboundLimiter(settings.inbound_per_minute)  # per person, every channel
    handle = _notifying(engine, senders, scheduler, fair)
    try:
        if settings.telegram_on:
            limiter = RateLimiter(telegram_limits(settings))  # shared: replies + outbox
            telegram, channel = await _start_telegram(settings, handle, db, http, limiter)
            links.telegram_username = links.telegram_username or _bot_username(telegram)
            senders.append(
                OutboxSender(
                    db,
                    "telegram",
                    channel.deliver,
                    limiter=limiter,
                    policy=RetryPolicy(max_attempts=settings.outbox_max_attempts),
                    concurrency=sender_concurrency(settings.telegram_rate),
                )
            )
        if settings.whatsapp_on:
            whatsapp = await _start_whatsapp(
                settings, engine, http, senders, scheduler, fair, links=links
            )
        for sender in senders:
            await sender.start()
        await arm_retention(db, settings)
        await scheduler.start()
        runner = await web.serve(http, settings.listen_host, settings.listen_port)
        log.info("listening on %s:%s", settings.listen_host, settings.listen_port)
        freeze_heap()  # start-up is over: no more full collections over it
        if ready is not None:
            ready.set()
        await stop.wait()
        await runner.cleanup()
    finally:
        await scheduler.stop()
        for sender in senders:
            await sender.stop()
        if telegram is not None:
            await _stop_telegram(telegram)
        if whatsapp is not None:
            await whatsapp.close()  # finishes messages being handled, before the db closes
        await db.close()
        fair.report(force=True)  # the drops not logged yet
        thaw_heap()


def make_scheduler(db: Database, senders: list[OutboxSender], settings: Settings) -> Scheduler:
    """The scheduler with every job kind; a job that queued messages wakes the senders,
    and one that erased people (retention) empties the WAL after its commit."""
    from bot.jobs import broadcasts as broadcasting
    from bot.jobs import housekeeping, inbox_digest, reminders, retention, survey_reminders

    wipe = retention.WalWipe()
    wiping: set[asyncio.Task[bool]] = set()

    def wake() -> None:
        for sender in senders:
            sender.wake()
        if wipe.take():
            task = asyncio.get_running_loop().create_task(db.wipe_wal())
            wiping.add(task)
            task.add_done_callback(wiping.discard)

    kinds: dict[str, JobFunction] = {
        broadcasting.JOB_KIND: broadcasting.run_scheduled,
        reminders.JOB_KIND: reminders.run,
        retention.JOB_KIND: partial(retention.run, settings, wipe),
        housekeeping.JOB_KIND: partial(housekeeping.run, settings),
        survey_reminders.JOB_KIND: partial(survey_reminders.run, settings),
        inbox_digest.JOB_KIND: partial(inbox_digest.run, settings),
    }
    return Scheduler(db, kinds, after_run=wake)


async def arm_retention(db: Database, settings: Settings) -> None:
    """The daily retention job's first run, when none is pending (bot/jobs/retention.py), and
    the daily housekeeping's (bot/jobs/housekeeping.py)."""
    from bot.jobs import housekeeping, retention

    await db.write(partial(retention.arm, settings, utc_now()))
    await db.write(partial(housekeeping.arm, settings, utc_now()))


def _notifying(
    engine: Engine,
    senders: list[OutboxSender],
    scheduler: Scheduler,
    fair: InboundLimiter | None = None,
) -> Handle:
    """engine.handle, then nudge the senders and the scheduler: a turn may have queued a
    message or scheduled a job (cheap when it did not). With `fair`, behind the per-person
    inbound limit (bot.fairness): every channel's messages pass here."""

    async def handle(
        inbound: Inbound, update_key: str = "", prepare: Prepare | None = None
    ) -> list[Outbound]:
        replies = await engine.handle(inbound, update_key, prepare)
        for sender in senders:
            sender.wake()
        scheduler.sync_soon()
        return replies

    return handle if fair is None else limited(handle, fair, engine.db, engine.settings)


# Slack on Telegram's 1-second window. Measured on loopback (bench/bench_outbox.py), the
# time from our grant to the server seeing the request is 2 ms typically but 10-20 ms at
# the tail (p99/max), so the limiter's default 1 % let two 429s through in 2,000 sends,
# each a 1 s pause (96.6 % of the limit); 2 % gave none (98.2 %). Real networks jitter more.
TELEGRAM_WINDOW_MARGIN = 0.02


def telegram_limits(settings: Settings) -> Limits:
    base = TELEGRAM_PAID_LIMITS if settings.telegram_paid_broadcast else TELEGRAM_LIMITS
    return dataclasses.replace(
        base, per_second=settings.telegram_rate, window_margin=TELEGRAM_WINDOW_MARGIN
    )


def sender_concurrency(rate: float) -> int:
    """Sends in flight at once: enough that a ~300 ms round trip still fills the rate,
    capped below python-telegram-bot's connection pool (256)."""
    return min(128, max(4, math.ceil(rate / 3)))


def _bot_username(application: object) -> str:
    """The username Telegram gave in getMe (initialize), for join links and posters."""
    return str(getattr(getattr(application, "bot", None), "username", "") or "")


async def _start_telegram(
    settings: Settings, handle: Handle, db: Database, http: object, limiter: RateLimiter
) -> tuple[object, TelegramChannel]:
    from bot.channels import telegram as tg

    webhook = bool(settings.telegram_webhook_url)
    application = tg.build_application(
        settings.telegram_token, settings.telegram_api_server, polling=not webhook
    )

    async def mark_blocked(chat_id: str) -> None:
        await db.write(lambda conn: _mark_unreachable(conn, chat_id))

    channel = tg.TelegramChannel(
        application,
        handle,
        on_blocked=mark_blocked,
        media_dir=media_dir(settings),
        limiter=limiter,
        paid_broadcast=settings.telegram_paid_broadcast,
        media_gate=make_media_gate(db, settings),
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
    return application, channel


async def _start_whatsapp(
    settings: Settings,
    engine: Engine,
    http: object,
    senders: list[OutboxSender],
    scheduler: Scheduler,
    fair: InboundLimiter | None = None,
    *,
    links: JoinLinks | None = None,
) -> WhatsAppChannel:
    """The WhatsApp webhook on the shared listener, and its outbox sender."""
    from bot.channels import whatsapp as wa

    channel = await wa.start(
        settings,
        engine,
        http,  # type: ignore[arg-type]
        media_dir(settings),
        media_gate=make_media_gate(engine.db, settings),
        wrap=lambda own: _notifying(own, senders, scheduler, fair),
        links=links,
    )
    senders.append(
        OutboxSender(
            db=engine.db,
            channel="whatsapp",
            deliver=channel.deliver,
            limiter=channel.limiter,  # shared with replies, which go first
            policy=RetryPolicy(max_attempts=settings.outbox_max_attempts),
            concurrency=sender_concurrency(settings.whatsapp_rate),  # CLUSTERBOT_WHATSAPP_RATE
        )
    )
    return channel


async def _stop_telegram(application: object) -> None:
    from telegram.ext import Application

    assert isinstance(application, Application)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


def media_dir(settings: Settings) -> Path:
    """Photos and voice notes people send (survey answers): CLUSTERBOT_MEDIA_DIR, else
    beside the database."""
    return settings.media_root


def _menus() -> dict[str, list[tuple[str, str]]]:
    from bot.commands import menu_entries

    return {
        language: menu_entries(translator(language).gettext, staff=False)
        for language in SHIPPED_LANGUAGES
    }


def _staff_chats(
    settings: Settings,
) -> Callable[[sqlite3.Connection], dict[int, list[tuple[str, str]]]]:
    from bot.commands import OBSERVER_COMMANDS, menu_entries

    def read(conn: sqlite3.Connection) -> dict[int, list[tuple[str, str]]]:
        ids = {a.split(":", 1)[1] for a in settings.admins if a.startswith("telegram:")}
        observers: set[str] = set()
        for row in admins.all_admins(conn):
            if row["channel"] == "telegram":
                (observers if row["role"] == "observer" else ids).add(row["channel_user_id"])
        entries = menu_entries(translator("en").gettext, staff=True)
        plain = menu_entries(translator("en").gettext, staff=False)
        # Observers get /report and none of the CDA commands; a stakeholder's commands only
        # when they are also a registered stakeholder (as /help shows them).
        member = [e for e in entries if e in plain or e[0] == "report"]
        watching = [e for e in entries if e[0] in OBSERVER_COMMANDS]
        chats = {
            int(i): member if _registered_on_telegram(conn, i) else watching
            for i in observers - ids
            if i.lstrip("-").isdigit()
        }
        return chats | {int(i): entries for i in ids if i.lstrip("-").isdigit()}

    return read


def _registered_on_telegram(conn: sqlite3.Connection, user_id: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM contacts WHERE channel = 'telegram' AND channel_user_id = ?"
            " AND status = 'registered'",
            (user_id,),
        ).fetchone()
        is not None
    )


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
    """The demo database: a sample cluster, the diagnostic survey, a CDA for `demo --as cda`."""
    now = iso(utc_now())
    # The programme began with its history (bot/demo_history.py), not today: the linkages'
    # baseline (/report, /clustermap) is its first day.
    began = iso(utc_now() - demo_history.PROGRAMME_AGE)
    cluster = clusters.by_code(conn, DEMO_CLUSTER[0]) or clusters.add(
        conn, DEMO_CLUSTER[0], DEMO_CLUSTER[1], settings.timezone, began
    )
    admins.add(conn, "console", "cda", cluster.id, "cda", now)
    web_access.set_public_page(conn, cluster.id, True)  # the demo serves it (bot/cli/demo_web)
    shipped.install(conn, now)  # the cluster diagnostic survey, open to every cluster
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
    _seed_events(conn, cluster.id, now)
    _seed_activities(conn, cluster.id, now)
    from handlers.events.meeting import invitation_payloads

    # after the upcoming events: it adds past ones
    demo_history.seed_history(conn, cluster.id, utc_now(), invitation_payloads)


def _seed_events(conn: sqlite3.Connection, cluster_id: int, now: str) -> None:
    """An upcoming meeting and exposure visit (SPEC §4 demo), once."""
    from datetime import timedelta

    from bot.jobs import reminders
    from bot.storage import events

    if conn.execute("SELECT 1 FROM events WHERE cluster_id = ?", (cluster_id,)).fetchone():
        return
    today = utc_now().replace(hour=4, minute=30, second=0, microsecond=0)  # 10:00 IST
    meeting = events.create(
        conn,
        cluster_id=cluster_id,
        kind="meeting",
        title="Natural dyes workshop",
        place="Community hall, Bagru",
        starts_at=iso(today + timedelta(days=3)),
        created_by="console:cda",
        now=now,
        language="en",
        versions=demo_versions.versions(
            title="Natural dyes workshop", place="Community hall, Bagru"
        ),
    )
    visit = events.create(
        conn,
        cluster_id=cluster_id,
        kind="visit",
        title="Sanganer hand-block printing cluster",
        place="Sanganer hand-block printing cluster",
        purpose="See the common facility centre and its effluent treatment",
        starts_at=iso(today + timedelta(days=10)),
        ends_at=iso(today + timedelta(days=10, hours=9)),
        seats=30,
        audience={"roles": ["shg_member", "artisan"]},
        register_by=iso(today + timedelta(days=7)),
        contribution_paise=50000,
        created_by="console:cda",
        now=now,
        language="en",
        versions=demo_versions.versions(
            title="Sanganer hand-block printing cluster",
            place="Sanganer hand-block printing cluster",
            purpose="See the common facility centre and its effluent treatment",
        ),
    )
    for event in (meeting, visit):
        reminders.arm(conn, event, utc_now())


def _seed_activities(conn: sqlite3.Connection, cluster_id: int, now: str) -> None:
    """A small action plan for /activity and the M&E report, once: mixed categories,
    statuses and contribution splits (amounts in paise)."""
    from datetime import timedelta

    from bot.storage import activities

    if activities.in_cluster(conn, cluster_id, limit=1):
        return
    today = utc_now().date()

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    plan = [
        ("Exposure visit to Sanganer block-printing cluster", "trust_building", "planned",
         "Women printers and SHG members", "CDA with Bagru Hastshilp Samiti", day(10), day(10),
         15_000_00, 60_000_00, 0),
        ("Common dye-testing lab", "pilot", "ongoing", "Members of the printers' association",
         "Printers' association with RUDA", day(-20), day(120), 50_000_00, 2_00_000_00,
         1_50_000_00),
        ("Natural dye training", "capacity_building", "done", "Young printers",
         "NID Ahmedabad", day(-60), day(-55), 10_000_00, 40_000_00, 25_000_00),
        ("Bulk purchase of cotton cloth", "strategic", "dropped", "All printing units",
         "Bagru printers' cooperative", day(-30), None, 3_00_000_00, 0, 0),
    ]  # fmt: skip
    for title, category, status, group, who, starts, ends, ben, agency, others in plan:
        a = activities.add(
            conn, cluster_id=cluster_id, by="console:cda", now=now, title=title,
            category=category, status=status, target_group=group, responsible=who,
            starts_on=starts, ends_on=ends, beneficiaries_paise=ben, agency_paise=agency,
            others_paise=others, language="en", versions=demo_versions.versions(title=title),
        )  # fmt: skip
        if status == "done":
            note = "24 printers trained, 9 of them women."
            activities.add_note(
                conn, a.id, note, by="console:cda", now=now, language="en",
                versions=demo_versions.versions(text=note),
            )  # fmt: skip


async def console(settings: Settings, *, user_id: str, seed: bool) -> None:
    """`clusterbot demo` / `chat`: one person in the terminal, with what `run` adds around
    the chat: the scheduler (reminders, scheduled broadcasts) and an outbox sender that
    prints this person's bot-initiated messages (bot.channels.console_send). The demo
    (`seed`) serves the web pages as well (bot/cli/demo_web.py)."""
    from contextlib import nullcontext

    from bot.channels.console import ConsoleChat
    from bot.channels.console_send import ConsoleSender
    from bot.cli.demo_web import web_pages

    db = await Database.open(settings.db)
    scheduler = make_scheduler(db, [], settings)  # the job kinds of `run`
    try:
        if seed:
            await db.write(lambda conn: seed_demo(conn, settings))
        engine = make_engine(db, settings)

        async def handle(inbound: Inbound) -> list[Outbound]:
            replies = await engine.handle(inbound)
            scheduler.sync_soon()  # the turn may have scheduled a job (as in `run`)
            return replies

        chat = ConsoleChat(handle, user_id=user_id, media_dir=Path("demo-files"))
        sender = ConsoleSender(db, user_id, chat.notify)
        chat.after_turn = sender.drain
        wipe_after = scheduler.after_run  # (empties the WAL after a retention run)

        def after_run() -> None:  # a reminder or broadcast fired: print it now
            wipe_after()
            sender.wake()

        scheduler.after_run = after_run
        await sender.start()
        await arm_retention(db, settings)
        await scheduler.start()
        pages = web_pages(db, settings, DEMO_CLUSTER[0]) if seed else nullcontext(False)
        try:
            async with pages:
                await chat.run()
        finally:
            await sender.stop()
    finally:
        await scheduler.stop()
        await db.close()
