"""/report in chat (SPEC §5, issue 7): cluster → period → text + chart → spreadsheet, for
CDAs and observers; observers see aggregates only; everyone else is refused."""

from __future__ import annotations

import io
import sqlite3

import pytest
from openpyxl import load_workbook

from bot.channels.whatsapp_menu import menu_requests
from bot.channels.whatsapp_render import render
from bot.channels.whatsapp_send import words_for
from bot.cli import main
from bot.commands import OBSERVER_COMMANDS, Audience, commands
from bot.config import Settings
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.limits import TELEGRAM_MAX_CAPTION, TELEGRAM_MAX_TEXT
from bot.messages import Inbound, InboundKind, Outbound
from bot.storage.db import Database
from tests.driver import ChatDriver, check_limits
from tests.reports.fixture import ALLEPPEY, BAGRU, NAMES, PHONES, PLACES, populate
from tests.whatsapp.test_render import accepted, interactive

REFUSAL = "only for the cluster development agent"


@pytest.fixture
async def filled(db: Database) -> Database:
    await db.write(populate)
    return db


def _grant(db: Database, user: str, cluster: int, role: str) -> object:
    return db.write(
        lambda conn: conn.execute(
            "INSERT INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
            " VALUES ('test', ?, ?, ?, '2026-01-01T00:00:00+00:00')",
            (user, cluster, role),
        )
    )


def _workbook_text(document: bytes) -> str:
    book = load_workbook(io.BytesIO(document), read_only=True)
    cells = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    book.close()
    return "\n".join(cells)


def _no_personal_data(text: str) -> None:
    for secret in (*NAMES, *PHONES, *PLACES, "Anil Menon"):
        assert secret not in text, secret


async def test_cda_picks_cluster_and_period_then_gets_text_chart_and_sheet(
    filled: Database, cda_chat: ChatDriver
) -> None:
    await cda_chat.say("/report")
    assert cda_chat.choice_ids == [f"rep:c:{ALLEPPEY}", f"rep:c:{BAGRU}"]  # every cluster
    await cda_chat.press(f"rep:c:{BAGRU}")
    assert cda_chat.choice_ids == ["rep:p:month", "rep:p:quarter", "rep:p:all"]
    replies = await cda_chat.press("rep:p:quarter")
    text, photo, offer = replies
    assert "Registered: 6 (new in the period: 2)" in text.text
    assert "Women among them: 3 of 5 (60%)" in text.text
    assert "came 5 of 9 (56%)" in text.text
    assert "₹9,00,000" in text.text
    assert photo.media is not None and photo.media.kind == "photo"
    assert photo.media.data.startswith(b"\x89PNG")
    assert offer.choices[0].id == "rep:x"
    replies = await cda_chat.press("rep:x")
    document = replies[-1].media
    assert document is not None and document.filename == "report-BAGRU-quarter.xlsx"
    book = load_workbook(io.BytesIO(document.data))
    assert book.sheetnames == [
        "Scale", "Outreach", "Participation", "Surveys", "Transparency", "Listening", "Action plan",
        "Networks",
    ]  # fmt: skip
    audited = await filled.read(
        lambda conn: conn.execute(
            "SELECT actor, action, cluster_id, subject FROM audit_log"
        ).fetchall()
    )
    assert [tuple(r) for r in audited] == [("test:cda", "report.export", BAGRU, "BAGRU")]


async def test_report_in_hindi_fits_telegram(filled: Database, engine: Engine) -> None:
    chat = ChatDriver(engine, user_id="cda", language_code="hi")
    await chat.say("/report")
    await chat.press(f"rep:c:{BAGRU}")
    assert [c.label for m in chat.last for c in m.choices] == [
        "इस महीने", "पिछले 3 महीने", "शुरू से अब तक",
    ]  # fmt: skip
    text, photo, offer = await chat.press("rep:p:all")
    assert text.text.startswith("📈 निगरानी और मूल्यांकन रिपोर्ट")
    assert "रजिस्टर हुए: 6 (अवधि में नए: 6)" in text.text
    assert "रजिस्टर हुई महिलाएँ: 6 में से 2 (33%)" in text.text
    assert "बजट: ₹9,00,000" in text.text  # Indian grouping
    assert len(text.text) <= TELEGRAM_MAX_TEXT
    assert len(photo.text) <= TELEGRAM_MAX_CAPTION
    assert offer.choices[0].label == "स्प्रेडशीट"
    replies = await chat.press("rep:x")
    assert replies[-1].media is not None
    book = load_workbook(io.BytesIO(replies[-1].media.data))
    assert book.sheetnames[0] == "पैमाना"


async def test_observer_gets_aggregates_only_and_no_broadcast(
    filled: Database, engine: Engine
) -> None:
    await _grant(filled, "obs", BAGRU, "observer")
    observer = ChatDriver(engine, user_id="obs")
    await observer.say("/report")  # one cluster: straight to the period
    assert observer.choice_ids == ["rep:p:month", "rep:p:quarter", "rep:p:all"]
    text, _photo, _offer = await observer.press("rep:p:all")
    assert "Registered: 6" in text.text
    _no_personal_data(text.text)
    replies = await observer.press("rep:x")
    assert replies[-1].media is not None
    _no_personal_data(_workbook_text(replies[-1].media.data))
    await observer.say("/broadcast")
    assert REFUSAL in observer.text


@pytest.mark.parametrize("language", ["hi", "te"])
async def test_observer_is_offered_report_only_and_refused_the_rest_in_their_language(
    filled: Database, engine: Engine, language: str
) -> None:
    await _grant(filled, "obs", BAGRU, "observer")
    observer = ChatDriver(engine, user_id="obs", language_code=language)
    staff = [c.name for c in commands() if c.audience in (Audience.CDA, Audience.REPORT)]
    assert "broadcast" in staff and "activity" in staff and "report" in staff
    await observer.say("/help")
    shown = {c.name for c in commands() if f"/{c.name} " in observer.text}
    # no /survey, no /broadcast: /report, /logframe (aggregates) and the basics
    assert shown == set(OBSERVER_COMMANDS), observer.text
    # The WhatsApp Menu: the same three rows.
    requests = menu_requests(
        language, words_for(language), registered=False, cda=False, observer=True
    )
    rows = [
        row["id"]
        for request in requests
        for section in request.body["interactive"]["action"]["sections"]
        for row in section["rows"]
    ]
    assert sorted(rows) == sorted(f"cmd:{name}" for name in OBSERVER_COMMANDS)
    english = (
        "Sorry, this command is only for the cluster development agent (CDA). "
        "Send /help to see what you can do."
    )
    refusal = translator(language)(english)
    assert refusal != english  # in their language, not English
    for name in staff:
        if name in OBSERVER_COMMANDS:
            continue
        await observer.say(f"/{name}")
        assert observer.text == refusal, name


async def test_telegram_command_list_of_an_observer_holds_no_cda_command(
    filled: Database, settings: Settings
) -> None:
    from bot.app import _staff_chats

    def setup(conn: sqlite3.Connection) -> None:
        for user, role in (("501", "observer"), ("502", "observer"), ("503", "cda")):
            conn.execute(
                "INSERT INTO admins (channel, channel_user_id, cluster_id, role, created_at)"
                " VALUES ('telegram', ?, 1, ?, 'x')",
                (user, role),
            )
        conn.execute(  # 502 is also a registered stakeholder
            "INSERT INTO contacts (channel, channel_user_id, chat_id, language, status,"
            " consent_at, name, role, cluster_id, gender, created_at, registered_at)"
            " VALUES ('telegram', '502', '502', 'en', 'registered', 'x', 'Asha', 'artisan', 1,"
            " 'female', 'x', 'x')"
        )

    await filled.write(setup)
    chats = await filled.read(_staff_chats(settings))
    names = {chat: [name for name, _description in entries] for chat, entries in chats.items()}
    assert sorted(names[501]) == sorted(OBSERVER_COMMANDS)
    assert "report" in names[502] and "survey" in names[502] and "broadcast" not in names[502]
    assert "broadcast" in names[503] and "report" in names[503]


async def test_cda_sees_only_their_cluster(filled: Database, engine: Engine) -> None:
    await _grant(filled, "cda2", ALLEPPEY, "cda")
    cda = ChatDriver(engine, user_id="cda2")
    await cda.say("/report")
    assert "Alleppey coir makers" in cda.text
    await cda.press(f"rep:c:{BAGRU}")  # forged: not a period, not their cluster
    assert "That button belongs to an earlier question." in cda.text
    text = (await cda.press("rep:p:all"))[0].text
    assert "Alleppey coir makers" in text and "Registered: 1 " in text


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
        await chat.say("/report")
        assert REFUSAL in chat.text
        await chat.press("rep:p:all")  # a forged press changes nothing
        assert "Registered" not in chat.text


async def test_cli_observer_gets_report_and_is_refused_broadcast(
    filled: Database,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`clusterbot admin add CHANNEL:ID --observer` (SPEC §4) makes a working observer."""
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    assert main(["admin", "add", "console:77", "--observer", "--cluster", "BAGRU"]) == 0
    assert "observer" in capsys.readouterr().out

    async def say(text: str = "", choice: str = "") -> list[Outbound]:
        kind = InboundKind.CHOICE if choice else InboundKind.TEXT
        inbound = Inbound("console", "77", "77", kind, text=text, choice=choice)
        replies = await engine.handle(inbound)
        for reply in replies:
            check_limits(reply)
        return replies

    assert next(c.id for m in await say("/report") for c in m.choices) == "rep:p:month"
    replies = await say(choice="rep:p:month")
    assert replies[0].text.startswith("📈 M&E report: Bagru hand-block printers")
    assert REFUSAL in (await say("/broadcast"))[0].text


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_every_report_reply_renders_within_whatsapp_limits(
    filled: Database, engine: Engine, language: str
) -> None:
    chat = ChatDriver(engine, user_id="cda", language_code=language)
    seen = [*await chat.say("/report"), *await chat.press(f"rep:c:{BAGRU}")]
    period_question = seen[-1]
    seen += [*await chat.press("rep:p:quarter"), *await chat.press("rep:x")]
    for message in seen:
        accepted(render(message, words_for(language)))
    # The three periods stay one-tap reply buttons (titles of at most 20 characters).
    assert interactive(render(period_question, words_for(language))[-1]) == "button"


async def test_another_period_from_the_buttons_above(
    filled: Database, cda_chat: ChatDriver
) -> None:
    await cda_chat.say("/report")
    await cda_chat.press(f"rep:c:{BAGRU}")
    await cda_chat.press("rep:p:quarter")
    text = (await cda_chat.press("rep:p:all"))[0].text  # the earlier message's button
    assert "Whole programme" in text and "Registered: 6 (new in the period: 6)" in text
    replies = await cda_chat.press("rep:x")
    assert replies[-1].media is not None
    assert replies[-1].media.filename == "report-BAGRU-all.xlsx"
    await cda_chat.press("rep:x")  # pressed twice: the flow has ended, no second file
    assert all(m.media is None for m in cda_chat.last)
