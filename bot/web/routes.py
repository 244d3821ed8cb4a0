"""Every web route of issue 16, in one list: static files, sign-in, the public pages of a
cluster and the dashboard."""

from __future__ import annotations

from aiohttp import web

from bot import fonts
from bot.web import dashboard, public, signin

# /static/fonts/<name>.ttf -> the font files the charts draw with (bot/fonts.py)
FONT_NAMES = {script.name.lower(): script for script in fonts.SCRIPTS}
CACHE_STATIC = "public, max-age=86400"


def add(app: web.Application) -> None:
    app.router.add_get("/static/site.css", stylesheet)
    app.router.add_get("/static/fonts/{name}.ttf", font)
    signin.add(app)
    public.add(app)
    dashboard.add(app)


async def stylesheet(request: web.Request) -> web.Response:
    from importlib import resources

    css = resources.files("bot.web").joinpath("static", "site.css").read_text(encoding="utf-8")
    return web.Response(
        text=css, content_type="text/css", headers={"Cache-Control": CACHE_STATIC}
    )


async def font(request: web.Request) -> web.StreamResponse:
    script = FONT_NAMES.get(request.match_info["name"])
    path = fonts.font_path(script) if script else None
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(
        path, headers={"Content-Type": "font/ttf", "Cache-Control": CACHE_STATIC}
    )
