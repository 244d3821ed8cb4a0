"""What the dashboard pages show (issue 16): the indicator page's figures are those of
`/report` (the same `indicators.build`, the same period), observers never see a name, phone,
village or typed answer, each page marks itself in the section nav, and money is in rupees."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Settings
from bot.engine import Engine
from bot.i18n import translator
from bot.reports import indicators
from bot.reports.indicators import Share
from bot.reports.labels import share_text
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.reports.fixture import BAGRU
from tests.web.dashboard_site import (
    CDA,
    OBSERVER,
    PRIVATE,
    SURVEY,
    TYPED,
    client_for,
    fill,
    sign_in,
)

PAGES = [
    "/dashboard/BAGRU",
    "/dashboard/BAGRU?period=quarter",
    "/dashboard/BAGRU?period=all",
    "/dashboard/BAGRU/surveys",
    f"/dashboard/BAGRU/surveys/{SURVEY}",
    f"/dashboard/BAGRU/surveys/{SURVEY}?by=role",
    "/dashboard/BAGRU/deliveries",
    "/dashboard/BAGRU/events",
    "/dashboard/BAGRU/plan",
]
FIGURE = re.compile(r'<li data-figure="([a-z_]+)"><span class="value">([^<]*)</span>')


@pytest.fixture
async def client(
    db: Database, settings: Settings, clock: FakeClock
) -> AsyncIterator[TestClient]:
    await db.write(fill)
    async with client_for(db, settings, clock) as found:
        yield found


def _figures(html: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in FIGURE.findall(html):
        found.setdefault(key, value)  # the first section that shows it
    return found


@pytest.mark.parametrize("kind", indicators.PERIOD_KINDS)
@pytest.mark.parametrize("lang", ["en", "hi"])
async def test_the_indicator_page_shows_the_reports_figures(
    client: TestClient, db: Database, clock: FakeClock, kind: str, lang: str
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    html = await (await client.get(f"/dashboard/BAGRU?period={kind}&lang={lang}")).text()
    report = await db.read(lambda conn: indicators.build(
        conn, BAGRU, indicators.period_for(kind, clock(), ZoneInfo("Asia/Kolkata"))))  # fmt: skip
    t = translator(lang)
    shown = _figures(html)
    s, p = report.scale, report.participation
    assert shown["registered"] == t.number(s.registered)
    assert shown["new"] == t.number(s.new_in_period)
    assert shown["women"] == share_text(t, report.outreach.women_registered)
    assert shown["events"] == t.number(len(p.events))
    assert shown["came"] == share_text(t, Share(p.attended, p.invited))
    assert shown["updates"] == t.number(len(report.transparency.updates))
    assert shown["budget"] == t.money(round(report.action_plan.budget_paise / 100))
    # the fixture's figures, counted by hand in tests/reports, so a wrong build fails too
    if kind == "all":
        assert (s.registered, len(p.events), p.attended) == (6, 3, 6)
    # the chosen period is the marked filter
    assert f'href="/dashboard/BAGRU?period={kind}" aria-current="true"' in html


async def test_observers_never_see_personal_data_or_typed_answers(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    for url in ["/dashboard", *PAGES]:
        response = await client.get(url)
        assert response.status == 200, url
        html = await response.text()
        leaked = [word for word in PRIVATE if word.casefold() in html.casefold()]
        assert leaked == [], url
        assert ".xlsx" not in html and ".csv" not in html, url  # no download links
    # the survey page does count the typed answers, without showing them
    html = await (await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}")).text()
    assert "Your name?" in html


async def test_the_cluster_cda_gets_the_download_links(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, CDA)
    html = await (await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}")).text()
    assert f'href="/dashboard/BAGRU/surveys/{SURVEY}.xlsx"' in html
    assert f'href="/dashboard/BAGRU/surveys/{SURVEY}.csv"' in html
    response = await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}.csv")
    # the form has a repeat group: the main CSV and one per repeat, zipped
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(await response.read())) as archive:
        assert sorted(archive.namelist()) == [f"{SURVEY}.csv", f"{SURVEY}_product_rows.csv"]
        text = archive.read(f"{SURVEY}.csv").decode("utf-8-sig")
    assert TYPED[0] in text  # the export is the full one, with what people typed
    assert "Anil" not in text  # but of this cluster's people only


async def test_survey_figures_split_by_gender_and_role(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    by_gender = await (await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}")).text()
    # "What do you make?": pottery 2 (a woman and a man), weaving 2 (two women); ALLEPPEY's
    # answer (pottery) is not counted
    row = re.search(r'<th scope="row">Pottery</th>(.*?)</tr>', by_gender)
    assert row is not None
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["2 (67%)", "1", "1"]
    by_role = await (await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}?by=role")).text()
    row = re.search(r'<th scope="row">Weaving</th>(.*?)</tr>', by_role)
    assert row is not None
    # weaving: Sunita (artisan) and Lakshmi (SHG member)
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["2 (67%)", "1", "1"]
    assert "Artisan" in by_role and "SHG member" in by_role


async def test_each_page_marks_itself_in_the_section_nav(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    for url, current in (
        ("/dashboard/BAGRU", "/dashboard/BAGRU"),
        ("/dashboard/BAGRU/surveys", "/dashboard/BAGRU/surveys"),
        (f"/dashboard/BAGRU/surveys/{SURVEY}", "/dashboard/BAGRU/surveys"),
        ("/dashboard/BAGRU/deliveries", "/dashboard/BAGRU/deliveries"),
        ("/dashboard/BAGRU/events", "/dashboard/BAGRU/events"),
        ("/dashboard/BAGRU/plan", "/dashboard/BAGRU/plan"),
    ):
        html = await (await client.get(url)).text()
        marked = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
        assert marked == [current], url
        assert "Bagru hand-block printers" in html
        assert "<script" not in html and "style=" not in html


async def test_charts_come_with_their_numbers(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    for url in ("/dashboard/BAGRU?period=all", "/dashboard/BAGRU/plan",
                "/dashboard/BAGRU/deliveries", f"/dashboard/BAGRU/surveys/{SURVEY}"):  # fmt: skip
        html = await (await client.get(url)).text()
        pairs = html.count('<div class="pair">')
        assert pairs >= 1, url
        assert html.count("<svg") == pairs, url  # every chart beside its table


async def test_the_plan_page_shows_the_budget_split_in_rupees(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    html = await (await client.get("/dashboard/BAGRU/plan")).text()
    # not dropped: beneficiaries 1,00,000 + 50,000; agency 4,00,000 + 2,00,000; others 1,50,000
    assert '<th scope="row">Beneficiaries</th><td class="num">₹1,50,000</td>' in html
    assert '<th scope="row">Implementing agency</th><td class="num">₹6,00,000</td>' in html
    assert '<th scope="row">Total</th><td class="num">₹9,00,000</td>' in html
    assert "Dye workshop" in html and "Brand strategy" in html


async def test_the_event_and_delivery_pages_count(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OBSERVER)
    events = await (await client.get("/dashboard/BAGRU/events")).text()
    visit = events[events.index("Exposure visit to a dye house"):]
    assert '<th scope="row">Waiting list</th><td class="num">1</td>' in visit
    assert '<th scope="row">Seats</th><td class="num">30</td>' in visit
    assert "Coir meeting" not in events  # another cluster's
    ledger = await (await client.get("/dashboard/BAGRU/deliveries")).text()
    # broadcast 1: sent to 2, failed 1, opted out 1
    assert ('<th scope="row">#1 · 1 Oct 2026 · failed 1 · opted out 1</th><td class="num">2'
            '</td><td class="num">0</td><td class="num">2</td>') in ledger  # fmt: skip
    assert _figures(ledger)["sent"] == "18"


async def test_the_indicators_are_built_once_for_many_readers_and_follow_the_chat(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    """One build per cluster and period serves every reader for REPORT_SECONDS; after that
    the next reader starts a fresh build, and the page shows what changed."""
    from bot.web.dashboard import REPORT_SECONDS, REPORTS

    await sign_in(client, db, clock, OBSERVER)
    url = "/dashboard/BAGRU?period=all"
    assert _figures(await (await client.get(url)).text())["registered"] == "6"
    await db.write(lambda conn: conn.execute(
        "UPDATE contacts SET status = 'registered', cluster_id = ?, registered_at = ?"
        " WHERE id = 8", (BAGRU, "2026-11-01T05:00:00+00:00")))  # fmt: skip
    assert _figures(await (await client.get(url)).text())["registered"] == "6"  # the same build
    clock.advance(seconds=REPORT_SECONDS + 1)
    await client.get(url)  # served the old one while the new one is read
    assert client.app is not None
    await client.app[REPORTS].settled()
    assert _figures(await (await client.get(url)).text())["registered"] == "7"


async def test_home_lists_the_clusters_of_a_cda_of_several(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    from bot.storage.web_access import Identity

    await sign_in(client, db, clock, Identity("test", "cda"))  # the settings' admin: every cluster
    response = await client.get("/dashboard", allow_redirects=False)
    assert response.status == 200
    html = await response.text()
    assert '<a href="/dashboard/BAGRU">Bagru hand-block printers</a>' in html
    assert '<a href="/dashboard/ALLEPPEY">Alleppey coir makers</a>' in html
    assert "Signed in as a CDA" in html and 'action="/dashboard/signout"' in html
    assert "test:cda" not in html  # who is signed in is told by role, not by an address


async def test_unknown_clusters_surveys_and_periods(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, CDA)
    assert (await client.get("/dashboard/NOSUCH")).status == 404
    assert (await client.get("/dashboard/BAGRU/surveys/nosuch")).status == 404
    assert (await client.get("/dashboard/BAGRU/surveys/nosuch.xlsx")).status == 404
    assert (await client.get("/dashboard/BAGRU/surveys/coir")).status == 404  # ALLEPPEY's
    html = await (await client.get("/dashboard/BAGRU?period=decade")).text()
    assert 'href="/dashboard/BAGRU?period=month" aria-current="true"' in html


async def test_the_page_and_report_in_the_chat_agree(
    client: TestClient, db: Database, clock: FakeClock, engine: Engine
) -> None:
    """The CDA sends /report and presses "Last 3 months", then opens the same period."""
    chat = ChatDriver(engine, user_id=CDA.channel_user_id)
    await chat.say("/report")  # CDA of one cluster: straight to the period
    text = (await chat.press("rep:p:quarter"))[0].text
    await sign_in(client, db, clock, CDA)
    shown = _figures(await (await client.get("/dashboard/BAGRU?period=quarter")).text())
    assert f"Registered: {shown['registered']} (new in the period: {shown['new']})" in text
    assert f"Women among them: {shown['women_participants']}" in text
    assert f"came {shown['came']}" in text
    assert f"Budget: {shown['budget']}" in text
    assert (shown["registered"], shown["came"]) == ("6", "5 of 9 (56%)")  # tests/reports' count


async def test_the_sections_of_a_kept_report_are_drawn_once_per_language(
    client: TestClient, db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing the indicator page's sections holds the event loop the chat shares: while the
    report is the same they are drawn once per language, then again for a new report."""
    from bot.web import dashboard, dashboard_report
    from bot.web.dashboard import REPORT_SECONDS, REPORTS

    drawn: list[str] = []
    original = dashboard_report.sections

    def counting(*args: object, **kw: object) -> object:
        drawn.append("x")
        return original(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(dashboard.dashboard_report, "sections", counting)
    await sign_in(client, db, clock, CDA)
    url = "/dashboard/BAGRU?period=all"
    first = await (await client.get(url)).text()
    assert await (await client.get(url)).text() == first
    assert len(drawn) == 1
    hindi = await (await client.get(url + "&lang=hi")).text()
    assert '<html lang="hi">' in hindi and len(drawn) == 2
    clock.advance(seconds=REPORT_SECONDS + 1)
    await client.get(url + "&lang=en")
    assert client.app is not None
    await client.app[REPORTS].settled()
    await client.get(url + "&lang=en")
    assert len(drawn) == 3
