"""Shared vocabulary and small helpers for conversations: roles, genders, button picking."""

from __future__ import annotations

from bot.engine import Context
from bot.i18n import SHIPPED_LANGUAGES, native_name
from bot.messages import Choice, InboundKind
from bot.vocabulary import GENDERS, ROLES  # the conversations take them from here too


def role_label(ctx: Context, role: str | None) -> str:
    return ctx._(ROLES[role]) if role in ROLES else "—"


def gender_label(ctx: Context, gender: str | None) -> str:
    return ctx._(GENDERS[gender]) if gender in GENDERS else "—"


def language_choices() -> list[Choice]:
    """Each language in its own script: someone who cannot read English still finds theirs."""
    return [Choice(f"lang:{code}", native_name(code)) for code in SHIPPED_LANGUAGES]


def picked(ctx: Context, choices: list[Choice]) -> Choice | None:
    """The choice this message means: a pressed button, or its label typed out."""
    inbound = ctx.inbound
    if inbound.kind is InboundKind.CHOICE:
        return next((c for c in choices if c.id == inbound.choice), None)
    if inbound.kind is InboundKind.TEXT:
        typed = inbound.text.strip().casefold()
        return next((c for c in choices if c.label.casefold() == typed), None)
    return None


def is_stale_press(ctx: Context, choices: list[Choice]) -> bool:
    """A button from an older message (pressed late, or twice)."""
    return ctx.inbound.kind is InboundKind.CHOICE and picked(ctx, choices) is None


def use_buttons(ctx: Context, choices: list[Choice]) -> None:
    """The reply to anything that is not one of the offered buttons."""
    if is_stale_press(ctx, choices):
        ctx.reply(ctx._("That button belongs to an earlier question."))
    else:
        ctx.reply(ctx._("Please choose one of the buttons."))
