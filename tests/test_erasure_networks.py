"""/forget and networks (issue 19): the person's memberships, invitations and contact-person
role go, with the linkages they reported; the CDA's linkages and other members stay."""

from __future__ import annotations

import sqlite3

from bot.engine import Engine
from bot.storage import networks as nw
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.outbox_helpers import Person, seed_people

NOW = "2026-11-01T00:00:00+00:00"


async def test_forget_removes_memberships_and_the_linkages_they_reported(
    db: Database, engine: Engine, one_cluster: Cluster
) -> None:
    def setup(conn: sqlite3.Connection) -> tuple[int, int, int]:
        asha, bina = seed_people(conn, one_cluster.id, [Person("asha"), Person("bina")])
        dyers = nw.create(conn, one_cluster.id, "Dyers", "shg", "formed", None, actor="t", now=NOW)
        other = nw.create(conn, one_cluster.id, "Printers", "shg", "formed", None, actor="t",
                          now=NOW)  # fmt: skip
        nw.add_member(conn, dyers.id, asha, actor="t", now=NOW)
        nw.add_member(conn, dyers.id, bina, actor="t", now=NOW)
        nw.set_contact_person(conn, dyers.id, asha, actor="t", now=NOW)
        nw.invite(conn, other.id, asha, actor="t", now=NOW)
        nw.record_linkage(conn, one_cluster.id, ("role", "artisan"), ("role", "supplier"),
                          "buys_from", "2026-10-01", actor="test:u-asha", now=NOW,
                          source="survey", reported_by=asha)  # fmt: skip
        nw.record_linkage(conn, one_cluster.id, ("network", str(dyers.id)), ("role", "bank"),
                          "lends_to", "2026-10-01", actor="t", now=NOW)  # fmt: skip
        return asha, bina, dyers.id

    asha, bina, dyers = await db.write(setup)
    person = ChatDriver(engine, user_id="u-asha")
    await person.say("/forget")
    await person.press("forget:yes")
    assert "erased" in person.text

    def state(conn: sqlite3.Connection) -> tuple[object, ...]:
        return (
            conn.execute("SELECT COUNT(*) FROM network_members WHERE contact_id = ?",
                         (asha,)).fetchone()[0],
            nw.members(conn, dyers),
            nw.contact_person(conn, dyers),
            [(x.kind, x.source) for x in nw.linkages_at(conn, 1)],
        )  # fmt: skip

    assert await db.read(state) == (0, [bina], None, [("lends_to", "cda")])
