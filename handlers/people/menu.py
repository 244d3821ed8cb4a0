"""/help, /menu, /language, and the answers for unknown or not-yet-built commands.

`main_menu` lives in `handlers.people.main_menu` (onboarding ends there too); it is re-exported
here for the flows that return to the menu."""

from __future__ import annotations

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.messages import InboundKind
from handlers.common import language_choices, picked, use_buttons
from handlers.people import onboarding
from handlers.people.main_menu import main_menu, visible_commands

__all__ = ["main_menu"]

@command("help", N_("What I can do here"), Audience.EVERYONE, aliases=("menu",))
def show_help(ctx: Context) -> None:
    _ = ctx._
    if not ctx.contact.registered and not (ctx.access.cda or ctx.access.observer):
        ctx.reply(
            _("First let us register you. Send /start to begin, or answer the question above.")
        )
        if ctx.conv and ctx.conv.flow == onboarding.FLOW:
            onboarding.resume(ctx)
        return
    lines = [_("Here is what you can do:")]
    staff_header_done = False
    for entry in visible_commands(ctx):
        if entry.audience in (Audience.CDA, Audience.REPORT) and not staff_header_done:
            lines += ["", _("For the cluster team:")]
            staff_header_done = True
        lines.append(f"/{entry.name} — {_(entry.description)}")
    ctx.reply("\n".join(lines))
    if ctx.contact.registered:
        main_menu(ctx)


@command("language", N_("Change language"), Audience.EVERYONE)
def change_language(ctx: Context) -> None:
    if ctx.conv and ctx.conv.flow == onboarding.FLOW:
        # During onboarding the language question is the first step; go back to it.
        ctx.go(onboarding.FLOW, f"{onboarding.FLOW}.language")
        onboarding.ask_language(ctx)
        return
    ctx.go("language", "language.pick", back=ctx.conv.flow if ctx.conv else "")
    onboarding.ask_language(ctx)


@flow("language")
def language_input(ctx: Context) -> None:
    choice = picked(ctx, language_choices())
    if choice is None:
        use_buttons(ctx, language_choices())
        return
    ctx.update_contact(language=choice.id.removeprefix("lang:"))
    ctx.end()
    ctx.reply(ctx._("Done. I will speak English with you."))
    if ctx.contact.registered:
        main_menu(ctx)
    else:
        onboarding.start(ctx)


def not_understood(ctx: Context) -> None:
    ctx.reply(ctx._("Sorry, I did not understand that. Please use the buttons below."))
    main_menu(ctx)


def leave_flow(ctx: Context) -> None:
    """Input a screen flow does not expect: the flow ends, and the person hears why (a
    button of an older message) or what they can do (the menu)."""
    ctx.end()
    if ctx.inbound.kind is InboundKind.CHOICE:
        ctx.reply(ctx._("That button belongs to an earlier question."))
    else:
        not_understood(ctx)


def unknown_command(ctx: Context, name: str) -> None:
    ctx.reply(
        ctx._("There is no command /{command}. Send /help to see what you can do.").format(
            command=name[:32]
        )
    )


def refuse(ctx: Context) -> None:
    ctx.reply(
        ctx._(
            "Sorry, this command is only for the cluster development agent (CDA). "
            "Send /help to see what you can do."
        )
    )


def coming_soon(ctx: Context, name: str) -> None:
    ctx.reply(
        ctx._("/{command} is not ready yet. It is coming in a later version of the bot.").format(
            command=name
        )
    )


def finish_registration_first(ctx: Context) -> None:
    ctx.reply(ctx._("Please finish registering first. Here is the question again:"))
    onboarding.start(ctx)
