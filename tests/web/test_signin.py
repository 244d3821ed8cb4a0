"""Sign-in by one-time link, sessions, sign-out and the headers every response carries
(issue 16): bot/web/signin.py, bot/web/security.py, bot/storage/web_access.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.storage import admins, audit, web_access
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.storage.web_access import LINKS_PER_HOUR, Identity
from bot.web import make_app
from bot.web.security import CSP, SESSION_COOKIE
from tests.driver import FakeClock

CDA = Identity("test", "cda")  # a bootstrap admin in the settings fixture


@pytest.fixture
async def client(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(db, settings, clock=clock))) as found:
        yield found


async def _link(db: Database, clock: FakeClock, who: Identity = CDA) -> str:
    token = await db.write(lambda conn: web_access.new_link(conn, who, clock()))
    assert token
    return token


async def test_the_link_asks_for_one_press_and_the_press_signs_in(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await _link(db, clock)
    page = await client.get(f"/dashboard/signin/{token}")
    assert page.status == 200
    html = await page.text()
    assert 'method="post" action="/dashboard/signin"' in html and token in html
    # Opening the page (as a link preview would) did not spend the token.
    again = await client.get(f"/dashboard/signin/{token}")
    assert again.status == 200

    signed = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert signed.status == 303 and signed.headers["Location"] == "/dashboard"
    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # the public URL is not https here
    assert token not in cookie
    entries = list(reversed(await db.read(lambda conn: audit.recent(conn))))
    assert [e["action"] for e in entries][-1:] == ["web.signin"]


async def test_a_used_an_expired_and_a_made_up_link_are_refused(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    used = await _link(db, clock)
    first = await client.post("/dashboard/signin", data={"token": used}, allow_redirects=False)
    assert first.status == 303
    client.session.cookie_jar.clear()
    for token in (used, "made-up-token", ""):
        refused = await client.post(
            "/dashboard/signin", data={"token": token}, allow_redirects=False
        )
        assert refused.status == 403
        assert "expired or was used already" in await refused.text()
        assert "Set-Cookie" not in refused.headers
    old = await _link(db, clock)
    clock.advance(minutes=10, seconds=1)
    assert (await client.get(f"/dashboard/signin/{old}")).status == 403
    late = await client.post("/dashboard/signin", data={"token": old}, allow_redirects=False)
    assert late.status == 403


async def test_two_presses_of_one_link_give_one_session(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await _link(db, clock)
    import asyncio

    answers = await asyncio.gather(
        *(
            client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
            for _ in range(5)
        )
    )
    assert sorted(a.status for a in answers) == [303, 403, 403, 403, 403]
    sessions = await db.read(lambda c: c.execute("SELECT count(*) FROM web_sessions").fetchone())
    assert sessions[0] == 1


async def test_a_link_of_someone_who_is_no_cda_or_observer_opens_nothing(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await _link(db, clock, Identity("test", "1001"))  # a stakeholder
    refused = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert refused.status == 403 and "Set-Cookie" not in refused.headers


async def test_an_observer_may_sign_in(
    client: TestClient, db: Database, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(
        lambda c: admins.add(c, "test", "obs", one_cluster.id, "observer", "2026-01-01T00:00:00Z")
    )
    token = await _link(db, clock, Identity("test", "obs"))
    signed = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert signed.status == 303


async def test_links_are_rate_limited_per_person(db: Database, clock: FakeClock) -> None:
    for _ in range(LINKS_PER_HOUR):
        await _link(db, clock)
    assert await db.write(lambda c: web_access.new_link(c, CDA, clock())) is None
    # Someone else is not held up, and an hour later the CDA may ask again.
    assert await db.write(lambda c: web_access.new_link(c, Identity("test", "x"), clock()))
    clock.advance(hours=1, seconds=1)
    assert await db.write(lambda c: web_access.new_link(c, CDA, clock()))


async def test_only_hashes_of_tokens_and_session_ids_are_stored(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await _link(db, clock)
    signed = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    session_id = signed.cookies[SESSION_COOKIE].value
    dump = "\n".join(await db.read(lambda c: list(c.iterdump())))
    assert token not in dump and session_id not in dump


async def _signed_in(client: TestClient, db: Database, clock: FakeClock) -> str:
    token = await _link(db, clock)
    await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    return await db.read(
        lambda c: c.execute("SELECT csrf FROM web_sessions ORDER BY created_at DESC").fetchone()[0]
    )


async def test_sign_out_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    csrf = await _signed_in(client, db, clock)
    forged = await client.post("/dashboard/signout", data={"csrf": "wrong"}, allow_redirects=False)
    assert forged.status == 403
    missing = await client.post("/dashboard/signout", allow_redirects=False)
    assert missing.status == 403
    out = await client.post("/dashboard/signout", data={"csrf": csrf}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/dashboard/signedout"
    assert re.search(rf"{SESSION_COOKIE}=\"?\"?;", out.headers["Set-Cookie"])
    ended = await db.read(
        lambda c: c.execute("SELECT ended_at FROM web_sessions").fetchone()[0]
    )
    assert ended is not None
    assert (await client.get("/dashboard/signedout")).status == 200


async def test_a_session_ends_after_12_hours_and_when_the_role_is_taken_away(
    client: TestClient, db: Database, clock: FakeClock, one_cluster: Cluster
) -> None:
    from bot.web import viewer

    await db.write(
        lambda c: admins.add(c, "test", "cda2", one_cluster.id, "cda", "2026-01-01T00:00:00Z")
    )
    token = await _link(db, clock, Identity("test", "cda2"))
    signed = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    session_id = signed.cookies[SESSION_COOKIE].value

    class Request:  # what viewer.current reads of a request
        def __init__(self) -> None:
            self.cookies = {SESSION_COOKIE: session_id}
            self.app = client.app

    found = await viewer.current(Request())  # type: ignore[arg-type]
    assert found is not None and found.manages(one_cluster)
    await db.write(
        lambda c: c.execute("DELETE FROM admins WHERE channel_user_id = 'cda2'")
    )
    assert await viewer.current(Request()) is None  # type: ignore[arg-type]
    await db.write(
        lambda c: admins.add(c, "test", "cda2", one_cluster.id, "cda", "2026-01-01T00:00:00Z")
    )
    assert await viewer.current(Request()) is not None  # type: ignore[arg-type]
    clock.advance(hours=12, seconds=1)
    assert await viewer.current(Request()) is None  # type: ignore[arg-type]


async def test_every_response_carries_the_security_headers(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = await _link(db, clock)
    for method, path in (
        ("GET", "/healthz"),
        ("GET", "/no/such/page"),
        ("GET", f"/dashboard/signin/{token}"),
        ("GET", "/dashboard/signin/expired"),
        ("POST", "/dashboard/signout"),
        ("GET", "/static/site.css"),
    ):
        answer = await client.request(method, path, allow_redirects=False)
        headers = answer.headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert "script-src" not in CSP and "'unsafe-inline'" not in CSP
        assert "frame-ancestors 'none'" in CSP
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
    private = await client.get(f"/dashboard/signin/{token}")
    assert private.headers["Cache-Control"] == "no-store"


async def test_error_pages_are_in_the_readers_language_without_a_traceback(
    client: TestClient,
) -> None:
    page = await client.get("/no/such/page", headers={"Accept-Language": "te-IN,te;q=0.9,en"})
    assert page.status == 404
    html = await page.text()
    assert '<html lang="te">' in html and "Traceback" not in html
    chosen = await client.get("/no/such/page?lang=hi", headers={"Accept-Language": "te"})
    assert '<html lang="hi">' in await chosen.text()
    # The switch is remembered for the next page.
    later = await client.get("/no/such/page", headers={"Accept-Language": "te"})
    assert '<html lang="hi">' in await later.text()


async def test_the_fonts_for_indic_text_are_served(client: TestClient) -> None:
    for name in ("devanagari", "telugu", "tamil", "malayalam", "gujarati", "gurmukhi"):
        font = await client.get(f"/static/fonts/{name}.ttf")
        assert font.status == 200 and font.headers["Content-Type"] == "font/ttf"
        assert (await font.read())[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    assert (await client.get("/static/fonts/klingon.ttf")).status == 404


async def test_the_session_cookie_is_secure_when_the_public_url_is_https(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    https = replace(settings, public_url="https://bagru.example.org")
    async with TestClient(TestServer(make_app(db, https, clock=clock))) as client:
        token = await _link(db, clock)
        signed = await client.post(
            "/dashboard/signin", data={"token": token}, allow_redirects=False
        )
        assert "Secure" in signed.headers["Set-Cookie"]


def test_links_and_sessions_last_as_promised() -> None:
    assert timedelta(minutes=10) == web_access.LINK_LIFETIME
    assert timedelta(hours=12) == web_access.SESSION_LIFETIME


async def test_a_form_posted_from_another_site_signs_no_one_in(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    """Login CSRF: a page elsewhere must not sign a visitor in with someone's link, nor
    sign them out. The listener's own origin and the public URL's (behind a proxy) pass."""
    proxied = replace(settings, public_url="https://bagru.example.org")
    async with TestClient(TestServer(make_app(db, proxied, clock=clock))) as client:
        own = f"http://{client.host}:{client.port}"
        for origin, site, status in (
            ("https://evil.example.com", None, 403),
            ("https://evil.example.com", "cross-site", 403),
            ("null", "cross-site", 403),
            ("null", "same-site", 403),
            ("https://bagru.example.org:8443", None, 403),
            ("https://bagru.example.org", None, 303),
            (own, "same-origin", 303),
            ("null", "same-origin", 303),  # what Chromium sends from a no-referrer page
        ):
            clock.advance(minutes=13)  # within the 5 links an hour
            token = await _link(db, clock)
            headers = {"Origin": origin} | ({"Sec-Fetch-Site": site} if site else {})
            answer = await client.post(
                "/dashboard/signin", data={"token": token}, headers=headers,
                allow_redirects=False,
            )  # fmt: skip
            assert answer.status == status, (origin, site)
            assert ("Set-Cookie" in answer.headers) is (status == 303)


async def test_a_sign_out_posted_from_another_site_is_refused(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    csrf = await _signed_in(client, db, clock)
    forged = await client.post(
        "/dashboard/signout",
        data={"csrf": csrf},
        headers={"Origin": "https://evil.example.com"},
        allow_redirects=False,
    )
    assert forged.status == 403
    own = f"http://{client.host}:{client.port}"
    out = await client.post(
        "/dashboard/signout", data={"csrf": csrf}, headers={"Origin": own}, allow_redirects=False
    )
    assert out.status == 303
