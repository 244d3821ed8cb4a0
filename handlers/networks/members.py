"""A member's side of networks (issue 19): /mynetworks, the Join / Decline buttons of an
invitation, leaving, and the contact person's updates to their network.

The buttons (`nwi:<network>:y|n`, `nwm:<action>:<network>`) work from any state, like an
event's RSVP buttons (handlers/__init__.py): each press is checked against the person's
membership now, so an old or forwarded button changes nothing it should not.

A contact person sends an update to their network's members only (the seed: as trust
grows the CDA "leaves routine activities to others"): one text, a preview, Send; it goes
out as a broadcast with the audience fixed to the network and into the cluster's /updates
under the network's name.
"""

from __future__ import annotations

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.jobs import broadcasts as broadcasting
from bot.messages import Choice, InboundKind
from bot.storage import broadcasts, clusters
from bot.storage import networks as nw
from handlers.broadcasts.draft import fits
from handlers.common import picked, use_buttons
from handlers.networks import screens, words
from handlers.networks.names import named

UPDATE_FLOW = "nwupd"
UPDATE_HEADING = N_("From {network}:")
STATUS = {
    "invited": N_("invited"),
    "member": N_("member"),
}


def is_press(choice: str) -> bool:
    return choice.startswith(("nwi:", "nwm:"))


def on_press(ctx: Context) -> None:
    """A press of an invitation's or /mynetworks' button, from any state."""
    parts = ctx.inbound.choice.split(":")
    ids = parts[1] if parts[0] == "nwi" else parts[2] if len(parts) == 3 else ""
    if len(parts) != 3 or not ids.isdigit():
        show_mine(ctx)
        return
    if parts[0] == "nwi":
        _answer(ctx, int(parts[1]), parts[2] == "y")
        return
    action, network_id = parts[1], int(parts[2])
    network = nw.by_id(ctx.conn, network_id)
    membership = nw.live_membership(ctx.conn, network_id, ctx.contact.id) if network else None
    if network is None or membership is None:
        show_mine(ctx, ctx._("You are not in that network (any more)."))
        return
    if action == "o":
        _show_one(ctx, network, membership)
    elif action == "y":
        _answer(ctx, network_id, True)
    elif action == "n":
        _answer(ctx, network_id, False)
    elif action == "l":
        ctx.reply(
            ctx._("Leave {network}?").format(network=network.name),
            [Choice(f"nwm:ly:{network_id}", ctx._.pgettext("button", "Yes, leave")),
             Choice(f"nwm:o:{network_id}", ctx._.pgettext("button", "No, stay"))],
            columns=2,
        )
    elif action == "ly":
        try:
            nw.leave(ctx.conn, network_id, ctx.contact.id, actor=ctx.contact.ref,
                     now=ctx.now_iso)
        except nw.NetworkError as error:
            show_mine(ctx, words.refused(ctx._, error, ctx.contact.name or ""))
            return
        show_mine(ctx, ctx._("You have left {network}.").format(network=network.name))
    elif action == "u" and membership.contact_person:
        start_update(ctx, network)
    else:
        show_mine(ctx)


def _answer(ctx: Context, network_id: int, accept: bool) -> None:
    network = nw.by_id(ctx.conn, network_id)
    try:
        if network is None:
            raise nw.NetworkError("no_network")
        nw.answer_invitation(ctx.conn, network_id, ctx.contact.id, accept,
                             actor=ctx.contact.ref, now=ctx.now_iso)
    except nw.NetworkError as error:
        live = nw.live_membership(ctx.conn, network_id, ctx.contact.id) if network else None
        if live is not None and live.status == "member":
            lead = ctx._("You are a member of {network} already.").format(network=network.name
                                                                           if network else "")
        else:
            lead = words.refused(ctx._, error)
        show_mine(ctx, lead)
        return
    if accept:
        lead = ctx._("Welcome! You are now a member of {network}.")
    else:
        lead = ctx._("You declined to join {network}.")
    show_mine(ctx, lead.format(network=network.name))


@command("mynetworks", N_("My networks (groups I belong to)"), Audience.MEMBER, in_menu=False)
def mynetworks(ctx: Context) -> None:
    show_mine(ctx)


def show_mine(ctx: Context, lead: str = "") -> None:
    _ = ctx._
    mine = nw.of_contact(ctx.conn, ctx.contact.id)
    lines = [lead, ""] if lead else []
    if not mine:
        lines.append(_("You are not in any network yet. Your CDA can invite you."))
        ctx.reply("\n".join(lines))
        return
    lines.append(_("Your networks:"))
    for network, membership in mine:
        state = _(STATUS[membership.status])
        if membership.contact_person:
            state = _("contact person")
        lines.append(f"• {network.name} ({words.kind_label(_, network.kind)}): {state}")
    lines.append(_("Press a network to answer an invitation, leave, or send an update."))
    choices = [named(f"nwm:o:{n.id}", n.name) for n, _m in mine[:10]]
    ctx.reply(screens.fit_message("\n".join(lines)), choices, columns=1)


def _show_one(ctx: Context, network: nw.Network, membership: nw.Membership) -> None:
    _ = ctx._
    here = clusters.by_id(ctx.conn, network.cluster_id)
    if membership.status == "invited":
        ctx.reply(
            screens.invitation_text(_, network, here.name if here else ""),
            [Choice(f"nwm:y:{network.id}", _.pgettext("button", "Join")),
             Choice(f"nwm:n:{network.id}", _.pgettext("button", "Decline"))],
            columns=2,
        )
        return
    count = len(nw.members(ctx.conn, network.id))
    text = _.ngettext("{network}: {count} member.", "{network}: {count} members.",
                      count).format(network=network.name, count=_.number(count))
    choices = [Choice(f"nwm:l:{network.id}", _.pgettext("button", "Leave"))]
    if membership.contact_person:
        text += "\n" + _("You are its contact person: you can send its members an update.")
        choices.insert(0, Choice(f"nwm:u:{network.id}", _.pgettext("button", "Send an update")))
    ctx.reply(text, choices, columns=2)


# --- the contact person's update -------------------------------------------------------


def leads(ctx: Context) -> bool:
    """Whether the person is a network's contact person (a registered one)."""
    return ctx.contact.registered and bool(nw.led_by(ctx.conn, ctx.contact.id))


def broadcast_to_mine(ctx: Context) -> None:
    """/broadcast for a contact person: straight to the update of their network, or the
    choice of network when they are the contact person of several."""
    ctx.end()
    led = nw.led_by(ctx.conn, ctx.contact.id)
    if len(led) == 1:
        start_update(ctx, led[0])
        return
    ctx.reply(
        ctx._("Which network is the update for?"),
        [named(f"nwm:u:{n.id}", n.name) for n in led[:10]],
        columns=1,
    )


def start_update(ctx: Context, network: nw.Network) -> None:
    ctx.go(UPDATE_FLOW, f"{UPDATE_FLOW}.text", network=network.id, text="")
    ctx.reply(
        ctx._("Type the update for the members of {network}. Send /cancel to stop.").format(
            network=network.name
        )
    )


def _led(ctx: Context) -> nw.Network | None:
    """The flow's network, if the person is still its contact person."""
    data = ctx.conv.data if ctx.conv else {}
    network = nw.by_id(ctx.conn, int(data.get("network") or 0))
    if network is None or network.id not in {n.id for n in nw.led_by(ctx.conn, ctx.contact.id)}:
        return None
    return network


def _send_choices(ctx: Context) -> list[Choice]:
    return [
        Choice("nwu:send", ctx._.pgettext("button", "Send")),
        Choice("nwu:no", ctx._.pgettext("button", "Cancel")),
    ]


@flow(UPDATE_FLOW)
def on_update_input(ctx: Context) -> None:
    network = _led(ctx)
    if network is None:
        ctx.end()
        ctx.reply(ctx._("You are no longer the contact person of that network."))
        return
    step = ctx.conv.step.removeprefix(f"{UPDATE_FLOW}.") if ctx.conv else ""
    audience = {"network": network.id}
    if step == "text":
        text = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
        if not text or text.startswith("/"):
            ctx.reply(ctx._("Please type the update as text."))
            return
        body = ctx._(UPDATE_HEADING).format(network=network.name) + "\n" + text
        if not fits(ctx, body, caption=False):
            return
        ctx.go(UPDATE_FLOW, f"{UPDATE_FLOW}.confirm", text=body)
        count = broadcasts.audience_count(ctx.conn, network.cluster_id, audience).recipients
        ctx.reply(
            body + "\n\n" + ctx._.ngettext(
                "Send this to {count} member of {network}?",
                "Send this to {count} members of {network}?", count,
            ).format(count=ctx._.number(count), network=network.name),
            _send_choices(ctx), columns=2,
        )
        return
    choice = picked(ctx, _send_choices(ctx))
    if choice is None:
        use_buttons(ctx, _send_choices(ctx))
        return
    text = str(ctx.conv.data.get("text") or "") if ctx.conv else ""
    ctx.end()
    if choice.id == "nwu:no" or not text:
        ctx.reply(ctx._("Cancelled. Nothing was sent."))
        return
    b = broadcasts.create(
        ctx.conn, cluster_id=network.cluster_id, author=ctx.contact.ref, audience=audience,
        texts={ctx.language: text}, default_language=ctx.language, media_kind=None,
        media_path=None, media_name=None, scheduled_at=None, status="draft", now=ctx.now_iso,
    )
    counts = broadcasting.release(ctx.conn, b, ctx.now)
    ctx.audit("broadcast.send", subject=f"broadcast:{b.id}", network=network.id, **counts)
    ctx.reply(ctx._("Done. Recipients: {count}. It is also in the cluster's /updates.").format(
        count=ctx._.number(counts.get("queued", 0))))
