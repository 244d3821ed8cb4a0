"""The public page of a cluster (issue 16): /c/<CODE>, its Atom feed and its join poster.

All three answer 404 — the same page as for a cluster that does not exist — unless the
cluster's CDA turned its page on (`/publicpage on`), so the answer never tells whether a
cluster exists. What the page shows is cut in `bot.web.public_data` (no personal data, no
group of fewer than 5 people).

The page's data is kept in memory per cluster and language and read again in the background
once it is `CACHE_SECONDS` old (bot/web/public_cache.py): the indicators read every contact
and answer of the cluster, too slow for each visit of a big cluster, so the public page may
lag the chat by up to a minute. Whether the page is on is read on every request, so
turning it off takes effect at once.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from markupsafe import Markup

from bot.i18n import N_, Translator
from bot.reports.indicators import Share
from bot.reports.labels import (
    GENDER_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    label,
    month,
    percent,
    rupees,
    share_text,
)
from bot.storage import clusters, web_access
from bot.storage.clusters import Cluster
from bot.web import public_feed, qr, render, svg
from bot.web.public_cache import DrawnFrom, StaleWhileRefresh
from bot.web.public_data import Counted, PublicData, count, gather, shown_updates
from bot.web.state import WebState

CACHE_SECONDS = 60
FEED_ENTRIES = 50
KIND_LABELS = {"meeting": N_("Meeting"), "visit": N_("Exposure visit")}


# (cluster, language, path and query, join links) -> the page's HTML, of the kept data
PAGE_HTML = web.AppKey("clusterbot.public_page_html", DrawnFrom[str])
PAGE_CACHE = web.AppKey("clusterbot.public_page_cache", StaleWhileRefresh[PublicData])
COUNTS_CACHE = web.AppKey("clusterbot.public_counts_cache", StaleWhileRefresh[Counted])


def add(app: web.Application) -> None:
    app[PAGE_CACHE] = StaleWhileRefresh(timedelta(seconds=CACHE_SECONDS))
    app[PAGE_HTML] = DrawnFrom()
    app[COUNTS_CACHE] = StaleWhileRefresh(timedelta(seconds=CACHE_SECONDS))
    app.on_cleanup.append(_close_cache)
    app.router.add_get("/c/{code}", page)
    app.router.add_get("/c/{code}/updates.atom", atom)
    app.router.add_get("/c/{code}/poster", poster)


async def public_cluster(request: web.Request) -> Cluster:
    """The cluster of the URL when its page is on; 404 otherwise, whichever the reason."""
    code = request.match_info["code"]

    def find(conn: sqlite3.Connection) -> Cluster | None:
        cluster = clusters.by_code(conn, code)
        if cluster is None or not web_access.public_page_on(conn, cluster.id):
            return None
        return cluster

    found = await WebState.of(request).db.read(find, lane="web")
    if found is None:
        raise web.HTTPNotFound()
    return found


def base_url(request: web.Request) -> str:
    """Where links point: the configured public URL, else the host the reader asked."""
    configured = WebState.of(request).settings.public_url
    return configured or f"{request.scheme}://{request.host}"


async def _close_cache(app: web.Application) -> None:
    await app[PAGE_CACHE].close()
    await app[COUNTS_CACHE].close()


async def page_data(request: web.Request, cluster: Cluster, language: str) -> PublicData:
    state, app = WebState.of(request), request.app  # read() may outlive the request
    now = state.clock()

    async def read_counts() -> Counted:
        return await state.db.read(lambda conn: count(conn, cluster, now), lane="bulk")

    async def read() -> PublicData:
        # the counts are shared by every language: one costly read per cluster, not seven
        counted = await app[COUNTS_CACHE].get(cluster.id, now, read_counts, wait=True)
        return await state.db.read(
            lambda conn: gather(conn, cluster, language, now, counted), lane="bulk"
        )

    return await app[PAGE_CACHE].get((cluster.id, language), now, read)


def _drawn(markup: str) -> Markup:
    """An SVG from bot/web/svg.py or qr.py, which escape every text they draw."""
    return Markup(markup)


def _counts_chart(t: Translator, title: str, labels: dict[str, str],
                  counts: dict[str, int]) -> Markup:  # fmt: skip
    bars = [svg.Bar(label(t, labels, k), n, t.number(n)) for k, n in counts.items()]
    return _drawn(svg.bar_chart(title, bars))


def _budget_rows(t: Translator, data: PublicData) -> list[tuple[str, int]]:
    budget = data.budget
    return [
        (t("Beneficiaries' share"), budget.beneficiaries_paise),
        (t("Agency's share"), budget.agency_paise),
        (t("Other institutions"), budget.others_paise),
    ]


def _charts(t: Translator, data: PublicData) -> dict[str, Markup]:
    parts = [svg.Bar(name, paise / 100, rupees(t, paise)) for name, paise in _budget_rows(t, data)]
    points = [
        svg.Point(
            month(t, m.month),
            m.share.rate if m.share is not None else None,
            percent(t, m.share) if m.share is not None else "",
        )
        for m in data.attendance
    ]
    trend = svg.line_chart(t("Attendance by month"), points, top=(1.0, percent(t, Share(1, 1))))
    return {
        "budget": _drawn(svg.split_bar(t("Budget"), parts)),
        "roles": _counts_chart(t, t("Role"), ROLE_LABELS, data.by_role),
        "genders": _counts_chart(t, t("Gender"), GENDER_LABELS, data.by_gender),
        "attendance": _drawn(trend),
    }


async def page(request: web.Request) -> web.Response:
    cluster = await public_cluster(request)
    t = render.translator_for(request)
    data = await page_data(request, cluster, t.language)
    join = join_links(request, cluster)
    key = (cluster.id, t.language, request.path_qs, tuple(link.url for link in join))
    text = request.app[PAGE_HTML].get(
        key, data, lambda: _page_html(request, cluster, t, data, join)
    )
    return _cacheable(render.respond(request, text))


def _cacheable(response: web.Response) -> web.Response:
    """Browsers and proxies may keep the public page as long as we keep its data; the
    language may come from the header or the cookie, so a kept copy is per both."""
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _page_html(
    request: web.Request, cluster: Cluster, t: Translator, data: PublicData, join: list[JoinLink]
) -> str:
    lang_query = f"?lang={t.language}"
    charts = _charts(t, data)
    groups = [
        (t("Role"), charts["roles"], ROLE_LABELS, data.by_role),
        (t("Gender"), charts["genders"], GENDER_LABELS, data.by_gender),
    ]
    return render.html(
        request,
        "public.html",
        title=cluster.name,
        data=data,
        charts=charts,
        groups=groups,
        budget_rows=_budget_rows(t, data),
        share=Share,
        percent=percent,
        zone=data.zone,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        label=label,
        month=month,
        rupees=rupees,
        share_text=share_text,
        feed_url=f"/c/{cluster.code}/updates.atom{lang_query}",
        poster_url=f"/c/{cluster.code}/poster{lang_query}",
        join=join,
    )


async def atom(request: web.Request) -> web.Response:
    cluster = await public_cluster(request)
    t = render.translator_for(request)
    state = WebState.of(request)
    shown, _more = await state.db.read(
        lambda conn: shown_updates(conn, cluster.id, t.language, FEED_ENTRIES), lane="web"
    )
    body = public_feed.atom(
        cluster,
        shown,
        base=base_url(request),
        language=t.language,
        title=t("Updates from {cluster}").format(cluster=cluster.name),
        now=state.clock(),
    )
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")


@dataclass(frozen=True)
class JoinLink:
    platform: str  # Telegram | WhatsApp
    url: str


def join_links(request: web.Request, cluster: Cluster) -> list[JoinLink]:
    """The Telegram deep link and the WhatsApp click-to-chat link, each when known."""
    links = WebState.of(request).links
    found = []
    if links.telegram_username:
        # a username or number the platform would refuse: no link rather than a broken one
        with contextlib.suppress(ValueError):
            found.append(JoinLink("Telegram", qr.telegram_link(links.telegram_username,
                                                               cluster.code)))
    if links.whatsapp_number:
        with contextlib.suppress(ValueError):
            found.append(JoinLink("WhatsApp", qr.whatsapp_link(links.whatsapp_number,
                                                               f"start {cluster.code}")))
    return found


async def poster(request: web.Request) -> web.Response:
    cluster = await public_cluster(request)
    t = render.translator_for(request)
    codes = [
        (link, _drawn(qr.qr_svg(link.url, title=t("Join on {platform}").format(
            platform=link.platform))))
        for link in join_links(request, cluster)
    ]  # fmt: skip
    return render.page(request, "poster.html", title=cluster.name, cluster=cluster, codes=codes)


