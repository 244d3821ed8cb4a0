"""Who is reading a dashboard page: the session from the cookie, and their rights looked up
again at every request (a CDA whose role is taken away loses the dashboard at once)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from aiohttp import web

from bot.storage import admins, clusters, web_access
from bot.storage.admins import Access
from bot.storage.clusters import Cluster
from bot.storage.web_access import Identity
from bot.web.security import SESSION_COOKIE
from bot.web.state import WebState


@dataclass(frozen=True)
class Viewer:
    identity: Identity
    access: Access
    csrf: str
    session_id: str

    @property
    def ref(self) -> str:
        """As the audit log names a person (`Contact.ref`)."""
        return f"{self.identity.channel}:{self.identity.channel_user_id}"

    @property
    def is_cda_of_any(self) -> bool:
        return self.access.cda

    def may_see(self, cluster: Cluster) -> bool:
        return self.access.may_report(cluster.id)

    def manages(self, cluster: Cluster) -> bool:
        """Names and downloads with names are for the cluster's CDAs only."""
        return self.access.may_manage(cluster.id)


async def current(request: web.Request) -> Viewer | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    state = WebState.of(request)
    now = state.clock()

    def look(conn: sqlite3.Connection) -> Viewer | None:
        session = web_access.session_for(conn, session_id, now)
        if session is None:
            return None
        who = session.identity
        access = admins.access_for(
            conn, who.channel, who.channel_user_id, state.settings.admins
        )
        if not (access.cda or access.observer):
            return None
        return Viewer(who, access, session.csrf, session_id)

    return await state.db.read(look, lane="web")


async def require(request: web.Request) -> Viewer:
    """The signed-in CDA or observer, else a 401 page that says how to sign in."""
    found = await current(request)
    if found is None:
        raise web.HTTPUnauthorized()
    return found


async def require_cluster(request: web.Request, code: str) -> tuple[Viewer, Cluster]:
    """The viewer and the cluster named in the URL: 404 when there is no such cluster,
    403 when it is not one of theirs."""
    found = await require(request)
    state = WebState.of(request)
    cluster = await state.db.read(lambda conn: clusters.by_code(conn, code), lane="web")
    if cluster is None:
        raise web.HTTPNotFound()
    if not found.may_see(cluster):
        raise web.HTTPForbidden()
    return found, cluster


async def visible_clusters(request: web.Request, found: Viewer) -> list[Cluster]:
    state = WebState.of(request)
    every = await state.db.read(clusters.all_clusters, lane="web")
    return [c for c in every if found.may_see(c)]
