"""The README's pictures of the web pages, taken from the demo's cluster in Debian's Chromium:

    python -m tests.web.screenshots_for_docs

writes docs/images/dashboard.png (the dashboard's indicators, English) and
docs/images/public-page-hi.png (the public page in Hindi), 1280 pixels wide, the first screen
of each. Run by hand when the pages change, look at the pictures, commit them; the tests never
write them, so the committed images do not change with every run.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from playwright.async_api import Page, async_playwright

from tests.web.browser import launch, page_at
from tests.web.demo_site import CDA, Site, demo_site

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WIDTH, HEIGHT = 1280, 1000


async def _take(site: Site) -> list[Path]:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            taken = []
            async with page_at(browser, WIDTH) as page:
                await page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
                # Signed in as a CDA is: the link the bot sends, then the page's one button.
                await page.goto(await site.sign_in_link(CDA))
                async with page.expect_navigation():
                    await page.click("form[action='/dashboard/signin'] button")
                await page.goto(f"{site.base}/dashboard/{site.cluster.code}?period=all&lang=en")
                taken.append(await _shot(page, "dashboard"))
            async with page_at(browser, WIDTH, locale="hi-IN") as page:
                await page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
                await page.goto(f"{site.base}/c/{site.cluster.code}?lang=hi")
                taken.append(await _shot(page, "public-page-hi"))
            return taken
        finally:
            await browser.close()


async def _shot(page: Page, name: str) -> Path:
    await page.evaluate("document.fonts.ready.then(() => true)")
    path = IMAGES / f"{name}.png"
    await page.screenshot(path=path)
    return path


async def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        async with demo_site(Path(folder)) as site:
            for path in await _take(site):
                print(path)


if __name__ == "__main__":
    asyncio.run(main())
