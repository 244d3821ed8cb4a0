"""/networks: a CDA's networks of a cluster (issue 19).

    cluster* -> the list (members per network) -> a network -> Add members | Invite
             |                                              | Contact person | Back
             -> New network (handlers/networks/new.py)
             -> Record a linkage (handlers/networks/linkage.py)
                                                      (* only with several clusters)

Adding, inviting and naming the contact person pick people of the cluster from paged
buttons (8 a page, so a WhatsApp list keeps its 10 rows with More and Done); typing part of
a name narrows the list. Every press is one change, checked and audited by
bot.storage.networks in the turn's transaction; the CDA must still manage the cluster and
the network must be of it at every turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, Translator, translator
from bot.messages import Choice, InboundKind
from bot.outbox.queue import Payload, enqueue
from bot.storage import activities, contacts
from bot.storage import networks as nw
from bot.storage.clusters import Cluster
from bot.storage.contacts import Contact
from handlers import wizard as wz
from handlers.common import picked, use_buttons
from handlers.networks import words
from handlers.networks.names import ROW, named

FLOW = "networks"
P = "nw"
PAGE = 8  # people or activities on one screen, with More and Done
LIST_PAGE = 6  # networks on the list, with More, New network, Record a linkage, Linkages

INVITATION = N_(
    "You are invited to join the network “{network}” ({kind}) of {cluster}. Will you join? "
    "You can answer later with /mynetworks."
)
MODES = {
    "add": N_("Whom do you want to add to {network}? Press a name, or type part of a name."),
    "inv": N_("Whom do you want to invite to {network}? Press a name, or type part of a name."),
    "cp": N_("Which member should be the contact person of {network}?"),
}


# The flows this screen opens ("new", "link", "links"): they register here (handlers/
# networks/new.py, linkage.py, standing.py), as they come back to these screens when done.
WIZARDS: dict[str, Callable[[Context, int], None]] = {}


def data(ctx: Context) -> dict[str, Any]:
    return ctx.conv.data if ctx.conv and ctx.conv.flow == FLOW else {}


# --- start and the list ----------------------------------------------------------------


@command("networks", N_("Networks and linkages of the cluster"), Audience.CDA)
def start(ctx: Context) -> None:
    wz.start_in_a_cluster(ctx, P, FLOW, ctx._("Which cluster's networks?"), show_list)


def show_list(ctx: Context, cluster_id: int, page: int = 0, lead: str = "") -> None:
    ctx.go(FLOW, f"{FLOW}.list", cluster=cluster_id, page=page, network=None)
    here = wz.cluster_of(ctx)
    assert here is not None  # start_in_a_cluster offers managed clusters only
    _ = ctx._
    found = nw.in_cluster(ctx.conn, cluster_id)
    counts = nw.member_counts(ctx.conn, cluster_id)
    lines = [lead] if lead else []
    lines.append(_("Networks of {cluster}:").format(cluster=here.name))
    if not found:
        lines.append(_("None yet. Press “New network” to add the first one."))
    for i, network in enumerate(found, start=1):
        lines.append(
            _.ngettext("{n}. {name} ({kind}, {origin}): {count} member",
                       "{n}. {name} ({kind}, {origin}): {count} members",
                       counts[network.id]).format(
                n=_.number(i), name=network.name, kind=words.kind_label(_, network.kind),
                origin=words.origin_label(_, network.origin), count=_.number(counts[network.id]),
            )
        )
    shown = found[page * LIST_PAGE : (page + 1) * LIST_PAGE]
    choices = [named(f"{P}:o:{n.id}", n.name) for n in shown]
    if len(found) > (page + 1) * LIST_PAGE:
        choices.append(Choice(f"{P}:pg:{page + 1}", _.pgettext("button", "More")))
    choices.append(Choice(f"{P}:new", _.pgettext("button", "New network")))
    choices.append(Choice(f"{P}:link", _.pgettext("button", "Record a linkage")))
    if nw.first_linkage_date(ctx.conn, cluster_id) is not None:
        choices.append(Choice(f"{P}:links", _.pgettext("button", "Linkages")))
    ctx.reply(fit_message("\n".join(lines)), choices, columns=2)


def fit_message(text: str) -> str:
    """A long list cut to one Telegram message (the buttons still page through all)."""
    limit = 4000
    return text if len(text) <= limit else text[:limit].rsplit("\n", 1)[0] + "\n…"


def take_list(ctx: Context, here: Cluster) -> None:
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    if choice in (f"{P}:new", f"{P}:link", f"{P}:links"):
        WIZARDS[choice.removeprefix(f"{P}:")](ctx, here.id)
        return
    if choice.startswith(f"{P}:pg:"):
        show_list(ctx, here.id, int(choice.rsplit(":", 1)[1]))
        return
    if choice.startswith(f"{P}:o:"):
        network = _network_of(ctx, here, choice.rsplit(":", 1)[1])
        if network is not None:
            show_network(ctx, network)
        return
    use_buttons(ctx, [])


def _network_of(ctx: Context, here: Cluster, ref: object) -> nw.Network | None:
    network = nw.by_id(ctx.conn, int(str(ref))) if str(ref).isdigit() else None
    if network is None or network.cluster_id != here.id:
        ctx.reply(words.refused(ctx._, nw.NetworkError("no_network")))
        show_list(ctx, here.id)
        return None
    return network


# --- one network -----------------------------------------------------------------------


def network_text(_: Translator, conn: Any, network: nw.Network) -> str:
    members = nw.members(conn, network.id)
    invited = nw.invited(conn, network.id)
    lead = nw.contact_person(conn, network.id)
    lines = [
        f"{network.name}",
        _("Kind: {kind}").format(kind=words.kind_label(_, network.kind)),
        _("Origin: {origin}").format(origin=words.origin_label(_, network.origin)),
    ]
    if network.founded_on:
        from datetime import date

        lines.append(_("Since: {date}").format(date=_.date(date.fromisoformat(network.founded_on))))
    names = [_name(conn, c) for c in members]
    lines.append(_("Members: {count}").format(count=_.number(len(members))))
    if names:
        lines.append(", ".join(names))
    if invited:
        lines.append(_("Invited, no answer yet: {count}").format(count=_.number(len(invited))))
    if lead is not None:
        lines.append(_("Contact person: {name}").format(name=_name(conn, lead)))
    return fit_message("\n".join(lines))


def _name(conn: Any, contact_id: int) -> str:
    person = contacts.by_id(conn, contact_id)
    return (person.name if person and person.name else "—")


def network_choices(_: Translator) -> list[Choice]:
    return [
        Choice(f"{P}:m:add", _.pgettext("button", "Add members")),
        Choice(f"{P}:m:inv", _.pgettext("button", "Invite people")),
        Choice(f"{P}:m:cp", _.pgettext("button", "Contact person")),
        Choice(f"{P}:m:act", _.pgettext("button", "Its activities")),
        Choice(f"{P}:back", _.pgettext("button", "All networks")),
    ]


def show_network(ctx: Context, network: nw.Network, lead: str = "") -> None:
    ctx.go(FLOW, f"{FLOW}.net", network=network.id, mode=None, query="", page=0)
    text = network_text(ctx._, ctx.conn, network)
    ctx.reply(f"{lead}\n\n{text}" if lead else text, network_choices(ctx._), columns=2)


def take_network(ctx: Context, here: Cluster, network: nw.Network) -> None:
    choice = picked(ctx, network_choices(ctx._))
    if choice is None:
        use_buttons(ctx, network_choices(ctx._))
        return
    if choice.id == f"{P}:back":
        show_list(ctx, here.id)
        return
    mode = choice.id.rsplit(":", 1)[1]
    if mode == "act":
        ctx.go(FLOW, f"{FLOW}.act", page=0)
        show_activities(ctx, here, network)
        return
    ctx.go(FLOW, f"{FLOW}.pick", mode=mode, query="", page=0)
    show_people(ctx, here, network)


# --- the network's activities ----------------------------------------------------------


def _plan(ctx: Context, here: Cluster) -> list[activities.Activity]:
    found = activities.in_cluster(ctx.conn, here.id)
    return [a.read(ctx.language) for a in found if a.status != "dropped"]


def show_activities(ctx: Context, here: Cluster, network: nw.Network, lead: str = "") -> None:
    """The action plan's activities (not dropped), those of this network ticked: a press
    ties or unties one, so the report counts its beneficiaries' share for the network."""
    _ = ctx._
    plan = _plan(ctx, here)
    mine = set(nw.activities_of(ctx.conn, network.id))
    pages = max(1, -(-len(plan) // PAGE))
    page = min(int(data(ctx).get("page") or 0), pages - 1)
    ctx.go(FLOW, f"{FLOW}.act", page=page)
    committed = sum(a.beneficiaries_paise for a in plan if a.id in mine)
    lines = [lead] if lead else []
    lines.append(_("Activities of {network}: press one to tie it to the network or untie it. "
                   "Beneficiaries' share of their budget: {amount}").format(
                       network=network.name, amount=_.money(committed / 100)))
    if not plan:
        lines.append(_("The action plan has no activity yet: add them with /activity."))
    choices = [named(f"{P}:a:{a.id}", a.title, ROW - 2) for a in plan[page * PAGE :][:PAGE]]
    if page + 1 < pages:
        choices.append(Choice(f"{P}:pg:{page + 1}", _.pgettext("button", "More")))
    choices.append(Choice(f"{P}:done", _.pgettext("action", "Done")))
    ctx.reply("\n".join(lines), choices, columns=1,
              selected=frozenset(f"{P}:a:{i}" for i in mine))


def take_activity(ctx: Context, here: Cluster, network: nw.Network) -> None:
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    if choice == f"{P}:done":
        show_network(ctx, network)
        return
    if choice.startswith(f"{P}:pg:"):
        ctx.go(FLOW, f"{FLOW}.act", page=int(choice.rsplit(":", 1)[1]))
        show_activities(ctx, here, network)
        return
    ids = {a.id for a in _plan(ctx, here)}
    picked_id = choice.removeprefix(f"{P}:a:") if choice.startswith(f"{P}:a:") else ""
    if not picked_id.isdigit() or int(picked_id) not in ids:
        use_buttons(ctx, [])
        return
    tied = int(picked_id) in nw.activities_of(ctx.conn, network.id)
    nw.tie_activity(ctx.conn, int(picked_id), None if tied else network.id,
                    actor=ctx.contact.ref, now=ctx.now_iso)
    show_activities(ctx, here, network)


# --- picking people --------------------------------------------------------------------


def candidates(ctx: Context, here: Cluster, network: nw.Network, mode: str) -> list[Contact]:
    """Whom the mode may pick: people not yet in (add, invite) or members (contact person),
    narrowed by the typed query; by name."""
    query = str(data(ctx).get("query") or "").casefold()
    people = contacts.registered_in(ctx.conn, here.id)
    if mode == "cp":
        keep = set(nw.members(ctx.conn, network.id))
        people = [p for p in people if p.id in keep]
    else:
        live = set(nw.members(ctx.conn, network.id)) | set(nw.invited(ctx.conn, network.id))
        people = [p for p in people if p.id not in live]
    if query:
        people = [p for p in people if query in (p.name or "").casefold()]
    return sorted(people, key=lambda p: ((p.name or "").casefold(), p.id))


def show_people(ctx: Context, here: Cluster, network: nw.Network, lead: str = "") -> None:
    _ = ctx._
    d = data(ctx)
    mode, page, query = str(d.get("mode")), int(d.get("page") or 0), str(d.get("query") or "")
    people = candidates(ctx, here, network, mode)
    pages = max(1, -(-len(people) // PAGE))
    page = min(page, pages - 1)
    ctx.go(FLOW, f"{FLOW}.pick", page=page)
    lines = [lead] if lead else []
    lines.append(_(MODES[mode]).format(network=network.name))
    if query and not people:
        lines.append(_("Nobody's name contains “{text}”.").format(text=query))
    elif not people:
        lines.append(_("Nobody left to pick."))
    elif query:
        lines.append(_("Names with “{text}”:").format(text=query))
    choices = [named(f"{P}:p:{p.id}", p.name or "—") for p in people[page * PAGE :][:PAGE]]
    if page + 1 < pages:
        choices.append(Choice(f"{P}:pg:{page + 1}", _.pgettext("button", "More")))
    choices.append(Choice(f"{P}:done", _.pgettext("action", "Done")))
    ctx.reply("\n".join(lines), choices, columns=2)


def take_person(ctx: Context, here: Cluster, network: nw.Network) -> None:
    inbound = ctx.inbound
    choice = inbound.choice if inbound.kind is InboundKind.CHOICE else ""
    if choice == f"{P}:done" or (
        inbound.kind is InboundKind.TEXT
        and inbound.text.strip().casefold() == ctx._.pgettext("action", "Done").casefold()
    ):
        show_network(ctx, network)
        return
    if choice.startswith(f"{P}:pg:"):
        ctx.go(FLOW, f"{FLOW}.pick", page=int(choice.rsplit(":", 1)[1]))
        show_people(ctx, here, network)
        return
    if inbound.kind is InboundKind.TEXT and inbound.text.strip():
        ctx.go(FLOW, f"{FLOW}.pick", query=inbound.text.strip()[:40], page=0)
        show_people(ctx, here, network)
        return
    if not choice.startswith(f"{P}:p:"):
        use_buttons(ctx, [])
        return
    contact_id = int(choice.rsplit(":", 1)[1])
    person = contacts.by_id(ctx.conn, contact_id)
    name = person.name if person and person.name else "—"
    mode = str(data(ctx).get("mode"))
    actor, now = ctx.contact.ref, ctx.now_iso
    try:
        if mode == "add":
            nw.add_member(ctx.conn, network.id, contact_id, actor=actor, now=now)
            done = ctx._("{name} is now a member of {network}.")
        elif mode == "inv":
            membership = nw.invite(ctx.conn, network.id, contact_id, actor=actor, now=now)
            assert person is not None  # invite checked they are registered
            send_invitation(ctx, here, network, person, membership)
            done = ctx._("{name} is invited; they answer with the buttons I sent them.")
            if person.opted_out:  # the outbox holds news back from those who sent /stop
                done = ctx._("{name} is invited, but has stopped updates (/stop), so gets no "
                             "message: ask them to answer with /mynetworks.")
        else:
            nw.set_contact_person(ctx.conn, network.id, contact_id, actor=actor, now=now)
            ctx.go(FLOW, f"{FLOW}.net")
            show_network(ctx, network, ctx._("{name} is now the contact person of {network}. "
                                             "They can send updates to its members.")
                         .format(name=name, network=network.name))
            return
    except nw.NetworkError as error:
        show_people(ctx, here, network, words.refused(ctx._, error, name))
        return
    show_people(ctx, here, network, done.format(name=name, network=network.name))


def invitation_choices(_: Translator, network_id: int) -> tuple[Choice, ...]:
    return (
        Choice(f"nwi:{network_id}:y", _.pgettext("button", "Join")),
        Choice(f"nwi:{network_id}:n", _.pgettext("button", "Decline")),
    )


def invitation_text(_: Translator, network: nw.Network, cluster_name: str) -> str:
    return _(INVITATION).format(
        network=network.name, kind=words.kind_label(_, network.kind), cluster=cluster_name
    )


def send_invitation(
    ctx: Context, here: Cluster, network: nw.Network, person: Contact, membership: nw.Membership
) -> None:
    """The invitation through the outbox, in the invitee's language, with Join / Decline."""
    if not person.chat_id:
        return
    _ = translator(person.language or ctx.settings.default_language)
    enqueue(
        ctx.conn,
        channel=person.channel,
        contact_id=person.id,
        chat_id=person.chat_id,
        # its own kind: outside WhatsApp's window its template's button opens /mynetworks
        kind="network_invitation",
        # one per invitation: a person invited again after declining gets the new one
        ref=f"network:{membership.id}",
        payload=Payload(invitation_text(_, network, here.name),
                        invitation_choices(_, network.id), columns=2),
        now=ctx.now,
    )


# --- the flow --------------------------------------------------------------------------


@flow(FLOW)
def on_input(ctx: Context) -> None:
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step == "cluster":
        wz.take_cluster(ctx, P, show_list)
        return
    here = wz.cluster_of(ctx)
    if here is None:
        ctx.end()
        ctx.reply(ctx._("You no longer manage that cluster. Send /{command} to start again.")
                  .format(command="networks"))
        return
    if step == "list":
        take_list(ctx, here)
        return
    network = _network_of(ctx, here, data(ctx).get("network"))
    if network is None:
        return
    if step == "net":
        take_network(ctx, here, network)
    elif step == "act":
        take_activity(ctx, here, network)
    else:
        take_person(ctx, here, network)

