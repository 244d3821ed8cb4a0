"""The /broadcast draft kept in the conversation data, and the checks shared by its steps.

Draft keys: cluster (id), audience (spec, see bot.storage.broadcasts), texts
({language: text}), lang (the default version's language), media ({kind, path, name}),
when (UTC ISO, for a later send), adding (language of the version being typed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_, native_name
from bot.jobs.reminders import local_when
from bot.limits import TELEGRAM_MAX_CAPTION, TELEGRAM_MAX_TEXT
from bot.messages import InboundKind, Media
from bot.storage import clusters, events, networks
from bot.storage.clusters import Cluster
from handlers.common import ROLES

FLOW = "broadcast"
AUDIENCES = {
    "all": N_("Whole cluster"),
    "roles": N_("Choose roles"),
    "female": N_("Women only"),
    "male": N_("Men only"),
}


def data(ctx: Context) -> dict[str, Any]:
    return ctx.conv.data if ctx.conv else {}


def cluster(ctx: Context) -> Cluster | None:
    """The draft's cluster, if this CDA still administers it."""
    found = clusters.by_id(ctx.conn, int(data(ctx).get("cluster", 0)))
    return found if found and ctx.access.may_manage(found.id) else None


def text_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def fits(ctx: Context, text: str, *, caption: bool, language: str = "") -> bool:
    """True if `text` fits in one message (or caption); else says why, with both numbers."""
    limit = TELEGRAM_MAX_CAPTION if caption else TELEGRAM_MAX_TEXT
    length = text_length(text)
    if length <= limit:
        return True
    if caption:
        message = ctx._(
            "With a photo or document the text can have at most {max} characters, and "
            "this one has {length}. Please send a shorter text."
        )
    else:
        message = ctx._(
            "This text has {length} characters, and a message can have at most {max}. "
            "Please send a shorter text."
        )
    prefix = f"{native_name(language)}: " if language else ""
    ctx.reply(prefix + message.format(max=ctx._.number(limit), length=ctx._.number(length)))
    return False


MEMBERS_OF = N_("Members of {network}")  # a network's members (issue 19)
EVENT_PEOPLE = {
    "meeting": N_("{title} ({when}): those who answered Yes or Maybe"),
    "visit": N_("{title} ({when}): those registered and those on the waiting list"),
}


def describe_audience(ctx: Context, audience: dict[str, Any]) -> str:
    if "event" in audience:
        return _describe_event(ctx, int(audience["event"]))
    if audience.get("roles"):
        return ", ".join(ctx._(ROLES[r]) for r in audience["roles"] if r in ROLES)
    if "network" in audience:
        network = networks.by_id(ctx.conn, int(audience["network"]))
        return ctx._(MEMBERS_OF).format(network=network.name if network else "?")
    gender = audience.get("gender")
    if gender in ("female", "male"):
        return ctx._(AUDIENCES[gender])
    return ctx._("Everyone in the cluster")


def _describe_event(ctx: Context, event_id: int) -> str:
    """Which event, and who of its people: the preview must say it (SPEC §5)."""
    event = events.get(ctx.conn, event_id)
    if event is None:
        return ctx._("People of an event")
    here = clusters.by_id(ctx.conn, event.cluster_id)
    zone = ZoneInfo(here.timezone if here else ctx.settings.timezone)
    when = local_when(ctx._, parse_iso(event.starts_at), zone)
    title = event.read(ctx.language).title
    return ctx._(EVENT_PEOPLE[event.kind]).format(title=title, when=when)


def media_of(draft: dict[str, Any]) -> Media | None:
    """The draft's photo or document, read from disk for the preview."""
    media = draft.get("media")
    if not media:
        return None
    try:
        content = Path(media["path"]).read_bytes()
    except OSError:
        return None
    return Media(media["kind"], media["name"], content)


def ask_message(ctx: Context) -> None:
    ctx.reply(
        ctx._(
            "Type the update. You can also send a photo or a document: its caption becomes "
            "the text. Send /cancel to stop."
        )
    )


def media_from_inbound(ctx: Context) -> dict[str, str] | None:
    """The photo or document just sent (the channel saved it to disk), or None + why."""
    ref = ctx.inbound.media_ref
    if not ref or not Path(ref).is_file():
        ctx.reply(ctx._("I could not receive that file. Please send it again."))
        return None
    kind = "photo" if ctx.inbound.kind is InboundKind.PHOTO else "document"
    return {"kind": kind, "path": ref, "name": Path(ref).name}
