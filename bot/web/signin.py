"""Sign-in without passwords (issue 16): `/dashboard` in the chat sends a one-time link
`<PUBLIC_URL>/dashboard/signin/<token>` (10 minutes, single use, bound to the person who
asked). Opening it shows one button; pressing it (a POST) spends the token and sets the
session cookie. The extra press is deliberate: chat apps and mail scanners open links to
draw previews, and a GET that signed in would spend the token before the person's own tap.

Sign-out is a POST carrying the session's CSRF token.
"""

from __future__ import annotations

import sqlite3

from aiohttp import web

from bot.clock import iso
from bot.i18n import N_
from bot.storage import admins, audit, web_access
from bot.storage.web_access import SESSION_LIFETIME
from bot.web import render, security, viewer
from bot.web.state import WebState

SIGNED_OUT = N_("Signed out")
SIGNED_OUT_TEXT = N_("You are signed out. Send /dashboard to the bot to sign in again.")


def add(app: web.Application) -> None:
    app.router.add_get("/dashboard/signin/{token}", confirm)
    app.router.add_post("/dashboard/signin", sign_in)
    app.router.add_post("/dashboard/signout", sign_out)
    app.router.add_get("/dashboard/signedout", signed_out)


def _secure(state: WebState) -> bool:
    return state.settings.public_url.startswith("https://")


async def confirm(request: web.Request) -> web.Response:
    state = WebState.of(request)
    token = request.match_info["token"]
    now = state.clock()
    valid = await state.db.read(
        lambda conn: web_access.link_is_valid(conn, token, now), lane="web"
    )
    if not valid:
        return render.error_page(request, 403, render.LINK_ERROR)
    return render.page(request, "signin.html", title=render.translator_for(request)(
        "Open the dashboard"), token=token)


async def sign_in(request: web.Request) -> web.StreamResponse:
    state = WebState.of(request)
    if not security.same_origin(request, state.settings.public_url):
        raise web.HTTPForbidden()
    form = await request.post()
    token = str(form.get("token", ""))
    now = state.clock()

    def spend(conn: sqlite3.Connection) -> str | None:
        who = web_access.use_link(conn, token, now)
        if who is None:
            return None
        access = admins.access_for(conn, who.channel, who.channel_user_id, state.settings.admins)
        if not (access.cda or access.observer):
            return None
        session_id, _session = web_access.open_session(conn, who, now)
        audit.record(
            conn,
            at=iso(now),
            actor=f"{who.channel}:{who.channel_user_id}",
            action="web.signin",
        )
        return session_id

    session_id = await state.db.write(spend) if token else None
    if session_id is None:
        return render.error_page(request, 403, render.LINK_ERROR)
    response = web.HTTPSeeOther("/dashboard")
    security.set_session_cookie(
        response,
        session_id,
        secure=_secure(state),
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    state = WebState.of(request)
    found = await viewer.require(request)
    form = await request.post()
    given = str(form.get("csrf", ""))
    if not security.same_origin(request, state.settings.public_url) or not security.same_token(
        given, found.csrf
    ):
        raise web.HTTPForbidden()
    now = state.clock()

    def end(conn: sqlite3.Connection) -> None:
        web_access.end_session(conn, found.session_id, now)
        audit.record(conn, at=iso(now), actor=found.ref, action="web.signout")

    await state.db.write(end)
    response = web.HTTPSeeOther("/dashboard/signedout")
    security.clear_session_cookie(response, secure=_secure(state))
    raise response


async def signed_out(request: web.Request) -> web.Response:
    t = render.translator_for(request)
    return render.page(
        request,
        "error.html",
        title=t(SIGNED_OUT),
        message=t(SIGNED_OUT_TEXT),
    )
