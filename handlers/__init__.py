"""The conversations, and the one ordered route table the engine calls.

Order matters (first match wins):
1. a command, typed (`/help`) or pressed in a menu (`cmd:help`) — commands work anywhere,
   except those a flow takes for itself (a survey's /back, /skip, /cancel);
2. input for the flow the person is in (onboarding, profile edit, /forget confirmation...);
3. someone not registered yet: any message starts onboarding;
4. anything else: "I did not understand" and the main menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.engine import Context
from bot.i18n import N_
from handlers import menu, onboarding, privacy, profile
from handlers.registry import (
    CDA_PLANNED,
    STAKEHOLDER_PLANNED,
    Audience,
    announce,
    command,
    find,
)


@command("start", N_("Register, or open the main menu"), Audience.EVERYONE)
def start_or_menu(ctx: Context) -> None:
    if ctx.contact.registered:
        ctx.end()
        menu.main_menu(ctx)
    else:
        onboarding.start(ctx)


@command("cancel", N_("Stop what you are doing"), Audience.EVERYONE, in_menu=False)
def cancel(ctx: Context) -> None:
    if ctx.conv is None or ctx.conv.flow == onboarding.FLOW:
        ctx.reply(ctx._("There is nothing to cancel."))
        if ctx.conv:
            onboarding.resume(ctx)
        return
    ctx.end()
    ctx.reply(ctx._("Cancelled."), remove_keyboard=True)
    if ctx.contact.registered:
        menu.main_menu(ctx)


@command("back", N_("Previous question of a survey"), Audience.MEMBER, in_menu=False)
@command("skip", N_("Skip a question of a survey"), Audience.MEMBER, in_menu=False)
def outside_survey(ctx: Context) -> None:
    ctx.reply(ctx._("That only works while you are answering a survey. Send /survey to start one."))


for _name, _description, _audience in (*STAKEHOLDER_PLANNED, *CDA_PLANNED):
    announce(_name, _description, _audience)


@dataclass(frozen=True)
class Flow:
    on_input: Callable[[Context], None]
    own_commands: frozenset[str] = frozenset()  # commands the flow handles itself


FLOWS: dict[str, Flow] = {
    onboarding.FLOW: Flow(onboarding.on_input),
    profile.FLOW: Flow(profile.on_input),
    privacy.FLOW: Flow(privacy.on_input),
    "language": Flow(menu.language_input),
}


def route(ctx: Context) -> None:
    inbound = ctx.inbound
    name = inbound.command or (
        inbound.choice.removeprefix("cmd:") if inbound.choice.startswith("cmd:") else ""
    )
    flow = FLOWS.get(ctx.conv.flow) if ctx.conv else None
    if name:
        if flow and name in flow.own_commands:
            flow.on_input(ctx)
        else:
            run_command(ctx, name)
    elif flow:
        flow.on_input(ctx)
    elif not ctx.contact.registered:
        onboarding.start(ctx)
    else:
        menu.not_understood(ctx)


def run_command(ctx: Context, name: str) -> None:
    entry = find(name)
    staff = ctx.access.cda or ctx.access.observer
    if entry is None:
        menu.unknown_command(ctx, name)
    elif (entry.audience is Audience.CDA and not ctx.access.cda) or (
        entry.audience is Audience.REPORT and not staff
    ):
        menu.refuse(ctx)
    elif entry.audience is Audience.MEMBER and not (ctx.contact.registered or staff):
        menu.finish_registration_first(ctx)
    elif entry.handler is None:
        menu.coming_soon(ctx, entry.name)
    else:
        entry.handler(ctx)
