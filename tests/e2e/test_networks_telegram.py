"""Networks and the cluster map end to end over python-telegram-bot against the Bot API
stand-in (issue 19): a CDA forms a network by chat and invites six people, who accept with
the invitation's Join button; a meeting is addressed to the network's members; three members
answer a survey with linkage questions; then /clustermap draws the map with those linkages
and /report (text and workbook) holds the network's figures."""

from __future__ import annotations

import io
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.clock import iso, utc_now
from bot.config import Settings
from bot.storage import clusters
from bot.storage import networks as nw
from bot.storage import surveys as store
from bot.storage.db import connect_sync, migrate, run_in_transaction
from bot.surveys.loader import load_form
from tests.e2e.harness import bot_settings, known_chats, running_bot, wait_until
from tests.e2e.test_events_telegram import day
from tests.e2e.test_telegram_onboarding import texts, turn
from tests.fakes.telegram_api import FakeTelegram
from tests.outbox_helpers import Person, seed_people

pytestmark = pytest.mark.e2e
CDA = 7307
MEMBERS = list(range(7311, 7317))  # six artisans, four of them women
FORM = Path(__file__).resolve().parents[1] / "surveys" / "forms" / "linkages.md"


def seed(db: Path) -> None:
    conn = connect_sync(db)
    migrate(conn)

    def write(c):  # type: ignore[no-untyped-def]
        cluster = clusters.add(c, "BAGRU", "Bagru printers", "Asia/Kolkata",
                               "2026-01-01T00:00:00+00:00")  # fmt: skip
        seed_people(c, cluster.id, [
            Person(f"Member {uid}", user_id=str(uid), channel="telegram",
                   gender="male" if uid in MEMBERS[4:] else "female")
            for uid in MEMBERS
        ])  # fmt: skip
        store.import_form(c, load_form(FORM).form, now="x")

    run_in_transaction(conn, write)
    conn.close()


def sent_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.text or "" for m in fake.sent if m.chat_id == chat]


def write(db: Path, sql: str, *params: object) -> None:
    conn = connect_sync(db)
    try:
        conn.execute(sql, params)
    finally:
        conn.close()


def read(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = connect_sync(db)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


async def test_a_network_of_six_its_meeting_and_linkages_reach_the_map_and_the_report(
    fake: FakeTelegram, settings: Settings
) -> None:
    seed(settings.db)
    known_chats(fake, MEMBERS)
    async with running_bot(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"}))):
        # The CDA forms the network and invites all six.
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/networks"))
        await turn(fake, CDA, lambda: fake.press(CDA, "New network"))
        await turn(fake, CDA, lambda: fake.push_text(CDA, "Mahila SHG"))
        await turn(fake, CDA, lambda: fake.press(CDA, "SHG"))
        await turn(fake, CDA, lambda: fake.press(CDA, "Formed now"))
        await turn(fake, CDA, lambda: fake.push_text(CDA, "01-03-2026"))
        created = await turn(fake, CDA, lambda: fake.press(CDA, "Create"))
        assert "Created." in texts(created)
        await turn(fake, CDA, lambda: fake.press(CDA, "Invite people"))
        for uid in MEMBERS:
            await turn(fake, CDA, lambda uid=uid: fake.press(CDA, f"Member {uid}"))
        done = await turn(fake, CDA, lambda: fake.press(CDA, "Done"))
        assert "Invited, no answer yet: 6" in texts(done)

        # Each gets the invitation through the outbox and joins with its button.
        await wait_until(lambda: all(any("Mahila SHG" in t for t in sent_to(fake, uid))
                                     for uid in MEMBERS), 30, "the invitations")  # fmt: skip
        for uid in MEMBERS:
            joined = await turn(fake, uid, lambda uid=uid: fake.press(uid, "Join"))
            assert "Welcome! You are now a member of Mahila SHG." in texts(joined)
        listed = await turn(fake, CDA, lambda: fake.push_text(CDA, "/networks"))
        assert "Mahila SHG (SHG, Formed now): 6 members" in texts(listed)

        # A meeting of the network: its six members are invited, nobody else.
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/newmeeting"))
        for text in ("SHG monthly meeting", f"{day(5)} 10:30", "Dye shed"):
            await turn(fake, CDA, lambda text=text: fake.push_text(CDA, text))
        await turn(fake, CDA, lambda: fake.press(CDA, "Members of a network"))
        await turn(fake, CDA, lambda: fake.press(CDA, "Mahila SHG"))
        preview = await turn(fake, CDA, lambda: fake.press(CDA, "1 day, 2 hours"))
        assert "Members of Mahila SHG" in texts(preview) and "Recipients: 6" in texts(preview)
        await turn(fake, CDA, lambda: fake.press(CDA, "Yes, invite them"))
        await wait_until(
            lambda: all(any("SHG monthly meeting" in t for t in sent_to(fake, uid))
                        for uid in MEMBERS), 30, "the meeting invitations")  # fmt: skip
        # The meeting takes place (moved to an hour ago), and the CDA marks four who came.
        write(settings.db, "UPDATE events SET starts_at = ?",
              iso(utc_now() - timedelta(hours=1)))  # fmt: skip
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/attendance"))
        picked = next(b for b in fake.messages_to(CDA)[-1].buttons if "SHG monthly" in b)
        await turn(fake, CDA, lambda: fake.press(CDA, picked))
        for uid in MEMBERS[:4]:  # each tick edits the list in place
            await turn(fake, CDA, partial(fake.press, CDA, f"Member {uid}"), expect="edit")
        saved = await turn(fake, CDA, lambda: fake.press(CDA, "Save"))
        assert "Saved: 4 of 6 came." in texts(saved)

        # Three members answer the linkage survey: they buy dyes from suppliers and from
        # their SHG, and a training institute trains them.
        for uid in MEMBERS[:3]:
            await turn(fake, uid, lambda uid=uid: fake.push_text(uid, "/survey linkages"))
            for label in ("A dye supplier", "Our SHG"):  # ticks: the question is edited
                await turn(fake, uid, partial(fake.press, uid, label), expect="edit")
            for label in ("Done", "Training institute", "Yes"):
                await turn(fake, uid, partial(fake.press, uid, label))
            assert "You have answered all the questions" in "\n".join(sent_to(fake, uid))
        linkages = read(settings.db, "SELECT kind, COUNT(*) FROM linkages GROUP BY kind")
        assert sorted(linkages) == [("buys_from", 6), ("trains", 3)]

        # The cluster map: artisans, suppliers, the institute and the SHG, three linkages
        # reported nine times.
        fake.messages_to(CDA)
        fake.push_text(CDA, "/clustermap")
        sent = await fake.wait_for(CDA, 2, timeout=60)
        (picture,) = [m for m in sent if m.method == "sendPhoto"]
        assert picture.file and picture.file.startswith(b"\x89PNG")
        assert "networks: 1 · linkages: 3 (9 reports)" in (picture.text or "")

        # The report: the network, its members (four of six women), its meeting, and the
        # linkages now.
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/cancel"))
        await turn(fake, CDA, lambda: fake.push_text(CDA, "/report"))
        fake.messages_to(CDA)
        fake.press(CDA, "Whole programme")
        sent = await fake.wait_for(CDA, 3, timeout=60)
        (summary,) = [m.text or "" for m in sent if "📈" in (m.text or "")]
        assert "Networks: 1 · formed 1 · revived 0 · existed before 0" in summary
        assert "Members: 6 · women 4 of 6 (67%)" in summary
        assert "Mahila SHG (Formed now): 6 members, women 67% · 1 meeting, attended 4 of 6" \
            in summary
        assert "Linkages now: 9 (buys from 6 · trains 3)" in summary
        fake.press(CDA, "Spreadsheet")
        (document,) = await fake.wait_for(CDA, 1, timeout=60)
        assert document.file is not None
        sheet = load_workbook(io.BytesIO(document.file))["Networks"]
        rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
        assert ("Mahila SHG", "SHG", "Formed now", 6, 4) in [r[:5] for r in rows]
        # the first linkages came today, after the programme began: they are the baseline
        assert ("buys from", 6, 6) in [r[:3] for r in rows]

    conn = connect_sync(settings.db)
    try:
        assert len(nw.members(conn, 1)) == 6
    finally:
        conn.close()
