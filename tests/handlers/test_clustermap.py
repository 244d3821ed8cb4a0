"""/clustermap (issue 19) through the engine: a CDA picks a cluster and gets the map, then
the start beside today; an observer gets the same aggregates; a stakeholder is refused."""

from __future__ import annotations

import sqlite3

import pytest

from bot.engine import Engine
from bot.i18n import translator
from bot.networks import draw, graph
from bot.storage import networks as nw
from bot.storage.db import Database
from tests.driver import ChatDriver, check_limits
from tests.networks.test_draw import png_size, texts
from tests.reports.fixture import ALLEPPEY, BAGRU, NAMES, populate

REFUSAL = "only for the cluster development agent"
CDA = "telegram:cda"
NOW = "2026-11-28T09:00:00+00:00"


def linked(conn: sqlite3.Connection) -> None:
    """The report fixture (3 artisans in Bagru...) with one SHG and three linkages: artisans
    buy from suppliers since January (twice reported), the SHG trains artisans since
    November (new since the start)."""
    populate(conn)
    shg = nw.create(conn, BAGRU, "Mahila SHG", "shg", "formed", "2026-10-01", actor=CDA, now=NOW)
    for since in ("2026-01-10", "2026-02-01"):
        nw.record_linkage(conn, BAGRU, ("role", "artisan"), ("role", "supplier"), "buys_from",
                          since, actor=CDA, now=NOW)
    nw.record_linkage(conn, BAGRU, ("network", str(shg.id)), ("role", "artisan"), "trains",
                      "2026-11-01", actor=CDA, now=NOW)


@pytest.fixture
async def filled(db: Database) -> Database:
    await db.write(linked)
    return db


def _grant(db: Database, user: str, cluster: int, role: str) -> object:
    return db.write(
        lambda conn: conn.execute(
            "INSERT INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
            " VALUES ('test', ?, ?, ?, '2026-01-01T00:00:00+00:00')",
            (user, cluster, role),
        )
    )


async def test_cda_picks_a_cluster_gets_the_map_then_the_comparison(
    filled: Database, cda_chat: ChatDriver
) -> None:
    await cda_chat.say("/clustermap")
    assert cda_chat.choice_ids == [f"cm:c:{ALLEPPEY}", f"cm:c:{BAGRU}"]
    photo, offer = await cda_chat.press(f"cm:c:{BAGRU}")
    assert photo.media is not None and photo.media.kind == "photo"
    assert png_size(photo.media.data)[0] == 1200
    assert "linkages: 2 (3 reports)" in photo.text and "networks: 1" in photo.text
    assert "10 Jan 2026" in offer.text
    assert offer.choices[0].id == "cm:cmp" and offer.choices[0].label == "Compare with start"
    for reply in (photo, offer):
        check_limits(reply)
    (compared,) = await cda_chat.press("cm:cmp")
    assert compared.media is not None and png_size(compared.media.data)[0] == 1200
    # buys_from was there on 10 January; the SHG's training is new.
    assert "1 new linkage since the start (10 Jan 2026)" in compared.text
    # The picture is the one drawn from the data: the same bytes again.
    same = await filled.read(lambda conn: draw.picture(
        translator("en"), conn, BAGRU, compared.text.split("\n")[0], baseline="2026-01-10"))
    assert compared.media.data == same
    again = await cda_chat.press("cm:cmp")  # the button was answered: the flow has ended
    assert all(r.media is None for r in again)


async def test_observer_gets_the_map_in_their_language_with_no_name(
    filled: Database, engine: Engine
) -> None:
    await _grant(filled, "obs", BAGRU, "observer")
    observer = ChatDriver(engine, user_id="obs", language_code="hi")
    photo, offer = await observer.say("/clustermap")  # one cluster: straight to the map
    assert photo.media is not None and photo.media.data.startswith(b"\x89PNG")
    hindi = translator("hi")
    assert offer.choices[0].label == hindi.pgettext("button", "Compare with start")
    for name in NAMES:
        assert name not in photo.text + offer.text
    today = await filled.read(lambda conn: graph.build(conn, BAGRU))
    shown = texts(draw.map_figure(hindi, today, "Bagru"))
    assert all(name not in shown for name in NAMES)  # actor types and networks only
    (compared,) = await observer.press("cm:cmp")
    assert compared.media is not None


async def test_a_cluster_without_linkages_offers_no_comparison(
    filled: Database, engine: Engine
) -> None:
    await _grant(filled, "cda2", ALLEPPEY, "cda")
    cda = ChatDriver(engine, user_id="cda2")
    photo, said = await cda.say("/clustermap")
    assert photo.media is not None
    assert "no start to compare with" in said.text and not said.choices
    await cda.press("cm:cmp")  # forged: no map flow is open
    assert "Compare" not in cda.text


async def test_stakeholder_and_stranger_are_refused(filled: Database, engine: Engine) -> None:
    await filled.write(
        lambda conn: conn.execute(
            "INSERT INTO contacts (channel, channel_user_id, chat_id, language, status,"
            " consent_at, name, role, cluster_id, gender, created_at, registered_at)"
            " VALUES ('test', '1001', '1001', 'en', 'registered', ?, 'Kamla', 'artisan', 1,"
            " 'female', ?, ?)",
            ("2026-06-01T00:00:00+00:00",) * 3,
        )
    )
    for user in ("1001", "stranger"):
        chat = ChatDriver(engine, user_id=user)
        replies = await chat.say("/clustermap")
        assert REFUSAL in chat.text
        assert all(r.media is None for r in replies)
        replies = await chat.press(f"cm:c:{BAGRU}")  # a forged press draws nothing
        assert all(r.media is None for r in replies)


async def test_a_cluster_taken_away_mid_flow_is_not_drawn(
    filled: Database, engine: Engine
) -> None:
    await _grant(filled, "obs", BAGRU, "observer")
    await _grant(filled, "obs", ALLEPPEY, "observer")
    observer = ChatDriver(engine, user_id="obs")
    await observer.say("/clustermap")
    await filled.write(lambda conn: conn.execute(
        "DELETE FROM admins WHERE channel_user_id = 'obs' AND cluster_id = ?", (BAGRU,)))
    replies = await observer.press(f"cm:c:{BAGRU}")
    assert all(r.media is None for r in replies)
