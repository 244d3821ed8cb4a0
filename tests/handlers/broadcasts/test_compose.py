"""/broadcast, /deliveries and /updates through the engine (SPEC §5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.messages import InboundKind, Outbound
from bot.storage import admins, broadcasts
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver, FakeClock
from tests.handlers.people.test_onboarding import register
from tests.outbox_helpers import Person, ledger, seed_people

PEOPLE = [
    Person("Asha", language="hi"),
    Person("Bina", role="shg_member", language="te"),
    Person("Chitra", role="supplier"),
    Person("Dev", gender="male"),
    Person("Esha", opted_out=True),
    Person("Farid", gender="male", unreachable=True),
]


@pytest.fixture
async def people(db: Database, one_cluster: Cluster) -> list[int]:
    return await db.write(lambda conn: seed_people(conn, one_cluster.id, PEOPLE))


async def compose(cda: ChatDriver, text: str, audience: str = "bc:aud:all") -> list[Outbound]:
    await cda.say("/broadcast")
    await cda.press(audience)
    return await cda.say(text)


def flat(text: str) -> str:
    """Babel puts a narrow no-break space before AM/PM (CLDR); compare with a plain one."""
    return text.replace("\u202f", " ")


def only(rows: list[sqlite3.Row]) -> sqlite3.Row:
    assert len(rows) == 1
    return rows[0]


async def test_non_cda_is_refused(chat: ChatDriver, one_cluster: Cluster) -> None:
    await register(chat)
    for command in ("/broadcast", "/deliveries"):
        await chat.say(command)
        assert "only for the cluster development agent" in chat.text


async def test_whole_cluster_preview_counts_and_send_now(
    cda_chat: ChatDriver, db: Database, people: list[int]
) -> None:
    await cda_chat.say("/broadcast")
    assert "Who should receive" in cda_chat.text  # one cluster: no cluster question
    await cda_chat.press("bc:aud:all")
    preview = await cda_chat.say("The meeting moves to Friday 10:00 at the CFC.")
    assert preview[0].text == "The meeting moves to Friday 10:00 at the CFC."  # exact text
    summary = preview[-1].text
    assert "Recipients: 4" in summary
    assert "1 who stopped updates" in summary and "1 who blocked the bot" in summary
    await cda_chat.press("bc:now")
    assert "Send this update now? Recipients: 4" in cda_chat.text
    await cda_chat.press("bc:yes")
    assert "Recipients: 4; they get it" in cda_chat.text and "/deliveries" in cda_chat.text

    rows = await db.read(ledger)
    assert rows == {
        "Asha": "queued",
        "Bina": "queued",
        "Chitra": "queued",
        "Dev": "queued",
        "Esha": "opted_out",
        "Farid": "blocked",
    }
    b = only(await db.read(lambda conn: conn.execute("SELECT * FROM broadcasts").fetchall()))
    assert b["status"] == "sent" and b["author"] == "test:cda" and b["recipients"] == 6
    update = only(await db.read(lambda conn: conn.execute("SELECT * FROM updates").fetchall()))
    assert update["broadcast_id"] == b["id"]
    audit = only(
        await db.read(
            lambda conn: conn.execute(
                "SELECT * FROM audit_log WHERE action = 'broadcast.send'"
            ).fetchall()
        )
    )
    assert audit["actor"] == "test:cda" and audit["subject"] == f"broadcast:{b['id']}"
    flows = await db.read(lambda conn: conn.execute("SELECT flow FROM conversations").fetchall())
    assert flows == []  # the draft is done with


@pytest.mark.parametrize(
    ("presses", "count"),
    [
        (["bc:aud:roles", "bc:role:shg_member", "bc:role:supplier", "bc:roles:done"], 2),
        (["bc:aud:female"], 3),
        (["bc:aud:male"], 1),
    ],
)
async def test_audiences(
    cda_chat: ChatDriver, people: list[int], presses: list[str], count: int
) -> None:
    await cda_chat.say("/broadcast")
    for choice in presses:
        await cda_chat.press(choice)
    await cda_chat.say("Training on natural dyes next week")
    assert f"Recipients: {count}" in cda_chat.text


async def test_role_picker_toggles_in_place(cda_chat: ChatDriver, people: list[int]) -> None:
    await cda_chat.say("/broadcast")
    await cda_chat.press("bc:aud:roles")
    await cda_chat.press("bc:roles:done")
    assert "at least one role" in cda_chat.text
    redraw = await cda_chat.press("bc:role:artisan")
    assert redraw[0].replace and redraw[0].selected == {"bc:role:artisan"}
    redraw = await cda_chat.press("bc:role:artisan")
    assert redraw[0].selected == frozenset()


async def test_opted_out_people_are_left_out_until_they_subscribe(
    cda_chat: ChatDriver, chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await register(chat)
    await chat.say("/stop")
    await compose(cda_chat, "First")
    assert "Recipients: 0" in cda_chat.text and "1 who stopped updates" in cda_chat.text
    await chat.say("/subscribe")
    await compose(cda_chat, "Second")
    assert "Recipients: 1" in cda_chat.text


async def test_too_long_texts_are_rejected_at_compose_time(
    cda_chat: ChatDriver, people: list[int], tmp_path: Path
) -> None:
    await compose(cda_chat, "x" * 4097)
    assert "4,097 characters" in cda_chat.text and "at most 4,096" in cda_chat.text
    assert not any(c.startswith("bc:now") for c in cda_chat.choice_ids)  # still composing
    # Telegram counts an emoji beyond the BMP as two.
    await cda_chat.say("🙏" * 2049)
    assert "4,098 characters" in cda_chat.text
    # With a photo the caption limit (1,024) applies.
    photo = tmp_path / "dyes.jpg"
    photo.write_bytes(b"\xff\xd8fake-jpeg")
    await cda_chat._send(kind=InboundKind.PHOTO, media_ref=str(photo), text="y" * 1025)
    assert "at most 1,024" in cda_chat.text
    await cda_chat.say("Natural dye training on Monday")
    assert cda_chat.last[0].media is not None and cda_chat.last[0].media.data.startswith(b"\xff")
    # Every language version is checked too.
    await cda_chat.press("bc:add:hi")
    await cda_chat.say("क" * 1025)
    assert "हिन्दी" in cda_chat.text and "at most 1,024" in cda_chat.text
    await cda_chat.say("सोमवार को प्राकृतिक रंग प्रशिक्षण")
    assert "Recipients: 4" in cda_chat.last[-1].text
    assert [m.text for m in cda_chat.last[:2]] == [
        "Natural dye training on Monday",
        "सोमवार को प्राकृतिक रंग प्रशिक्षण",
    ]
    # A long text already typed blocks attaching a photo later.
    await cda_chat.press("bc:change")
    await cda_chat.press("bc:edit")
    await cda_chat.say("z" * 2000)
    await cda_chat._send(kind=InboundKind.DOCUMENT, media_ref=str(photo))
    assert "at most 1,024" in cda_chat.text


async def test_language_versions_reach_the_right_people(
    cda_chat: ChatDriver, db: Database, people: list[int]
) -> None:
    await compose(cda_chat, "Bank loan camp on Saturday")
    await cda_chat.press("bc:add:te")
    await cda_chat.say("శనివారం బ్యాంకు రుణ శిబిరం")
    assert "in their own language" in cda_chat.last[-1].text
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    texts = await db.read(
        lambda conn: dict(
            conn.execute(
                "SELECT c.name, json_extract(p.body, '$.text') FROM outbox o JOIN contacts c"
                " ON c.id = o.contact_id JOIN outbox_payloads p ON p.id = o.payload_id"
            ).fetchall()
        )
    )
    assert texts["Bina"] == "శనివారం బ్యాంకు రుణ శిబిరం"
    assert texts["Asha"] == texts["Chitra"] == "Bank loan camp on Saturday"


async def test_scheduling_in_the_cluster_time_zone(
    cda_chat: ChatDriver, db: Database, people: list[int], clock: FakeClock
) -> None:
    # The clock: 28 Nov 2026 09:00 UTC = 14:30 in Asia/Kolkata.
    await compose(cda_chat, "Buyer-seller meet tomorrow")
    await cda_chat.press("bc:later")
    assert "Asia/Kolkata" in cda_chat.text and "29-11-2026 10:00" in cda_chat.text
    await cda_chat.say("28-11-2026 10:00")
    assert "already passed" in cda_chat.text
    await cda_chat.say("31-02-2027 10:00")
    assert "no such date" in cda_chat.text
    await cda_chat.say("tomorrow")
    assert "like this" in cda_chat.text
    await cda_chat.say("29/11/2026 4:30 pm")
    assert "29 Nov 2026, 4:30 PM (Asia/Kolkata)" in flat(cda_chat.text)
    await cda_chat.press("bc:yes")
    assert "Scheduled for 29 Nov 2026, 4:30 PM" in flat(cda_chat.text)
    b = only(await db.read(lambda conn: conn.execute("SELECT * FROM broadcasts").fetchall()))
    assert b["status"] == "scheduled" and b["scheduled_at"] == "2026-11-29T11:00:00+00:00"
    job = only(await db.read(lambda conn: conn.execute("SELECT * FROM scheduled_jobs").fetchall()))
    assert (job["id"], job["run_at"]) == (f"broadcast:{b['id']}", b["scheduled_at"])
    assert await db.read(ledger) == {}  # nothing queued before the time
    assert await db.read(lambda conn: conn.execute("SELECT * FROM updates").fetchall()) == []


async def test_a_later_time_is_read_in_the_cluster_time_zone_not_the_bot_default(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, people: list[int]
) -> None:
    """The bot's default zone is Asia/Kolkata; this cluster's is Nepal's (UTC+5:45)."""
    await db.write(
        lambda conn: conn.execute(
            "UPDATE clusters SET timezone = 'Asia/Kathmandu' WHERE id = ?", (one_cluster.id,)
        )
    )
    await compose(cda_chat, "Dhaka topi weavers' meet")
    await cda_chat.press("bc:later")
    assert "Asia/Kathmandu" in cda_chat.text
    await cda_chat.say("29-11-2026 10:00")
    assert "29 Nov 2026, 10:00 AM (Asia/Kathmandu)" in flat(cda_chat.text)
    await cda_chat.press("bc:yes")
    b = only(await db.read(lambda conn: conn.execute("SELECT * FROM broadcasts").fetchall()))
    assert b["scheduled_at"] == "2026-11-29T04:15:00+00:00"  # 10:00 at UTC+5:45


async def test_a_time_that_passed_while_confirming_is_asked_again(
    cda_chat: ChatDriver, db: Database, people: list[int], clock: FakeClock
) -> None:
    # The clock: 28 Nov 2026 09:00 UTC = 14:30 in Asia/Kolkata.
    await compose(cda_chat, "Stall allotment at 15:00")
    await cda_chat.press("bc:later")
    await cda_chat.say("28-11-2026 14:40")
    clock.advance(minutes=15)  # the CDA was called away before pressing Yes
    await cda_chat.press("bc:yes")
    assert "passed meanwhile" in cda_chat.text and "Asia/Kolkata" in cda_chat.text
    assert await db.read(lambda conn: conn.execute("SELECT * FROM broadcasts").fetchall()) == []


async def test_tomorrow_button_and_devanagari_digits(
    cda_chat: ChatDriver, db: Database, people: list[int]
) -> None:
    await compose(cda_chat, "Reminder")
    await cda_chat.press("bc:later")
    await cda_chat.press("bc:when:tomorrow9")
    assert "29 Nov 2026, 9:00 AM" in flat(cda_chat.text)
    await cda_chat.press("bc:no")  # back to the preview
    await cda_chat.press("bc:later")
    await cda_chat.say("३०-११-२०२६ १८:००")
    assert "30 Nov 2026, 6:00 PM" in flat(cda_chat.text)


async def test_cda_sees_and_acts_only_on_own_clusters(
    engine: Engine, db: Database, two_clusters: list[Cluster], cda_chat: ChatDriver
) -> None:
    bagru, alleppey = two_clusters
    await db.write(lambda conn: admins.add(conn, "test", "4242", bagru.id, "cda", "x"))
    await db.write(lambda conn: seed_people(conn, bagru.id, [Person("Asha")]))
    await db.write(lambda conn: seed_people(conn, alleppey.id, [Person("Lakshmi"), Person("Mini")]))
    # The bootstrap CDA administers every cluster: asked which.
    await cda_chat.say("/broadcast")
    assert set(cda_chat.choice_ids) == {f"bc:cluster:{bagru.id}", f"bc:cluster:{alleppey.id}"}
    await cda_chat.press(f"bc:cluster:{alleppey.id}")
    await cda_chat.press("bc:aud:all")
    await cda_chat.say("Coir board visit")
    assert "Recipients: 2" in cda_chat.text
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    # A CDA of Bagru only: no cluster question, Bagru's audience, Bagru's deliveries.
    local = ChatDriver(engine, user_id="4242")
    await local.say("/broadcast")
    assert "Bagru" in local.text and not any(c.startswith("bc:cluster") for c in local.choice_ids)
    await local.press("bc:aud:all")
    await local.say("Block printing fair")
    assert "Recipients: 1" in local.text
    await local.say("/deliveries")
    assert "No broadcasts yet" in local.text
    alleppey_id = await db.read(
        lambda conn: conn.execute("SELECT id FROM broadcasts").fetchone()[0]
    )
    await local.press(f"dlv:show:{alleppey_id}")  # a crafted press for another cluster
    assert "earlier question" in local.text and "Lakshmi" not in local.text
    # A draft whose cluster is no longer this CDA's cannot go on.
    await local.say("/broadcast")
    await db.write(lambda conn: conn.execute("DELETE FROM admins WHERE channel_user_id = '4242'"))
    await db.write(lambda conn: admins.add(conn, "test", "4242", alleppey.id, "cda", "x"))
    await local.press("bc:aud:all")
    assert "no longer manage" in local.text


async def test_deliveries_list_details_and_cancel(
    cda_chat: ChatDriver, db: Database, people: list[int]
) -> None:
    await cda_chat.say("/deliveries")
    assert "No broadcasts yet" in cda_chat.text
    await compose(cda_chat, "Wages revised from December")
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    await db.write(
        lambda conn: conn.execute(
            "UPDATE outbox SET status = 'sent' WHERE contact_id IN"
            " (SELECT id FROM contacts WHERE name IN ('Asha', 'Bina'))"
        )
    )
    await db.write(
        lambda conn: conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = 'chat not found' WHERE contact_id ="
            " (SELECT id FROM contacts WHERE name = 'Chitra')"
        )
    )
    await cda_chat.say("/deliveries")
    assert "Wages revised" in cda_chat.text
    assert "sent 2 · waiting 1 · failed 1 · blocked the bot 1 · opted out 1" in cda_chat.text
    await cda_chat.tap("Details #1")
    detail = cda_chat.text
    assert "Chitra (Supplier / related enterprise): failed: chat not found" in detail
    assert "Esha (Artisan): stopped updates (/stop)" in detail
    assert "Farid (Artisan): blocked the bot" in detail
    assert "Dev (Artisan): waiting to be sent" in detail
    assert "Asha" not in detail.split("Did not get it")[1]
    # A scheduled one can be cancelled from here.
    await compose(cda_chat, "Diwali greetings")
    await cda_chat.press("bc:later")
    await cda_chat.press("bc:when:tomorrow9")
    await cda_chat.press("bc:yes")
    await cda_chat.say("/deliveries")
    assert "Scheduled for 29 Nov 2026, 9:00 AM" in flat(cda_chat.text)
    await cda_chat.press("dlv:show:2")
    await cda_chat.press("dlv:cancel:2")
    assert "is cancelled" in cda_chat.text
    b = await db.read(lambda conn: broadcasts.get(conn, 2))
    assert b is not None and b.status == "cancelled"
    job = await db.read(lambda conn: conn.execute("SELECT status FROM scheduled_jobs").fetchone())
    assert job[0] == "cancelled"
    await cda_chat.press("dlv:cancel:2")
    assert "can no longer be cancelled" in cda_chat.text
    actions = await db.read(
        lambda conn: [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    )
    assert {"broadcast.send", "broadcast.schedule", "broadcast.cancel"} <= set(actions)


async def test_updates_log_newest_first_in_my_language_with_older_button(
    cda_chat: ChatDriver, chat: ChatDriver, one_cluster: Cluster, clock: FakeClock
) -> None:
    await register(chat, language="lang:hi")
    await chat.say("/updates")
    assert chat.text == f"{one_cluster.name} से अभी तक कोई अपडेट नहीं है।"  # nothing yet, in Hindi
    for n in range(7):
        await compose(cda_chat, f"Update number {n}")
        if n == 6:
            await cda_chat.press("bc:add:hi")
            await cda_chat.say("सातवाँ अपडेट")
        await cda_chat.press("bc:now")
        await cda_chat.press("bc:yes")
        clock.advance(days=1)
    page = await chat.say("/updates")
    text = "\n".join(m.text for m in page)
    assert text.index("सातवाँ अपडेट") < text.index("Update number 5") < text.index("Update number 2")
    assert "Update number 1" not in text
    # each its own date, Hindi
    assert "🗓 4 दिस॰ 2026, दोपहर 2:30" in text and "🗓 30 नव॰ 2026" in text
    older = [c.id for c in page[-1].choices]
    assert len(older) == 1 and older[0].startswith("upd:older:")
    await chat.press(older[0])
    assert "Update number 1" in chat.text and "Update number 0" in chat.text
    assert not chat.choice_ids  # nothing older


async def test_updates_only_from_my_own_cluster(
    engine: Engine, db: Database, two_clusters: list[Cluster], cda_chat: ChatDriver
) -> None:
    bagru, alleppey = two_clusters
    await cda_chat.say("/broadcast")
    await cda_chat.press(f"bc:cluster:{alleppey.id}")
    await cda_chat.press("bc:aud:all")
    await cda_chat.say("Alleppey only news")
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    reader = ChatDriver(engine, user_id="5005")
    await db.write(lambda conn: seed_people(conn, bagru.id, [Person("Asha")]))
    await db.write(
        lambda conn: conn.execute(
            "UPDATE contacts SET channel_user_id = '5005' WHERE name = 'Asha'"
        )
    )
    await reader.say("/updates")
    assert "Alleppey only news" not in reader.text
    await reader.press(f"upd:older:{alleppey.id}:999")  # a crafted press
    assert "Alleppey only news" not in reader.text
    # The bootstrap CDA sees every cluster and picks one.
    await cda_chat.say("/updates")
    await cda_chat.press(f"upd:cluster:{alleppey.id}")
    assert "Alleppey only news" in cda_chat.text


async def test_a_document_with_language_versions_reaches_each_person_end_to_end(
    cda_chat: ChatDriver, db: Database, people: list[int], tmp_path: Path, clock: FakeClock
) -> None:
    """Composed by chat, queued, drained by the outbox sender: every eligible person gets
    the file with the caption in their language (else the default), nobody else."""
    import random

    from bot.outbox.sender import OutboxSender
    from tests.outbox_helpers import FakeChannel

    catalogue = tmp_path / "catalogue.pdf"
    catalogue.write_bytes(b"%PDF-1.4 fair catalogue")
    await cda_chat.say("/broadcast")
    await cda_chat.press("bc:aud:all")
    await cda_chat._send(
        kind=InboundKind.DOCUMENT, media_ref=str(catalogue), text="Catalogue for the Jaipur fair"
    )
    assert cda_chat.last[0].media is not None and cda_chat.last[0].media.kind == "document"
    await cda_chat.press("bc:add:hi")
    await cda_chat.say("जयपुर मेले की सूची")
    await cda_chat.press("bc:now")
    await cda_chat.press("bc:yes")
    channel = FakeChannel()
    await OutboxSender(db, "test", channel.deliver, clock=clock, rng=random.Random(3)).drain()
    got = {item.chat_id: item.payload for item in channel.calls}
    assert set(got) == {"c-Asha", "c-Bina", "c-Chitra", "c-Dev"}  # not Esha (/stop), Farid
    assert {(p.media_kind, p.media_path, p.media_name) for p in got.values()} == {
        ("document", str(catalogue), "catalogue.pdf")
    }
    assert got["c-Asha"].text == "जयपुर मेले की सूची"  # Hindi
    assert got["c-Bina"].text == got["c-Dev"].text == "Catalogue for the Jaipur fair"
    assert set((await db.read(ledger)).values()) == {"sent", "opted_out", "blocked"}


async def test_change_a_field_sets_the_audience_and_keeps_the_message(
    cda_chat: ChatDriver, db: Database, people: list[int]
) -> None:
    """Issue 11: the preview's Change a field -> Who receives it -> roles, and back to the
    same preview with the same text and versions; the message itself can be retyped."""
    await compose(cda_chat, "Bank loan camp on Saturday")
    await cda_chat.press("bc:add:hi")
    await cda_chat.say("शनिवार को बैंक ऋण शिविर")
    assert "bc:change" in cda_chat.choice_ids and "bc:edit" not in cda_chat.choice_ids
    await cda_chat.press("bc:change")
    assert cda_chat.choice_ids == ["bc:chg:audience", "bc:edit", "bc:back"]
    await cda_chat.press("bc:chg:audience")
    await cda_chat.press("bc:aud:roles")
    await cda_chat.press("bc:role:supplier")
    await cda_chat.press("bc:roles:done")
    assert [m.text for m in cda_chat.last[:2]] == [
        "Bank loan camp on Saturday",
        "शनिवार को बैंक ऋण शिविर",
    ]
    assert "Audience: Supplier" in cda_chat.last[-1].text
    await cda_chat.press("bc:change")
    await cda_chat.press("bc:back")
    assert "Above is exactly what people will receive." in cda_chat.text
