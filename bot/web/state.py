"""What the web pages share: the database, the settings, the clock and the join links."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.storage.db import Database


@dataclass
class JoinLinks:
    """The bot's Telegram username and WhatsApp number, for join links and posters. Mutable:
    the Telegram channel fills in its username from getMe at start when the settings do not
    name it."""

    telegram_username: str = ""
    whatsapp_number: str = ""

    @classmethod
    def from_settings(cls, settings: Settings | None) -> JoinLinks:
        if settings is None:
            return cls()
        return cls(settings.telegram_username, settings.whatsapp_number)


@dataclass
class WebState:
    db: Database
    settings: Settings
    clock: Clock
    links: JoinLinks = field(default_factory=JoinLinks)

    @staticmethod
    def of(request: web.Request) -> WebState:
        return request.app[WEB_STATE]


WEB_STATE = web.AppKey("clusterbot.web", WebState)
