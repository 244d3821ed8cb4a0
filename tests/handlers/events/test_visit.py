"""/newvisit through the engine (SPEC §5): destination, purpose, dates, seats, eligible
roles (default SHG members and artisans), deadline, contribution in ₹ -> an announcement
with a Register button to the eligible people only."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.parse.numbers import AmountError, parse_rupees
from bot.storage import events as ev
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.outbox_helpers import Person, seed_people


def announcements(conn: sqlite3.Connection) -> dict[str, dict[str, object]]:
    return {
        row[0]: json.loads(row[1])
        for row in conn.execute(
            "SELECT c.name, p.body FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = 'invitation'"
        )
    }


async def plan_visit(cda: ChatDriver, seats: str = "30", amount: str = "₹1,500") -> None:
    await cda.say("/newvisit")
    await cda.say("Sanganer block printing cluster")
    await cda.say("See natural dyeing and the common facility centre")
    await cda.say("10-12-2026 07:00")
    assert "Understood: 10 Dec 2026, 7:00" in cda.text
    await cda.say("09-12-2026 19:00")
    assert "after the start" in cda.text
    await cda.say("11-12-2026 19:00")
    await cda.say("many")
    assert "number from 1 to 1,000" in cda.text
    await cda.say(seats)
    assert cda.last[0].selected == {"vs:role:shg_member", "vs:role:artisan"}
    await cda.tap("Done")
    await cda.say("12-12-2026 10:00")
    assert "before the visit starts" in cda.text
    await cda.say("5 Dec 18:00")
    await cda.say(amount)


async def test_a_cda_announces_a_visit_to_eligible_roles(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    await db.write(
        lambda conn: seed_people(
            conn,
            one_cluster.id,
            [Person("asha"), Person("bina", role="shg_member"), Person("ravi", role="supplier")],
        )
    )
    await plan_visit(cda_chat)
    preview = cda_chat.last[0].text
    assert "Sanganer" in preview and "₹1,500" in preview and "Seats: 30" in preview
    assert "goes to 2 people" in cda_chat.text
    await cda_chat.tap("Yes, announce it")
    assert "goes to 2 people" in cda_chat.text
    sent = await db.read(announcements)
    assert set(sent) == {"asha", "bina"}
    assert sent["asha"]["choices"] == [["reg:1", "Register"]]
    event = await db.read(lambda conn: ev.get(conn, 1))
    assert event is not None and event.seats == 30 and event.contribution_paise == 150000
    assert event.audience == {"roles": ["shg_member", "artisan"]}


async def test_the_contribution_is_shown_in_rupees_per_locale(
    db: Database, one_cluster: Cluster, cda_chat: ChatDriver
) -> None:
    """₹ with Indian digit grouping (1,00,000: the most allowed), in each person's language."""
    await db.write(
        lambda conn: seed_people(
            conn,
            one_cluster.id,
            [Person("asha"), Person("bina", language="hi"), Person("chinna", language="te")],
        )
    )
    await plan_visit(cda_chat, amount="1,00,000")
    assert "Contribution per person: ₹1,00,000" in cda_chat.last[0].text
    await cda_chat.tap("Yes, announce it")
    sent = {name: str(body["text"]) for name, body in (await db.read(announcements)).items()}
    assert "Contribution per person: ₹1,00,000" in sent["asha"]
    assert "प्रति व्यक्ति योगदान: ₹1,00,000" in sent["bina"]
    assert "ఒక్కొక్కరి వాటా: ₹1,00,000" in sent["chinna"]
    # Dates and times in the reader's locale too, with its word for the part of the day.
    assert "10 दिस॰ 2026, सुबह 7:00" in sent["bina"] and " am" not in sent["bina"]
    assert "7:00 ఉదయం" in sent["chinna"] and "AM" not in sent["chinna"]


@pytest.mark.parametrize(
    ("typed", "paise"),
    [
        ("1500", 150000),
        ("₹1,500", 150000),
        ("Rs. 250.50", 25050),
        ("0", 0),
        ("abc", None),
        ("NaN", None),
        ("-5", None),
        ("1e99", None),
    ],
)
def test_rupees(typed: str, paise: int | None) -> None:
    found = parse_rupees(typed)
    assert (None if isinstance(found, AmountError) else found) == paise
