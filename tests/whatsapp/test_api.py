"""Graph API calls against the stand-in, and the one mapping from WhatsApp's answers to
`SendResult` outcomes the senders act on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.channels.whatsapp_api import (
    GraphClient,
    GraphError,
    classify,
    error_code,
    recipient_fields,
)
from bot.messages import Media
from bot.outbox.retry import Outcome
from tests.fakes.graph_api import TOKEN, FakeGraph
from tests.fakes.whatsapp_payloads import PHONE_NUMBER_ID


@pytest.fixture
async def client(graph: FakeGraph) -> AsyncIterator[GraphClient]:
    api = GraphClient(graph.root, TOKEN, PHONE_NUMBER_ID)
    yield api
    await api.close()


def error(code: int, message: str = "") -> dict[str, object]:
    return {"error": {"message": message or f"(#{code}) x", "type": "OAuthException", "code": code}}


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (400, 131047, Outcome.FAILED),  # outside the window: the outbox falls back to a template
        (400, 131026, Outcome.BLOCKED),
        (400, 130429, Outcome.RETRY_AFTER),
        (400, 80007, Outcome.RETRY_AFTER),
        (400, 131056, Outcome.TRANSIENT),  # pair limit: this person only, not a global pause
        (500, 131000, Outcome.TRANSIENT),
        (503, 2, Outcome.TRANSIENT),
        (400, 131009, Outcome.FAILED),
        (400, 100, Outcome.FAILED),
        (401, 190, Outcome.FAILED),
        (400, 132001, Outcome.FAILED),
    ],
)
def test_error_codes(status: int, code: int, outcome: Outcome) -> None:
    result = classify(status, error(code))
    assert result.outcome is outcome
    assert error_code(result) == code


def test_success_carries_the_wamid() -> None:
    result = classify(200, {"messages": [{"id": "wamid.X"}]})
    assert (result.outcome, result.platform_message_id) == (Outcome.SENT, "wamid.X")


def test_retry_after_header_and_odd_bodies() -> None:
    limited = classify(429, error(130429), httpx.Headers({"Retry-After": "7"}))
    assert limited.retry_after == 7.0
    assert classify(502, "<html>bad gateway</html>").outcome is Outcome.TRANSIENT
    assert classify(404, {}).outcome is Outcome.FAILED


def test_recipient_fields() -> None:
    assert recipient_fields("919829012345") == {"to": "919829012345"}
    assert recipient_fields("IN.1502576394655843") == {"recipient": "IN.1502576394655843"}


async def test_send_text_and_to_a_bsuid(graph: FakeGraph, client: GraphClient) -> None:
    result = await client.send("919829012345", {"type": "text", "text": {"body": "नमस्ते"}})
    assert result.outcome is Outcome.SENT and result.platform_message_id == graph.sent[0].wamid
    result = await client.send("IN.1502576394655843", {"type": "text", "text": {"body": "hi"}})
    assert result.outcome is Outcome.SENT and graph.sent[1].to == "IN.1502576394655843"
    assert "recipient" in graph.sent[1].body and "to" not in graph.sent[1].body


async def test_rejected_request_has_whatsapps_error(graph: FakeGraph, client: GraphClient) -> None:
    body = {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Pick"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": f"b{i}", "title": f"B{i}"}} for i in range(4)
                ]
            },
        },
    }
    result = await client.send("919829012345", body)
    assert result.outcome is Outcome.FAILED and error_code(result) == 131009
    assert "Parameter value is not valid" in result.reason and graph.sent == []


async def test_injected_errors(graph: FakeGraph, client: GraphClient) -> None:
    text = {"type": "text", "text": {"body": "hi"}}
    for code, outcome in [
        (131047, Outcome.FAILED),
        (131026, Outcome.BLOCKED),
        (130429, Outcome.RETRY_AFTER),
        (131000, Outcome.TRANSIENT),
    ]:
        graph.fail_next(code)
        result = await client.send("919829012345", text)
        assert (result.outcome, error_code(result)) == (outcome, code)


async def test_wrong_token_and_network_errors(graph: FakeGraph) -> None:
    bad = GraphClient(graph.root, "wrong", PHONE_NUMBER_ID)
    result = await bad.send("91", {"type": "text", "text": {"body": "x"}})
    assert result.outcome is Outcome.FAILED and error_code(result) == 190
    await bad.close()
    down = GraphClient("http://127.0.0.1:9", TOKEN, PHONE_NUMBER_ID, timeout=2)
    result = await down.send("91", {"type": "text", "text": {"body": "x"}})
    assert result.outcome is Outcome.TRANSIENT
    await down.close()


async def test_upload_then_send_by_id(graph: FakeGraph, client: GraphClient) -> None:
    media_id = await client.upload(Media("photo", "chart.png", b"\x89PNG..."), "image/png")
    assert graph.media[media_id] == (b"\x89PNG...", "image/png")
    result = await client.send("91", {"type": "image", "image": {"id": media_id}})
    assert result.outcome is Outcome.SENT
    with pytest.raises(GraphError):
        await client.upload(Media("document", "x.exe", b"MZ"), "video/x-msvideo")


async def test_upload_audio_and_video_then_send_by_id(
    graph: FakeGraph, client: GraphClient
) -> None:
    for media, mime, kind in (
        (Media("audio", "q.ogg", b"OggS"), "audio/ogg", "audio"),
        (Media("video", "q.mp4", b"ftyp"), "video/mp4", "video"),
    ):
        media_id = await client.upload(media, mime)
        result = await client.send("91", {"type": kind, kind: {"id": media_id}})
        assert result.outcome is Outcome.SENT
        assert graph.sent[-1].type == kind


async def test_download_media(graph: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    graph.add_media("1234567890", b"OggS-voice", "audio/ogg; codecs=opus")
    path = await client.download("1234567890", tmp_path / "whatsapp")
    assert path == tmp_path / "whatsapp" / "1234567890.ogg"
    assert path.read_bytes() == b"OggS-voice"
    with pytest.raises(GraphError):
        await client.download("404", tmp_path)


async def test_the_business_number_for_join_links(graph: FakeGraph, client: GraphClient) -> None:
    assert await client.display_number() == "919829012345"
    graph.display_phone_number = "not a number"
    assert await client.display_number() == ""
    down = GraphClient("http://127.0.0.1:9", TOKEN, PHONE_NUMBER_ID, timeout=2)
    try:
        assert await down.display_number() == ""
    finally:
        await down.close()
