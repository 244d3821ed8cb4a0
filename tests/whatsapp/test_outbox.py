"""Bot-initiated WhatsApp messages: the 24-hour window, approved templates in the person's
language, consent, and status webhooks in the delivery ledger (issue 6)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels import whatsapp_templates as templates
from bot.channels.whatsapp_api import OUTSIDE_WINDOW, UNDELIVERABLE, GraphClient
from bot.channels.whatsapp_render import wa_len
from bot.channels.whatsapp_send import WhatsAppSender, window_open
from bot.clock import iso
from bot.config import Settings
from bot.i18n import SHIPPED_LANGUAGES
from bot.outbox.queue import OutboxItem, Payload
from bot.outbox.retry import Outcome
from bot.storage import broadcasts, contacts
from bot.storage import whatsapp as identities
from bot.storage.db import Database
from bot.storage.whatsapp import Recipient
from tests.driver import ChatDriver
from tests.fakes.graph_api import TOKEN, FakeGraph
from tests.fakes.whatsapp_payloads import PHONE_NUMBER_ID

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PHONE = "919829012345"


def recipient(hours_ago: float | None, closed_hours_ago: float | None = None) -> Recipient:
    def ago(hours: float | None) -> str | None:
        return None if hours is None else iso(NOW - timedelta(hours=hours))

    return Recipient(1, "hi", True, ago(hours_ago), ago(closed_hours_ago))


@pytest.mark.parametrize(
    ("hours_ago", "closed_hours_ago", "open_"),
    [
        (1, None, True),
        (23, None, True),
        (23.75, None, False),  # within the safety margin of the 24 hours
        (30, None, False),
        (None, None, False),  # never wrote (a contact from another source)
        (2, 1, False),  # WhatsApp said 131047 after their last message
        (1, 2, True),  # ...and they wrote again since
    ],
)
def test_window(hours_ago: float | None, closed_hours_ago: float | None, open_: bool) -> None:
    assert window_open(recipient(hours_ago, closed_hours_ago), NOW) is open_


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_template_definitions_follow_metas_rules(language: str) -> None:
    found = [d for d in templates.definitions() if d["language"] == language]
    assert {d["name"] for d in found} == {t.name for t in templates.TEMPLATES.values()}
    for definition in found:
        body, buttons = definition["components"]
        text = body["text"]
        assert text.count("{{1}}") == 1
        assert not text.strip().startswith("{{1}}") and not text.strip().endswith("{{1}}")
        assert wa_len(text) <= 1024 and body["example"]["body_text"][0][0]
        label = buttons["buttons"][0]["text"]
        assert 0 < wa_len(label) <= 20


def test_template_message_flattens_and_caps_the_parameter() -> None:
    text = "पहली पंक्ति\n\nदूसरी\tपंक्ति     " + "लंबा " * 400
    body = templates.message("reminder", "hi", text)
    assert body["template"]["name"] == "clusterbot_reminder"
    assert body["template"]["language"] == {"code": "hi"}
    param = body["template"]["components"][0]["parameters"][0]["text"]
    assert "\n" not in param and "\t" not in param and "  " not in param
    assert param.startswith("पहली पंक्ति दूसरी पंक्ति")
    filled = templates.TEMPLATES["reminder"].body.replace("{{1}}", param)
    assert wa_len(filled) <= 1024
    button = body["template"]["components"][1]
    assert button["parameters"] == [{"type": "payload", "payload": "cmd:myevents"}]


def test_a_network_invitation_outside_the_window_opens_mynetworks() -> None:
    """Issue 19's invitations to join a network have their own template: its button opens
    /mynetworks (where Join and Decline are), not /events."""
    body = templates.message("network_invitation", "te", "Bagru women printers' group")
    assert body["template"]["name"] == "clusterbot_network_invitation"
    button = body["template"]["components"][1]
    assert button["parameters"] == [{"type": "payload", "payload": "cmd:mynetworks"}]


# --- deliver against the stand-in -----------------------------------------------------------


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    await fake.start()
    for definition in templates.definitions():
        fake.add_template(definition["name"], definition["language"], 1)
    yield fake
    await fake.stop()


@pytest.fixture
async def sender(
    graph: FakeGraph, db: Database, settings: Settings
) -> AsyncIterator[WhatsAppSender]:
    api = GraphClient(graph.root, TOKEN, PHONE_NUMBER_ID)
    yield WhatsAppSender(db, api, settings, clock=lambda: NOW)
    await api.close()


async def person(db: Database, *, wrote_hours_ago: float, consent: bool = True) -> int:
    def add(conn: sqlite3.Connection) -> int:
        found = contacts.get_or_create(
            conn, "whatsapp", PHONE, PHONE, iso(NOW - timedelta(hours=wrote_hours_ago))
        )
        if consent:
            contacts.update(conn, found.id, consent_at=iso(NOW), language="te")
        return found.id

    return await db.write(add)


def item(kind: str = "reminder") -> OutboxItem:
    return OutboxItem(7, "whatsapp", PHONE, kind, "x", 0, Payload("Meeting tomorrow at 10 am"))


async def test_inside_the_window_free_form(
    sender: WhatsAppSender, graph: FakeGraph, db: Database
) -> None:
    await person(db, wrote_hours_ago=2)
    result = await sender.deliver(item())
    assert result.outcome is Outcome.SENT and result.platform_message_id == graph.sent[0].wamid
    assert graph.sent[0].type == "text"


async def test_outside_the_window_the_template_in_their_language(
    sender: WhatsAppSender, graph: FakeGraph, db: Database
) -> None:
    await person(db, wrote_hours_ago=30)
    result = await sender.deliver(item("invitation"))
    assert result.outcome is Outcome.SENT
    [sent] = graph.sent
    assert sent.type == "template" and sent.body["template"]["name"] == "clusterbot_invitation"
    assert sent.body["template"]["language"]["code"] == "te"


async def test_131047_falls_back_to_the_template(
    sender: WhatsAppSender, graph: FakeGraph, db: Database
) -> None:
    contact_id = await person(db, wrote_hours_ago=2)
    graph.fail_next(OUTSIDE_WINDOW)
    result = await sender.deliver(item())
    assert result.outcome is Outcome.SENT and [s.type for s in graph.sent] == ["template"]
    found = await db.read(lambda conn: identities.recipient(conn, PHONE))
    assert found is not None and found.contact_id == contact_id and found.closed_at
    # Until they write again, the next message goes straight out as a template.
    await sender.deliver(item("broadcast"))
    assert [s.type for s in graph.sent] == ["template", "template"]


async def test_no_consent_no_proactive_message(
    sender: WhatsAppSender, graph: FakeGraph, db: Database
) -> None:
    await person(db, wrote_hours_ago=1, consent=False)
    result = await sender.deliver(item())
    assert result.outcome is Outcome.FAILED and "opt-in" in result.reason
    assert graph.sent == [] and graph.requests == []


async def test_undeliverable_is_blocked(
    sender: WhatsAppSender, graph: FakeGraph, db: Database
) -> None:
    await person(db, wrote_hours_ago=1)
    graph.fail_next(UNDELIVERABLE)
    result = await sender.deliver(item())
    assert result.outcome is Outcome.BLOCKED
    found = await db.read(lambda conn: contacts.find(conn, "whatsapp", PHONE))
    assert found is not None and found.unreachable


# --- statuses in the ledger ---------------------------------------------------------------


async def test_statuses_update_the_ledger(db: Database) -> None:
    now = iso(NOW)

    def setup(conn: sqlite3.Connection) -> None:
        contact = contacts.get_or_create(conn, "whatsapp", PHONE, PHONE, now)
        conn.execute('INSERT INTO outbox_payloads (id, body) VALUES (1, \'{"text": "x"}\')')
        for i, wamid in enumerate(("wamid.A", "wamid.B", "wamid.C", "wamid.D"), start=1):
            conn.execute(
                "INSERT INTO outbox (id, channel, contact_id, chat_id, kind, ref, payload_id,"
                " status, next_attempt_at, created_at, sent_at, platform_message_id)"
                " VALUES (?, 'whatsapp', ?, ?, 'broadcast', ?, 1, 'sent', ?, ?, ?, ?)",
                (i, contact.id, PHONE, f"r{i}", now, now, now, wamid),
            )

    await db.write(setup)

    def run(conn: sqlite3.Connection) -> list[str]:
        def apply(wamid: str, state: str, errors: list[tuple[int, str]]) -> str:
            return identities.apply_status(
                conn, wamid, state, errors, now, outside_window=OUTSIDE_WINDOW,
                undeliverable=UNDELIVERABLE,
            )  # fmt: skip

        return [
            apply("wamid.A", "delivered", []),
            apply("wamid.A", "read", []),
            apply("wamid.B", "failed", [(OUTSIDE_WINDOW, "Re-engagement message")]),
            apply("wamid.C", "failed", [(UNDELIVERABLE, "Message undeliverable")]),
            apply("wamid.D", "failed", [(131053, "Media upload error")]),
            apply("wamid.unknown", "delivered", []),
        ]

    assert await db.write(run) == [
        "delivered",
        "read",
        "queued again as a template",
        "blocked",
        "failed",
        "not an outbox message",
    ]

    def rows(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
        return [
            tuple(r)
            for r in conn.execute(
                "SELECT status, delivered_at IS NOT NULL, read_at IS NOT NULL,"
                " platform_message_id FROM outbox ORDER BY id"
            )
        ]

    assert await db.read(rows) == [
        ("sent", 1, 1, "wamid.A"),
        ("queued", 0, 0, None),
        ("blocked", 0, 0, "wamid.C"),
        ("failed", 0, 0, "wamid.D"),
    ]
    assert await db.read(lambda c: identities.receipts(c, "broadcast", "r1")) == {
        "delivered": 1,
        "read": 1,
    }


async def test_deliveries_shows_whatsapp_receipts(
    db: Database,
    one_cluster,
    cda_chat: ChatDriver,  # type: ignore[no-untyped-def]
) -> None:
    now = iso(NOW)

    def setup(conn: sqlite3.Connection) -> None:
        b = broadcasts.create(
            conn, cluster_id=one_cluster.id, author="test:cda", audience={},
            texts={"en": "Meeting on Friday"}, default_language="en", media_kind=None,
            media_path=None, media_name=None, scheduled_at=None, status="sent", now=now,
        )  # fmt: skip
        conn.execute("UPDATE broadcasts SET sent_at = ? WHERE id = ?", (now, b.id))
        conn.execute('INSERT INTO outbox_payloads (id, body) VALUES (1, \'{"text": "x"}\')')
        for i, (delivered, read) in enumerate([(now, now), (now, None), (None, None)]):
            contact = contacts.get_or_create(conn, "whatsapp", f"91982901234{i}", "x", now)
            conn.execute(
                "INSERT INTO outbox (channel, contact_id, chat_id, kind, ref, payload_id,"
                " status, next_attempt_at, created_at, delivered_at, read_at)"
                " VALUES ('whatsapp', ?, 'x', 'broadcast', ?, 1, 'sent', ?, ?, ?, ?)",
                (contact.id, str(b.id), now, now, delivered, read),
            )

    await db.write(setup)
    await cda_chat.say("/deliveries")
    assert "On WhatsApp: delivered 2 · read 1" in cda_chat.text
