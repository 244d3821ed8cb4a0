"""Issue 18 end to end over the real python-telegram-bot and the Bot API stand-in: a form
with outcome indicators, a baseline answered by 12 people, a follow-up round opened by the
CDA from the chat and sent to them through the outbox, 10 of them answering again; then the
change per enterprise in /results, the log-frame in /logframe (a manual value entered by
chat) and the same values in `clusterbot logframe export`.

Every figure asserted below is counted by hand from ANSWERS (see the comments there).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.config import Settings
from bot.storage import clusters
from bot.storage.db import connect_sync, migrate, run_in_transaction
from tests.e2e.harness import bot_settings, running_bot, wait_until
from tests.e2e.test_telegram_onboarding import last_keyboard, texts
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
CDA = 7118
KEY = "enterprise"
ROUND = "Follow-up 2027"

SURVEY = [
    ("type", "name", "label::English (en)", "indicator"),
    ("integer", "sales", "Sales in a normal month (₹)?", "yes"),
    ("integer", "workers", "How many people work in your enterprise?", "yes"),
    ("select_one yn", "dyes", "Do you use natural dyes?", "yes"),
]
CHOICES = [("list_name", "name", "label::English (en)"), ("yn", "yes", "Yes"), ("yn", "no", "No")]

# Who answered what: (gender, baseline (sales, workers, dyes), follow-up or None: did not).
ANSWERS = {
    6001: ("female", ("10000", "2", "No"), ("12000", "3", "Yes")),  # sales +2000 workers +1
    6002: ("female", ("8000", "1", "No"), ("8000", "1", "No")),  # 0, 0
    6003: ("female", ("15000", "3", "Yes"), ("18000", "3", "Yes")),  # +3000, 0
    6004: ("female", ("5000", "1", "No"), ("4000", "1", "Yes")),  # −1000, 0
    6005: ("female", ("20000", "4", "Yes"), ("25000", "5", "Yes")),  # +5000, +1
    6006: ("female", ("12000", "2", "No"), ("12000", "2", "No")),  # 0, 0
    6007: ("male", ("9000", "2", "Yes"), ("11000", "2", "No")),  # +2000, 0
    6008: ("male", ("7000", "1", "No"), ("6000", "1", "No")),  # −1000, 0
    6009: ("male", ("30000", "6", "Yes"), ("36000", "7", "Yes")),  # +6000, +1
    6010: ("male", ("6000", "1", "No"), ("9000", "2", "Yes")),  # +3000, +1
    6011: ("male", ("11000", "2", "No"), None),  # baseline only
    6012: ("female", ("4000", "1", "Yes"), None),  # baseline only
}
PEOPLE = list(ANSWERS)
AGAIN = [p for p in PEOPLE if ANSWERS[p][2] is not None]
# Hand-counted over the 10 pairs (6001–6010):
# sales changes, sorted: −1000 −1000 0 0 +2000 +2000 +3000 +3000 +5000 +6000
#   median (2000 + 2000) / 2 = +2000; quartiles (inclusive): 0 and +3000;
#   rose 6, same 2, fell 2.
#   baseline sales of the 10, sorted: 5000 6000 7000 8000 9000 | 10000 12000 15000 20000
#   30000 -> median 9500; follow-up: 4000 6000 8000 9000 11000 | 12000 12000 18000 25000
#   36000 -> median 11500 (also the log-frame's `sales:median` of the latest round).
#   women (6001–6006): −1000 0 0 +2000 +3000 +5000 -> median +1000, rose 3 of 6;
#   men: 4 pairs -> too few to say.
# workers changes: +1 0 0 0 +1 0 0 0 +1 +1 -> median 0, quartiles 0 and +1, rose 4, same
#   6, fell 0; baseline 1 1 1 1 2 | 2 2 3 4 6 -> median 2; follow-up 1 1 1 2 2 | 2 3 3 5 7
#   -> median 2; women: +1 0 0 0 +1 0 -> median 0, rose 2 of 6.
# natural dyes: yes at baseline 6003 6005 6007 6009 = 4; at follow-up 6001 6003 6004 6005
#   6009 6010 = 6; started 6001 6004 6010 = 3; stopped 6007 = 1 -> share 6 of 10 = 60 %.
#   no: 6 -> 4, started 1 (6007), stopped 3.
# registered people: the 12 (the CDA is staff, not registered) -> 12.


def daytime_zone(now: datetime) -> str:
    """A zone where it is day now: a new round never asks at night (bot/jobs/
    survey_reminders.by_day), and this test must not wait for a morning."""
    for offset in range(-12, 15):
        if 10 <= (now.hour + offset) % 24 <= 16:
            return f"Etc/GMT{-offset:+d}"  # the POSIX sign: Etc/GMT-5 is UTC+5
    raise AssertionError("unreachable: some offset is daytime")


def seed(settings: Settings) -> None:
    conn = connect_sync(settings.db)
    migrate(conn)
    zone = daytime_zone(datetime.now(UTC))
    run_in_transaction(conn, lambda c: clusters.add(c, "BAGRU", "Bagru", zone, "x"))
    conn.close()


def write_form(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in SURVEY:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in CHOICES:
        choices.append(list(row))
    meta = book.create_sheet("settings")
    meta.append(["form_title", "form_id", "version"])
    meta.append(["Enterprise", KEY, "1"])
    book.save(path)


LOGFRAME = [
    ("ref", "level", "statement", "indicator", "baseline", "target", "target date", "source"),
    ("1", "purpose", "Enterprises grow", "Median monthly sales", 9500, 13500, None,
     f"survey:{KEY}.sales:median"),
    ("1.1", "purpose", None, "Change in sales per enterprise", 0, 4000, None,
     f"survey:{KEY}.sales:change"),
    ("1.2", "purpose", None, "Share using natural dyes (%)", 40, 80, None,
     f"survey:{KEY}.dyes:share=yes"),
    ("2", "output", "Artisans reached", "People registered", 0, 24, "2030-12-31", "registered"),
    ("2.1", "output", None, "Enterprises with a bank account", 10, 40, None, "manual"),
]  # fmt: skip
# Each is half-way: (11500 − 9500) / (13500 − 9500), 2000 / 4000, (60 − 40) / (80 − 40),
# 12 / 24 and, once the CDA types 25, (25 − 10) / (40 − 10).
VALUES = {"1": 11500, "1.1": 2000, "1.2": 60, "2": 12, "2.1": 25}


def write_logframe(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in LOGFRAME:
        sheet.append(list(row))
    book.save(path)


async def everyone(
    fake: FakeTelegram, people: list[int], action: Callable[[int], object]
) -> dict[int, str]:
    """`action` for each person at once, then each one's answer: 12 people in the time of
    one turn (the bot serves them all; each keeps their own conversation)."""
    before = {p: len(fake.messages_to(p)) for p in people}
    for person in people:
        action(person)
    await wait_until(lambda: all(len(fake.messages_to(p)) > before[p] for p in people), 30,
                     "an answer to everyone")  # fmt: skip
    await fake.wait_idle(quiet=0.2, timeout=30)
    return {p: texts(fake.messages_to(p)[before[p] :]) for p in people}


async def register(fake: FakeTelegram) -> None:
    def callback(data: Callable[[int], str]) -> Callable[[int], object]:
        return lambda p: fake.push_callback(p, last_keyboard(fake, p), data(p))

    await everyone(fake, PEOPLE, lambda p: fake.push_text(p, "/start", first_name=f"P{p}"))
    await everyone(fake, PEOPLE, lambda p: fake.press(p, "English"))
    await everyone(fake, PEOPLE, callback(lambda p: "consent:yes"))
    await everyone(fake, PEOPLE, lambda p: fake.push_text(p, f"Artisan {p}"))
    await everyone(fake, PEOPLE, callback(lambda p: "role:artisan"))
    await everyone(fake, PEOPLE, callback(lambda p: f"gender:{ANSWERS[p][0]}"))
    await everyone(fake, PEOPLE, lambda p: fake.push_text(p, "Bagru"))
    done = await everyone(fake, PEOPLE, lambda p: fake.push_contact(p, f"+91982901{p}"))
    assert all("You are registered" in text for text in done.values()), done


async def answer(fake: FakeTelegram, people: list[int], which: int) -> None:
    """Each person types their answers (sales, workers, dyes) of round `which` (1 or 2)."""

    def typed(person: int, index: int) -> str:
        given = ANSWERS[person][which]
        assert isinstance(given, tuple)
        return given[index]

    for index in range(3):
        replies = await everyone(fake, people, lambda p, i=index: fake.push_text(p, typed(p, i)))
    assert all("Thank you" in text for text in replies.values()), replies


async def cda(fake: FakeTelegram, action: Callable[[], object], until: str = "") -> str:
    """What the CDA got for `action`: results are built after the turn, so wait for the
    message that says `until` (else any), then for the bot to go quiet."""
    before = len(fake.messages_to(CDA))
    action()

    def arrived() -> bool:
        return until in texts(fake.messages_to(CDA)[before:]) if until else (
            len(fake.messages_to(CDA)) > before)  # fmt: skip

    await wait_until(arrived, 30, f"the CDA's answer ({until or 'any'})")
    await fake.wait_idle(quiet=0.2, timeout=30)
    return texts(fake.messages_to(CDA)[before:])


async def cda_says(fake: FakeTelegram, text: str, until: str = "") -> str:
    return await cda(fake, lambda: fake.push_text(CDA, text), until)


async def cda_presses(fake: FakeTelegram, label: str, until: str = "") -> str:
    return await cda(fake, lambda: fake.press(CDA, label), until)


async def test_baseline_follow_up_change_and_logframe_over_telegram(
    fake: FakeTelegram, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(settings)
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    monkeypatch.delenv("CLUSTERBOT_TELEGRAM_TOKEN", raising=False)
    form = tmp_path / "enterprise.xlsx"
    write_form(form)
    assert main(["survey", "import", str(form)]) == 0
    async with running_bot(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"}))):
        await register(fake)
        # The baseline: one survey, one round, so no round's name yet.
        await everyone(fake, PEOPLE, lambda p: fake.push_text(p, "/survey"))
        assert all(fake.messages_to(p)[-1].buttons == ["Enterprise"] for p in PEOPLE)
        first = await everyone(fake, PEOPLE, lambda p: fake.press(p, "Enterprise"))
        assert all("Sales in a normal month" in t and "round" not in t for t in first.values())
        await answer(fake, PEOPLE, 1)

        # The CDA opens the follow-up from the chat.
        screen = await cda_says(fake, f"/results {KEY}", "Responses:")
        assert "Responses: 12 · completed: 12 of 12 (100%)" in screen
        assert "Type the name of the new round" in await cda_presses(fake, "New round")
        assert await cda_says(fake, ROUND) == (
            f"Open “{ROUND}” and ask 12 people to answer again?")  # fmt: skip
        opened = await cda_presses(fake, "Open")
        assert f"“{ROUND}” of “Enterprise” is open. 12 people who answered before" in opened
        # The invitations come through the outbox to each of the 12, with a button.
        await wait_until(
            lambda: all(f"has started: {ROUND}" in (fake.messages_to(p)[-1].text or "")
                        for p in PEOPLE), 30, "the 12 invitations")  # fmt: skip
        assert all(fake.messages_to(p)[-1].buttons == ["Answer now"] for p in PEOPLE)
        await fake.wait_idle(quiet=0.2, timeout=30)

        # Ten answer again; /survey names the round.
        await everyone(fake, AGAIN, lambda p: fake.press(p, "Answer now"))
        label = f"Enterprise · {ROUND}"
        assert all(fake.messages_to(p)[-1].buttons == [label] for p in AGAIN)
        started = await everyone(fake, AGAIN, lambda p: fake.press(p, label))
        assert all(f"A new round of “Enterprise” has started: {ROUND}" in t
                   and "Sales in a normal month" in t for t in started.values())  # fmt: skip
        await answer(fake, AGAIN, 2)

        # Change per enterprise, for the CDA.
        screen = await cda_says(fake, f"/results {KEY}", "Responses:")
        assert "Responses: 22 · completed: 22 of 22 (100%)" in screen
        only = await cda_presses(fake, "This round only", "Responses:")
        assert f"📊 Enterprise · {ROUND}" in only
        assert "Responses: 10 · completed: 10 of 10 (100%)" in only
        found = await cda_presses(fake, "Change per enterprise", "per enterprise:")
        assert f"Change in “Enterprise” from Baseline to {ROUND}, per enterprise:" in found
        sales = found[found.index("Sales in a normal month") :]
        assert sales.startswith("Sales in a normal month (₹)?: 10 people answered both rounds")
        assert ("typical answer 9,500 → 11,500; change per person +2,000 (middle half 0 to "
                "+3,000)") in sales  # fmt: skip
        assert "rose 6 · same 2 · fell 2" in sales
        assert "women: change +1,000, rose 3 of 6 · men: too few to say" in sales
        workers = found[found.index("How many people work") :]
        assert "typical answer 2 → 2; change per person 0 (middle half 0 to +1)" in workers
        assert "women: change 0, rose 2 of 6 · men: too few to say" in workers
        assert "rose 4 · same 6 · fell 0" in workers
        assert "Yes: 4 → 6; 3 started, 1 stopped" in found
        assert "No: 6 → 4; 1 started, 3 stopped" in found

        # The log-frame: imported by the M&E officer, read and completed by the CDA.
        frame = tmp_path / "logframe.xlsx"
        write_logframe(frame)
        assert main(["logframe", "import", str(frame), "--cluster", "BAGRU"]) == 0
        listing = await cda_says(fake, "/logframe", "Log-frame of")
        assert "Log-frame of Bagru:" in listing
        for ref, value, percent in (("1", "11,500", 50), ("1.1", "2,000", 50), ("1.2", "60", 50),
                                    ("2", "12", 50)):  # fmt: skip
            block = listing[listing.index(f" {ref} ") :]
            assert f"now {value} (" in block.split("\n", 3)[2], block
            assert f"{percent}% of the way" in block.split("\n", 3)[2]
        manual = listing[listing.index(" 2.1 Enterprises with a bank account") :]
        assert "no value yet" in manual.split("\n", 3)[2]
        await cda_presses(fake, "New value")
        row = await cda_presses(fake, "2.1 Enterprises with a bank account")
        assert "Type the new value of “Enterprises with a bank account”" in row
        await cda_says(fake, "25")
        await cda_presses(fake, "Today")
        saved = await cda_says(fake, "Counted at the SHG meeting", "Log-frame of")
        block = saved[saved.index(" 2.1 Enterprises with a bank account") :]
        assert "now 25 (" in block and "50% of the way" in block

    out = tmp_path / "logframe-out.xlsx"
    assert main(["logframe", "export", "--cluster", "BAGRU", "--out", str(out)]) == 0
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    table = {str(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert {ref: table[ref]["latest value"] for ref in VALUES} == VALUES
    assert {ref: table[ref]["% of the way"] for ref in VALUES} == dict.fromkeys(VALUES, 50)
    assert table["1"]["source"] == f"survey:{KEY}.sales:median"
