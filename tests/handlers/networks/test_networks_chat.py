"""/networks and /mynetworks through the engine (issue 19): a CDA forms a network, adds
and invites people (the invitation goes through the outbox with Join / Decline), names a
contact person, records a linkage; members join, decline and leave; the contact person
sends an update to the network only; another cluster's CDA and an observer are refused."""

from __future__ import annotations

import json
import sqlite3

from bot.engine import Engine
from bot.storage import admins, clusters
from bot.storage import networks as nw
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.outbox_helpers import Person, seed_people

PEOPLE = ["asha", "bina", "chitra", "devi", "esha", "farida", "gita", "hema", "indu", "jaya"]


def outbox_to(conn: sqlite3.Connection, name: str) -> list[dict[str, object]]:
    return [
        json.loads(row[0])
        for row in conn.execute(
            "SELECT p.body FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " JOIN outbox_payloads p ON p.id = o.payload_id WHERE c.name = ? ORDER BY o.id",
            (name,),
        )
    ]


async def seed(db: Database, cluster: Cluster, people: list[str] = PEOPLE, **kw: str) -> list[int]:
    return await db.write(
        lambda conn: seed_people(conn, cluster.id, [Person(n, **kw) for n in people])  # type: ignore[arg-type]
    )


async def new_network(cda: ChatDriver, name: str = "Mahila Rangrez SHG") -> None:
    await cda.say("/networks")
    assert "None yet" in cda.text
    await cda.tap("New network")
    assert "called" in cda.text
    await cda.say(name)
    await cda.tap("SHG")
    await cda.tap("Formed now")
    await cda.say("15-03-2026")
    assert "Understood: 15 Mar 2026" in cda.text
    assert "New network: " + name in cda.text and "SHG" in cda.text
    await cda.tap("Create")
    assert "Created." in cda.text and "Members: 0" in cda.text


async def test_a_cda_forms_a_network_adds_invites_and_members_answer(
    db: Database, engine: Engine, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    ids = await seed(db, one_cluster)
    await new_network(cda_chat)
    await cda_chat.tap("Add members")
    # 10 people: 8 on the first page, then More and Done.
    assert len(cda_chat.last[-1].choices) == 10 and cda_chat.find("More")
    await cda_chat.tap("asha")
    assert "asha is now a member" in cda_chat.text
    await cda_chat.say("ITA")  # part of a name narrows the list
    assert [c.label for c in cda_chat.last[-1].choices] == ["gita", "Done"]
    await cda_chat.tap("gita")
    await cda_chat.say("zzz")
    assert "Nobody's name contains “zzz”" in cda_chat.text
    await cda_chat.press(f"nw:p:{ids[0]}")  # asha again: an old button
    assert "asha is a member already" in cda_chat.text
    await cda_chat.tap("Done")
    assert "Members: 2" in cda_chat.text
    await cda_chat.tap("Invite people")
    assert "asha" not in [c.label for c in cda_chat.last[-1].choices]
    await cda_chat.tap("bina")
    await cda_chat.tap("chitra")
    assert "chitra is invited" in cda_chat.text
    await cda_chat.tap("Done")
    assert "Invited, no answer yet: 2" in cda_chat.text

    network = await db.read(lambda conn: nw.by_name(conn, one_cluster.id, "Mahila Rangrez SHG"))
    assert network is not None and network.origin == "formed"
    assert network.founded_on == "2026-03-15"
    sent = await db.read(lambda conn: outbox_to(conn, "bina"))
    assert len(sent) == 1 and "Mahila Rangrez SHG" in str(sent[0]["text"])
    assert [c[0] for c in sent[0]["choices"]] == [  # type: ignore[attr-defined]
        f"nwi:{network.id}:y", f"nwi:{network.id}:n"]

    bina = ChatDriver(engine, user_id="u-bina")
    await bina.press(f"nwi:{network.id}:y")
    assert "Welcome! You are now a member of Mahila Rangrez SHG" in bina.text
    await bina.press(f"nwi:{network.id}:y")  # twice
    assert "member of Mahila Rangrez SHG already" in bina.text
    chitra = ChatDriver(engine, user_id="u-chitra")
    await chitra.say("/mynetworks")
    assert "Mahila Rangrez SHG (SHG): invited" in chitra.text
    await chitra.tap("Mahila Rangrez SHG")
    await chitra.tap("Decline")
    assert "You declined" in chitra.text
    devi = ChatDriver(engine, user_id="u-devi")  # never invited
    await devi.press(f"nwi:{network.id}:y")
    assert "no open invitation" in devi.text
    assert await db.read(lambda conn: nw.members(conn, network.id)) == [ids[0], ids[1], ids[6]]

    # The CDA names bina the contact person; only members are offered.
    await cda_chat.say("/networks")
    assert "Mahila Rangrez SHG (SHG, Formed now): 3 members" in cda_chat.text
    await cda_chat.tap("Mahila Rangrez SHG")
    await cda_chat.tap("Contact person")
    assert sorted(c.label for c in cda_chat.last[-1].choices) == ["Done", "asha", "bina", "gita"]
    await cda_chat.tap("bina")
    assert "bina is now the contact person" in cda_chat.text
    assert "Contact person: bina" in cda_chat.text

    # bina sends an update to the network: its members get it, nobody else.
    await bina.say("/mynetworks")
    assert "contact person" in bina.text
    await bina.tap("Mahila Rangrez SHG")
    await bina.tap("Send an update")
    await bina.say("Meeting at the dye shed on Friday.")
    assert "Send this to 3 members of Mahila Rangrez SHG?" in bina.text
    await bina.tap("Send")
    assert "Recipients: 3" in bina.text
    got = await db.read(
        lambda conn: {r[0] for r in conn.execute(
            "SELECT c.name FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " WHERE o.kind = 'broadcast'")}
    )
    assert got == {"asha", "bina", "gita"}
    update = await db.read(lambda conn: conn.execute("SELECT texts FROM updates").fetchone()[0])
    assert "From Mahila Rangrez SHG:" in update and "dye shed" in update

    # asha leaves.
    asha = ChatDriver(engine, user_id="u-asha")
    await asha.say("/mynetworks")
    await asha.tap("Mahila Rangrez SHG")
    await asha.tap("Leave")
    await asha.tap("Yes, leave")
    assert "You have left Mahila Rangrez SHG" in asha.text
    assert await db.read(lambda conn: nw.members(conn, network.id)) == [ids[1], ids[6]]
    actions = await db.read(lambda conn: [r[0] for r in conn.execute(
        "SELECT action FROM audit_log WHERE action LIKE 'network.%' ORDER BY id")])
    assert actions == [
        "network.create", "network.member_add", "network.member_add", "network.invite",
        "network.invite", "network.accept", "network.decline", "network.contact_person",
        "network.leave",
    ]


async def test_a_cda_records_a_linkage_between_a_role_and_a_network(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await new_network(cda_chat, "Bagru Printers Group")
    await cda_chat.say("/networks")
    await cda_chat.tap("Record a linkage")
    await cda_chat.tap("A network")
    await cda_chat.tap("Bagru Printers Group")
    await cda_chat.tap("Support the cluster")
    await cda_chat.tap("Bank, finance")
    assert "What is the linkage?" in cda_chat.text
    await cda_chat.tap("buys from")
    await cda_chat.tap("Skip")  # today
    assert "Bagru Printers Group buys from Bank / financial institution, since 28 Nov 2026" \
        in cda_chat.text
    await cda_chat.tap("Record")
    assert "Recorded." in cda_chat.text
    found = await db.read(lambda conn: nw.linkages_at(conn, one_cluster.id))
    assert [(x.from_kind, x.to_kind, x.to_ref, x.kind, x.since, x.source) for x in found] == [
        ("network", "role", "bank", "buys_from", "2026-11-28", "cda")]

    # A network cannot be linked to itself.
    await cda_chat.tap("Record a linkage")
    await cda_chat.tap("A network")
    await cda_chat.tap("Bagru Printers Group")
    await cda_chat.tap("A network")
    await cda_chat.tap("Bagru Printers Group")
    await cda_chat.tap("trains")
    await cda_chat.say("01-11-2026")
    assert "cannot be linked to itself" in cda_chat.text


async def test_another_clusters_cda_and_an_observer_are_refused(
    db: Database, engine: Engine, two_clusters: list[Cluster], cda_chat: ChatDriver
) -> None:
    bagru, coir = two_clusters
    ids = await seed(db, bagru, ["asha"])
    await db.write(lambda conn: (
        admins.add(conn, "test", "cdab", coir.id, "cda", "x"),
        admins.add(conn, "test", "obs", None, "observer", "x"),
        nw.create(conn, bagru.id, "Bagru SHG", "shg", "existing", None, actor="t", now="x"),
    ))
    other = ChatDriver(engine, user_id="cdab")
    await other.say("/networks")
    assert "Bagru SHG" not in other.text and "Alleppey" in other.text  # its own cluster only
    await other.press("nw:o:1")  # a button of Bagru's list
    assert "That network no longer exists." in other.text and "Bagru SHG" not in other.text
    observer = ChatDriver(engine, user_id="obs")
    await observer.say("/networks")
    assert "only for the cluster development agent" in observer.text
    await observer.press("nw:o:1")
    assert "Bagru SHG" not in observer.text
    # The whole-cluster CDA adds asha; the other CDA's press on a person changes nothing.
    await other.press(f"nw:p:{ids[0]}")
    assert await db.read(lambda conn: nw.members(conn, 1)) == []
    assert await db.read(lambda conn: clusters.by_id(conn, bagru.id)) is not None


async def test_a_meeting_and_a_broadcast_go_to_a_networks_members_only(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    ids = await seed(db, one_cluster, ["asha", "bina", "chitra"])
    await cda_chat.say("/broadcast")
    assert "Members of a network" not in [c.label for c in cda_chat.last[-1].choices]
    await cda_chat.say("/cancel")

    def form(conn: sqlite3.Connection) -> nw.Network:
        network = nw.create(conn, one_cluster.id, "Dyers", "producer_group", "revived", None,
                            actor="t", now="2026-11-01T00:00:00+00:00")
        for contact_id in ids[:2]:
            nw.add_member(conn, network.id, contact_id, actor="t", now="2026-11-01T00:00:00+00:00")
        return network

    network = await db.write(form)
    await cda_chat.say("/newmeeting")
    await cda_chat.say("Dyers' monthly meeting")
    await cda_chat.say("5 Dec 10:30")
    await cda_chat.say("Dye shed")
    await cda_chat.tap("Members of a network")
    await cda_chat.tap("Dyers")
    await cda_chat.tap("1 day, 2 hours")
    assert "Members of Dyers" in cda_chat.text and "Recipients: 2" in cda_chat.text
    await cda_chat.tap("Yes, invite them")
    invited = await db.read(lambda conn: {r[0] for r in conn.execute(
        "SELECT c.name FROM outbox o JOIN contacts c ON c.id = o.contact_id"
        " WHERE o.kind = 'invitation'")})
    assert invited == {"asha", "bina"}
    audience = await db.read(lambda conn: conn.execute("SELECT audience FROM events").fetchone()[0])
    assert json.loads(audience) == {"network": network.id}

    await cda_chat.say("/broadcast")
    await cda_chat.tap("Members of a network")
    await cda_chat.tap("Dyers")
    await cda_chat.say("The dye order has arrived.")
    assert "Members of Dyers" in cda_chat.text


async def test_in_hindi_a_cda_forms_a_network_and_a_member_joins(
    db: Database, engine: Engine, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    from bot.i18n import translator
    from bot.storage import contacts

    _ = translator("hi")
    await seed(db, one_cluster, ["asha", "bina"], language="hi")
    await cda_chat.say("/start")

    def hindi(conn: sqlite3.Connection) -> None:
        found = contacts.find(conn, "test", "cda")
        assert found is not None
        contacts.update(conn, found.id, language="hi")

    await db.write(hindi)
    await cda_chat.say("/networks")
    assert "अभी कोई नहीं। पहला जोड़ने के लिए “नया समूह” दबाएँ।" in cda_chat.text
    await cda_chat.tap("नया समूह")
    assert "समूह का नाम क्या है?" in cda_chat.text
    await cda_chat.say("महिला रंगरेज़ समूह")
    await cda_chat.tap("स्वयं सहायता समूह")
    await cda_chat.tap("फिर से शुरू")
    await cda_chat.tap(_("Skip"))
    assert "नया समूह: महिला रंगरेज़ समूह" in cda_chat.text and "शुरुआत: फिर से शुरू" in cda_chat.text
    await cda_chat.tap("बनाएँ")
    await cda_chat.tap("लोगों को न्योता दें")
    await cda_chat.tap("asha")
    assert "asha को न्योता भेजा" in cda_chat.text
    sent = await db.read(lambda conn: outbox_to(conn, "asha"))
    assert "आपको Bagru hand-block printers के समूह “महिला रंगरेज़ समूह”" in str(sent[0]["text"])
    asha = ChatDriver(engine, user_id="u-asha")
    await asha.press("nwi:1:y")
    assert "स्वागत है! अब आप महिला रंगरेज़ समूह के सदस्य हैं।" in asha.text
    await asha.say("/mynetworks")
    assert "• महिला रंगरेज़ समूह (स्वयं सहायता समूह): सदस्य" in asha.text
    # A linkage, read verb-last: "<from> <to> <kind>".
    await cda_chat.say("/networks")
    await cda_chat.tap("जुड़ाव दर्ज करें")
    await cda_chat.tap(_.pgettext("button", "Artisan"))
    await cda_chat.tap("एक समूह")
    await cda_chat.tap("महिला रंगरेज़ समूह")
    await cda_chat.tap("से ख़रीदता है")
    await cda_chat.say("01-11-2026")
    assert "कारीगर महिला रंगरेज़ समूह से ख़रीदता है, 1 नव॰ 2026 से" in cda_chat.text
    await cda_chat.tap("दर्ज करें")
    assert "दर्ज हो गया।" in cda_chat.text


async def test_an_exposure_visit_open_to_a_networks_members(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    ids = await seed(db, one_cluster, ["asha", "bina", "chitra"])

    def form(conn: sqlite3.Connection) -> None:
        network = nw.create(conn, one_cluster.id, "Dyers", "shg", "formed", None, actor="t",
                            now="x")  # fmt: skip
        for contact_id in ids[1:]:
            nw.add_member(conn, network.id, contact_id, actor="t", now="x")

    await db.write(form)
    await cda_chat.say("/newvisit")
    for text in ("Sanganer", "Natural dyeing", "10 Dec 07:00", "10 Dec 19:00", "20"):
        await cda_chat.say(text)
    await cda_chat.tap("Members of a network")
    assert "The members of which network?" in cda_chat.text
    await cda_chat.tap("Choose roles")  # back to the roles, then to the network again
    assert cda_chat.find("Done")
    await cda_chat.tap("Members of a network")
    await cda_chat.tap("Dyers")
    await cda_chat.say("8 Dec 18:00")
    await cda_chat.say("0")
    assert "It goes to 2 people: Members of Dyers." in cda_chat.text
    await cda_chat.tap("Yes, announce it")
    announced = await db.read(lambda conn: {r[0] for r in conn.execute(
        "SELECT c.name FROM outbox o JOIN contacts c ON c.id = o.contact_id"
        " WHERE o.kind = 'invitation'")})
    assert announced == {"bina", "chitra"}


async def test_a_cda_ties_activities_to_a_network_and_the_report_counts_them(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    from zoneinfo import ZoneInfo

    from bot.reports import indicators as ind
    from bot.storage import activities

    def plan(conn: sqlite3.Connection) -> None:
        nw.create(conn, one_cluster.id, "Dyers", "shg", "formed", None, actor="t", now="x")
        for title, paise in (("Common dye shed", 500_000), ("Buyer meet", 300_000)):
            activities.add(conn, cluster_id=one_cluster.id, by="t", now="x", title=title,
                           category="pilot", beneficiaries_paise=paise)  # fmt: skip

    await db.write(plan)
    await cda_chat.say("/networks")
    await cda_chat.tap("Dyers")
    await cda_chat.tap("Its activities")
    assert "Beneficiaries' share of their budget: ₹0" in cda_chat.text
    await cda_chat.tap("Common dye shed")
    assert "₹5,000" in cda_chat.text and cda_chat.last[-1].selected == frozenset({"nw:a:1"})
    await cda_chat.tap("Buyer meet")
    await cda_chat.tap("Buyer meet")  # untied again
    assert cda_chat.last[-1].selected == frozenset({"nw:a:1"})
    await cda_chat.tap("Done")
    assert "Members: 0" in cda_chat.text
    found = await db.read(lambda conn: ind.networks(
        conn, one_cluster.id, ind.Period("all", None, "2100-01-01T00:00:00+00:00"),
        ZoneInfo("Asia/Kolkata")))
    assert found.networks[0].beneficiaries_paise == 500_000
    assert found.committed_share(found.networks[0]) == ind.Share(500_000, 800_000)
    actions = await db.read(lambda conn: [r[0] for r in conn.execute(
        "SELECT action FROM audit_log WHERE action = 'network.activity'")])
    assert len(actions) == 3


async def test_broadcast_for_a_contact_person_goes_to_their_network_only(
    db: Database, engine: Engine, one_cluster: Cluster
) -> None:
    asha, bina, chitra = await seed(db, one_cluster, ["asha", "bina", "chitra"])

    def form(conn: sqlite3.Connection) -> None:
        for name, people in (("Dyers", (asha, bina)), ("Printers", (asha, chitra))):
            network = nw.create(conn, one_cluster.id, name, "shg", "formed", None, actor="t",
                                now="x")  # fmt: skip
            for contact_id in people:
                nw.add_member(conn, network.id, contact_id, actor="t", now="x")
        nw.set_contact_person(conn, 1, asha, actor="t", now="x")

    await db.write(form)
    chitra_chat = ChatDriver(engine, user_id="u-chitra")
    await chitra_chat.say("/broadcast")  # a member, not a contact person
    assert "only for the cluster development agent" in chitra_chat.text
    asha_chat = ChatDriver(engine, user_id="u-asha")
    await asha_chat.say("/broadcast")
    assert "Type the update for the members of Dyers" in asha_chat.text
    await asha_chat.say("Dye order on Friday.")
    await asha_chat.tap("Send")
    got = await db.read(lambda conn: {r[0] for r in conn.execute(
        "SELECT c.name FROM outbox o JOIN contacts c ON c.id = o.contact_id"
        " WHERE o.kind = 'broadcast'")})
    assert got == {"asha", "bina"}
    await db.write(lambda conn: nw.set_contact_person(conn, 2, asha, actor="t", now="x"))
    await asha_chat.say("/broadcast")
    assert "Which network is the update for?" in asha_chat.text
    await asha_chat.tap("Printers")
    assert "Type the update for the members of Printers" in asha_chat.text


async def test_inviting_someone_who_stopped_updates_says_how_they_answer(
    db: Database, engine: Engine, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await db.write(lambda conn: seed_people(conn, one_cluster.id, [Person("asha", opted_out=True)]))
    await db.write(lambda conn: nw.create(conn, one_cluster.id, "Dyers", "shg", "formed", None,
                                          actor="t", now="x"))  # fmt: skip
    await cda_chat.say("/networks")
    await cda_chat.tap("Dyers")
    await cda_chat.tap("Invite people")
    await cda_chat.tap("asha")
    assert "has stopped updates (/stop), so gets no message" in cda_chat.text
    asha = ChatDriver(engine, user_id="u-asha")
    await asha.say("/mynetworks")
    await asha.tap("Dyers")
    await asha.tap("Join")
    assert "Welcome! You are now a member of Dyers." in asha.text


async def test_a_cda_ends_a_linkage_and_it_no_longer_stands(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    def record(conn: sqlite3.Connection) -> None:
        for kind, since in (("buys_from", "2026-01-10"), ("trains", "2026-03-01")):
            nw.record_linkage(conn, one_cluster.id, ("role", "artisan"), ("role", "supplier"),
                              kind, since, actor="t", now="x")  # fmt: skip

    await cda_chat.say("/networks")
    assert "Linkages" not in [c.label for c in cda_chat.last[-1].choices]  # none yet
    await db.write(record)
    await cda_chat.say("/networks")
    await cda_chat.tap("Linkages")
    text = cda_chat.text
    assert "1. Artisan buys from Supplier / related enterprise, since 10 Jan 2026" in text
    assert "2. Artisan trains Supplier / related enterprise, since 1 Mar 2026" in text
    await cda_chat.press("nk:l:2")
    assert "When did it end?" in cda_chat.text
    await cda_chat.say("15-02-2026")  # before it began
    assert "That date cannot be used" in cda_chat.text
    await cda_chat.say("31-12-2026")  # after today (28 Nov 2026)
    assert "up to today" in cda_chat.text
    await cda_chat.say("20-11-2026")
    assert "Ended on 20 Nov 2026: Artisan trains" in cda_chat.text
    assert "2. Artisan trains" not in cda_chat.text.split("Ended on")[1]
    await cda_chat.press("nk:l:2")  # an old button: it ended already
    assert "earlier question" in cda_chat.text
    await cda_chat.tap("Done")
    assert "Networks of Bagru" in cda_chat.text
    found = await db.read(lambda conn: nw.linkages_at(conn, one_cluster.id, "2026-11-19"))
    assert [x.kind for x in found] == ["buys_from", "trains"]
    found = await db.read(lambda conn: nw.linkages_at(conn, one_cluster.id, "2026-11-20"))
    assert [x.kind for x in found] == ["buys_from"]
