"""The browser harness itself: Debian's Chromium opens a loopback aiohttp page at a phone's and
a desk's width, reads Devanagari and Telugu drawn with the fonts the page serves, and catches a
page that scrolls sideways or draws Indic text without them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser

from bot import fonts
from tests.web.browser import (
    assert_no_horizontal_scroll,
    page_at,
    rendered_fonts,
    screenshot,
    serve,
    visible_text,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

HINDI, TELUGU = "नमस्ते", "తెలుగు"
DEVANAGARI, TELUGU_FONT = "Noto Sans Devanagari", "Noto Sans Telugu"
# The Indic families come before the generic one: a system font listed first would claim
# the text and draw boxes where it has no glyphs.
FONT_FACES = f"""<style>
@font-face {{ font-family: "{DEVANAGARI}"; src: url("/fonts/devanagari.ttf");
  unicode-range: U+0900-097F; }}
@font-face {{ font-family: "{TELUGU_FONT}"; src: url("/fonts/telugu.ttf");
  unicode-range: U+0C00-0C7F; }}
body {{ font-family: "{DEVANAGARI}", "{TELUGU_FONT}", sans-serif; }}
</style>"""
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>smoke</title>{head}</head>
<body><h1 lang="hi">{hindi}</h1><p lang="te">{telugu}</p>{body}</body></html>"""
WIDE = '<div style="width: 600px">wide</div>'
SCRIPTS = {script.name.lower(): script for script in fonts.SCRIPTS}


def _page(*, head: str = FONT_FACES, body: str = "") -> web.StreamResponse:
    html = PAGE.format(head=head, body=body, hindi=HINDI, telugu=TELUGU)
    return web.Response(text=html, content_type="text/html")


async def _with_fonts(request: web.Request) -> web.StreamResponse:
    return _page()


async def _without_fonts(request: web.Request) -> web.StreamResponse:
    return _page(head="")


async def _wide(request: web.Request) -> web.StreamResponse:
    return _page(body=WIDE)


async def _language(request: web.Request) -> web.StreamResponse:
    return web.Response(text=request.headers.get("Accept-Language", ""))


async def _font(request: web.Request) -> web.StreamResponse:
    script = SCRIPTS.get(request.match_info["name"])
    path = fonts.font_path(script) if script else None
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Content-Type": "font/ttf"})


@pytest_asyncio.fixture(loop_scope="session")
async def site() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/", _with_fonts)
    app.router.add_get("/no-fonts", _without_fonts)
    app.router.add_get("/wide", _wide)
    app.router.add_get("/language", _language)
    app.router.add_get("/fonts/{name}.ttf", _font)
    async with serve(app) as base_url:
        yield base_url


@pytest.mark.parametrize("width", [360, 1280])
async def test_page_reads_hindi_and_telugu_without_sideways_scroll(
    browser: Browser, site: str, width: int
) -> None:
    async with page_at(browser, width) as page:
        await page.goto(site)
        assert await page.evaluate("window.innerWidth") == width
        text = await visible_text(page)
        assert HINDI in text
        assert TELUGU in text
        await assert_no_horizontal_scroll(page)
        path = await screenshot(page, f"smoke-{width}")
    assert path.read_bytes().startswith(b"\x89PNG")


async def test_served_fonts_draw_devanagari_and_telugu(browser: Browser, site: str) -> None:
    async with page_at(browser, 360) as page:
        await page.goto(site)
        hindi, telugu = await rendered_fonts(page, "h1"), await rendered_fonts(page, "p")
    assert [(f.family, f.web_font) for f in hindi] == [(DEVANAGARI, True)]
    assert [(f.family, f.web_font) for f in telugu] == [(TELUGU_FONT, True)]
    # Shaped: the conjunct स्ते is fewer glyphs than its code points
    assert hindi[0].glyphs < len(HINDI)


async def test_without_served_fonts_no_web_font_draws(browser: Browser, site: str) -> None:
    async with page_at(browser, 360) as page:
        await page.goto(f"{site}/no-fonts")
        drawn = await rendered_fonts(page, "h1") + await rendered_fonts(page, "p")
    assert drawn
    assert not any(font.web_font for font in drawn)


async def test_a_wide_block_fails_at_phone_width(browser: Browser, site: str) -> None:
    async with page_at(browser, 360) as page:
        await page.goto(f"{site}/wide")
        with pytest.raises(AssertionError, match=r"scrolls sideways: 6\d\d px .* 360 px window"):
            await assert_no_horizontal_scroll(page)
    async with page_at(browser, 1280) as page:
        await page.goto(f"{site}/wide")
        await assert_no_horizontal_scroll(page)


async def test_locale_reaches_the_server_as_accept_language(browser: Browser, site: str) -> None:
    async with page_at(browser, 360, locale="te-IN") as page:
        await page.goto(f"{site}/language")
        assert (await visible_text(page)).startswith("te-IN")
