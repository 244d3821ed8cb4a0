"""Every web page of issue 16 in a real browser, on the demo's cluster (tests/web/demo_site.py):
a CDA signs in through the link the bot sends in the chat; each page opens at a phone's and a
desk's width without sideways scrolling, in English, Hindi and Telugu (the Indic text drawn
with the served Noto fonts, not boxes); the dashboard and the public page show /report's
figures; signing out closes the dashboard. Screenshots: test-output/screenshots/.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from bot.demo_history import MEMBERS
from bot.i18n import SHIPPED_LANGUAGES, native_name, translator
from bot.reports.indicators import PERIOD_KINDS
from bot.web.security import SESSION_COOKIE
from tests.web.browser import (
    VIEWPORT_HEIGHT,
    assert_no_horizontal_scroll,
    page_at,
    rendered_fonts,
    screenshot,
    visible_text,
)
from tests.web.demo_site import ANSWERS, CDA, DIAGNOSTIC, OBSERVER, Site, demo_site

if TYPE_CHECKING:
    # not exported by playwright.async_api; the type of BrowserContext.add_cookies' items
    from playwright._impl._api_structures import SetCookieParam

pytestmark = pytest.mark.asyncio(loop_scope="session")

WIDTHS = (360, 1280)
CODE = "BAGRU"
SURVEY, SURVEY_TITLE = DIAGNOSTIC, "Cluster diagnostic"  # answered in tests/web/demo_site.py
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Script:
    name: str
    letters: re.Pattern[str]
    font: str  # the served web font that must draw it


SCRIPTS = {
    "hi": Script("Devanagari", re.compile("[\u0900-\u097f]"), "Noto Sans Devanagari"),
    "te": Script("Telugu", re.compile("[\u0c00-\u0c7f]"), "Noto Sans Telugu"),
}
LANGUAGES = ("en", *SCRIPTS)


# (name in screenshot names, path)
PUBLIC_PAGES = (("public", f"/c/{CODE}"), ("poster", f"/c/{CODE}/poster"))
DASHBOARD_PAGES = (
    *((f"indicators-{kind}", f"/dashboard/{CODE}?period={kind}") for kind in PERIOD_KINDS),
    ("surveys", f"/dashboard/{CODE}/surveys"),
    ("survey", f"/dashboard/{CODE}/surveys/{SURVEY}"),
    ("deliveries", f"/dashboard/{CODE}/deliveries"),
    ("events", f"/dashboard/{CODE}/events"),
    ("plan", f"/dashboard/{CODE}/plan"),
)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    async with demo_site(tmp_path_factory.mktemp("site")) as found:
        yield found


async def sign_in(page: Page, site: Site, user_id: str) -> None:
    """As a person does: /dashboard in the chat, open the link, press the one button."""
    link = await site.sign_in_link(user_id)
    assert link.startswith(f"{site.base}/dashboard/signin/")
    confirm = await page.goto(link)
    assert confirm is not None and confirm.status == 200
    async with page.expect_navigation() as landing:
        await page.click("form[action='/dashboard/signin'] button")
    answer = await landing.value
    assert answer is not None and answer.status == 200
    # /dashboard lists the person's clusters, or opens the only one
    assert urlsplit(page.url).path in ("/dashboard", f"/dashboard/{CODE}"), page.url


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def cda_cookies(browser: Browser, site: Site) -> list[SetCookieParam]:
    """The CDA's session, signed in once for the module through the bot's link."""
    async with page_at(browser, 1280) as page:
        await sign_in(page, site, CDA)
        found = [c for c in await page.context.cookies() if c.get("name") == SESSION_COOKIE]
    assert len(found) == 1, found
    session: SetCookieParam = {"name": SESSION_COOKIE, "value": found[0]["value"], "url": site.base}
    return [session]


# /report's figures, each with the dashboard figure (data-figure) that shows it: the line's
# numbers in order, as the report writes them.
REPORT_LINES = {
    "registered": r"^Registered: ([\d,]+) \(",
    "new": r"^Registered: .*new in the period: ([\d,]+)\)",
    "women": r"^Women registered: ([\d,]+) of ([\d,]+)",
    "participants": r"^Took part in the period: ([\d,]+)",
    "women_participants": r"^Women among them: ([\d,]+) of ([\d,]+)",
    "events": r"^([\d,]+) events · invited",
    "invited": r"^[\d,]+ events · invited ([\d,]+)",
    "said_yes": r"^[\d,]+ events · .*said yes ([\d,]+) of ([\d,]+)",
    "came": r"^[\d,]+ events · .* came ([\d,]+) of ([\d,]+)",
    "updates": r"^Updates published: ([\d,]+)",
    "received": r"^Received: ([\d,]+)",
    "activities": r"^Activities: ([\d,]+)",
    "budget": r"^Budget: ₹([\d,]+)",
    "networks": r"^Networks: ([\d,]+)",
    "members": r"^Members: ([\d,]+)",
}
NUMBER = re.compile(r"\d[\d,]*")


def numbers(text: str) -> list[int]:
    return [int(found.replace(",", "")) for found in NUMBER.findall(text)]


@dataclass(frozen=True)
class ChatReport:
    text: str
    figures: dict[str, list[int]]  # by data-figure key

    def survey_line(self, title: str) -> list[int]:
        """The numbers of a survey's line: responses, completed of started (%), median
        minutes, women of respondents (%)."""
        found = re.search(rf"^• {re.escape(title)}: (.*)$", self.text, re.MULTILINE)
        assert found, self.text
        return numbers(found.group(1))

    def monthly_attendance(self) -> list[tuple[int, int]]:
        """(came, invited) of each month in the report's attendance trend."""
        found = re.search(r"^Attendance by month: (.*)$", self.text, re.MULTILINE)
        assert found, self.text
        return [
            (int(came), int(invited))
            for came, invited in re.findall(r"(\d+) of (\d+) \(\d+%\)", found.group(1))
        ]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def report(site: Site) -> ChatReport:
    """/report for the whole programme, as the CDA gets it in the chat."""
    chat = site.chat(CDA)
    await chat.say("/report")  # one cluster: straight to the period
    await chat.press("rep:p:all")
    text = chat.text
    assert text.startswith("📈 M&E report: Bagru"), text
    figures = {}
    for key, pattern in REPORT_LINES.items():
        found = re.search(pattern, text, re.MULTILINE)
        assert found, f"/report has no {pattern!r}: {text}"
        figures[key] = numbers(" ".join(found.groups()))
    return ChatReport(text, figures)


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


# The text of <main> in the page's own language: not the language switch's names of the
# languages, each in its own script, which say nothing of the page's.
OWN_TEXT = """([pattern, names]) => {
    const letters = new RegExp(pattern);
    const switchNames = new Set(names);
    const lang = document.documentElement.lang;
    const walker = document.createTreeWalker(document.querySelector('main'),
        NodeFilter.SHOW_TEXT);
    const own = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        const said = element.closest('[lang]');
        if ((said && said.lang !== lang) || switchNames.has(node.textContent.trim())
            || !element.checkVisibility()) continue;
        if (!own.length || !letters.test(own.join(''))) {
            if (letters.test(node.textContent)) element.setAttribute('data-probe', '');
        }
        own.push(node.textContent);
    }
    return own.join(' ');
}"""


async def _check_script(page: Page, lang: str) -> None:
    """The page's own text is mostly in the language's script, and the first element holding
    any (tagged data-probe, as rendered_fonts reads an element's own text) is drawn with the
    served web font."""
    script = SCRIPTS[lang]
    names = [native_name(code) for code in SHIPPED_LANGUAGES]
    text: str = await page.evaluate(OWN_TEXT, [script.letters.pattern, names])
    assert len(script.letters.findall(text)) >= 20, f"{page.url}: little {script.name}: {text!r}"
    drawn = await rendered_fonts(page, "[data-probe]")
    assert any(f.family == script.font and f.web_font and f.glyphs for f in drawn), (
        f"{page.url}: {script.name} drawn with {drawn}, not the served {script.font}"
    )


async def _open_at_both_widths(
    browser: Browser, site: Site, name: str, path: str, lang: str, cookies: list[SetCookieParam]
) -> None:
    """At a phone's width, then the same page widened to a desk's (the pages have no script:
    the layout is all there is to change)."""
    async with page_at(browser, WIDTHS[0]) as page:
        await page.context.add_cookies(cookies)
        answer = await page.goto(site.base + _with_lang(path, lang))
        assert answer is not None, page.url
        assert answer.status == 200, f"{page.url}: {answer.status}"
        assert await page.evaluate("document.documentElement.lang") == lang
        if lang in SCRIPTS:
            await _check_script(page, lang)
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
            await assert_no_horizontal_scroll(page)
            await screenshot(page, f"{name}-{lang}-{width}")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "path"), PUBLIC_PAGES, ids=[n for n, _ in PUBLIC_PAGES])
async def test_public_page(browser: Browser, site: Site, name: str, path: str, lang: str) -> None:
    await _open_at_both_widths(browser, site, name, path, lang, [])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "path"), DASHBOARD_PAGES, ids=[n for n, _ in DASHBOARD_PAGES])
async def test_dashboard_page(
    browser: Browser, site: Site, cda_cookies: list[SetCookieParam], name: str, path: str, lang: str
) -> None:
    await _open_at_both_widths(browser, site, name, path, lang, cda_cookies)


def _shows(value: str, expected: list[int], *, money: bool = False) -> bool:
    """The figure's text starts with /report's numbers, written the English way."""
    t = translator("en")
    first = t.money(expected[0]) if money else t.number(expected[0])
    return numbers(value)[: len(expected)] == expected and first in value


async def test_dashboard_shows_the_reports_figures(
    browser: Browser, site: Site, cda_cookies: list[SetCookieParam], report: ChatReport
) -> None:
    async with page_at(browser, 1280) as page:
        await page.context.add_cookies(cda_cookies)
        answer = await page.goto(f"{site.base}/dashboard/{CODE}?period=all&lang=en")
        assert answer is not None and answer.status == 200
        shown = {
            key: await page.locator(f"[data-figure='{key}'] .value").inner_text()
            for key in report.figures
        }
        survey_row = page.locator("tr", has=page.get_by_role("link", name=SURVEY_TITLE))
        survey_numbers = numbers(await survey_row.inner_text())
        attendance = await page.locator("table", has_text="Attendance by month").inner_text()
    wrong = {
        key: (shown[key], expected)
        for key, expected in report.figures.items()
        if not _shows(shown[key], expected, money=key == "budget")
    }
    assert not wrong, f"the dashboard's figure differs from /report's (page, /report): {wrong}"
    figures = report.figures
    assert figures["registered"][0] > 20 and figures["events"][0] == 3  # the demo's, not zeros
    # responses, completed of started (%), median minutes, women of respondents (%)
    assert survey_numbers == report.survey_line(SURVEY_TITLE)
    assert survey_numbers[0] == len(ANSWERS)
    trend = report.monthly_attendance()
    assert len(trend) == 3
    for came, invited in trend:
        assert re.search(rf"\b{came} of {invited} \(", attendance), (came, invited, attendance)


async def test_public_page_shows_the_reports_headline_figures(
    browser: Browser, site: Site, report: ChatReport
) -> None:
    async with page_at(browser, 360) as page:
        await page.goto(f"{site.base}/c/{CODE}?lang=en")

        async def figure(key: str) -> str:
            return await page.locator(f"[data-figure='{key}'] .value").inner_text()

        registered, participants = await figure("registered"), await figure("participants")
        held = numbers(await figure("meetings")) + numbers(await figure("visits"))
        plan = await page.inner_text("#plan")
        attendance = await page.inner_text("#attendance")
    figures = report.figures
    assert _shows(registered, figures["registered"])
    assert _shows(participants, figures["participants"])
    assert sum(held) == figures["events"][0]
    assert translator("en").money(figures["budget"][0]) in plan
    # The months with 5 people or more on both sides (smaller groups are hidden) read as in
    # /report: "11 of 20 (55%)".
    shown = [(came, invited) for came, invited in report.monthly_attendance() if came >= 5]
    assert shown
    for came, invited in shown:
        assert re.search(rf"\b{came} of {invited} \(", attendance), (came, invited, attendance)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_poster_prints_on_one_a4_sheet(browser: Browser, site: Site, lang: str) -> None:
    async with page_at(browser, 360) as page:
        await page.goto(f"{site.base}/c/{CODE}/poster?lang={lang}")
        pdf = await page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


async def test_feed_of_updates_is_atom(
    browser: Browser, site: Site, report: ChatReport
) -> None:
    async with page_at(browser, 360) as page:
        answer = await page.request.get(f"{site.base}/c/{CODE}/updates.atom")
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(await answer.body())
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == report.figures["updates"][0]
    assert any("Mudra loans" in ET.tostring(e, encoding="unicode") for e in entries)


async def test_an_observer_signs_in_and_sees_counts_never_a_name(
    browser: Browser, site: Site
) -> None:
    async with page_at(browser, 360) as page:
        await sign_in(page, site, OBSERVER)
        seen = []
        for _name, path in DASHBOARD_PAGES:
            answer = await page.goto(site.base + path)
            assert answer is not None and answer.status == 200, path
            seen.append(await visible_text(page))
        # every answer with who gave it: the cluster's CDAs only
        download = await page.request.get(f"{site.base}/dashboard/{CODE}/surveys/{SURVEY}.xlsx")
        assert download.status == 403
    text = "\n".join(seen)
    assert "Signed in as an observer" in text
    assert str(len(ANSWERS)) in text
    for member in MEMBERS:
        assert member.name not in text
    for answered in ANSWERS:
        assert answered[2] not in text  # the main product, typed by the person


async def test_signing_out_closes_the_dashboard(browser: Browser, site: Site) -> None:
    async with page_at(browser, 360) as page:
        await sign_in(page, site, CDA)
        async with page.expect_navigation() as left:
            await page.click("form[action='/dashboard/signout'] button")
        answer = await left.value
        assert answer is not None and answer.status == 200
        assert urlsplit(page.url).path == "/dashboard/signedout"
        again = await page.goto(f"{site.base}/dashboard")
        assert again is not None and again.status == 401
        assert "send /dashboard to the bot" in await visible_text(page)
        await assert_no_horizontal_scroll(page)
