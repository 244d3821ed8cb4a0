"""The conversations, and the one ordered route table the engine calls.

Order matters (first match wins):
1. a command, typed (`/help`) or pressed in a menu (`cmd:help`) — commands work anywhere,
   except those a flow takes for itself (a survey's /back, /skip, /cancel);
1b. a press on an invitation's RSVP / Register button (`rsvp:`, `reg:`), from any state;
2. input for the flow the person is in (onboarding, profile edit, /forget confirmation...);
3. someone not registered yet: any message starts onboarding;
4. anything else: "I did not understand" and the main menu.
"""

from __future__ import annotations

from bot.commands import (
    CDA_PLANNED,
    STAKEHOLDER_PLANNED,
    Audience,
    announce,
    command,
    find,
    find_flow,
)
from bot.engine import Context
from bot.i18n import N_
from bot.messages import InboundKind

# Importing a conversation registers its commands and flows (bot/commands.py).
from handlers import clustermap, logframe, report, web_links  # noqa: F401
from handlers.activities import plan  # noqa: F401
from handlers.broadcasts import compose, deliveries, updates  # noqa: F401
from handlers.events import attendance, edit, listing, meeting, visit  # noqa: F401
from handlers.events import press as event_press
from handlers.inbox import ask, desk
from handlers.networks import members as network_members
from handlers.people import menu, onboarding, privacy, profile  # noqa: F401
from handlers.surveys import respond, results, rounds  # noqa: F401


@command("start", N_("Register, or open the main menu"), Audience.EVERYONE, takes_code=True)
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


def route(ctx: Context) -> None:
    inbound = ctx.inbound
    name = inbound.command or (
        inbound.choice.removeprefix("cmd:") if inbound.choice.startswith("cmd:") else ""
    )
    flow = find_flow(ctx.conv.flow) if ctx.conv else None
    if inbound.choice and event_press.is_event_press(inbound.choice):
        # RSVP / Register under an invitation: answered from any state, flow untouched.
        event_press.on_press(ctx)
        respond.back_to_survey(ctx, "")
    elif inbound.choice and network_members.is_press(inbound.choice):
        # A network invitation's Join / Decline and /mynetworks' buttons (issue 19), from
        # any state; each press is checked against the person's membership there.
        network_members.on_press(ctx)
    elif inbound.choice and desk.is_press(inbound.choice):
        # A CDA's inbox buttons work from any state, like the RSVP buttons; each press is
        # checked against the CDA's clusters there.
        desk.on_input(ctx)
    elif name:
        if flow and name in flow.own_commands:
            flow.on_input(ctx)
        else:
            run_command(ctx, name)
            respond.back_to_survey(ctx, name)
    elif flow:
        flow.on_input(ctx)
    elif not ctx.contact.registered:
        onboarding.start(ctx)
    elif inbound.channel == "whatsapp" and inbound.kind is InboundKind.TEXT:
        # WhatsApp has no always-visible buttons: words typed outside any flow are most
        # likely meant for someone (issue 15), so they are offered to the CDA.
        ask.offer(ctx)
    else:
        menu.not_understood(ctx)


def run_command(ctx: Context, name: str) -> None:
    entry = find(name)
    staff = ctx.access.cda or ctx.access.observer
    if entry is None:
        menu.unknown_command(ctx, name)
    elif name == "broadcast" and not ctx.access.cda and network_members.leads(ctx):
        # A network's contact person: /broadcast writes to their network only (issue 19).
        network_members.broadcast_to_mine(ctx)
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
