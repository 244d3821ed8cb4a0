"""Shared vocabulary and small helpers for conversations: roles, genders, button picking."""

from __future__ import annotations

from bot.engine import Context
from bot.i18n import NC_, SHIPPED_LANGUAGES, native_name
from bot.messages import Choice, InboundKind
from bot.vocabulary import GENDERS, ROLES  # the conversations take them from here too

# A role on a button or list row: WhatsApp's row title holds 24 characters, a tick ("✓ ")
# takes 2, so these stay within 22. Profiles, previews and reports show the full label.
ROLE_BUTTONS: dict[str, str] = {
    "artisan": NC_("button", "Artisan"),
    "entrepreneur": NC_("button", "MSME entrepreneur"),
    "shg_member": NC_("button", "SHG member"),
    "supplier": NC_("button", "Supplier, related firm"),
    "bds_provider": NC_("button", "Service (BDS) provider"),
    "institute": NC_("button", "Training, research"),
    "association": NC_("button", "Industry association"),
    "large_enterprise": NC_("button", "Large enterprise"),
    "bank": NC_("button", "Bank, finance"),
    "ngo": NC_("button", "NGO"),
    "government": NC_("button", "Government official"),
}
assert ROLE_BUTTONS.keys() == ROLES.keys()

# The role question comes in two steps, a group and then a role in it: WhatsApp's list
# holds 10 rows in all (sections included), and there are 11 roles. Two groups of at most
# 6 also read faster on a basic phone than 11 buttons.
ROLE_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "make": (
        NC_("button", "Make or sell"),
        ("artisan", "shg_member", "entrepreneur", "large_enterprise", "supplier"),
    ),
    "support": (
        NC_("button", "Support the cluster"),
        ("bds_provider", "institute", "association", "bank", "ngo", "government"),
    ),
}
assert sorted(r for _, roles in ROLE_GROUPS.values() for r in roles) == sorted(ROLES)


def role_button(ctx: Context, role: str) -> str:
    return ctx._.pgettext("button", ROLE_BUTTONS[role])


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
