"""The join poster (issue 16): /c/<CODE>/poster, an A4 page with the cluster's name, what
the bot is for, and a QR code with its link printed under it for each platform whose bot
is known — or the line saying how the operator makes them known."""

from __future__ import annotations

import re

from bot.config import Settings
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.web.qr import qr_svg
from bot.web.state import JoinLinks
from tests.driver import FakeClock
from tests.web.site import client_for, page_on

TELEGRAM = "https://t.me/bagru_cluster_bot?start=BAGRU"
WHATSAPP = "https://wa.me/919876543210?text=start%20BAGRU"
DARK = re.compile(r'<path class="qr-dark" fill="#000000" d="([^"]*)"')


def _dark(svg: str) -> list[str]:
    return DARK.findall(svg)


async def _poster(db: Database, settings: Settings, clock: FakeClock, links: JoinLinks,
                  query: str = "") -> str:  # fmt: skip
    async with client_for(db, settings, clock, links) as client:
        response = await client.get(f"/c/BAGRU/poster{query}")
        assert response.status == 200
        return await response.text()


async def test_the_poster_has_a_code_and_its_link_for_each_platform(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await page_on(db, one_cluster.id)
    links = JoinLinks("@bagru_cluster_bot", "+91 98765 43210")
    body = await _poster(db, settings, clock, links, "?lang=hi")
    assert '<html lang="hi">' in body
    assert '<body class="poster">' in body
    assert "<h1>Bagru hand-block printers</h1>" in body
    assert f'<span class="link">{TELEGRAM}</span>' in body
    assert f'<span class="link">{WHATSAPP}</span>' in body
    # each code draws exactly its link
    assert _dark(body) == _dark(qr_svg(TELEGRAM, title="x")) + _dark(qr_svg(WHATSAPP, title="x"))
    assert "CLUSTERBOT_TELEGRAM_USERNAME" not in body
    assert "/start BAGRU" in body
    assert "<script" not in body and "style=" not in body


async def test_without_any_known_bot_the_poster_says_what_the_operator_sets(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await page_on(db, one_cluster.id)
    body = await _poster(db, settings, clock, JoinLinks())
    assert _dark(body) == []
    assert "CLUSTERBOT_TELEGRAM_USERNAME" in body and "CLUSTERBOT_WHATSAPP_NUMBER" in body
    assert "Print" in body  # the hint to print it on A4


async def test_only_the_known_platform_gets_a_code(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await page_on(db, one_cluster.id)
    body = await _poster(db, settings, clock, JoinLinks(whatsapp_number="919876543210"))
    assert _dark(body) == _dark(qr_svg(WHATSAPP, title="x"))
    assert "t.me" not in body
    # a username Telegram would refuse gives no code rather than a broken one
    body = await _poster(db, settings, clock, JoinLinks("no", "919876543210"))
    assert _dark(body) == _dark(qr_svg(WHATSAPP, title="x"))
