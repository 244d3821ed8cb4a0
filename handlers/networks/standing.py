"""/networks → Linkages: the cluster's linkages standing now, and ending one (the day it
stopped), so the map and the report can tell how things stood at any date.

    list (8 a page, More, Done) -> a linkage -> the day it ended (typed, or Today) -> list
"""

from __future__ import annotations

from datetime import date

from bot.commands import flow
from bot.engine import Context
from bot.i18n import N_, NC_
from bot.messages import Choice, InboundKind
from bot.parse.dates import parse_date
from bot.storage import networks as nw
from handlers import wizard as wz
from handlers.common import picked, use_buttons
from handlers.networks import screens, words
from handlers.networks.names import named

FLOW = "nwlinks"
P = "nk"
PAGE = 8
LINE = N_("{source} {kind} {target}, since {date}")  # the linkage wizard's preview line
TODAY = NC_("button", "Today")


def describe(ctx: Context, linkage: nw.Linkage) -> str:
    names = {str(n.id): n.name for n in nw.in_cluster(ctx.conn, linkage.cluster_id)}
    _ = ctx._
    return _(LINE).format(
        source=words.actor_name(_, linkage.from_kind, linkage.from_ref, names),
        kind=words.linkage_label(_, linkage.kind),
        target=words.actor_name(_, linkage.to_kind, linkage.to_ref, names),
        date=_.date(date.fromisoformat(linkage.since)),
    )


def start(ctx: Context, cluster_id: int) -> None:
    ctx.go(FLOW, f"{FLOW}.list", cluster=cluster_id, page=0, linkage=None)
    show(ctx)


def show(ctx: Context, lead: str = "") -> None:
    here = wz.cluster_of(ctx)
    assert here is not None  # checked at every turn
    _ = ctx._
    standing = nw.linkages_at(ctx.conn, here.id)
    pages = max(1, -(-len(standing) // PAGE))
    page = min(int(ctx.conv.data.get("page") or 0) if ctx.conv else 0, pages - 1)
    ctx.go(FLOW, f"{FLOW}.list", page=page, linkage=None)
    shown = standing[page * PAGE :][:PAGE]
    lines = [lead, ""] if lead else []
    lines.append(_("Linkages standing in {cluster}: press one that has ended.").format(
        cluster=here.name))
    if not standing:
        lines.append(_("None is standing now."))
    numbered = [(page * PAGE + i, item) for i, item in enumerate(shown, start=1)]
    lines += [f"{_.number(i)}. {describe(ctx, item)}" for i, item in numbered]
    choices = [named(f"{P}:l:{item.id}", f"{_.number(i)}. {describe(ctx, item)}")
               for i, item in numbered]  # fmt: skip
    if page + 1 < pages:
        choices.append(Choice(f"{P}:pg:{page + 1}", _.pgettext("button", "More")))
    choices.append(Choice(f"{P}:done", _.pgettext("action", "Done")))
    ctx.reply(screens.fit_message("\n".join(lines)), choices, columns=1)


def _until_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:today", ctx._(TODAY)), Choice(f"{P}:back", ctx._("Back"))]


def take_list(ctx: Context, cluster_id: int) -> None:
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    if choice == f"{P}:done":
        screens.show_list(ctx, cluster_id)
        return
    if choice.startswith(f"{P}:pg:"):
        ctx.go(FLOW, f"{FLOW}.list", page=int(choice.rsplit(":", 1)[1]))
        show(ctx)
        return
    ref = choice.removeprefix(f"{P}:l:") if choice.startswith(f"{P}:l:") else ""
    found = nw.linkage(ctx.conn, int(ref)) if ref.isdigit() else None
    if found is None or found.cluster_id != cluster_id or found.until is not None:
        use_buttons(ctx, [])
        show(ctx)
        return
    ctx.go(FLOW, f"{FLOW}.until", linkage=found.id)
    example = wz.today(ctx).strftime("%d-%m-%Y")
    ctx.reply(
        describe(ctx, found) + "\n\n" + ctx._(
            "When did it end? Type the date, for example {example}, or press “{today}”."
        ).format(example=example, today=ctx._(TODAY)),
        _until_choices(ctx), columns=2,
    )


def take_until(ctx: Context, cluster_id: int) -> None:
    choice = picked(ctx, _until_choices(ctx))
    if choice is not None and choice.id == f"{P}:back":
        show(ctx)
        return
    today = wz.today(ctx)
    typed = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
    day = today if choice is not None else parse_date(typed, today) if typed else None
    linkage_id = int(ctx.conv.data.get("linkage") or 0) if ctx.conv else 0
    found = nw.linkage(ctx.conn, linkage_id)
    if found is None or found.cluster_id != cluster_id:
        show(ctx)
        return
    if day is None or day > today:
        example = today.strftime("%d-%m-%Y")
        ctx.reply(ctx._("Please type a date up to today, like {example}, or press “{today}”.")
                  .format(example=example, today=ctx._(TODAY)), _until_choices(ctx))
        return
    try:
        nw.end_linkage(ctx.conn, found.id, day.isoformat(), actor=ctx.contact.ref,
                       now=ctx.now_iso)
    except nw.NetworkError as error:  # before it began, or ended meanwhile
        ctx.reply(words.refused(ctx._, error), _until_choices(ctx))
        return
    show(ctx, ctx._("Ended on {date}: {linkage}").format(
        date=ctx._.date(day), linkage=describe(ctx, found)))


@flow(FLOW)
def on_input(ctx: Context) -> None:
    here = wz.cluster_of(ctx)
    if here is None:
        ctx.end()
        ctx.reply(ctx._("You no longer manage that cluster. Send /{command} to start again.")
                  .format(command="networks"))
        return
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step == "until":
        take_until(ctx, here.id)
    else:
        take_list(ctx, here.id)


screens.WIZARDS["links"] = start
