"""Every networks screen within the platform limits in every shipped language (issue 19):
WhatsApp buttons of 20 characters, list rows of 24 and 10 rows a list (checked whole by
tests/whatsapp/test_label_fit.py's renderer check), Telegram's 4,096 characters and
64-byte callback data (tests/driver.py checks every reply)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.limits import TELEGRAM_MAX_TEXT
from bot.messages import Outbound
from bot.storage import activities, contacts
from bot.storage import networks as nw
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from handlers.networks import screens
from tests.driver import ChatDriver
from tests.outbox_helpers import Person, seed_people
from tests.whatsapp.test_label_fit import check, fail_on

LONG = "Sanganer Natural Dye Print Producers Company"  # longer than any row


class Recorder:
    def __init__(self, driver: ChatDriver) -> None:
        self.driver, self.seen = driver, []  # type: ignore[var-annotated]

    async def say(self, text: str) -> None:
        self.seen += await self.driver.say(text)

    async def press(self, choice: str) -> None:
        self.seen += await self.driver.press(choice)

    def ids(self, prefix: str) -> list[str]:
        return [c.id for c in self.driver.last[-1].choices if c.id.startswith(prefix)]


def set_language(conn: sqlite3.Connection, user: str, language: str) -> None:
    found = contacts.find(conn, "test", user)
    assert found is not None
    contacts.update(conn, found.id, language=language)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_networks_screens_fit_in_every_language(
    db: Database, engine: Engine, one_cluster: Cluster, language: str
) -> None:
    names = [f"{LONG} member {i}" for i in range(12)]
    await db.write(lambda conn: activities.add(
        conn, cluster_id=one_cluster.id, by="t", now="x", title=LONG, category="pilot"))
    ids = await db.write(lambda conn: seed_people(
        conn, one_cluster.id, [Person(n, language=language, user_id=f"p{i}")
                               for i, n in enumerate(names)]))  # fmt: skip
    cda = Recorder(ChatDriver(engine, user_id="cda"))
    await cda.say("/start")
    await db.write(lambda conn: set_language(conn, "cda", language))
    await cda.say("/networks")
    await cda.press("nw:new")
    await cda.say(LONG)
    await cda.press(cda.ids("nn:k:")[0])
    await cda.press("nn:o:revived")
    await cda.say("15-03-2026")
    await cda.press("nn:yes")
    for mode in ("add", "inv"):
        await cda.press(f"nw:m:{mode}")
        await cda.press(cda.ids("nw:pg:")[0])  # the second page
        await cda.press(cda.ids("nw:p:")[0])
        await cda.say("member 1")
        await cda.press(cda.ids("nw:p:")[0])
        await cda.press("nw:done")
    await cda.press("nw:m:cp")
    await cda.press(cda.ids("nw:p:")[0])
    await cda.press("nw:m:act")
    await cda.press(cda.ids("nw:a:")[0])
    await cda.press("nw:done")
    await cda.press("nw:back")
    await cda.press("nw:link")
    for screen in ("support", "net", "make"):
        await cda.press(f"nl:s:s:{screen}")
    await cda.press("nl:s:r:artisan")
    await cda.press("nl:t:n:1")
    await cda.press(cda.ids("nl:k:")[0])
    await cda.press("nl:skip")
    await cda.press("nl:yes")
    await cda.press("nw:links")
    await cda.press(cda.ids("nk:l:")[0])
    await cda.press("nk:back")
    await cda.press(cda.ids("nk:l:")[0])
    await cda.press("nk:today")
    await cda.press("nk:done")
    await cda.say("/broadcast")
    await cda.press("bc:aud:network")
    await cda.say("/cancel")
    await cda.say("/newmeeting")
    await cda.say("Meeting")
    await cda.say("5 Dec 10:30")
    await cda.say("Hall")
    await cda.press("mt:aud:network")

    # The members' side: an invited person, and the contact person.
    def roles(conn: sqlite3.Connection) -> tuple[int, int]:
        network = nw.in_cluster(conn, one_cluster.id)[0]
        invited = nw.invited(conn, network.id)[0]
        lead = nw.contact_person(conn, network.id)
        assert lead is not None
        return invited, lead

    invited, lead = await db.read(roles)
    guest = Recorder(ChatDriver(engine, user_id=f"p{ids.index(invited)}"))
    await guest.say("/mynetworks")
    await guest.press("nwm:o:1")
    leader = Recorder(ChatDriver(engine, user_id=f"p{ids.index(lead)}"))
    await leader.say("/mynetworks")
    await leader.press("nwm:o:1")
    await leader.press("nwm:u:1")
    await leader.say("Dye order arrives on Friday.")
    await leader.press("nwm:l:1")
    await guest.press("nwi:1:y")
    await guest.say("/mynetworks")

    network = await db.read(lambda conn: nw.by_id(conn, 1))
    assert network is not None
    _ = translator(language)
    invitation = Outbound(screens.invitation_text(_, network, one_cluster.name),
                          screens.invitation_choices(_, network.id))  # fmt: skip
    seen = [*cda.seen, *guest.seen, *leader.seen, invitation]
    assert all(len(m.text) <= TELEGRAM_MAX_TEXT for m in seen)
    assert len([m for m in seen if m.choices]) > 25
    fail_on(check(seen, language, "networks"))
