"""What the event flows share beyond the wizard (handlers/wizard.py): text limits, the
audience count and wording, and sending the invitations.

The audience vocabulary and SQL are the broadcast ones (`AUDIENCES`, `ROLES`,
`broadcasts.audience_where`), so "who gets it" means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import SHIPPED_LANGUAGES, Translator, translator
from bot.jobs import reminders
from bot.messages import Choice
from bot.outbox.queue import Payload, fan_out
from bot.storage import broadcasts
from bot.storage.events import Event
from handlers.broadcasts.draft import describe_audience
from handlers.wizard import cluster_of

__all__ = ["describe_audience"]  # re-exported: the broadcast wording of an audience

MAX_TITLE = 120
MAX_PLACE = 200


def data(ctx: Context) -> dict[str, Any]:
    return ctx.conv.data if ctx.conv else {}


def versions_of(
    draft: dict[str, Any], names: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, dict[str, str]]:
    """The wizard's language versions as event fields (`names`: draft field -> event
    fields; a visit's destination is both its title and its place)."""
    found: dict[str, dict[str, str]] = {}
    for language, texts in (draft.get("versions") or {}).items():
        for name, text in texts.items():
            for event_field in (names or {}).get(name, (name,)):
                found.setdefault(language, {})[event_field] = text
    return found


def audience_count(ctx: Context, audience: dict[str, Any]) -> int:
    here = cluster_of(ctx)
    assert here is not None
    return broadcasts.audience_count(ctx.conn, here.id, audience).recipients


def payloads(
    text_of: Callable[[Translator], str], choices_of: Callable[[Translator], tuple[Choice, ...]]
) -> dict[str, Payload]:
    """One message per shipped language: each person gets theirs."""
    found = {}
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        found[language] = Payload(text_of(_), choices_of(_), columns=3)
    return found


def invite(ctx: Context, event: Event, messages: dict[str, Payload]) -> dict[str, int]:
    """Queue the invitation or announcement for the event's audience, in this turn's
    transaction."""
    where, params = broadcasts.audience_where(event.cluster_id, event.audience)
    default = ctx.settings.default_language
    return fan_out(
        ctx.conn,
        kind="invitation",
        ref=f"event:{event.id}",
        where=where,
        params=params,
        payloads=messages,
        default_language=default if default in messages else "en",
        now=ctx.now,
    )


def still_ahead(ctx: Context, starts_at: str) -> bool:
    """At Send: the start may have passed while the preview waited."""
    if parse_iso(starts_at) > ctx.now:
        return True
    ctx.reply(ctx._("That time has already passed. Please type a time in the future."))
    return False


def announce(ctx: Context, event: Event, messages: dict[str, Payload], done: str) -> None:
    """A new event goes out: its reminders armed, its invitation queued for the audience,
    the action audited, and the CDA told how many (`done`, a msgid with {count})."""
    reminders.arm(ctx.conn, event, ctx.now)
    counts = invite(ctx, event, messages)
    # The versions are audited like the originals: which languages (the texts are the event's).
    languages = {"versions": sorted(event.versions)} if event.versions else {}
    ctx.audit("event.create", subject=f"event:{event.id}", kind=event.kind, **languages, **counts)
    ctx.reply(ctx._(done).format(count=ctx._.number(counts.get("queued", 0))))
