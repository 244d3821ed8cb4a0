"""/dashboard and /publicpage (issue 16, SPEC §9): the chat side of the web pages.

    /dashboard ──> a one-time sign-in link `<PUBLIC_URL>/dashboard/signin/<token>`
                   (CDAs and observers; 10 minutes, once, rate-limited per person)

    /publicpage on|off [CODE] ──> done at once for the one cluster managed (or CODE)
        │ (several clusters, no CODE)
        └──> publicpage.pick: [cluster buttons] ── pp:on:<id> | pp:off:<id> | pp:c:<id>
    /publicpage [CODE] ──> publicpage.shown: state + [Turn on | Turn off] ── pp:on|off:<id>

The token is never written anywhere but the reply: the audit log says a link was made.
"""

from __future__ import annotations

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, NC_
from bot.messages import Choice
from bot.storage import audit, clusters, web_access
from bot.storage.clusters import Cluster
from bot.storage.web_access import Identity
from handlers.common import picked, use_buttons

FLOW = "publicpage"
ACTIONS = ("on", "off")
TURN_ON = NC_("button", "Turn on")
TURN_OFF = NC_("button", "Turn off")

NOT_SET_UP = N_(
    "The web dashboard is not set up: the operator sets CLUSTERBOT_PUBLIC_URL to turn it on."
)
SIGN_IN = N_(
    "Your sign-in link to the web dashboard:\n{link}\n\n"
    "It works once, for 10 minutes. Do not forward it: whoever opens it sees what you see."
)
TOO_MANY = N_("You have asked for many sign-in links this hour. Use the last one, or wait an hour.")
USAGE = N_("Send /publicpage on or /publicpage off, with the cluster code if you run several.")
PAGE_ON = N_("The public page of {cluster} is on.")
PAGE_OFF = N_("The public page of {cluster} is off.")
TURNED_ON = N_(
    "The public page of {cluster} is on: anyone with the link sees the updates, the action"
    " plan, the events and counts, never a name.\nPage: {page}\nPoster to print: {poster}\n"
    "Feed of updates: {feed}"
)
ON_NO_LINKS = N_(
    "The public page of {cluster} is on. Its links need CLUSTERBOT_PUBLIC_URL, which the"
    " operator sets."
)
TURNED_OFF = N_("The public page of {cluster} and its feed are hidden now.")
NOT_YOURS = N_("You do not run a cluster with the code {code}.")
NO_CLUSTER = N_("You do not run a cluster yet.")


# --- /dashboard ---------------------------------------------------------------------------------


@command("dashboard", N_("Sign-in link to the web dashboard"), Audience.REPORT)
def dashboard(ctx: Context) -> None:
    ctx.end()
    base = ctx.settings.public_url
    if not base:
        ctx.reply(ctx._(NOT_SET_UP))
        return
    who = Identity(ctx.inbound.channel, ctx.inbound.user_id)
    token = web_access.new_link(ctx.conn, who, ctx.now)
    if token is None:
        ctx.reply(ctx._(TOO_MANY))
        return
    _audit(ctx, "web.link", None, None)
    # No preview: a chat app's fetch of the link would only draw the confirmation page, but
    # the link should reach no server other than ours.
    ctx.reply(ctx._(SIGN_IN).format(link=f"{base}/dashboard/signin/{token}"), no_preview=True)


# --- /publicpage --------------------------------------------------------------------------------


@command(
    "publicpage", N_("Turn the cluster's public page on or off"), Audience.CDA, takes_code=True
)
def publicpage(ctx: Context) -> None:
    ctx.end()
    words = ctx.inbound.command_args.split()
    action = words[0].lower() if words and words[0].lower() in ACTIONS else ""
    rest = words[1:] if action else words
    if len(rest) > 1:
        ctx.reply(ctx._(USAGE))
        return
    mine = managed(ctx)
    if rest:
        code = rest[0].upper()
        found = [c for c in mine if c.code.upper() == code]
        if not found:
            # A mistyped on/off reads like an unknown code: one line says both.
            ctx.reply(f"{ctx._(NOT_YOURS).format(code=rest[0])} {ctx._(USAGE)}")
            return
        mine = found
    if not mine:
        ctx.reply(ctx._(NO_CLUSTER))
    elif len(mine) > 1:
        ctx.go(FLOW, f"{FLOW}.pick", action=action)
        ctx.reply(ctx._("Which cluster?"), _cluster_choices(mine, action))
    elif action:
        switch(ctx, mine[0], action == "on")
    else:
        show(ctx, mine[0])


def managed(ctx: Context) -> list[Cluster]:
    return [c for c in clusters.all_clusters(ctx.conn) if ctx.access.may_manage(c.id)]


def _cluster_choices(found: list[Cluster], action: str) -> list[Choice]:
    return [Choice(f"pp:{action or 'c'}:{c.id}", c.name[:60]) for c in found]


def _toggle_choices(ctx: Context, cluster: Cluster, on: bool) -> list[Choice]:
    if on:
        return [Choice(f"pp:off:{cluster.id}", ctx._.pgettext("button", TURN_OFF))]
    return [Choice(f"pp:on:{cluster.id}", ctx._.pgettext("button", TURN_ON))]


def show(ctx: Context, cluster: Cluster) -> None:
    on = web_access.public_page_on(ctx.conn, cluster.id)
    ctx.go(FLOW, f"{FLOW}.shown", cluster=cluster.id)
    text = ctx._(PAGE_ON if on else PAGE_OFF).format(cluster=cluster.name)
    if on and ctx.settings.public_url:
        text += f"\n{ctx.settings.public_url}/c/{cluster.code}"
    ctx.reply(text, _toggle_choices(ctx, cluster, on))


def switch(ctx: Context, cluster: Cluster, on: bool) -> None:
    if web_access.set_public_page(ctx.conn, cluster.id, on):
        _audit(ctx, "cluster.publicpage", cluster, "on" if on else "off")
    ctx.go(FLOW, f"{FLOW}.shown", cluster=cluster.id)
    ctx.reply(_switched_text(ctx, cluster, on), _toggle_choices(ctx, cluster, on))


def _switched_text(ctx: Context, cluster: Cluster, on: bool) -> str:
    if not on:
        return ctx._(TURNED_OFF).format(cluster=cluster.name)
    base = ctx.settings.public_url
    if not base:
        return ctx._(ON_NO_LINKS).format(cluster=cluster.name)
    page = f"{base}/c/{cluster.code}"
    return ctx._(TURNED_ON).format(
        cluster=cluster.name, page=page, poster=f"{page}/poster", feed=f"{page}/updates.atom"
    )


@flow(FLOW)
def on_input(ctx: Context) -> None:
    assert ctx.conv is not None
    offered = _offered(ctx)
    choice = picked(ctx, offered)
    if choice is None:
        if offered:
            use_buttons(ctx, offered)
        else:  # the cluster is gone or no longer theirs
            ctx.end()
            ctx.reply(ctx._("Please send /publicpage again."))
        return
    _, action, raw = choice.id.split(":")
    cluster = clusters.by_id(ctx.conn, int(raw))
    assert cluster is not None  # _offered only lists clusters that exist and are theirs
    if action == "c":
        show(ctx, cluster)
    else:
        switch(ctx, cluster, action == "on")


def _offered(ctx: Context) -> list[Choice]:
    """The buttons of the step, drawn again from today's state: a press of one that no
    longer applies (a second press of Turn on) is an earlier question's."""
    assert ctx.conv is not None
    if ctx.conv.step == f"{FLOW}.pick":
        return _cluster_choices(managed(ctx), str(ctx.conv.data.get("action", "")))
    raw = str(ctx.conv.data.get("cluster", ""))
    cluster = clusters.by_id(ctx.conn, int(raw)) if raw.isdigit() else None
    if cluster is None or not ctx.access.may_manage(cluster.id):
        return []
    return _toggle_choices(ctx, cluster, web_access.public_page_on(ctx.conn, cluster.id))


def _audit(ctx: Context, action: str, cluster: Cluster | None, state: str | None) -> None:
    audit.record(
        ctx.conn,
        at=ctx.now_iso,
        actor=ctx.contact.ref,
        action=action,
        cluster_id=cluster.id if cluster else ctx.contact.cluster_id,
        subject=cluster.code if cluster else None,
        detail={"page": state} if state else {},
    )
