"""The web pages end to end (issue 16): `clusterbot run` (python-telegram-bot over HTTP against
the Bot API stand-in, and the listener on a free port). A CDA turns the public page on and
asks for /dashboard in the chat; a browser-like client opens the link the bot sent (the
confirmation page, then the POST that signs in), reads the dashboard and the public page,
and signs out with the page's CSRF token; the session is gone and the link does not work
twice. The poster's Telegram link names the bot as getMe does."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace

import aiohttp
import pytest

from bot.clock import iso, utc_now
from bot.config import Settings
from bot.storage import admins, clusters
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.web.security import SESSION_COOKIE
from tests.e2e.harness import bot_settings, running_bot
from tests.e2e.test_telegram_onboarding import texts, turn
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegram

pytestmark = pytest.mark.e2e
CDA = 7301
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def seed(settings: Settings) -> None:
    """Cluster BAGRU, its public page off, and a Telegram CDA of it."""
    conn = connect_sync(settings.db)
    migrate(conn)

    def write(c: sqlite3.Connection) -> None:
        now = iso(utc_now())
        bagru = clusters.add(c, "BAGRU", "Bagru hand-block printers", "Asia/Kolkata", now)
        admins.add(c, "telegram", str(CDA), bagru.id, "cda", now)

    run_in_transaction(conn, write)
    conn.close()


async def test_cda_signs_in_from_the_chat_reads_and_signs_out(
    settings: Settings, fake: FakeTelegram
) -> None:
    s = bot_settings(settings, fake)
    base = f"http://127.0.0.1:{s.listen_port}"
    s = replace(s, public_url=base)
    seed(s)
    jar = aiohttp.CookieJar(unsafe=True)  # the listener is an IP address: keep its cookie
    async with running_bot(s), aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{base}/c/BAGRU") as hidden:
            assert hidden.status == 404  # off until the CDA turns it on

        turned = texts(await turn(fake, CDA, lambda: fake.push_text(CDA, "/publicpage on")))
        for url in (f"{base}/c/BAGRU", f"{base}/c/BAGRU/poster", f"{base}/c/BAGRU/updates.atom"):
            assert url in turned.split(), turned

        sent = await turn(fake, CDA, lambda: fake.push_text(CDA, "/dashboard"))
        (message,) = [m for m in sent if m.text and "/dashboard/signin/" in m.text]
        assert message.params.get("link_preview_options") == {"is_disabled": True}
        text = message.text or ""
        found = re.search(re.escape(base) + r"/dashboard/signin/([A-Za-z0-9_-]+)", text)
        assert found, text
        link, token = found.group(0), found.group(1)

        async with http.get(f"{base}/dashboard") as anonymous:
            assert anonymous.status == 401
        for _ in range(2):  # opening the link (a preview, a second look) does not spend it
            async with http.get(link) as confirm:
                assert confirm.status == 200 and token in await confirm.text()
        async with http.post(
            f"{base}/dashboard/signin", data={"token": token}, allow_redirects=False
        ) as signed_in:
            assert signed_in.status == 303 and signed_in.headers["Location"] == "/dashboard"
            cookie = signed_in.cookies[SESSION_COOKIE]
            assert cookie["httponly"] and cookie["samesite"] == "Lax"
            session = cookie.value
        async with http.get(f"{base}/dashboard") as home:
            assert home.status == 200, await home.text()
        async with http.get(f"{base}/dashboard/BAGRU") as page:
            assert page.status == 200
            csrf = CSRF.search(await page.text())
            assert csrf, "no sign-out form on the dashboard"

        async with http.get(f"{base}/c/BAGRU") as public:
            assert public.status == 200
        async with http.get(f"{base}/c/BAGRU/poster") as poster:
            assert poster.status == 200
            # The bot's username as Telegram's getMe gave it (no CLUSTERBOT_TELEGRAM_USERNAME).
            assert f"https://t.me/{BOT_USERNAME}?start=BAGRU" in await poster.text()

        async with http.post(
            f"{base}/dashboard/signout", data={"csrf": "forged"}, allow_redirects=False
        ) as forged:
            assert forged.status == 403
        async with http.post(
            f"{base}/dashboard/signout", data={"csrf": csrf.group(1)}, allow_redirects=False
        ) as signed_out:
            assert signed_out.status == 303
        async with http.get(f"{base}/dashboard") as after:
            assert after.status == 401
        # The session ended on the server, not only in this browser's cookie jar.
        async with aiohttp.ClientSession() as other, other.get(
            f"{base}/dashboard", headers={"Cookie": f"{SESSION_COOKIE}={session}"}
        ) as replayed:
            assert replayed.status == 401

        async with http.get(link) as again:
            assert again.status == 403
        async with http.post(
            f"{base}/dashboard/signin", data={"token": token}, allow_redirects=False
        ) as reused:
            assert reused.status == 403
        async with http.get(f"{base}/dashboard") as still_out:
            assert still_out.status == 401
