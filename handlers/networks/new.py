"""/networks → New network: a wizard (handlers/wizard/):

    name -> kind -> formed / revived / existing -> founding date (optional)
         -> preview: Create | Change a field | Cancel -> the network's screen

The cluster is the one /networks was opened for (asked first when the CDA has several)."""

from __future__ import annotations

from datetime import date

from bot.commands import flow
from bot.engine import Context
from bot.i18n import N_
from bot.storage import networks as nw
from handlers import wizard as wz
from handlers.networks import screens, words
from handlers.wizard.fields import Asking, Taken

FLOW = "nwnew"
MAX_NAME = 60


def preview(ctx: Context, draft: wz.Draft) -> list[str]:
    _ = ctx._
    here = wz.cluster_of(ctx)
    lines = [
        _("New network: {name}").format(name=draft["name"]),
        _("Kind: {kind}").format(kind=words.kind_label(_, draft["kind"])),
        _("Origin: {origin}").format(origin=words.origin_label(_, draft["origin"])),
        _("Since: {date}").format(
            date=_.date(date.fromisoformat(draft["founded_on"])) if draft.get("founded_on")
            else "—"
        ),
        _("Cluster: {cluster}").format(cluster=here.name if here else "?"),
        "",
        _("Create this network?"),
    ]
    return ["\n".join(lines)]


def finish(ctx: Context, draft: wz.Draft) -> None:
    here = wz.cluster_of(ctx)
    assert here is not None  # on_input checked it this turn
    try:
        network = nw.create(
            ctx.conn, here.id, draft["name"], draft["kind"], draft["origin"],
            draft.get("founded_on"), actor=ctx.contact.ref, now=ctx.now_iso,
        )
    except nw.NetworkError as error:
        # Another CDA took the name meanwhile: back to the name, the rest kept.
        ctx.reply(words.refused(ctx._, error))
        WIZARD.go(ctx, "name", draft={k: v for k, v in draft.items() if k != "name"},
                  editing=True)
        name = WIZARD.field("name")
        assert name is not None
        name.ask(ctx, WIZARD, draft)
        return
    ctx.go(screens.FLOW, f"{screens.FLOW}.net", cluster=here.id)
    screens.show_network(
        ctx, network, ctx._("Created. Now add its members or invite them.")
    )


class Name(wz.Text):
    """A name the cluster has not used for a network yet."""

    def take(self, ctx: Context, w: Asking, draft: wz.Draft) -> Taken:
        taken = super().take(ctx, w, draft)
        here = wz.cluster_of(ctx)
        name = " ".join(taken["name"].split()) if isinstance(taken, dict) else ""
        if name and here is not None and nw.by_name(ctx.conn, here.id, name) is not None:
            ctx.reply(words.refused(ctx._, nw.NetworkError("name_taken")))
            return None
        return taken


WIZARD = wz.Wizard(
    flow=FLOW,
    prefix="nn",
    command="networks",
    fields=(
        Name("name", N_("Name"), N_("What is the network called? Type its name. Send /cancel "
                                    "to stop."), limit=MAX_NAME),
        wz.Pick("kind", N_("Kind"), N_("What kind of network is it?"),
                options=tuple(words.KIND_LABELS.items()), tag="k"),
        wz.Pick("origin", N_("Origin"), N_("Was it formed during the programme, revived, or "
                                          "did it exist before?"),
                options=tuple(words.ORIGIN_LABELS.items()), tag="o", columns=1),
        wz.Day("founded_on", N_("Founding date"), N_("When was it founded (or revived)?")),
    ),
    preview=preview,
    finish=finish,
    send=("yes", N_("Create")),
)
flow(FLOW)(WIZARD.handle)
screens.WIZARDS["new"] = lambda ctx, cluster: WIZARD.begin(ctx, cluster=cluster)
