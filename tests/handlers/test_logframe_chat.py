"""/logframe in the chat (issue 18): the list for CDAs and observers, a new value of a
manual indicator by a CDA (audited), bad input answered, everyone else refused."""

from __future__ import annotations

import io
import sqlite3

import pytest
from openpyxl import load_workbook

from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.storage import logframe as store
from bot.storage.db import Database
from tests.driver import ChatDriver, check_limits
from tests.reports.fixture import ALLEPPEY, BAGRU, populate

ROWS = [
    store.Row("1", "goal", "More people take part", "People registered", 2, 10, None,
              "registered"),
    store.Row("2", "output", "Exposure visits", "Visits held", 0, 4, "2027-03-31", "manual"),
    store.Row("3", "activity", "Trainings", "Trainings held", 0, 6, None, "manual"),
]  # fmt: skip


@pytest.fixture
async def framed(db: Database) -> Database:
    def fill(conn: sqlite3.Connection) -> None:
        populate(conn)
        store.replace(conn, BAGRU, ROWS, "2026-11-01")

    await db.write(fill)
    return db


def _grant(db: Database, user: str, cluster: int, role: str) -> object:
    return db.write(
        lambda conn: conn.execute(
            "INSERT INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
            " VALUES ('test', ?, ?, ?, '2026-01-01T00:00:00+00:00')",
            (user, cluster, role),
        )
    )


async def test_cda_reads_the_list_and_enters_a_value(
    framed: Database, cda_chat: ChatDriver
) -> None:
    await cda_chat.say("/logframe")
    assert cda_chat.choice_ids == [f"lf:c:{ALLEPPEY}", f"lf:c:{BAGRU}"]
    await cda_chat.say("Bagru please")  # not a button press
    assert "Please choose one of the buttons" in cda_chat.text
    (listing,) = [m for m in await cda_chat.press(f"lf:c:{BAGRU}") if m.text]
    text = listing.text
    assert "Log-frame of" in text and "Goal" in text and "Outputs" in text
    # populate registers 6 people in Bagru: (6 - 2) / (10 - 2) = 50 %, no target date
    assert "1 People registered" in text and "now 6" in text and "50% of the way" in text
    assert "🟠 1 People registered" in text  # half way, all the time gone: behind
    assert "⚪ 2 Visits held" in text and "no value yet" in text
    assert cda_chat.choice_ids == ["lf:n"]
    await cda_chat.press("lf:n")
    assert cda_chat.choice_ids == [f"lf:r:{i}" for i in (2, 3)]  # manual rows only
    await cda_chat.press("lf:r:2")
    assert "Visits held" in cda_chat.text and "target 4" in cda_chat.text
    await cda_chat.say("many")
    assert "Please type a number" in cda_chat.text
    await cda_chat.say("2")
    assert cda_chat.choice_ids == ["lf:d:0", "lf:d:1"]
    await cda_chat.say("next Friday")
    assert "date that has passed" in cda_chat.text
    await cda_chat.press("lf:d:1")
    await cda_chat.say("x" * 201)
    assert "200 characters" in cda_chat.text
    replies = await cda_chat.say("Sanganer and Kaithoon")
    assert "Saved: Visits held is 2 on" in replies[0].text
    assert "🟢 2 Visits held" in replies[-1].text or "🟠 2 Visits held" in replies[-1].text
    assert "now 2" in replies[-1].text and "50% of the way" in replies[-1].text

    def audited(conn: sqlite3.Connection) -> list[str]:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log")]

    assert "logframe.value" in await framed.read(audited)


async def test_observer_reads_but_cannot_enter(framed: Database, engine: Engine) -> None:
    await _grant(framed, "obs", BAGRU, "observer")
    observer = ChatDriver(engine, user_id="obs")
    await observer.say("/logframe")
    assert "Log-frame of" in observer.text and observer.choice_ids == []
    await observer.press("lf:n")  # an old button: nothing to enter
    assert "Saved" not in observer.text


async def test_everyone_else_is_refused(framed: Database, chat: ChatDriver) -> None:
    await chat.say("/logframe")
    assert "Log-frame" not in chat.text


async def test_a_cluster_without_a_logframe_says_how_to_load_one(
    framed: Database, engine: Engine
) -> None:
    await _grant(framed, "alleppey", ALLEPPEY, "cda")
    cda = ChatDriver(engine, user_id="alleppey")
    await cda.say("/logframe")
    assert "clusterbot logframe import" in cda.text


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_the_list_fits_in_every_language(
    framed: Database, engine: Engine, language: str
) -> None:
    await _grant(framed, f"cda-{language}", BAGRU, "cda")
    cda = ChatDriver(engine, user_id=f"cda-{language}", language_code=language)
    replies = await cda.say("/logframe")
    for reply in replies:
        check_limits(reply)
    heading = translator(language)("Log-frame of {cluster}:").split("{")[0]
    assert heading in replies[-1].text


async def test_the_report_workbook_has_the_logframe_and_the_unplanned_share(
    framed: Database, cda_chat: ChatDriver
) -> None:
    await cda_chat.say("/report")
    await cda_chat.press(f"rep:c:{BAGRU}")
    text, _photo, _offer = await cda_chat.press("rep:p:all")
    assert "Unplanned: 0 of" in text.text  # the fixture's activities are all planned
    (document,) = await cda_chat.press("rep:x")
    assert document.media is not None
    book = load_workbook(io.BytesIO(document.media.data), read_only=True)
    assert "Log-frame" in book.sheetnames
    rows = [r for r in book["Log-frame"].iter_rows(values_only=True) if r and r[0] in ("1", "2")]
    first = dict(
        zip(
            ("ref", "level", "statement", "indicator", "baseline", "target"),
            rows[0][:6],
            strict=True,
        )
    )
    assert (first["level"], first["indicator"], first["baseline"], first["target"]) == (
        "Goal", "People registered", 2, 10)  # fmt: skip
    assert rows[0][7] == 6 and rows[0][9] == 0.5 and rows[0][10] == "behind"
    assert rows[1][7] is None and rows[1][10] == "nothing to judge yet"
