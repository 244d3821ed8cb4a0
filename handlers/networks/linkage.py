"""/networks → Record a linkage: a wizard (handlers/wizard/):

    from (a role or a network) -> to (a role or a network) -> kind -> since (optional:
    today) -> preview: Record | Change a field | Cancel

An actor is picked on one of three screens of at most 8 buttons (a WhatsApp list holds
10 rows): the roles that make or sell, the roles that support the cluster, the cluster's
networks; the last two buttons switch screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.commands import flow
from bot.engine import Context
from bot.i18n import N_, NC_
from bot.messages import Choice, InboundKind
from bot.storage import networks as nw
from handlers import wizard as wz
from handlers.common import ROLE_GROUPS, ROLES, role_button, use_buttons
from handlers.networks import screens, words
from handlers.networks.names import named
from handlers.wizard.fields import Asking, Stay, Taken

FLOW = "nwlink"
P = "nl"
SCREENS = ("make", "support", "net")
SCREEN_BUTTONS = {
    "make": ROLE_GROUPS["make"][0],
    "support": ROLE_GROUPS["support"][0],
    "net": NC_("button", "A network"),
}
NET_PAGE = 7


def _networks(ctx: Context) -> list[nw.Network]:
    here = wz.cluster_of(ctx)
    return nw.in_cluster(ctx.conn, here.id) if here else []


def actor_text(ctx: Context, value: str) -> str:
    kind, ref = value.split(":", 1)
    names = {str(n.id): n.name for n in _networks(ctx)} if kind == "network" else {}
    return words.actor_name(ctx._, kind, ref, names)


@dataclass(frozen=True)
class Actor(wz.Field):
    """A role or a network of the cluster, stored as "role:<key>" or "network:<id>"."""

    def _screen(self, draft: wz.Draft) -> str:
        return str(draft.get(f"_{self.name}_scr") or "make")

    def choices(self, ctx: Context, w: Asking, screen: str) -> list[Choice]:
        if screen == "net":
            found = [
                named(f"{w.prefix}:{self.name[0]}:n:{n.id}", n.name)
                for n in _networks(ctx)[:NET_PAGE]
            ]
        else:
            found = [
                Choice(f"{w.prefix}:{self.name[0]}:r:{key}", role_button(ctx, key))
                for key in ROLE_GROUPS[screen][1]
            ]
        others = [s for s in SCREENS if s != screen]
        found += [
            Choice(f"{w.prefix}:{self.name[0]}:s:{s}", ctx._(SCREEN_BUTTONS[s])) for s in others
        ]
        return found

    def ask(self, ctx: Context, w: Asking, draft: wz.Draft, *, redraw: bool = False) -> None:
        screen = self._screen(draft)
        question = ctx._(self.question)
        if screen == "net" and not _networks(ctx):
            question += "\n" + ctx._("The cluster has no network yet.")
        ctx.reply(question, self.choices(ctx, w, screen), columns=2, replace=redraw)

    def take(self, ctx: Context, w: Asking, draft: wz.Draft) -> Taken:
        pressed = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
        if ctx.inbound.kind is InboundKind.TEXT:  # a label typed out (WhatsApp)
            typed = ctx.inbound.text.strip().casefold()
            every = [c for s in SCREENS for c in self.choices(ctx, w, s)]
            pressed = next((c.id for c in every if c.label.casefold() == typed), "")
        head = f"{w.prefix}:{self.name[0]}:"
        rest = pressed.removeprefix(head) if pressed.startswith(head) else ""
        kind, _, ref = rest.partition(":")
        if kind == "s" and ref in SCREENS:
            return Stay({f"_{self.name}_scr": ref})
        if kind == "r" and ref in ROLES:
            return {self.name: f"role:{ref}", f"_{self.name}_scr": None}
        if kind == "n" and ref in {str(n.id) for n in _networks(ctx)}:
            return {self.name: f"network:{ref}", f"_{self.name}_scr": None}
        use_buttons(ctx, self.choices(ctx, w, self._screen(draft)))
        return None

    def check(self, ctx: Context, draft: wz.Draft) -> str | None:
        same = self.name == "target" and draft.get("target") == draft.get("source")
        if same and str(draft.get("target", "")).startswith("network:"):
            return words.refused(ctx._, nw.NetworkError("same_actor"))
        return None


def preview(ctx: Context, draft: wz.Draft) -> list[str]:
    _ = ctx._
    since = draft.get("since") or wz.today(ctx).isoformat()
    line = _("{source} {kind} {target}, since {date}").format(
        source=actor_text(ctx, draft["source"]), kind=words.linkage_label(_, draft["kind"]),
        target=actor_text(ctx, draft["target"]), date=_.date(date.fromisoformat(since)),
    )
    return [_("New linkage:") + "\n" + line + "\n\n" + _("Record it?")]


def finish(ctx: Context, draft: wz.Draft) -> None:
    here = wz.cluster_of(ctx)
    assert here is not None  # on_input checked it this turn
    source, target = draft["source"].split(":", 1), draft["target"].split(":", 1)
    try:
        nw.record_linkage(
            ctx.conn, here.id, (source[0], source[1]), (target[0], target[1]), draft["kind"],
            draft.get("since") or wz.today(ctx).isoformat(), actor=ctx.contact.ref,
            now=ctx.now_iso,
        )
    except nw.NetworkError as error:  # a network deleted meanwhile, or the same twice
        ctx.reply(words.refused(ctx._, error))
        return
    screens.show_list(ctx, here.id, lead=ctx._("Recorded."))


WIZARD = wz.Wizard(
    flow=FLOW,
    prefix=P,
    command="networks",
    fields=(
        Actor("source", N_("From"), N_("Who buys, sells, supplies, trains, lends or advises? "
                                      "Choose a role or a network.")),
        Actor("target", N_("To"), N_("And to (or from) whom? Choose a role or a network.")),
        wz.Pick("kind", N_("Kind of linkage"), N_("What is the linkage?"),
                options=tuple(words.LINKAGE_LABELS.items()), tag="k"),
        wz.Day("since", N_("Since"), N_("Since when? Press “Skip” for today.")),
    ),
    preview=preview,
    finish=finish,
    send=("yes", N_("Record")),
)
flow(FLOW)(WIZARD.handle)
screens.WIZARDS["link"] = lambda ctx, cluster: WIZARD.begin(ctx, cluster=cluster)
