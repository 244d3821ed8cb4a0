"""The main menu: the buttons a registered person starts from, built from the command
registry. Its own module because both onboarding (which ends in it) and /help show it."""

from __future__ import annotations

from bot.commands import OBSERVER_COMMANDS, Audience, Command, commands, menu_label
from bot.engine import Context
from bot.messages import Choice

MENU_COMMANDS = ("survey", "events", "updates", "ask", "mine", "profile", "language", "help")


def visible_commands(ctx: Context) -> list[Command]:
    """The commands this person may use, in table order."""
    allowed = {Audience.EVERYONE, Audience.MEMBER}
    if ctx.access.cda:
        allowed |= {Audience.CDA, Audience.REPORT}
    elif ctx.access.observer:
        allowed.add(Audience.REPORT)
        if not ctx.contact.registered:
            return [c for c in commands() if c.in_menu and c.name in OBSERVER_COMMANDS]
    return [c for c in commands() if c.in_menu and c.audience in allowed]


def main_menu(ctx: Context) -> None:
    """The buttons a registered person starts from."""
    by_name = {c.name: c for c in visible_commands(ctx)}
    choices = [
        Choice(f"cmd:{name}", menu_label(by_name[name], ctx._))
        for name in MENU_COMMANDS
        if name in by_name
    ]
    ctx.reply(ctx._("What would you like to do?"), choices, columns=2)
