"""The signed-in dashboard (issue 16) for CDAs and observers: read-only pages of one cluster —
indicators, surveys, deliveries, events, the action plan — and, for the cluster's CDAs only,
the survey downloads with every answer.

Every page checks the session and the viewer's rights again (bot/web/viewer.py) and builds
its figures on the reader connection with the code the chat uses: the indicators with
`bot.reports.indicators.build` and `period_for` exactly as /report does, survey figures
with bot/surveys/results.py, the ledger with bot/storage/outbox.py.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import iso
from bot.i18n import N_, Translator
from bot.reports import indicators
from bot.reports.labels import PERIOD_LABELS
from bot.storage import audit
from bot.storage.clusters import Cluster
from bot.web import dashboard_data, dashboard_pages, dashboard_report, dashboard_surveys, render
from bot.web.blocks import Link, Section
from bot.web.public_cache import DrawnFrom, StaleWhileRefresh
from bot.web.state import WebState
from bot.web.viewer import Viewer, require, require_cluster, visible_clusters

# the section nav: (path after /dashboard/<code>, label)
PAGES = (
    ("", N_("Indicators")),
    ("/surveys", N_("Surveys")),
    ("/deliveries", N_("Deliveries")),
    ("/events", N_("Events")),
    ("/plan", N_("Action plan")),
)
ROLE_SIGNED_IN = {
    "cda": N_("Signed in as a CDA"),
    "observer": N_("Signed in as an observer"),
}
EXPORT_ACTION = "survey.export"  # as the chat's /export writes it to the audit log
# A report of 10,000 people takes a few hundred ms to build on the one reader thread: fifty
# readers at once would queue for seconds. One build per cluster and period serves them all
# (single flight), and for REPORT_SECONDS after it, while one read refreshes it; the page
# then lags the chat by seconds. Language is left out of the key: the words are added after.
REPORT_SECONDS = 15
# (cluster, period, language) -> the kept report's sections and period line
SECTIONS = web.AppKey(
    "clusterbot.dashboard_sections", DrawnFrom[tuple[list[Section], str]]
)
REPORTS = web.AppKey("clusterbot.dashboard_reports", StaleWhileRefresh[indicators.Report])


def add(app: web.Application) -> None:
    app[REPORTS] = StaleWhileRefresh(timedelta(seconds=REPORT_SECONDS))
    app[SECTIONS] = DrawnFrom()
    app.on_cleanup.append(_close_reports)
    app.router.add_get("/dashboard", home)
    app.router.add_get("/dashboard/{code}", report_page)
    app.router.add_get("/dashboard/{code}/surveys", surveys_page)
    app.router.add_get("/dashboard/{code}/surveys/{key}.xlsx", survey_xlsx)
    app.router.add_get("/dashboard/{code}/surveys/{key}.csv", survey_csv)
    app.router.add_get("/dashboard/{code}/surveys/{key}", survey_page)
    app.router.add_get("/dashboard/{code}/deliveries", deliveries_page)
    app.router.add_get("/dashboard/{code}/events", events_page)
    app.router.add_get("/dashboard/{code}/plan", plan_page)


async def _close_reports(app: web.Application) -> None:
    await app[REPORTS].close()


async def _report(request: web.Request, cluster: Cluster, kind: str) -> indicators.Report:
    state = WebState.of(request)
    now = state.clock()

    def build(conn: sqlite3.Connection) -> indicators.Report:
        # as handlers/report.py builds it: the same period in the cluster's time zone
        return indicators.build(
            conn, cluster.id, indicators.period_for(kind, now, ZoneInfo(cluster.timezone))
        )

    async def read() -> indicators.Report:
        return await state.db.read(build, lane="bulk")

    return await request.app[REPORTS].get((cluster.id, kind), now, read)


def _base(cluster: Cluster) -> str:
    return f"/dashboard/{cluster.code}"


def _signed_in(_: Translator, viewer: Viewer, cluster: Cluster | None = None) -> str:
    """The role on this cluster's pages (CDA of one, observer of another), else any CDA row."""
    cda = viewer.manages(cluster) if cluster else viewer.access.cda
    return _(ROLE_SIGNED_IN["cda" if cda else "observer"])


def _page(
    request: web.Request,
    viewer: Viewer,
    cluster: Cluster,
    current: str,
    title: str,
    sections: list[Section],
    *,
    subtitle: str = "",
    filters: list[tuple[str, str, bool]] | None = None,
) -> web.Response:
    _ = render.translator_for(request)
    base = _base(cluster)
    nav = [(base + path, _(label), path == current) for path, label in PAGES]
    return render.page(
        request,
        "dashboard_page.html",
        title=title,
        cluster=cluster,
        subtitle=subtitle,
        nav=nav,
        filters=filters or [],
        sections=sections,
        viewer=viewer,
        signed_in=_signed_in(_, viewer, cluster),
    )


async def home(request: web.Request) -> web.StreamResponse:
    viewer = await require(request)
    found = await visible_clusters(request, viewer)
    if len(found) == 1:
        raise web.HTTPSeeOther(_base(found[0]))
    _ = render.translator_for(request)
    return render.page(
        request,
        "dashboard_home.html",
        title=_("Dashboard"),
        clusters=[(c.name, _base(c)) for c in found],
        viewer=viewer,
        signed_in=_signed_in(_, viewer),
    )


async def report_page(request: web.Request) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    kind = request.query.get("period", "month")
    if kind not in indicators.PERIOD_KINDS:
        kind = "month"
    report = await _report(request, cluster, kind)
    _ = render.translator_for(request)
    base = _base(cluster)
    filters = [
        (f"{base}?period={k}", _(PERIOD_LABELS[k]), k == kind) for k in indicators.PERIOD_KINDS
    ]
    sections, subtitle = request.app[SECTIONS].get(
        (cluster.id, kind, _.language),
        report,
        lambda: (
            dashboard_report.sections(_, report, base + "/surveys/{key}"),
            dashboard_report.period_line(_, report),
        ),
    )
    return _page(
        request, viewer, cluster, "", cluster.name, list(sections),
        subtitle=subtitle, filters=filters,
    )  # fmt: skip


async def surveys_page(request: web.Request) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    # the survey table of the whole programme's report: one definition of the counts
    report = await _report(request, cluster, "all")
    _ = render.translator_for(request)
    section = dashboard_report.survey_section(_, report, _base(cluster) + "/surveys/{key}")
    return _page(request, viewer, cluster, "/surveys", f"{cluster.name} · {_('Surveys')}",
                 [section], subtitle=dashboard_report.period_line(_, report))  # fmt: skip


def _by(request: web.Request) -> str:
    by = request.query.get("by", "gender")
    return by if by in dashboard_surveys.SPLITS else "gender"


async def survey_page(request: web.Request) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    state = WebState.of(request)
    key = request.match_info["key"]
    by = _by(request)
    _ = render.translator_for(request)

    def build(conn: sqlite3.Connection) -> tuple[str, list[Section]] | None:
        survey = dashboard_surveys.visible(conn, cluster.id, key)
        if survey is None:
            return None
        found, groups = dashboard_surveys.figures(conn, survey, cluster.id, by)
        titles = indicators.survey_titles(conn, cluster.id).get(key, {})
        title = titles.get(_.language) or titles.get("en") or survey.title
        return title, dashboard_surveys.sections(_, found, groups, by)

    built = await state.db.read(build, lane="pages")
    if built is None:
        raise web.HTTPNotFound()
    title, sections = built
    base = f"{_base(cluster)}/surveys/{key}"
    if viewer.manages(cluster):
        sections[0].links += [
            Link(_("Spreadsheet") + " (XLSX)", base + ".xlsx"),
            Link("CSV", base + ".csv"),
        ]
    filters = [
        (f"{base}?by={k}", _(label), k == by) for k, label in dashboard_surveys.SPLITS.items()
    ]
    return _page(request, viewer, cluster, "/surveys", f"{cluster.name} · {title}", sections,
                 filters=filters)  # fmt: skip


async def _download(request: web.Request, fmt: str) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    if not viewer.manages(cluster):  # every answer, with who gave it: CDAs of the cluster only
        raise web.HTTPForbidden()
    state = WebState.of(request)
    key = request.match_info["key"]
    now = state.clock()

    def visible(conn: sqlite3.Connection) -> bool:
        return dashboard_surveys.visible(conn, cluster.id, key) is not None

    if not await state.db.read(visible, lane="web"):
        raise web.HTTPNotFound()

    def note(conn: sqlite3.Connection) -> None:
        audit.record(
            conn, at=iso(now), actor=viewer.ref, action=EXPORT_ACTION, cluster_id=cluster.id,
            subject=key, detail={"format": fmt, "via": "web"},
        )  # fmt: skip

    await state.db.write(note)
    if fmt == "xlsx":
        body = await state.db.read(
            lambda conn: dashboard_surveys.xlsx(conn, key, cluster.id), lane="bulk"
        )
        content_type, name = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{key}.xlsx",
        )
    else:
        body, content_type = await state.db.read(
            lambda conn: dashboard_surveys.csv_download(conn, key, cluster.id), lane="bulk"
        )
        name = f"{key}.zip" if content_type == "application/zip" else f"{key}.csv"
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def survey_xlsx(request: web.Request) -> web.Response:
    return await _download(request, "xlsx")


async def survey_csv(request: web.Request) -> web.Response:
    return await _download(request, "csv")


async def deliveries_page(request: web.Request) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    state = WebState.of(request)

    def build(
        conn: sqlite3.Connection,
    ) -> tuple[list[dashboard_data.Delivery], list[dashboard_data.EventDeliveries]]:
        return (
            dashboard_data.broadcast_deliveries(conn, cluster.id),
            dashboard_data.event_deliveries(conn, cluster.id),
        )

    sent, events = await state.db.read(build, lane="pages")
    _ = render.translator_for(request)
    sections = dashboard_pages.deliveries(_, ZoneInfo(cluster.timezone), sent, events)
    return _page(request, viewer, cluster, "/deliveries",
                 f"{cluster.name} · {_('Deliveries')}", sections)  # fmt: skip


async def events_page(request: web.Request) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    state = WebState.of(request)

    def build(
        conn: sqlite3.Connection,
    ) -> tuple[list[dashboard_data.EventFigures], dict[int, dict[str, str]]]:
        return (
            dashboard_data.events(conn, cluster.id),
            indicators.event_titles(conn, cluster.id),
        )

    found, titles = await state.db.read(build, lane="pages")
    _ = render.translator_for(request)
    sections = dashboard_pages.events(
        _, ZoneInfo(cluster.timezone), iso(state.clock()), found, titles
    )
    return _page(request, viewer, cluster, "/events", f"{cluster.name} · {_('Events')}",
                 sections)  # fmt: skip


async def plan_page(request: web.Request) -> web.Response:
    viewer, cluster = await require_cluster(request, request.match_info["code"])
    state = WebState.of(request)
    _ = render.translator_for(request)

    def build(
        conn: sqlite3.Connection,
    ) -> tuple[indicators.ActionPlan, list[dashboard_data.Activity]]:
        return (
            indicators.action_plan(conn, cluster.id),
            dashboard_data.activities(conn, cluster.id, _.language),
        )

    totals, found = await state.db.read(build, lane="pages")
    sections = dashboard_pages.plan(_, totals, found)
    return _page(request, viewer, cluster, "/plan", f"{cluster.name} · {_('Action plan')}",
                 sections)  # fmt: skip
