"""Settings from the environment (SPEC §3), validated once at start.

Every problem becomes one line naming the variable; `load()` raises `ConfigError` with all
of them so an operator fixes everything in one go, never reading a traceback.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import SHIPPED_LANGUAGES

# name -> (default, one-line help). tests/test_docs.py checks each one is in the README.
SETTINGS: dict[str, tuple[str, str]] = {
    "CLUSTERBOT_DB": ("clusterbot.db", "SQLite database file"),
    "CLUSTERBOT_TELEGRAM_TOKEN": ("", "bot token; Telegram is on when set"),
    "CLUSTERBOT_TELEGRAM_API_SERVER": ("https://api.telegram.org", "Bot API server root"),
    "CLUSTERBOT_TELEGRAM_WEBHOOK_URL": ("", "public HTTPS URL for webhook mode"),
    "CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET": ("", "secret-token header Telegram must send"),
    "CLUSTERBOT_LISTEN": ("127.0.0.1:8080", "host:port of the HTTP listener"),
    "CLUSTERBOT_WHATSAPP_TOKEN": ("", "WhatsApp Cloud API access token"),
    "CLUSTERBOT_WHATSAPP_PHONE_NUMBER_ID": ("", "WhatsApp business phone number id"),
    "CLUSTERBOT_WHATSAPP_APP_SECRET": ("", "app secret for X-Hub-Signature-256"),
    "CLUSTERBOT_WHATSAPP_VERIFY_TOKEN": ("", "verify token of the webhook handshake"),
    "CLUSTERBOT_WHATSAPP_API_SERVER": ("https://graph.facebook.com", "Graph API root"),
    "CLUSTERBOT_WHATSAPP_RATE": (
        "80",
        "messages a second on the WhatsApp number, replies and outbox together (80)",
    ),
    "CLUSTERBOT_MEDIA_DIR": ("", "folder for photos and voice notes people send"),
    "CLUSTERBOT_ADMINS": ("", "bootstrap CDAs: telegram:<id>,whatsapp:<id>"),
    "CLUSTERBOT_TIMEZONE": ("Asia/Kolkata", "time zone for schedules and display"),
    "CLUSTERBOT_DEFAULT_LANGUAGE": ("en", "language before a user picks one"),
    "CLUSTERBOT_TELEGRAM_RATE": (
        "",
        "messages a second on Telegram, all chats together (30; 1000 with paid broadcasts)",
    ),
    "CLUSTERBOT_TELEGRAM_PAID_BROADCAST": (
        "off",
        "on: allow_paid_broadcast for bot-initiated sends, up to 1000/s (Telegram Stars)",
    ),
    "CLUSTERBOT_OUTBOX_MAX_ATTEMPTS": (
        "5",
        "tries per message on network/server errors before it is marked failed",
    ),
    "CLUSTERBOT_INBOUND_PER_MINUTE": (
        "20",
        "messages one person may send in a minute; over it one 'slow down', then dropped",
    ),
    "CLUSTERBOT_ORGANISATION": (
        "the cluster programme",
        "who collects the data, named in the privacy notice (/privacy)",
    ),
    "CLUSTERBOT_GRIEVANCE_CONTACT": (
        "",
        "whom people write to with a complaint about their data (default: their CDA)",
    ),
    "CLUSTERBOT_RETENTION_DAYS": (
        "1095",
        "days after a person's last message before they are erased as /forget does",
    ),
    "CLUSTERBOT_ANSWER_DAYS": (
        "3",
        "days after which an inbox item the CDA has not answered is overdue (/inbox)",
    ),
    "CLUSTERBOT_PUBLIC_URL": (
        "",
        "public base URL of the listener (https://…): the web pages' links; none without it",
    ),
    "CLUSTERBOT_TELEGRAM_USERNAME": (
        "",
        "the bot's @username for join links and posters (default: asked of Telegram at start)",
    ),
    "CLUSTERBOT_WHATSAPP_NUMBER": (
        "",
        "the WhatsApp number people write to, for join links and posters (e.g. +919876543210)",
    ),
}

TELEGRAM_FREE_RATE = 30.0  # Telegram's broadcast limit without paid broadcasts
TELEGRAM_PAID_RATE = 1000.0  # with allow_paid_broadcast
# WhatsApp Cloud API throughput: 80 messages/s per business number by default; Meta raises
# a number to up to 1000/s on request, so that is the most the setting accepts.
WHATSAPP_DEFAULT_RATE = 80.0
WHATSAPP_MAX_RATE = 1000.0
INBOUND_MAX_PER_MINUTE = 1000  # per person; 0 turns the limit off
SWITCH = {"on": True, "true": True, "yes": True, "1": True}
SWITCH |= {"off": False, "false": False, "no": False, "0": False, "": False}

CHANNELS = ("telegram", "whatsapp")
# The privacy notice names the organisation and the grievance contact in one message that
# must fit Telegram's 4,096 characters in every language (tests/handlers/people/test_privacy.py).
MAX_NOTICE_NAME = 120
MAX_RETENTION_DAYS = 36500
MAX_ANSWER_DAYS = 90
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
TELEGRAM_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


class ConfigError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


SECRET_FIELDS = (
    "telegram_token",
    "telegram_webhook_secret",
    "whatsapp_token",
    "whatsapp_app_secret",
    "whatsapp_verify_token",
)


@dataclass(frozen=True)
class Settings:
    """The configuration. The SECRET_FIELDS are left out of the repr, so a log line, a
    traceback or the repr of anything holding Settings (an engine Context) never shows them."""

    db: Path = Path("clusterbot.db")
    telegram_token: str = field(default="", repr=False)
    telegram_api_server: str = "https://api.telegram.org"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = field(default="", repr=False)
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    whatsapp_token: str = field(default="", repr=False)
    whatsapp_phone_number_id: str = ""
    whatsapp_app_secret: str = field(default="", repr=False)
    whatsapp_verify_token: str = field(default="", repr=False)
    whatsapp_api_server: str = "https://graph.facebook.com"
    admins: frozenset[str] = field(default_factory=frozenset)
    timezone: str = "Asia/Kolkata"
    default_language: str = "en"
    telegram_rate: float = TELEGRAM_FREE_RATE
    telegram_paid_broadcast: bool = False
    outbox_max_attempts: int = 5
    whatsapp_rate: float = WHATSAPP_DEFAULT_RATE
    media_dir: Path | None = None  # None: media/ beside the database
    inbound_per_minute: int = 20  # per person (bot.fairness); 0: no limit
    organisation: str = "the cluster programme"
    grievance_contact: str = ""  # "": people are told to ask their CDA
    retention_days: int = 1095
    answer_days: int = 3  # an inbox item unanswered this long is overdue (issue 15)
    public_url: str = ""  # "": no web links (issue 16); no trailing slash
    telegram_username: str = ""  # without @; "": asked of Telegram (getMe) at start
    whatsapp_number: str = ""  # digits only, for wa.me links

    @property
    def telegram_on(self) -> bool:
        return bool(self.telegram_token)

    @property
    def whatsapp_on(self) -> bool:
        return all(
            (
                self.whatsapp_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
            )
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def media_root(self) -> Path:
        """Photos, voice notes and documents people send: CLUSTERBOT_MEDIA_DIR, else
        media/ beside the database."""
        if self.media_dir is not None:
            return self.media_dir.resolve()
        return self.db.resolve().parent / "media"


def environment(dotenv: Path | None = Path(".env")) -> dict[str, str]:
    """os.environ over a .env file (the real environment wins)."""
    values: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    values.update(os.environ)
    return values


def load(env: Mapping[str, str]) -> Settings:
    problems: list[str] = []

    def get(name: str) -> str:
        return env.get(name, SETTINGS[name][0]).strip()

    db = Path(get("CLUSTERBOT_DB") or "clusterbot.db")
    if not db.parent.exists() and str(db.parent) not in ("", "."):
        problems.append(f"CLUSTERBOT_DB: folder {db.parent} does not exist")

    media_text = get("CLUSTERBOT_MEDIA_DIR")
    media = Path(media_text) if media_text else None
    if media is not None and media.exists() and not media.is_dir():
        problems.append(f"CLUSTERBOT_MEDIA_DIR: {media} is a file, not a folder")
    elif media is not None and not media.exists() and not media.parent.exists():
        problems.append(f"CLUSTERBOT_MEDIA_DIR: folder {media.parent} does not exist")

    token = get("CLUSTERBOT_TELEGRAM_TOKEN")
    if token and not TELEGRAM_TOKEN.match(token):
        problems.append(
            "CLUSTERBOT_TELEGRAM_TOKEN: expected the form 123456:ABC-DEF... from @BotFather"
        )

    for name in ("CLUSTERBOT_TELEGRAM_API_SERVER", "CLUSTERBOT_WHATSAPP_API_SERVER"):
        url = urlparse(get(name))
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(f"{name}: expected an http(s) URL, got {get(name)!r}")

    webhook_url = get("CLUSTERBOT_TELEGRAM_WEBHOOK_URL")
    secret = get("CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET")
    if webhook_url:
        if urlparse(webhook_url).scheme != "https":
            problems.append("CLUSTERBOT_TELEGRAM_WEBHOOK_URL: Telegram only calls https:// URLs")
        if not secret:
            problems.append(
                "CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET: required in webhook mode"
                " (1-256 characters A-Z a-z 0-9 _ -)"
            )
    if secret and not SECRET_TOKEN.match(secret):
        problems.append(
            "CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET: only 1-256 characters A-Z a-z 0-9 _ - allowed"
        )

    host, port = "127.0.0.1", 8080
    listen = get("CLUSTERBOT_LISTEN")
    match = re.match(r"^(\[[^\]]+\]|[^:]+):(\d{1,5})$", listen)
    if not match or int(match.group(2)) > 65535:
        problems.append(f"CLUSTERBOT_LISTEN: expected host:port, got {listen!r}")
    else:
        host, port = match.group(1).strip("[]"), int(match.group(2))

    whatsapp = {
        n: get(n)
        for n in (
            "CLUSTERBOT_WHATSAPP_TOKEN",
            "CLUSTERBOT_WHATSAPP_PHONE_NUMBER_ID",
            "CLUSTERBOT_WHATSAPP_APP_SECRET",
            "CLUSTERBOT_WHATSAPP_VERIFY_TOKEN",
        )
    }
    if any(whatsapp.values()) and not all(whatsapp.values()):
        missing = ", ".join(n for n, v in whatsapp.items() if not v)
        problems.append(f"{missing}: WhatsApp needs all four WhatsApp settings; missing these")

    admins: set[str] = set()
    for item in filter(None, (a.strip() for a in get("CLUSTERBOT_ADMINS").split(","))):
        channel, _, ident = item.partition(":")
        if channel.lower() not in CHANNELS or not ident:
            problems.append(
                f"CLUSTERBOT_ADMINS: {item!r} is not telegram:<user id> or whatsapp:<id>"
            )
        elif channel.lower() == "telegram" and not ident.lstrip("-").isdigit():
            problems.append(f"CLUSTERBOT_ADMINS: {item!r}: a Telegram user id is a number")
        else:
            admins.add(f"{channel.lower()}:{ident.lstrip('+')}")

    tz = get("CLUSTERBOT_TIMEZONE")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"CLUSTERBOT_TIMEZONE: unknown time zone {tz!r} (e.g. Asia/Kolkata)")

    language = get("CLUSTERBOT_DEFAULT_LANGUAGE")
    if language not in SHIPPED_LANGUAGES:
        problems.append(
            f"CLUSTERBOT_DEFAULT_LANGUAGE: {language!r} is not one of"
            f" {', '.join(SHIPPED_LANGUAGES)}"
        )

    paid_text = get("CLUSTERBOT_TELEGRAM_PAID_BROADCAST").lower()
    paid = SWITCH.get(paid_text, False)
    if paid_text not in SWITCH:
        problems.append(
            f"CLUSTERBOT_TELEGRAM_PAID_BROADCAST: expected on or off, got {paid_text!r}"
        )
    ceiling = TELEGRAM_PAID_RATE if paid else TELEGRAM_FREE_RATE
    rate_text = get("CLUSTERBOT_TELEGRAM_RATE")
    rate = ceiling
    if rate_text:
        try:
            rate = float(rate_text)
        except ValueError:
            rate = math.nan
        if not 0 < rate <= ceiling:
            hint = "" if paid else " (more needs CLUSTERBOT_TELEGRAM_PAID_BROADCAST=on)"
            problems.append(
                f"CLUSTERBOT_TELEGRAM_RATE: expected messages a second between 0 and"
                f" {ceiling:g}{hint}, got {rate_text!r}"
            )

    whatsapp_rate_text = get("CLUSTERBOT_WHATSAPP_RATE") or f"{WHATSAPP_DEFAULT_RATE:g}"
    try:
        whatsapp_rate = float(whatsapp_rate_text)
    except ValueError:
        whatsapp_rate = math.nan
    if not 0 < whatsapp_rate <= WHATSAPP_MAX_RATE:
        problems.append(
            f"CLUSTERBOT_WHATSAPP_RATE: expected messages a second between 0 and"
            f" {WHATSAPP_MAX_RATE:g} (80 unless Meta raised the number's throughput),"
            f" got {whatsapp_rate_text!r}"
        )

    attempts_text = get("CLUSTERBOT_OUTBOX_MAX_ATTEMPTS")
    attempts = int(attempts_text) if attempts_text.isdigit() else 0
    if not 1 <= attempts <= 20:
        problems.append(
            f"CLUSTERBOT_OUTBOX_MAX_ATTEMPTS: expected a whole number from 1 to 20,"
            f" got {attempts_text!r}"
        )

    inbound_text = get("CLUSTERBOT_INBOUND_PER_MINUTE")
    inbound = int(inbound_text) if inbound_text.isdigit() else -1
    if not 0 <= inbound <= INBOUND_MAX_PER_MINUTE:
        problems.append(
            f"CLUSTERBOT_INBOUND_PER_MINUTE: expected a whole number of messages from 0 (no"
            f" limit) to {INBOUND_MAX_PER_MINUTE}, got {inbound_text!r}"
        )

    organisation = " ".join(get("CLUSTERBOT_ORGANISATION").split())
    if not organisation or len(organisation) > MAX_NOTICE_NAME:
        problems.append(
            f"CLUSTERBOT_ORGANISATION: expected a name of 1-{MAX_NOTICE_NAME} characters"
        )
    grievance = " ".join(get("CLUSTERBOT_GRIEVANCE_CONTACT").split())
    if len(grievance) > MAX_NOTICE_NAME:
        problems.append(
            f"CLUSTERBOT_GRIEVANCE_CONTACT: at most {MAX_NOTICE_NAME} characters"
            " (a name with a phone number or e-mail address)"
        )
    retention_text = get("CLUSTERBOT_RETENTION_DAYS")
    retention = int(retention_text) if retention_text.isdigit() else 0
    if not 1 <= retention <= MAX_RETENTION_DAYS:
        problems.append(
            f"CLUSTERBOT_RETENTION_DAYS: expected a whole number of days from 1 to"
            f" {MAX_RETENTION_DAYS}, got {retention_text!r}"
        )

    answer_text = get("CLUSTERBOT_ANSWER_DAYS")
    answer_days = int(answer_text) if answer_text.isdigit() else 0
    if not 1 <= answer_days <= MAX_ANSWER_DAYS:
        problems.append(
            f"CLUSTERBOT_ANSWER_DAYS: expected a whole number of days from 1 to"
            f" {MAX_ANSWER_DAYS}, got {answer_text!r}"
        )

    public_url = get("CLUSTERBOT_PUBLIC_URL").rstrip("/")
    parsed = urlparse(public_url)
    if public_url and (
        parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query
    ):
        problems.append(
            f"CLUSTERBOT_PUBLIC_URL: expected an http(s) URL such as"
            f" https://cluster.example.org, got {public_url!r}"
        )
    username = get("CLUSTERBOT_TELEGRAM_USERNAME").lstrip("@")
    if username and not TELEGRAM_USERNAME.match(username):
        problems.append(
            f"CLUSTERBOT_TELEGRAM_USERNAME: expected a bot username of 5-32 letters, digits"
            f" and _, got {username!r}"
        )
    number_text = get("CLUSTERBOT_WHATSAPP_NUMBER")
    number = re.sub(r"[\s()-]", "", number_text).lstrip("+")
    if number_text and not (number.isdigit() and 8 <= len(number) <= 15):
        problems.append(
            f"CLUSTERBOT_WHATSAPP_NUMBER: expected a phone number with its country code"
            f" (8-15 digits, e.g. +919876543210), got {number_text!r}"
        )

    if problems:
        raise ConfigError(problems)
    return Settings(
        db=db,
        telegram_token=token,
        telegram_api_server=get("CLUSTERBOT_TELEGRAM_API_SERVER").rstrip("/"),
        telegram_webhook_url=webhook_url,
        telegram_webhook_secret=secret,
        listen_host=host,
        listen_port=port,
        whatsapp_token=whatsapp["CLUSTERBOT_WHATSAPP_TOKEN"],
        whatsapp_phone_number_id=whatsapp["CLUSTERBOT_WHATSAPP_PHONE_NUMBER_ID"],
        whatsapp_app_secret=whatsapp["CLUSTERBOT_WHATSAPP_APP_SECRET"],
        whatsapp_verify_token=whatsapp["CLUSTERBOT_WHATSAPP_VERIFY_TOKEN"],
        whatsapp_api_server=get("CLUSTERBOT_WHATSAPP_API_SERVER").rstrip("/"),
        admins=frozenset(admins),
        timezone=tz,
        default_language=language,
        telegram_rate=rate,
        telegram_paid_broadcast=paid,
        outbox_max_attempts=attempts,
        inbound_per_minute=inbound,
        whatsapp_rate=whatsapp_rate,
        media_dir=media,
        organisation=organisation,
        grievance_contact=grievance,
        retention_days=retention,
        answer_days=answer_days,
        public_url=public_url,
        telegram_username=username,
        whatsapp_number=number,
    )
