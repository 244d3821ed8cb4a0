"""Real-browser helpers for the web pages: Debian's Chromium driven by Playwright's async API.

How to write a browser test (one Chromium per test session; launching it costs about a second):

    import pytest
    import pytest_asyncio
    from playwright.async_api import Browser

    from tests.web.browser import assert_no_horizontal_scroll, page_at, screenshot, serve

    pytestmark = pytest.mark.asyncio(loop_scope="session")

    @pytest_asyncio.fixture(loop_scope="session")
    async def site() -> AsyncIterator[str]:  # any async fixture these tests use
        async with serve(make_app()) as base_url:
            yield base_url

    async def test_page(browser: Browser, site: str) -> None:
        async with page_at(browser, 360, locale="hi-IN") as page:
            await page.goto(f"{site}/c/ABC")
            await assert_no_horizontal_scroll(page)

Why the loop scopes: Playwright's objects belong to the event loop that started them, and the
shared `browser` (tests/web/conftest.py) lives in pytest-asyncio's session loop. A test using
it must run in that loop (`pytestmark` above), and so must every async fixture it uses: a plain
`@pytest.fixture async def` runs in a loop of its own (the project's default fixture loop scope
is "function"), where a server it starts is not served while the test runs. That includes
tests/conftest.py's async fixtures (`db`, `engine`, `fake`, ...): define session-loop ones in
tests/web. tests/web/conftest.py fails a browser test that breaks either rule before it starts.

Without Chromium (or Playwright) the browser tests are skipped locally and fail when `CI` is set
(`missing_browser`). `CLUSTERBOT_CHROMIUM` names the browser; otherwise Debian's is looked for.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Playwright

# Playwright adds --headless and a new empty --user-data-dir (a temporary profile) itself. The
# rest keep Chromium off the network: on this closed network its background connections are
# refused, many at a time, and it looks up Google's hosts at every start.
CHROMIUM_ARGS = (
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DEFAULT_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
VIEWPORT_HEIGHT = 800
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def find_chromium() -> str | None:
    """The browser to drive: `CLUSTERBOT_CHROMIUM` if set (and only it), else Debian's."""
    override = os.environ.get("CLUSTERBOT_CHROMIUM")
    candidates = [override] if override else [*DEFAULT_CHROMIUM, shutil.which("chromium")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def missing_browser(reason: str) -> NoReturn:
    """Skip a browser test that cannot run here, except in CI, where it must never be skipped."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(f"{reason} (apt-get install chromium, or set CLUSTERBOT_CHROMIUM)")


async def launch(playwright: Playwright) -> Browser:
    path = find_chromium()
    if path is None:
        where = os.environ.get("CLUSTERBOT_CHROMIUM") or ", ".join(DEFAULT_CHROMIUM)
        missing_browser(f"no Chromium at {where}")
    return await playwright.chromium.launch(
        executable_path=path, headless=True, args=list(CHROMIUM_ARGS)
    )


@contextlib.asynccontextmanager
async def page_at(
    browser: Browser, width: int, *, locale: str | None = None
) -> AsyncIterator[Page]:
    """A page in a fresh context (no cookies) `width` CSS pixels wide (360: a phone; 1280: a
    desk). `locale` sets navigator.language and the Accept-Language header."""
    context = await browser.new_context(
        viewport={"width": width, "height": VIEWPORT_HEIGHT}, locale=locale
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def assert_no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = await page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (
        f"{page.url} scrolls sideways: {scroll_width} px of content in a {inner_width} px window"
    )


async def visible_text(page: Page) -> str:
    """What a reader sees: the body's rendered text (hidden elements left out)."""
    return await page.inner_text("body")


@dataclass(frozen=True)
class RenderedFont:
    family: str
    web_font: bool  # loaded by the page's @font-face, not a font installed on this machine
    glyphs: int


async def rendered_fonts(page: Page, selector: str) -> list[RenderedFont]:
    """The fonts Chromium drew the text of `selector`'s element with. Text in a script no font
    covers still reads right in `visible_text` but shows as boxes: this tells the two apart."""
    await page.evaluate("document.fonts.ready.then(() => true)")
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("DOM.enable")
        await cdp.send("CSS.enable")
        root = await cdp.send("DOM.getDocument")
        found = await cdp.send(
            "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
        )
        if not found["nodeId"]:
            raise AssertionError(f"no element {selector!r} on {page.url}")
        used = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": found["nodeId"]})
    finally:
        await cdp.detach()
    return [
        RenderedFont(font["familyName"], font["isCustomFont"], int(font["glyphCount"]))
        for font in used["fonts"]
    ]


async def screenshot(page: Page, name: str) -> Path:
    """The whole page as test-output/screenshots/<name>.png, to look at after the run."""
    if not re.fullmatch(r"[\w.-]+", name):
        raise ValueError(f"screenshot name {name!r}: letters, digits, '.', '-', '_' only")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=path, full_page=True)
    return path


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port; yields its base URL, http://127.0.0.1:<port>."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
