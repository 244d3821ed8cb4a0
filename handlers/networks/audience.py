"""A network as an audience (issue 19): the members of one of the cluster's networks now,
stored as {"network": id} (bot.storage.broadcasts.NETWORK_PEOPLE). Used by /broadcast's
audience step and the /newmeeting wizard; a meeting addressed to a network counts toward
that network's participation in the report (bot/reports/indicators.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.engine import Context
from bot.i18n import N_, NC_
from bot.messages import Choice
from bot.storage import networks as nw
from handlers import wizard as wz
from handlers.common import picked, use_buttons
from handlers.networks.names import named
from handlers.wizard.fields import Asking, Stay, Taken

NETWORK_AUDIENCE = NC_("button", "Members of a network")
NO_NETWORK = N_("This cluster has no network yet: create one with /networks first.")
LIMIT = 9  # a WhatsApp list's 10 rows, one left for what the caller adds


def choices(ctx: Context, prefix: str, cluster_id: int) -> list[Choice]:
    found = nw.in_cluster(ctx.conn, cluster_id)
    # Most members first: those are the audiences people address; the rest by name.
    counts = nw.member_counts(ctx.conn, cluster_id)
    found.sort(key=lambda n: (-counts[n.id], n.name.casefold()))
    return [named(f"{prefix}:net:{n.id}", n.name) for n in found[:LIMIT]]


def picked_network(ctx: Context, prefix: str, cluster_id: int) -> int | None:
    """The network pressed (or its name typed), or None after saying what is expected."""
    options = choices(ctx, prefix, cluster_id)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return None
    return int(choice.id.rsplit(":", 1)[1])


@dataclass(frozen=True)
class AudiencePick(wz.Pick):
    """The audience buttons with "Members of a network", refused when there is none."""

    def take(self, ctx: Context, w: Asking, draft: wz.Draft) -> Taken:
        taken = super().take(ctx, w, draft)
        here = wz.cluster_of(ctx)
        if isinstance(taken, dict) and taken.get(self.name) == "network" and (
            here is None or not nw.in_cluster(ctx.conn, here.id)
        ):
            ctx.reply(ctx._(NO_NETWORK), self.choices(ctx, w), columns=self.columns)
            return None
        return taken


@dataclass(frozen=True)
class NetworkField(wz.Field):
    """One of the draft cluster's networks, stored by id."""

    def ask(self, ctx: Context, w: Asking, draft: wz.Draft, *, redraw: bool = False) -> None:
        here = wz.cluster_of(ctx)
        options = choices(ctx, w.prefix, here.id) if here else []
        ctx.reply(ctx._(self.question), options, columns=1)

    def take(self, ctx: Context, w: Asking, draft: wz.Draft) -> Taken:
        here = wz.cluster_of(ctx)
        found = picked_network(ctx, w.prefix, here.id) if here else None
        return None if found is None else {self.name: found}


@dataclass(frozen=True)
class RolesOrNetwork(wz.Roles):
    """Who may register for a visit: the roles multi-select, with "Members of a network"
    beside its buttons when the cluster has a network (9 buttons at most: a WhatsApp list
    holds 10). A network picked is stored under `network` and the roles emptied."""

    network_key: str = "network"
    screen_key: str = "_who"

    def _nets(self, ctx: Context, w: Asking) -> list[Choice]:
        here = wz.cluster_of(ctx)
        return choices(ctx, w.prefix, here.id)[:8] if here else []

    def _switch(self, ctx: Context, w: Asking, to: str) -> Choice:
        if to == "net":
            return Choice(f"{w.prefix}:who:net", ctx._(NETWORK_AUDIENCE))
        return Choice(f"{w.prefix}:who:roles", ctx._("Choose roles"))

    def ask(self, ctx: Context, w: Asking, draft: wz.Draft, *, redraw: bool = False) -> None:
        nets = self._nets(ctx, w)
        if draft.get(self.screen_key) == "net" and nets:
            ctx.reply(ctx._("The members of which network?"),
                      [*nets, self._switch(ctx, w, "roles")], columns=1, replace=redraw)
            return
        super().ask(ctx, w, draft, redraw=redraw)
        if nets:  # the roles screen, with the way to a network after its buttons
            shown = ctx.out[-1]
            ctx.out[-1] = replace(shown, choices=(*shown.choices, self._switch(ctx, w, "net")))

    def take(self, ctx: Context, w: Asking, draft: wz.Draft) -> Taken:
        nets = self._nets(ctx, w)
        if nets and picked(ctx, [self._switch(ctx, w, "net")]) is not None:
            return Stay({self.screen_key: "net"})
        if draft.get(self.screen_key) == "net":
            if picked(ctx, [self._switch(ctx, w, "roles")]) is not None:
                return Stay({self.screen_key: None})
            choice = picked(ctx, nets)
            if choice is None:
                use_buttons(ctx, [*nets, self._switch(ctx, w, "roles")])
                return None
            network_id = int(choice.id.rsplit(":", 1)[1])
            return {self.name: [], self.network_key: network_id, self.screen_key: None,
                    self.ticks_key: None}  # fmt: skip
        taken = super().take(ctx, w, draft)
        if isinstance(taken, dict):
            return {**taken, self.network_key: None}
        return taken

    def filled(self, draft: wz.Draft) -> bool:
        return bool(draft.get(self.name)) or bool(draft.get(self.network_key))
