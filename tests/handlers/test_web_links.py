"""/dashboard and /publicpage (issue 16) through the engine: the sign-in link for CDAs and
observers (not set up, rate-limited, audited without its token), and the public page
switched on and off by a CDA, for one cluster or one of several; stakeholders and observers
are refused by the command table."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import handlers
from bot.config import Settings
from bot.engine import Engine
from bot.storage import admins, web_access
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.storage.web_access import LINKS_PER_HOUR, Identity
from tests.driver import ChatDriver, FakeClock
from tests.handlers.people.test_onboarding import register

BASE = "https://cluster.example.org"
LINK = re.compile(re.escape(BASE) + r"/dashboard/signin/([A-Za-z0-9_-]{20,})")
REFUSAL = "only for the cluster development agent"
GRANTED = "2026-01-01T00:00:00+00:00"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db=tmp_path / "test.db",
        admins=frozenset({"test:cda"}),
        inbound_per_minute=0,
        public_url=BASE,
    )


def driver(db: Database, settings: Settings, clock: FakeClock, user: str) -> ChatDriver:
    return ChatDriver(Engine(db, settings, handlers.route, clock=clock), user_id=user)


async def grant(db: Database, user: str, cluster: Cluster, role: str) -> None:
    await db.write(lambda conn: admins.add(conn, "test", user, cluster.id, role, GRANTED))


def audited(conn: sqlite3.Connection, action: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT actor, cluster_id, subject, detail FROM audit_log WHERE action = ? ORDER BY id",
        (action,),
    ).fetchall()


async def page_on(db: Database, cluster: Cluster) -> bool:
    return await db.read(lambda conn: web_access.public_page_on(conn, cluster.id))


# --- /dashboard ---------------------------------------------------------------------------------


async def test_cda_gets_a_one_time_link_without_a_preview(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, clock: FakeClock
) -> None:
    (reply,) = await cda_chat.say("/dashboard")
    found = LINK.search(reply.text)
    assert found, reply.text
    token = found.group(1)
    assert "10 minutes" in reply.text and "once" in reply.text and "forward" in reply.text
    assert reply.no_preview
    # The link is the person's own: it signs in "test:cda", once.
    who = await db.write(lambda conn: web_access.use_link(conn, token, clock()))
    assert who == Identity("test", "cda")
    assert await db.write(lambda conn: web_access.use_link(conn, token, clock())) is None
    rows = await db.read(lambda conn: audited(conn, "web.link"))
    assert [r["actor"] for r in rows] == ["test:cda"]
    assert token not in json.dumps([dict(r) for r in rows])


async def test_observer_gets_a_link_too(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await grant(db, "obs", one_cluster, "observer")
    observer = driver(db, settings, clock, "obs")
    (reply,) = await observer.say("/dashboard")
    found = LINK.search(reply.text)
    assert found, reply.text
    valid = await db.read(lambda conn: web_access.link_is_valid(conn, found.group(1), clock()))
    assert valid


async def test_without_a_public_url_the_link_is_refused_in_one_line(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    cda = driver(db, replace(settings, public_url=""), clock, "cda")
    (reply,) = await cda.say("/dashboard")
    assert "not set up" in reply.text and "CLUSTERBOT_PUBLIC_URL" in reply.text
    assert "\n" not in reply.text and "/signin/" not in reply.text
    made = await db.read(lambda conn: conn.execute("SELECT count(*) FROM web_links").fetchone())
    assert made[0] == 0


async def test_links_are_rate_limited_per_person(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, clock: FakeClock
) -> None:
    for _ in range(LINKS_PER_HOUR):
        await cda_chat.say("/dashboard")
        assert LINK.search(cda_chat.text)
        clock.advance(minutes=1)
    (reply,) = await cda_chat.say("/dashboard")
    assert not LINK.search(reply.text)
    assert "last one" in reply.text and "wait an hour" in reply.text
    rows = await db.read(lambda conn: audited(conn, "web.link"))
    assert len(rows) == LINKS_PER_HOUR  # the refusal made no link
    clock.advance(hours=1)
    await cda_chat.say("/dashboard")
    assert LINK.search(cda_chat.text)


async def test_a_stakeholder_is_refused_both_commands(
    chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    for text in ("/dashboard", "/publicpage on"):
        await chat.say(text)
        assert REFUSAL in chat.text and "/signin/" not in chat.text
    assert not await page_on(db, one_cluster)
    made = await db.read(lambda conn: conn.execute("SELECT count(*) FROM web_links").fetchone())
    assert made[0] == 0


# --- /publicpage --------------------------------------------------------------------------------


async def test_cda_turns_the_page_on_and_off(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    (reply,) = await cda_chat.say("/publicpage on")
    assert await page_on(db, one_cluster)
    page = f"{BASE}/c/BAGRU"
    for url in (page, f"{page}/poster", f"{page}/updates.atom"):
        assert url in reply.text.split(), url
    assert cda_chat.choice_ids == [f"pp:off:{one_cluster.id}"]
    (reply,) = await cda_chat.say("/publicpage OFF")
    assert not await page_on(db, one_cluster)
    assert "hidden" in reply.text and BASE not in reply.text
    assert cda_chat.choice_ids == [f"pp:on:{one_cluster.id}"]
    await cda_chat.say("/publicpage off")  # already off: nothing changes, nothing audited
    rows = await db.read(lambda conn: audited(conn, "cluster.publicpage"))
    assert [(r["subject"], json.loads(r["detail"])) for r in rows] == [
        ("BAGRU", {"page": "on"}),
        ("BAGRU", {"page": "off"}),
    ]
    assert {(r["actor"], r["cluster_id"]) for r in rows} == {("test:cda", one_cluster.id)}


async def test_without_argument_the_state_and_a_switch(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    (reply,) = await cda_chat.say("/publicpage")
    assert "is off" in reply.text
    assert [c.label for c in reply.choices] == ["Turn on"]
    await cda_chat.tap("Turn on")
    assert await page_on(db, one_cluster)
    assert f"{BASE}/c/BAGRU/poster" in cda_chat.text
    # The first message's Turn on again: an earlier question's button, no change.
    await cda_chat.press(f"pp:on:{one_cluster.id}")
    assert "earlier question" in cda_chat.text
    await cda_chat.say("/publicpage")
    assert "is on" in cda_chat.text and f"{BASE}/c/BAGRU" in cda_chat.text
    await cda_chat.tap("Turn off")
    assert not await page_on(db, one_cluster)


async def test_several_clusters_by_code_or_by_button(
    db: Database, two_clusters: list[Cluster], cda_chat: ChatDriver
) -> None:
    bagru, alleppey = two_clusters
    await cda_chat.say("/publicpage on")
    assert sorted(cda_chat.choice_ids) == sorted(f"pp:on:{c.id}" for c in two_clusters)
    await cda_chat.press(f"pp:on:{alleppey.id}")
    assert (await page_on(db, alleppey), await page_on(db, bagru)) == (True, False)
    assert f"{BASE}/c/ALLEPPEY" in cda_chat.text
    await cda_chat.say("/publicpage on bagru")
    assert await page_on(db, bagru)
    await cda_chat.say("/publicpage")
    assert sorted(cda_chat.choice_ids) == sorted(f"pp:c:{c.id}" for c in two_clusters)
    await cda_chat.press(f"pp:c:{bagru.id}")
    assert "is on" in cda_chat.text and cda_chat.choice_ids == [f"pp:off:{bagru.id}"]
    await cda_chat.say("/publicpage off ALLEPPEY")
    assert not await page_on(db, alleppey) and await page_on(db, bagru)


@pytest.mark.parametrize(
    "text", ["/publicpage maybe", "/publicpage on NOSUCH", "/publicpage on A B"]
)
async def test_a_bad_argument_gets_the_usage(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver, text: str
) -> None:
    (reply,) = await cda_chat.say(text)
    assert "/publicpage on" in reply.text and "/publicpage off" in reply.text
    assert "\n" not in reply.text
    assert not reply.choices and not await page_on(db, one_cluster)


async def test_a_cda_of_one_cluster_switches_only_theirs(
    db: Database, settings: Settings, clock: FakeClock, two_clusters: list[Cluster]
) -> None:
    bagru, alleppey = two_clusters
    await grant(db, "ramesh", bagru, "cda")
    cda = driver(db, settings, clock, "ramesh")
    await cda.say("/publicpage on")  # one cluster of theirs: no question
    assert await page_on(db, bagru)
    await cda.say("/publicpage on ALLEPPEY")
    assert "ALLEPPEY" in cda.text and not await page_on(db, alleppey)
    # A forged press for the other cluster is not one of the offered buttons.
    await cda.say("/publicpage")
    await cda.press(f"pp:on:{alleppey.id}")
    assert not await page_on(db, alleppey)


async def test_an_observer_is_refused_publicpage(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await grant(db, "obs", one_cluster, "observer")
    observer = driver(db, settings, clock, "obs")
    await observer.say("/publicpage on")
    assert REFUSAL in observer.text and not await page_on(db, one_cluster)


async def test_on_without_a_public_url_says_links_need_it(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    cda = driver(db, replace(settings, public_url=""), clock, "cda")
    (reply,) = await cda.say("/publicpage on")
    assert await page_on(db, one_cluster)
    assert "is on" in reply.text and "CLUSTERBOT_PUBLIC_URL" in reply.text
    assert "/c/BAGRU" not in reply.text
