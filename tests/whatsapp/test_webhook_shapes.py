"""Bodies that are JSON but not a webhook payload (issue 12, item 7): signed correctly, so
they reach the parser, and answered 400 — never 500 — with nothing stored. And WhatsApp log
lines name a person by contact number, never by phone number."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels import whatsapp as wa
from bot.channels.whatsapp_api import UNDELIVERABLE
from bot.channels.whatsapp_send import WhatsAppSender, unnumbered
from bot.channels.whatsapp_webhook import MAX_DEPTH, parse, well_formed
from bot.config import Settings
from bot.storage.db import Database
from tests.fakes import whatsapp_payloads as wp
from tests.fakes.graph_api import FakeGraph
from tests.fakes.whatsapp_payloads import SUNITA
from tests.whatsapp.test_intake import rows, webhook
from tests.whatsapp.test_outbox import PHONE, item, person
from tests.whatsapp.test_outbox import graph as graph
from tests.whatsapp.test_outbox import sender as sender

ENVELOPE = {"object": "whatsapp_business_account"}


def change(value: Any) -> dict[str, Any]:
    return {**ENVELOPE, "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


BAD_BODIES = {
    "array": b"[]",
    "null": b"null",
    "number": b"5",
    "string": b'"entry"',
    "a Telegram shape": b'{"message": 5}',
    "entry not a list": json.dumps({**ENVELOPE, "entry": {"id": 1}}).encode(),
    "entry of numbers": b'{"entry": [5]}',
    "changes of numbers": json.dumps({**ENVELOPE, "entry": [{"changes": [5]}]}).encode(),
    "value a list": json.dumps(change([])).encode(),
    "metadata a string": json.dumps(change({"metadata": "x"})).encode(),
    "messages an object": json.dumps(change({"messages": {"a": 1}})).encode(),
    "statuses of strings": json.dumps(change({"statuses": ["sent"]})).encode(),
    "contacts null": json.dumps(change({"contacts": None})).encode(),
    "deeply nested arrays": b"[" * 100_000 + b"]" * 100_000,  # beyond json's recursion
    "nested arrays in a message": json.dumps(
        change({"messages": [{"id": "wamid.1", "from": "1", "text": nested(MAX_DEPTH)}]})
    ).encode(),
}


@pytest.mark.parametrize("body", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
async def test_json_that_is_not_a_payload_is_400_and_not_stored(
    body: bytes,
    db: Database,
    settings: Settings,
    graph: FakeGraph,
) -> None:
    async with webhook(db, settings, graph) as (client, _channel):
        response = await client.post(wa.WEBHOOK_PATH, data=body, headers=wp.signed_headers(body))
        assert response.status == 400
    assert await rows(db) == []


async def test_odd_values_in_a_well_formed_payload_are_still_taken(
    db: Database,
    settings: Settings,
    graph: FakeGraph,
) -> None:
    """Inside the envelope the parser is lenient: a timestamp of 1e400 or an error code "²"
    is 0, never an exception (a 500 would make Meta send it again and again)."""
    payload = wp.text(SUNITA, "Hello")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = 1e400
    status = {"id": "wamid.s", "status": "failed", "timestamp": [], "errors": [{"code": "²"}]}
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [status]
    body = wp.encode(payload).replace(b"Infinity", b"1e400")
    messages, statuses = parse(json.loads(body), wp.PHONE_NUMBER_ID)
    assert messages[0].timestamp == 0 and statuses[0].errors == ((0, ""),)
    async with webhook(db, settings, graph, hold=True) as (client, _channel):
        response = await client.post(wa.WEBHOOK_PATH, data=body, headers=wp.signed_headers(body))
        assert response.status == 200


KEYS = st.sampled_from(
    ["object", "entry", "changes", "value", "messages", "statuses", "contacts", "errors",
     "metadata", "type", "text", "id", "from", "timestamp", "code", "interactive",
     "button_reply", "location"]
)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=30,
)


@given(JSON)
def test_no_json_value_makes_the_parser_raise(payload: Any) -> None:
    well_formed(payload)
    parse(payload, "")
    parse(change(payload), "")


# --- logs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [UNDELIVERABLE, 100])
async def test_send_failures_are_logged_by_contact_number_not_phone(
    code: int,
    sender: WhatsAppSender,
    graph: FakeGraph,
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    contact_id = await person(db, wrote_hours_ago=1)
    graph.fail_next(code)
    with caplog.at_level(logging.INFO, logger="bot.channels"):
        await sender.deliver(item())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"contact {contact_id}" in logged
    assert PHONE not in caplog.text and PHONE[-10:] not in caplog.text


def test_phone_like_runs_are_taken_out_of_error_texts() -> None:
    text = "(#131030) Recipient +91 98290 12345 not in allowed list (919829012345)"
    assert unnumbered(text) == "(#131030) Recipient … not in allowed list (…)"
