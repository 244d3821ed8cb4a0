"""The two-way inbox end to end (issue 15): `bot.app.run` over the Telegram stand-in and the
WhatsApp Graph stand-in. A Hindi question typed on WhatsApp reaches the CDA on Telegram and
the answer comes back (inside the 24-hour window as text, outside it as the approved
template); an anonymous suggestion whose sender the CDA never sees; a reply that survives a
kill -9 between the CDA's reply and its delivery and arrives exactly once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import iso
from bot.config import Settings
from bot.storage import inbox
from bot.storage.db import connect_sync, run_in_transaction
from tests.e2e.harness import (
    BotProcess,
    bot_settings,
    known_chats,
    running_bot,
    wait_until,
    whatsapp_settings,
)
from tests.e2e.test_report_telegram import rows as report_rows
from tests.e2e.test_report_telegram import whole_programme
from tests.e2e.test_telegram_onboarding import last_keyboard, onboard, seed_cluster
from tests.e2e.test_telegram_onboarding import texts as tg_texts
from tests.e2e.test_telegram_onboarding import turn as tg_turn
from tests.e2e.test_whatsapp import devanagari, new_messages, texts, turn
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.whatsapp_payloads import MEENA
from tests.outbox_helpers import Person, seed_people

pytestmark = pytest.mark.e2e

CDA = 7007
QUESTION = "अगला रंगाई प्रशिक्षण कब है?"
ANSWER = "Monday at 10 in the community hall."


def db_rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = connect_sync(db)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


async def registered(graph: FakeGraph) -> None:
    """Meena registers in Hindi (whichever way the role question is offered)."""
    await turn(graph, MEENA, wp.text(MEENA, "start"))
    consent = await turn(graph, MEENA, wp.button_reply(MEENA, "lang:hi", "हिन्दी"))
    yes = dict(consent[-1].buttons)["consent:yes"]
    await turn(graph, MEENA, wp.button_reply(MEENA, "consent:yes", yes))
    role = await turn(graph, MEENA, wp.text(MEENA, "मीना देवी"))
    if role[-1].type == "interactive":
        await turn(graph, MEENA, wp.list_reply(MEENA, "role:artisan", "कारीगर"))
    else:
        await turn(graph, MEENA, wp.text(MEENA, "1"))
    await turn(graph, MEENA, wp.list_reply(MEENA, "gender:female", "महिला"))
    await turn(graph, MEENA, wp.text(MEENA, "बगरू"))
    await turn(graph, MEENA, wp.text(MEENA, "skip"))


async def ask_on_whatsapp(graph: FakeGraph) -> None:
    """Meena types her question outside any flow; the bot offers to send it to the CDA."""
    offer = await turn(graph, MEENA, wp.text(MEENA, QUESTION))
    assert offer[-1].interactive_type == "button" and devanagari(texts(offer))
    assert QUESTION in texts(offer)
    yes = dict(offer[-1].buttons)["ask:offer:yes"]
    kinds = await turn(graph, MEENA, wp.button_reply(MEENA, "ask:offer:yes", yes))
    assert kinds[-1].interactive_type == "list" and len(kinds[-1].rows) == 4
    more = await turn(graph, MEENA, wp.list_reply(MEENA, "ask:k:question", "सवाल"))
    send = dict(more[-1].buttons)["ask:send"]
    sent = await turn(graph, MEENA, wp.button_reply(MEENA, "ask:send", send))
    assert "#1" in texts(sent) and devanagari(texts(sent))


async def cda_replies(fake: FakeTelegram) -> str:
    listing = await tg_turn(fake, CDA, lambda: fake.push_text(CDA, "/inbox"))
    assert "#1" in tg_texts(listing)
    opened = await tg_turn(
        fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:o:1")
    )
    assert QUESTION in tg_texts(opened) and "From: मीना देवी" in tg_texts(opened)
    await tg_turn(fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:r:1"))
    done = await tg_turn(fake, CDA, lambda: fake.push_text(CDA, ANSWER))
    return tg_texts(done)


async def test_a_hindi_question_on_whatsapp_and_the_cdas_reply_arrives(
    fake: FakeTelegram, graph: FakeGraph, settings: Settings
) -> None:
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(
        bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"})), graph
    )
    async with running_bot(s):
        await registered(graph)
        await ask_on_whatsapp(graph)
    # A fresh start: the replies' pair-rate budget for Meena is spent in memory.
    async with running_bot(s):
        seen = len(graph.messages_to(MEENA.address))
        assert "Reply to #1 is on its way" in await cda_replies(fake)
        [reply] = await new_messages(graph, MEENA, seen, 1)
        assert reply.type != "template"  # she wrote minutes ago: inside the window
        assert ANSWER in reply.text and "#1" in reply.text and devanagari(reply.text)
        await wait_until(
            lambda: (
                db_rows(s.db, "SELECT status FROM outbox WHERE kind = 'inbox_reply'") == [("sent",)]
            ),
            10,
            "the reply's ledger row",
        )
        mine = await turn(graph, MEENA, wp.text(MEENA, "mine"))
        assert ANSWER in texts(mine)
        deliveries = await tg_turn(
            fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:o:1")
        )
        assert "sent 1" in tg_texts(deliveries)
    assert graph.errors == []


async def test_a_reply_outside_the_window_goes_out_as_the_template(
    fake: FakeTelegram, graph: FakeGraph, settings: Settings
) -> None:
    from bot.channels.whatsapp_templates import definitions

    for definition in definitions():
        graph.add_template(definition["name"], definition["language"], 1)
    seed_cluster(settings.db, "BAGRU")
    s = whatsapp_settings(
        bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"})), graph
    )
    async with running_bot(s):
        await registered(graph)
        await ask_on_whatsapp(graph)
    conn = connect_sync(s.db)
    try:
        day_and_more = iso(datetime.now(UTC) - timedelta(hours=30))
        run_in_transaction(
            conn,
            lambda c: c.execute(
                "UPDATE contacts SET last_inbound_at = ? WHERE channel = 'whatsapp'",
                (day_and_more,),
            ),
        )
    finally:
        conn.close()
    seen = len(graph.messages_to(MEENA.address))
    async with running_bot(s):
        await cda_replies(fake)
        [sent] = await new_messages(graph, MEENA, seen, 1)
        assert sent.type == "template"
        template = sent.body["template"]
        assert (template["name"], template["language"]["code"]) == ("clusterbot_inbox_reply", "hi")
        parameter = template["components"][0]["parameters"][0]["text"]
        assert ANSWER in parameter and "\n" not in parameter
        assert template["components"][1]["parameters"][0]["payload"] == "cmd:mine"
        # Its button opens /mine, where the answer is.
        answer = await turn(graph, MEENA, wp.template_button(MEENA, "cmd:mine", "पढ़ें"))
        assert ANSWER in texts(answer) and answer[0].type != "template"
    assert graph.errors == []


async def test_an_anonymous_suggestion_never_shows_its_sender(
    fake: FakeTelegram, settings: Settings
) -> None:
    member = 5001
    seed_cluster(settings.db, "BAGRU")
    s = bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"}))
    async with running_bot(s):
        await onboard(fake, member, "English")
        await tg_turn(fake, member, lambda: fake.push_text(member, "/ask"))
        for data in ("ask:k:suggestion", "ask:a:anon"):
            await tg_turn(
                fake,
                member,
                lambda data=data: fake.push_callback(member, last_keyboard(fake, member), data),
            )
        await tg_turn(fake, member, lambda: fake.push_text(member, "Buy dyes together."))
        sent = await tg_turn(
            fake,
            member,
            lambda: fake.push_callback(member, last_keyboard(fake, member), "ask:send"),
        )
        assert "sent anonymously" in tg_texts(sent)
        before = len(fake.messages_to(CDA))
        await tg_turn(fake, CDA, lambda: fake.push_text(CDA, "/inbox"))
        await tg_turn(
            fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:o:1")
        )
        await tg_turn(
            fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:b:1")
        )
        summary, _chart, document = await whole_programme(
            fake, CDA, "Whole programme", "Spreadsheet"
        )
        assert "Received: 1 (Suggestions 1)" in (summary.text or "")
        cells = [str(c) for sheet in report_rows(document) for row in sheet for c in row]
        assert "Anonymous" in cells
        shown = fake.messages_to(CDA)[before:]
        everything = "\n".join(
            [m.text or "" for m in shown] + [str(m.reply_markup or "") for m in shown] + cells
        )
        assert "Buy dyes together." in everything and "From: anonymous" in everything
        for trace in ("सुनीता", "Sunita", str(member), "98290"):
            assert trace not in everything, trace
    conn = connect_sync(s.db)
    try:
        audit = conn.execute("SELECT actor, subject, detail FROM audit_log"
                             " WHERE action LIKE 'inbox.%'").fetchall()  # fmt: skip
    finally:
        conn.close()
    assert audit and all(str(member) not in " ".join(map(str, row[1:])) for row in audit)


def seed_item(db: Path) -> None:
    """A registered Telegram stakeholder and their question, as /ask leaves them."""
    conn = connect_sync(db)
    try:

        def work(c: sqlite3.Connection) -> None:
            [who] = seed_people(c, 1, [Person("Sunita", channel="telegram", user_id="6001")])
            inbox.add(c, cluster_id=1, contact_id=who, kind="question", anonymous=False,
                      text="Where is the new dye lab?", media_kind=None, media_path=None,
                      role="artisan", gender="female", now=iso(datetime.now(UTC)))  # fmt: skip

        run_in_transaction(conn, work)
    finally:
        conn.close()


async def test_kill_9_between_the_reply_and_its_delivery(
    fake: FakeTelegram, settings: Settings, tmp_path: Path
) -> None:
    seed_cluster(settings.db, "BAGRU")
    seed_item(settings.db)
    known_chats(fake, [6001])
    # Telegram fails every send to the stakeholder: the reply is committed, not delivered.
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=1000, chat_id=6001)
    bot = BotProcess(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"})), tmp_path)
    bot.start()
    try:
        await bot.wait_until_polling(fake)
        done = await cda_replies_plain(fake)
        assert "Reply to #1 is on its way" in done
        tried = "SELECT status, attempts FROM outbox WHERE kind = 'inbox_reply'"
        await wait_until(
            lambda: (
                bool(db_rows(settings.db, tried)) and int(db_rows(settings.db, tried)[0][1]) >= 1
            ),  # type: ignore[call-overload]
            20,
            "a first, failed attempt",
        )
        bot.kill9()
        assert [m for m in fake.messages_to(6001) if ANSWER in (m.text or "")] == []
        with fake._lock:
            fake._failures.clear()
        bot.start()
        await wait_until(
            lambda: any(ANSWER in (m.text or "") for m in fake.messages_to(6001)),
            30,
            "the reply after the restart",
        )
        await wait_until(
            lambda: (
                db_rows(settings.db, "SELECT status FROM outbox WHERE kind = 'inbox_reply'")
                == [("sent",)]
            ),
            10,
            "the ledger to say sent",
        )
        await fake.wait_idle(quiet=1.0, timeout=15)
    finally:
        bot.stop()
    copies = [m for m in fake.messages_to(6001) if ANSWER in (m.text or "")]
    assert len(copies) == 1


async def cda_replies_plain(fake: FakeTelegram) -> str:
    await tg_turn(fake, CDA, lambda: fake.push_text(CDA, "/inbox"))
    opened = await tg_turn(
        fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:o:1")
    )
    assert "Where is the new dye lab?" in tg_texts(opened)
    await tg_turn(fake, CDA, lambda: fake.push_callback(CDA, last_keyboard(fake, CDA), "ib:r:1"))
    return tg_texts(await tg_turn(fake, CDA, lambda: fake.push_text(CDA, ANSWER)))


async def test_a_cda_of_another_cluster_and_an_observer_cannot_open_the_items(
    fake: FakeTelegram, settings: Settings
) -> None:
    other_cda, observer = 7100, 7200
    seed_cluster(settings.db, "BAGRU", "ALLEPPEY")
    seed_item(settings.db)  # in Bagru (cluster 1)
    conn = connect_sync(settings.db)
    try:
        run_in_transaction(
            conn,
            lambda c: c.executemany(
                "INSERT INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
                " VALUES ('telegram', ?, ?, ?, 'x')",
                [(str(other_cda), 2, "cda"), (str(observer), 1, "observer")],
            ),
        )
    finally:
        conn.close()
    s = bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"}))
    async with running_bot(s):
        listing = await tg_turn(fake, other_cda, lambda: fake.push_text(other_cda, "/inbox"))
        assert "No messages are waiting in ALLEPPEY cluster" in tg_texts(listing)
        seen: list[str] = []
        for who in (other_cda, observer):
            for data in ("ib:o:1", "ib:r:1", "ib:b:1", "ib:l:1", "ib:o:999"):
                answer = await tg_turn(fake, who, lambda who=who, data=data: fake.push_callback(
                    who, 1, data))  # fmt: skip
                seen.append(tg_texts(answer))
        refused = await tg_turn(fake, observer, lambda: fake.push_text(observer, "/inbox"))
        assert "only for the cluster development agent" in tg_texts(refused)
        assert all(t == "That message is not in the inbox of your clusters." for t in seen), seen
        assert all("Where is the new dye lab?" not in t and "Sunita" not in t for t in seen)
    assert db_rows(s.db, "SELECT status, taken_by FROM inbox_items") == [("new", None)]
    assert db_rows(s.db, "SELECT COUNT(*) FROM inbox_blocks") == [(0,)]
