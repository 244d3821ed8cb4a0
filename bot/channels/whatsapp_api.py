"""The WhatsApp Cloud API over plain httpx: send a message, upload and download media, and
turn every answer into a `bot.outbox.retry.SendResult` in one place (`classify`).

No WhatsApp SDK: the few endpoints we use are stable JSON, and a plain client is easy to
point at the loopback stand-in in tests (`CLUSTERBOT_WHATSAPP_API_SERVER`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx

from bot.messages import Media
from bot.outbox.retry import Outcome, SendResult

log = logging.getLogger(__name__)

# A current Graph API version (v26.0: July 2026, available until at least mid-2028).
# Meta keeps each version two years; moving on is changing this constant.
GRAPH_VERSION = "v26.0"

# Error codes with a meaning of their own (WhatsApp Cloud API error-code reference).
OUTSIDE_WINDOW = 131047  # "Re-engagement message": more than 24 h since the person wrote
UNDELIVERABLE = 131026  # not on WhatsApp, old app, or blocked the business
THROUGHPUT = 130429  # the number's messages-per-second limit
PAIR_RATE = 131056  # too many messages to the same person in a short time
SPAM_RATE = 131048  # quality-based limit: back off
RATE_LIMITS = frozenset({4, 80007, THROUGHPUT})  # app / account / number pacing: pause all
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, PAIR_RATE, SPAM_RATE})

_PHONE = re.compile(r"^\d{6,20}$")
_CODE = re.compile(r"^\((?:#)?(\d+)\)")
MEDIA_MAX_BYTES = 25 * 1024 * 1024  # WhatsApp's largest inbound audio is 16 MB


class GraphError(Exception):
    def __init__(self, result: SendResult):
        super().__init__(result.reason)
        self.result = result


class MediaTooLarge(GraphError):
    """A file someone sent is larger than we take (checked before and during the download)."""

    def __init__(self, size: int):
        super().__init__(SendResult(Outcome.FAILED, f"media too large ({size} bytes)"))
        self.size = size


def recipient_fields(chat_id: str) -> dict[str, str]:
    """Phone numbers go in `to`; a business-scoped user id ("IN.1234…") in `recipient`."""
    return {"to": chat_id} if _PHONE.match(chat_id) else {"recipient": chat_id}


def error_code(result: SendResult) -> int | None:
    """The Graph error code a `classify` result came from ("(#131047) …" reasons)."""
    found = _CODE.match(result.reason)
    return int(found.group(1)) if found else None


def _retry_after(headers: httpx.Headers | None) -> float:
    try:
        return max(0.0, float(headers.get("Retry-After", "0") if headers else 0))
    except ValueError:
        return 0.0


def classify(status: int, payload: Any, headers: httpx.Headers | None = None) -> SendResult:
    """One Graph API answer -> what the sender does next.

    Success carries the wamid. Errors keep "(#code) message: details" as the reason so the
    ledger shows what WhatsApp said and `error_code()` can read it back.
    """
    if 200 <= status < 300:
        messages = payload.get("messages") if isinstance(payload, dict) else None
        wamid = messages[0].get("id") if messages and isinstance(messages[0], dict) else None
        return SendResult(Outcome.SENT, platform_message_id=wamid)
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    code = error.get("code") if isinstance(error, dict) else None
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    details = ""
    if isinstance(error, dict) and isinstance(error.get("error_data"), dict):
        details = str(error["error_data"].get("details", ""))
    if isinstance(code, int):
        text = message if message.startswith(f"(#{code})") else f"(#{code}) {message}".strip()
        reason = f"{text}: {details}" if details else text
    else:
        reason = f"HTTP {status}: {str(payload)[:200]}"
    reason = reason[:500]
    if code == UNDELIVERABLE:
        return SendResult(Outcome.BLOCKED, reason)
    if code in RATE_LIMITS or status == 429:
        return SendResult(Outcome.RETRY_AFTER, reason, retry_after=_retry_after(headers))
    if code in TRANSIENT_CODES or status >= 500:
        return SendResult(Outcome.TRANSIENT, reason)
    return SendResult(Outcome.FAILED, reason)


def _extension(mime: str) -> str:
    known = {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/webp": ".webp",
        "audio/ogg": ".ogg",
        "audio/mpeg": ".mp3",
        "audio/mp4": ".m4a",
        "audio/aac": ".aac",
        "audio/amr": ".amr",
    }
    return known.get(mime.split(";", 1)[0].strip().lower(), ".bin")


class GraphClient:
    """The calls the channel makes, on one pooled httpx client."""

    def __init__(
        self,
        server: str,
        token: str,
        phone_number_id: str,
        *,
        version: str = GRAPH_VERSION,
        timeout: float = 20.0,
    ):
        self.phone_number_id = phone_number_id
        self.root = f"{server.rstrip('/')}/{version}"
        self.http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=10.0),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, **kw: Any) -> SendResult:
        try:
            response = await self.http.post(f"{self.root}/{path}", **kw)
        except httpx.TimeoutException:
            # The request may have reached WhatsApp; a retry may repeat it (at-least-once).
            return SendResult(Outcome.TRANSIENT, "timed out")
        except httpx.HTTPError as exc:
            return SendResult(Outcome.TRANSIENT, f"network error: {exc!r}"[:200])
        try:
            payload = response.json()
        except ValueError:
            payload = {"raw": response.text[:200]}
        result = classify(response.status_code, payload, response.headers)
        if result.outcome is Outcome.SENT and path.endswith("/media"):
            media_id = payload.get("id") if isinstance(payload, dict) else None
            return SendResult(Outcome.SENT, platform_message_id=str(media_id or ""))
        return result

    async def send(self, chat_id: str, body: dict[str, Any]) -> SendResult:
        """POST /{phone-number-id}/messages for one rendered body."""
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            **recipient_fields(chat_id),
            **body,
        }
        return await self._post(f"{self.phone_number_id}/messages", json=payload)

    async def display_number(self) -> str:
        """The business number people write to (digits only, for wa.me links), from
        GET /{phone-number-id}?fields=display_phone_number; "" when Graph does not say."""
        try:
            answer = await self.http.get(
                f"{self.root}/{self.phone_number_id}",
                params={"fields": "display_phone_number"},
            )
            shown = answer.json().get("display_phone_number", "") if answer.is_success else ""
        except (httpx.HTTPError, ValueError, AttributeError):
            return ""
        digits = re.sub(r"\D", "", str(shown))
        return digits if 8 <= len(digits) <= 15 else ""

    async def upload(self, media: Media, mime: str) -> str:
        """POST /{phone-number-id}/media; the media id to send by."""
        result = await self._post(
            f"{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": (media.filename, media.data, mime)},
        )
        if result.outcome is not Outcome.SENT or not result.platform_message_id:
            raise GraphError(result)
        return result.platform_message_id

    async def download(
        self, media_id: str, folder: Path, *, max_bytes: int = MEDIA_MAX_BYTES
    ) -> Path:
        """GET /{media-id} for the URL, then the file itself (same token), into `folder`.
        Raises MediaTooLarge, before the download when the size WhatsApp reports is over
        `max_bytes`, else as soon as the bytes received pass it."""
        try:
            info = await self.http.get(f"{self.root}/{media_id}")
            data = info.json()
            if info.status_code != 200 or "url" not in data:
                raise GraphError(classify(info.status_code, data, info.headers))
            reported = data.get("file_size")
            if isinstance(reported, int) and reported > max_bytes:
                raise MediaTooLarge(reported)
            target = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', media_id)}"
            target = target.with_suffix(_extension(str(data.get("mime_type", ""))))
            folder.mkdir(parents=True, exist_ok=True)
            size = 0
            async with self.http.stream("GET", str(data["url"])) as response:
                if response.status_code != 200:
                    raise GraphError(SendResult(Outcome.FAILED, f"HTTP {response.status_code}"))
                try:
                    with target.open("wb") as out:
                        async for chunk in response.aiter_bytes():
                            size += len(chunk)
                            if size > max_bytes:
                                raise MediaTooLarge(size)
                            out.write(chunk)
                except BaseException:
                    target.unlink(missing_ok=True)  # never leave half a file as an answer
                    raise
        except httpx.HTTPError as exc:
            raise GraphError(SendResult(Outcome.TRANSIENT, f"network error: {exc!r}")) from exc
        except ValueError as exc:
            raise GraphError(SendResult(Outcome.FAILED, f"bad media answer: {exc}")) from exc
        return target
