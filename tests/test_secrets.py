"""Tokens and secrets never appear in a repr (Settings, and what holds it: the engine's
Context) or in the engine's log of a failed turn; a WhatsApp user id (which may be a phone
number) is not logged either (issue 12, item 7)."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import SECRET_FIELDS, Settings, load
from bot.engine import Context, Engine
from bot.messages import Inbound, InboundKind
from bot.storage.db import Database

SECRETS = {
    "telegram_token": "123456:AAH-telegram-token-value",
    "telegram_webhook_secret": "webhook-secret-value",
    "whatsapp_token": "EAAG-whatsapp-token-value",
    "whatsapp_app_secret": "app-secret-value",
    "whatsapp_verify_token": "verify-token-value",
}
PHONE = "919829012345"


def with_secrets(settings: Settings) -> Settings:
    return replace(settings, **SECRETS)


def test_every_secret_field_is_left_out_of_the_repr(tmp_path: Path) -> None:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    assert set(SECRET_FIELDS) == set(SECRETS)
    for name in SECRET_FIELDS:
        assert fields[name].repr is False, name
    # A new token or secret setting must join SECRET_FIELDS.
    assert {n for n in fields if "token" in n or "secret" in n} == set(SECRET_FIELDS)
    settings = with_secrets(Settings(db=tmp_path / "x.db"))
    for text in (repr(settings), str(settings), f"{settings!r}"):
        assert not [v for v in SECRETS.values() if v in text]
        assert "whatsapp_phone_number_id" in text  # the rest is still there to debug with


def test_settings_loaded_from_the_environment_hide_them_too(tmp_path: Path) -> None:
    settings = load(
        {
            "CLUSTERBOT_DB": str(tmp_path / "x.db"),
            "CLUSTERBOT_TELEGRAM_TOKEN": SECRETS["telegram_token"],
        }
    )
    assert settings.telegram_token == SECRETS["telegram_token"]
    assert SECRETS["telegram_token"] not in repr(settings)


async def test_a_context_and_a_failed_turn_show_no_secret_and_no_phone(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def router(ctx: Context) -> None:
        seen.append(repr(ctx))
        raise RuntimeError("a handler bug")

    engine = Engine(db, with_secrets(settings), router)
    inbound = Inbound(
        channel="whatsapp", user_id=PHONE, chat_id=PHONE, kind=InboundKind.TEXT, text="hi"
    )
    with caplog.at_level(logging.INFO):
        replies = await engine.handle(inbound, update_key="wamid.HBgM")
    assert "something went wrong" in replies[0].text
    assert seen and "Settings(" in seen[0]
    for text in (seen[0], caplog.text):
        assert not [v for v in SECRETS.values() if v in text]
    assert "wamid.HBgM" in caplog.text and PHONE not in caplog.text
