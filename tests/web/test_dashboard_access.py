"""Who may open which dashboard page (issue 16, Security): every dashboard route, in one
table, answered for anonymous readers, expired and reused sign-in links, a stakeholder with
a session but no admin row, an observer, a CDA of another cluster and the cluster's CDA."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Settings
from bot.storage import audit, web_access
from bot.storage.db import Database
from bot.web.security import SESSION_COOKIE
from tests.driver import FakeClock
from tests.web.dashboard_site import (
    CDA,
    OBSERVER,
    OTHER_CDA,
    STAKEHOLDER,
    SURVEY,
    client_for,
    fill,
    sign_in,
)

HOME, PAGE, DOWNLOAD = "home", "page", "download"
# (route as registered, a URL of it, what it is)
ROUTES = [
    ("/dashboard", "/dashboard", HOME),
    ("/dashboard/{code}", "/dashboard/BAGRU", PAGE),
    ("/dashboard/{code}", "/dashboard/BAGRU?period=all", PAGE),
    ("/dashboard/{code}/surveys", "/dashboard/BAGRU/surveys", PAGE),
    ("/dashboard/{code}/surveys/{key}", f"/dashboard/BAGRU/surveys/{SURVEY}", PAGE),
    ("/dashboard/{code}/surveys/{key}", f"/dashboard/BAGRU/surveys/{SURVEY}?by=role", PAGE),
    ("/dashboard/{code}/surveys/{key}.xlsx", f"/dashboard/BAGRU/surveys/{SURVEY}.xlsx", DOWNLOAD),
    ("/dashboard/{code}/surveys/{key}.csv", f"/dashboard/BAGRU/surveys/{SURVEY}.csv", DOWNLOAD),
    ("/dashboard/{code}/deliveries", "/dashboard/BAGRU/deliveries", PAGE),
    ("/dashboard/{code}/events", "/dashboard/BAGRU/events", PAGE),
    ("/dashboard/{code}/plan", "/dashboard/BAGRU/plan", PAGE),
]
# what each signed-in reader gets, by kind of route (HOME: one cluster -> 303 to it)
EXPECTED = {
    "observer": {HOME: 303, PAGE: 200, DOWNLOAD: 403},
    "other_cda": {HOME: 303, PAGE: 403, DOWNLOAD: 403},
    "cda": {HOME: 303, PAGE: 200, DOWNLOAD: 200},
}
URLS = [url for _route, url, _kind in ROUTES]
KINDS = {url: kind for _route, url, kind in ROUTES}


@pytest.fixture
async def client(
    db: Database, settings: Settings, clock: FakeClock
) -> AsyncIterator[TestClient]:
    await db.write(fill)
    async with client_for(db, settings, clock) as found:
        yield found


async def _status(client: TestClient, url: str) -> int:
    response = await client.get(url, allow_redirects=False)
    await response.read()
    return response.status


def test_the_table_lists_every_dashboard_route(settings: Settings, db: Database) -> None:
    from bot.web import make_app

    app = make_app(db, settings)
    registered = {
        r.canonical
        for r in app.router.resources()
        if r.canonical.startswith("/dashboard")
        and not r.canonical.startswith(("/dashboard/signin", "/dashboard/signout",
                                        "/dashboard/signedout"))
    }  # fmt: skip
    assert registered == {route for route, _url, _kind in ROUTES}


@pytest.mark.parametrize("url", URLS)
async def test_anonymous_readers_are_asked_to_sign_in(client: TestClient, url: str) -> None:
    response = await client.get(url, allow_redirects=False)
    assert response.status == 401
    assert "send /dashboard to the bot" in await response.text()


async def test_an_expired_link_opens_no_page(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await db.write(lambda conn: web_access.new_link(conn, CDA, clock()))
    clock.advance(minutes=15)
    refused = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert refused.status == 403
    assert "expired or was used already" in await refused.text()
    assert [await _status(client, url) for url in URLS] == [401] * len(URLS)


async def test_a_reused_link_opens_no_page(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await db.write(lambda conn: web_access.new_link(conn, CDA, clock()))
    first = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert first.status == 303
    client.session.cookie_jar.clear()  # someone else, holding the same link
    again = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert again.status == 403
    assert [await _status(client, url) for url in URLS] == [401] * len(URLS)


async def test_a_stakeholder_with_a_session_is_treated_as_signed_out(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    session_id, _session = await db.write(
        lambda conn: web_access.open_session(conn, STAKEHOLDER, clock())
    )
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: session_id})
    assert [await _status(client, url) for url in URLS] == [401] * len(URLS)


@pytest.mark.parametrize(
    ("who", "identity"), [("observer", OBSERVER), ("other_cda", OTHER_CDA), ("cda", CDA)]
)
async def test_each_reader_gets_what_their_role_allows(
    client: TestClient, db: Database, clock: FakeClock, who: str, identity: web_access.Identity
) -> None:
    await sign_in(client, db, clock, identity)
    got = {url: await _status(client, url) for url in URLS}
    assert got == {url: EXPECTED[who][KINDS[url]] for url in URLS}


async def test_home_sends_each_reader_to_their_own_cluster(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, OTHER_CDA)
    response = await client.get("/dashboard", allow_redirects=False)
    assert response.headers["Location"] == "/dashboard/ALLEPPEY"


async def test_downloads_are_audited_as_the_chats_export(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, CDA)
    for fmt in ("xlsx", "csv"):
        response = await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}.{fmt}")
        assert response.status == 200
        assert "attachment" in response.headers["Content-Disposition"]
        assert len(await response.read()) > 100
    entries = await db.read(lambda conn: audit.recent(conn, 5))
    exports = [e for e in entries if e["action"] == "survey.export"]
    assert [(e["actor"], e["subject"], e["cluster_id"]) for e in exports] == [
        ("test:cdab", SURVEY, 1),
        ("test:cdab", SURVEY, 1),
    ]


async def test_the_sign_out_form_carries_the_sessions_csrf_token(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await sign_in(client, db, clock, CDA)
    html = await (await client.get("/dashboard/BAGRU")).text()
    session_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE]
    session = await db.read(lambda conn: web_access.session_for(conn, session_id.value, clock()))
    assert session is not None
    assert f'name="csrf" value="{session.csrf}"' in html
    out = await client.post("/dashboard/signout", data={"csrf": session.csrf},
                            allow_redirects=False)  # fmt: skip
    assert out.status == 303
    assert await _status(client, "/dashboard/BAGRU") == 401


async def test_a_cda_of_one_cluster_observing_another_gets_no_names_there(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    from bot.storage import admins

    await db.write(lambda conn: admins.add(conn, OTHER_CDA.channel, OTHER_CDA.channel_user_id,
                                           1, "observer", "2026-11-28T09:00:00+00:00"))  # fmt: skip
    await sign_in(client, db, clock, OTHER_CDA)
    html = await (await client.get(f"/dashboard/BAGRU/surveys/{SURVEY}")).text()
    assert "Signed in as an observer" in html
    assert ".xlsx" not in html
    assert await _status(client, f"/dashboard/BAGRU/surveys/{SURVEY}.xlsx") == 403
    assert await _status(client, f"/dashboard/ALLEPPEY/surveys/{SURVEY}.xlsx") == 200
    home = await (await client.get("/dashboard")).text()
    assert "/dashboard/BAGRU" in home and "/dashboard/ALLEPPEY" in home
