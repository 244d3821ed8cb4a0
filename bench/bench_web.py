"""The web pages' speed on a big cluster, and what 50 readers do to the chat (issue 16; a
script that prints figures, not a test).

    python bench/bench_web.py [--runs N] [--quick] [--readers 50] [--think 5] [--rounds 3]

The database is bench_report's `fill` (10,000 stakeholders and a year of history; `--quick`:
1,000), plus what its rows leave out and the pages read: the updates' and broadcasts'
texts, five meetings ahead, the survey's form with answers that fit it, and the public page
turned on. The CDA signs in the way a person does: a one-time link, POST /dashboard/signin.

Processes: the bot's side runs as `clusterbot run` does, the listener (`bot.web.make_app` +
`bot.web.serve`) and the engine on ONE event loop over one database (writes on the loop,
reads on the reader thread); chat turns go through `Engine.handle` as bench_report's do.
The browsers are another process (aiohttp clients, spawned), as they would be other
machines: their own work does not land on the bot's loop. On 2 cores the two processes,
and anything else running, share the CPU: the load average is printed with the figures.

1. Each page fetched one at a time, ms from the browser's side. The public page keeps its
   data a minute and the dashboard its indicators 15 s, served stale while one background
   read builds them again (bot/web/public_cache.py). So each is timed: cold (the first
   reader waits for the build; the public page once per language), warm (from memory),
   stale (the request that starts a re-read; the bot's clock is moved on, not the wall's)
   and just after it (while that re-read holds the reader thread).
2. The chat's reply latency: stakeholders pressing /updates, /events and /help at `--rate`
   turns/s, each timed from its arrival time (a busy loop that starts it late counts), alone
   and then while `--readers` browsers loop over the public page and the indicators at a
   person's pace (a page every ~`--think` s each), in alternating runs (`--rounds`) so a
   busy machine weighs on both alike; then once with the browsers back to back (saturation).
   Printed: p50/p99, the p99 over the p99 alone, pages/s, the bot's CPU.
Goals (issue 16): public page p99 <= 100 ms, the dashboard's indicators p99 <= 1 s, the
chat's p99 with 50 readers <= 1.2 x its p99 alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import bench_report
from aiohttp.web import Application
from bench_report import NOW, fill, percentile

import handlers
from bot import web
from bot.clock import iso
from bot.config import Settings
from bot.engine import Engine, freeze_heap
from bot.i18n import SHIPPED_LANGUAGES
from bot.messages import Inbound, InboundKind
from bot.reports import indicators
from bot.storage import web_access
from bot.storage.db import Database, connect_sync
from bot.surveys.model import Choice, Form, Question, form_to_json
from bot.web import dashboard, public
from bot.web.public_cache import StaleWhileRefresh
from bot.web.security import SESSION_COOKIE

CODE = "BAGRU"  # the cluster `fill` makes
CDA = web_access.Identity("bench", "cda")
PUBLIC = f"/c/{CODE}"
DASHBOARD = f"/dashboard/{CODE}"
CACHE_SKIP = timedelta(minutes=2)  # past the public page's data cache (about a minute)
UPDATE_TEXT = "सामुदायिक भवन"  # in every update's Hindi text (`complete`); people read Hindi
CHAT_COMMANDS = ("/updates", "/events", "/help")
STAKEHOLDERS = 500  # the first N contacts take turns at sending them
# What the readers loop over: the public page and the indicators, the two targets.
READER_PATHS = (PUBLIC, f"{DASHBOARD}?period=month", PUBLIC, f"{DASHBOARD}?period=all")

Timings = dict[str, list[float]]


class BenchClock:
    """The bot's clock: NOW plus the wall time since start, plus whatever `skip` added (to
    push cached data past its lifetime without waiting for it)."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.extra = timedelta()

    def __call__(self) -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - self.start) + self.extra

    def skip(self, by: timedelta) -> None:
        self.extra += by


def survey_form() -> Form:
    """The 50 questions `fill`'s answers are stored under (q0..q49): choices, numbers and
    free text, the kinds the pages count or must hide."""
    choices = tuple(Choice(c, {"en": f"Option {c}", "hi": f"विकल्प {c}"}) for c in "abc")

    def question(n: int) -> Question:
        labels = {"en": f"Question {n}", "hi": f"प्रश्न {n}"}
        if n < 40:
            return Question(f"q{n}", "select_one", labels, choices=choices, list_name="abc")
        return Question(f"q{n}", "integer" if n < 45 else "text", labels)

    return Form(
        key="diag",
        title="Diagnostic",
        version="1",
        default_language="en",
        languages=("en", "hi"),
        children=tuple(question(n) for n in range(bench_report.PER_RESPONSE)),
        titles={"en": "Diagnostic", "hi": "निदान"},
    )


def complete(path: Path) -> None:
    """What `fill` leaves out and the pages read: texts for the 20 updates and broadcasts
    (`fill` stores '{}'), a few meetings ahead, the survey's form and answers that fit it,
    the public page on."""
    conn = connect_sync(path)
    texts = (
        "json_object('en', 'Dye workshop in the community hall: ' || id || '. Bring two"
        " printed samples and your questions about the new natural indigo vat.',"
        " 'hi', 'सामुदायिक भवन में रंगाई कार्यशाला: ' || id || '. दो छपे नमूने लाएँ।')"
    )
    conn.execute("BEGIN")
    conn.execute(f"UPDATE updates SET texts = {texts}")
    conn.execute(f"UPDATE broadcasts SET texts = {texts}")
    ahead = [NOW + timedelta(days=3 * n, hours=2) for n in range(1, 6)]
    conn.executemany(
        "INSERT INTO events (cluster_id, kind, title, starts_at, status, created_by,"
        " created_at, updated_at) VALUES (1, 'meeting', ?, ?, 'scheduled', 'bench', ?, ?)",
        [(f"Cluster meeting {n}", iso(when), iso(NOW), iso(NOW))
         for n, when in enumerate(ahead, 1)],
    )  # fmt: skip
    form = form_to_json(survey_form())
    conn.execute(
        "UPDATE surveys SET form = ?, form_sha = ? WHERE id = 1",
        (form, hashlib.sha256(form.encode()).hexdigest()),
    )
    # q0-q39 one of a/b/c, q40-q44 a number, q45-q49 free text (as `survey_form` says)
    conn.execute(
        "UPDATE answers SET value = CASE"
        " WHEN CAST(substr(path, 2) AS INTEGER) < 40"
        "  THEN char(97 + (response_id * 7 + CAST(substr(path, 2) AS INTEGER)) % 3)"
        " WHEN CAST(substr(path, 2) AS INTEGER) < 45 THEN CAST(response_id * 13 % 20 AS TEXT)"
        " ELSE 'Our block printing needs a cheaper supply of wooden blocks' END"
    )
    web_access.set_public_page(conn, 1, True)
    conn.execute("COMMIT")
    conn.close()


# --- the browsers' process --------------------------------------------------------------

_stop: Any = None  # multiprocessing Events, inherited by the browsers' process
_started: Any = None


def _init_browsers(stop: Any, started: Any) -> None:
    global _stop, _started
    _stop, _started = stop, started


def fetch_each(base: str, cookie: str, plan: list[str]) -> list[tuple[str, int, int, float]]:
    """Each path in order, one at a time: (path, status, bytes, seconds)."""
    return asyncio.run(_fetch_each(base, cookie, plan))


async def _fetch_each(base: str, cookie: str, plan: list[str]) -> list[tuple[str, int, int, float]]:
    done = []
    async with aiohttp.ClientSession(base, cookies={SESSION_COOKIE: cookie}) as session:
        for path in plan:
            start = time.perf_counter()
            async with session.get(path, allow_redirects=False) as response:
                body = await response.read()
            done.append((path, response.status, len(body), time.perf_counter() - start))
    return done


def read_until_stopped(
    base: str, cookie: str, paths: tuple[str, ...], readers: int, think: float
) -> tuple[int, dict[int, int], Timings, float]:
    """`readers` browsers, each looping over `paths` (pausing ~`think` s between pages)
    until the bot's side says stop: (pages, count by status, seconds by path, duration)."""
    return asyncio.run(_read(base, cookie, paths, readers, think))


async def _read(
    base: str, cookie: str, paths: tuple[str, ...], readers: int, think: float
) -> tuple[int, dict[int, int], Timings, float]:
    statuses: dict[int, int] = defaultdict(int)
    timings: Timings = defaultdict(list)
    stopped = asyncio.Event()  # the inherited Event cannot be awaited: `watch` polls it

    async def watch() -> None:
        while not _stop.is_set():
            await asyncio.sleep(0.02)
        stopped.set()

    async def pause(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), seconds)

    connector = aiohttp.TCPConnector(limit=readers)
    async with aiohttp.ClientSession(
        base, cookies={SESSION_COOKIE: cookie}, connector=connector
    ) as session:

        async def browse(k: int) -> None:
            rng = random.Random(k)
            n = k  # readers start at different pages
            if think:
                await pause(rng.uniform(0, think))
            while not stopped.is_set():
                path = paths[n % len(paths)]
                n += 1
                start = time.perf_counter()
                async with session.get(path, allow_redirects=False) as response:
                    await response.read()
                timings[path].append(time.perf_counter() - start)
                statuses[response.status] += 1
                _started.set()
                if think:
                    await pause(rng.expovariate(1 / think))

        start = time.perf_counter()
        await asyncio.gather(watch(), *(browse(k) for k in range(readers)))
        duration = time.perf_counter() - start
    return sum(statuses.values()), dict(statuses), dict(timings), duration


# --- the bot's process -----------------------------------------------------------------


@dataclass
class Bot:
    db: Database
    engine: Engine
    clock: BenchClock
    app: Application
    base: str
    cookie: str = ""
    turns: int = 0
    replies: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    async def chat(self, seconds: float, rate: float) -> list[float]:
        """Stakeholders' turns arriving every 1/rate s for `seconds`; each one's latency
        from its arrival time (so a busy loop that makes it start late counts too)."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        tasks = []
        for n in range(int(seconds * rate)):
            due = t0 + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            tasks.append(asyncio.ensure_future(self._turn(due)))
        return list(await asyncio.gather(*tasks))

    async def _turn(self, due: float) -> float:
        self.turns += 1
        who = str(1 + self.turns % STAKEHOLDERS)
        text = CHAT_COMMANDS[self.turns % len(CHAT_COMMANDS)]
        inbound = Inbound("telegram", who, who, InboundKind.TEXT, text=text, language_code="hi")
        replies = await self.engine.handle(inbound, update_key=f"web-bench-{self.turns}")
        shown = " ".join(r.text or "" for r in replies)
        if not replies or (text == "/updates" and UPDATE_TEXT not in shown):
            raise RuntimeError(f"{text}: {[r.text for r in replies]}")
        self.replies[text] += 1
        return asyncio.get_running_loop().time() - due

    async def sign_in(self) -> None:
        token = await self.db.write(lambda conn: web_access.new_link(conn, CDA, self.clock()))
        async with aiohttp.ClientSession(self.base) as session, session.post(
            "/dashboard/signin", data={"token": token}, allow_redirects=False
        ) as response:
            cookie = response.cookies.get(SESSION_COOKIE)
            if response.status != 303 or cookie is None:
                raise RuntimeError(f"sign-in: HTTP {response.status}")
            self.cookie = cookie.value


Fetched = list[tuple[str, int, int, float]]  # (path, status, bytes, seconds)


def line(label: str, found: Fetched) -> str:
    ms = [seconds * 1000 for *_x, seconds in found]
    statuses = ",".join(sorted({str(status) for _p, status, _b, _s in found}))
    size = f"{found[-1][2]:,}"
    p50, p99 = statistics.median(ms), percentile(ms, 0.99)
    return (
        f"{label:<46} {statuses:>6} {size:>8} {p50:>8.1f} {p99:>8.1f} {max(ms):>8.1f}"
        f" {len(ms):>5}"
    )


async def pages(bot: Bot, pool: ProcessPoolExecutor, runs: int) -> None:
    loop = asyncio.get_running_loop()

    async def fetch(plan: list[str]) -> Fetched:
        return await loop.run_in_executor(pool, fetch_each, bot.base, bot.cookie, plan)

    async def stale(path: str, cache: StaleWhileRefresh[Any]) -> tuple[Fetched, Fetched]:
        """Past the cache's lifetime, twice: the request that starts the re-read, and one
        right after it, which finds the reader thread busy with that re-read."""
        starts, during = [], []
        for _ in range(runs):
            bot.clock.skip(CACHE_SKIP)
            first, second = await fetch([path, path])
            starts.append(first)
            during.append(second)
            await cache.settled()
        return starts, during

    print("\n1. Pages one at a time (ms, from the browser's side)")
    print(
        f"{'':<46} {'status':>6} {'bytes':>8} {'p50':>8} {'p99':>8} {'max':>8} {'runs':>5}"
    )
    public_cache = bot.app[public.PAGE_CACHE]
    reports = bot.app[dashboard.REPORTS]
    # the public page's data is cached per language: each one's first reader waits for it
    cold = [(await fetch([f"{PUBLIC}?lang={lang}"]))[0] for lang in SHIPPED_LANGUAGES]
    print(line(f"public page, cold (first, {len(cold)} languages)", cold))
    print(line("public page, warm (cached data)", await fetch([PUBLIC] * runs)))
    starts, during = await stale(PUBLIC, public_cache)
    print(line("public page, stale: starts a re-read", starts))
    print(line("public page, just after: re-read under way", during))
    for kind in indicators.PERIOD_KINDS:
        cold = await fetch([f"{DASHBOARD}?period={kind}"])
        print(line(f"indicators, {kind}, cold (first)", cold))
    for kind in ("all", "month"):
        path = f"{DASHBOARD}?period={kind}"
        print(line(f"indicators, {kind}, warm (cached report)", await fetch([path] * runs)))
        starts, during = await stale(path, reports)
        print(line(f"indicators, {kind}, stale: starts a re-read", starts))
        print(line(f"indicators, {kind}, just after: re-read under way", during))
    for label, path in (
        ("dashboard home (redirects)", "/dashboard"),
        ("dashboard surveys", f"{DASHBOARD}/surveys"),
        ("dashboard deliveries", f"{DASHBOARD}/deliveries"),
        ("dashboard events", f"{DASHBOARD}/events"),
        ("dashboard action plan", f"{DASHBOARD}/plan"),
        ("Atom feed", f"{PUBLIC}/updates.atom"),
        ("join poster", f"{PUBLIC}/poster"),
        ("healthz", "/healthz"),
    ):
        print(line(label, await fetch([path] * max(1, runs // 3))))


@dataclass
class Phase:
    latencies: list[float]  # the chat's, seconds
    cpu: float  # the bot's process (loop + reader + writer threads), share of one core
    pages: int = 0
    pages_per_second: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    timings: Timings = field(default_factory=dict)


async def phase(
    bot: Bot,
    pool: ProcessPoolExecutor,
    events: tuple[Any, Any],
    args: argparse.Namespace,
    think: float | None,
) -> Phase:
    """The chat's stream alone (`think` None) or while the browsers read."""
    loop = asyncio.get_running_loop()
    if think is None:
        cpu, wall = time.process_time(), time.perf_counter()
        latencies = await bot.chat(args.seconds, args.rate)
        return Phase(latencies, (time.process_time() - cpu) / (time.perf_counter() - wall))
    stop, started = events
    stop.clear()
    started.clear()
    reading = loop.run_in_executor(
        pool, read_until_stopped, bot.base, bot.cookie, READER_PATHS, args.readers, think
    )
    # the chat's stream starts once pages are being served, and ends before they stop
    await loop.run_in_executor(None, started.wait)
    await asyncio.sleep(min(2.0, args.seconds / 5))
    cpu, wall = time.process_time(), time.perf_counter()
    latencies = await bot.chat(args.seconds, args.rate)
    used = (time.process_time() - cpu) / (time.perf_counter() - wall)
    stop.set()
    count, statuses, timings, duration = await reading
    return Phase(latencies, used, count, count / duration, statuses, timings)


def chat_row(label: str, found: list[Phase], alone: list[Phase]) -> str:
    ms = [t * 1000 for p in found for t in p.latencies]
    base = percentile([t for p in alone for t in p.latencies], 0.99) * 1000
    pages = sum(p.pages_per_second for p in found) / len(found)
    cpu = sum(p.cpu for p in found) / len(found)
    # what the pages added to the bot's CPU, over the pages served: ms of CPU a page costs
    idle = sum(p.cpu for p in alone) / len(alone)
    per_page = f"{(cpu - idle) * 1000 / pages:.1f}" if pages else ""
    shown = f"{pages:.1f}" if pages else ""
    return (
        f"{label:<46} {statistics.median(ms):>8.1f} {percentile(ms, 0.99):>8.1f}"
        f" {max(ms):>8.1f} {percentile(ms, 0.99) / base:>6.2f} {shown:>7} {cpu:>5.0%}"
        f" {per_page:>6}"
    )


def page_rows(found: list[Phase]) -> None:
    timings: Timings = defaultdict(list)
    statuses: dict[int, int] = defaultdict(int)
    for p in found:
        for path, times in p.timings.items():
            timings[path].extend(times)
        for status, n in p.statuses.items():
            statuses[status] += n
    for path, times in sorted(timings.items()):
        ms = [t * 1000 for t in times]
        print(
            f"{'':<4}pages {path:<36} p50 {statistics.median(ms):.0f} ms,"
            f" p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms ({len(ms)})"
        )
    print(f"{'':<4}" + ", ".join(f"HTTP {s}: {n}" for s, n in sorted(statuses.items())))


async def load(
    bot: Bot, pool: ProcessPoolExecutor, events: tuple[Any, Any], args: argparse.Namespace
) -> None:
    print(
        f"\n2. Chat replies, {args.rate:g} turns/s for {args.seconds:g} s a run (ms from"
        f" arrival), alone and with {args.readers} browsers reading"
        f" {', '.join(sorted(set(READER_PATHS)))}; runs alternate, {args.rounds} rounds"
    )
    print(
        f"{'':<46} {'p50':>8} {'p99':>8} {'max':>8} {'ratio':>6} {'pages/s':>7} {'CPU':>5}"
        f" {'ms/pg':>6}"
    )
    paced = f"{args.readers} browsers, a page every ~{args.think:g} s"
    await bot.chat(1.0, args.rate)  # first turns of each command: imports, catalogues
    alone: list[Phase] = []
    reading: list[Phase] = []
    for n in range(1, args.rounds + 1):
        alone.append(await phase(bot, pool, events, args, None))
        print(chat_row(f"round {n}: alone", alone[-1:], alone[-1:]))
        reading.append(await phase(bot, pool, events, args, args.think))
        print(chat_row(f"round {n}: {paced}", reading[-1:], alone[-1:]))
    print(chat_row("all rounds: alone", alone, alone))
    print(chat_row(f"all rounds: {paced}", reading, alone))
    page_rows(reading)
    saturated = [await phase(bot, pool, events, args, 0.0)]
    print(chat_row(f"{args.readers} browsers back to back (once)", saturated, alone))
    page_rows(saturated)
    print(
        "(ratio: p99 over the p99 alone; CPU: the bot's process, 100 % = one core;"
        " ms/pg: the bot's CPU per page served, above its CPU alone)"
    )


async def run(path: Path, args: argparse.Namespace) -> None:
    settings = Settings(db=path, admins=frozenset({f"{CDA.channel}:{CDA.channel_user_id}"}))
    db = await Database.open(path)
    clock = BenchClock()
    engine = Engine(db, settings, handlers.route, clock=clock)
    app = web.make_app(db, settings, clock=clock)
    runner = await web.serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    bot = Bot(db, engine, clock, app, f"http://{host}:{port}")
    spawn = multiprocessing.get_context("spawn")
    stop, started = spawn.Event(), spawn.Event()
    pool = ProcessPoolExecutor(1, spawn, initializer=_init_browsers, initargs=(stop, started))
    try:
        await bot.sign_in()
        await asyncio.get_running_loop().run_in_executor(
            pool, fetch_each, bot.base, bot.cookie, ["/healthz"]
        )  # the browsers' process is up before anything is timed
        freeze_heap()  # as `clusterbot run` does once start-up is over
        await pages(bot, pool, args.runs)
        await load(bot, pool, (stop, started), args)
        print(f"\nchat turns answered: {dict(bot.replies)}")
        print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    finally:
        pool.shutdown()
        await runner.cleanup()
        await db.close()


class Once(logging.Filter):
    """Each distinct log message once: a page failing under 50 readers would print its
    traceback thousands of times (the status counts say how often)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        key = record.getMessage()
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="requests per page (30)")
    parser.add_argument("--quick", action="store_true", help="1,000 stakeholders, not 10,000")
    parser.add_argument("--readers", type=int, default=50, help="concurrent browsers (50)")
    parser.add_argument("--seconds", type=float, default=15, help="each chat stream (15)")
    parser.add_argument("--rate", type=float, default=20, help="chat turns a second (20)")
    parser.add_argument("--rounds", type=int, default=3, help="alone/reading pairs (3)")
    parser.add_argument("--think", type=float, default=5, help="a reader's pause, s (5)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(Once())
    if args.quick:
        scale = 10
        bench_report.PEOPLE //= scale
        bench_report.RSVPS //= scale
        bench_report.RESPONSES //= scale
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-web.db"
        start = time.perf_counter()
        fill(path)
        complete(path)
        print(
            f"filled in {time.perf_counter() - start:.1f} s: {bench_report.PEOPLE:,}"
            f" stakeholders, a year of history; {path.stat().st_size / 1e6:.0f} MB"
        )
        print(f"{os.cpu_count()} cores; load average (1, 5, 15 min) at start: {os.getloadavg()}")
        asyncio.run(run(path, args))
    bot_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    browsers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: bot {bot_rss:.0f} MB (listener + engine), browsers {browsers_rss:.0f} MB")


if __name__ == "__main__":
    main()
