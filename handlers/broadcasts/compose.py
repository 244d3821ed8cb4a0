"""/broadcast: a CDA tells the cluster something (SPEC §5).

    cluster* -> audience -> (roles | event) -> message -> preview -> (translation)
             -> now | when -> confirm -> queued in the outbox + /updates log
                                                      (* only with several clusters)

The draft lives in the conversation data (cluster, audience, texts per language, media,
when), so a restart resumes at the same step. Texts are checked against the platform
limits here, at compose time, in every language version: 4,096 characters for a message,
1,024 for the caption of a photo or document.
"""

from __future__ import annotations

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, NC_
from bot.messages import Choice, InboundKind
from handlers import wizard as wz
from handlers.broadcasts import event_audience as by_event
from handlers.broadcasts import preview
from handlers.broadcasts.draft import (
    AUDIENCES,
    FLOW,
    ask_message,
    cluster,
    data,
    fits,
    media_from_inbound,
)
from handlers.common import picked, use_buttons
from handlers.networks import audience as by_network

# --- start and cluster --------------------------------------------------------------------


@command("broadcast", N_("Send an update to the cluster"), Audience.CDA)
def start(ctx: Context) -> None:
    wz.start_in_a_cluster(ctx, "bc", FLOW, ctx._("Which cluster is this update for?"), _begin)


def _begin(ctx: Context, cluster_id: int) -> None:
    ctx.go(FLOW, f"{FLOW}.audience", cluster=cluster_id)
    ask_audience(ctx)


def take_cluster(ctx: Context) -> None:
    wz.take_cluster(ctx, "bc", _begin)


# --- audience -----------------------------------------------------------------------------


EVENT_AUDIENCE = NC_("button", "People of an event")


def _audience_choices(ctx: Context, *, offered: bool = True) -> list[Choice]:
    """The audience buttons; "People of an event" is shown only when there is an event to
    pick, but always accepted (`offered=False`): its step says when none is left."""
    choices = [Choice(f"bc:aud:{key}", ctx._(label)) for key, label in AUDIENCES.items()]
    if not offered or by_event.has_events(ctx):
        choices.append(Choice("bc:aud:event", ctx._(EVENT_AUDIENCE)))
    here = cluster(ctx)
    if not offered or (here is not None and by_network.choices(ctx, "bc", here.id)):
        choices.append(Choice("bc:aud:network", ctx._(by_network.NETWORK_AUDIENCE)))
    return choices


def ask_audience(ctx: Context) -> None:
    chosen = cluster(ctx)
    assert chosen is not None
    ctx.reply(
        ctx._("Who should receive this update from {cluster}?").format(cluster=chosen.name),
        _audience_choices(ctx),
        columns=2,
    )


def take_audience(ctx: Context) -> None:
    choice = picked(ctx, _audience_choices(ctx, offered=False))
    if choice is None:
        use_buttons(ctx, _audience_choices(ctx))
        return
    key = choice.id.removeprefix("bc:aud:")
    if key == "roles":
        ctx.go(FLOW, f"{FLOW}.roles", roles=[])
        ask_roles(ctx)
        return
    if key == "event":
        by_event.start(ctx, ask_audience)
        return
    if key == "network":
        ask_network(ctx)
        return
    after_audience(ctx, {} if key == "all" else {"gender": key})


def after_audience(ctx: Context, audience: dict[str, object]) -> None:
    """On to the message; or, when the message is written already (Change a field ->
    Audience), straight back to the preview."""
    if data(ctx).get("texts"):
        ctx.go(FLOW, f"{FLOW}.preview", audience=audience, evpage=None)
        preview.show(ctx)
        return
    ctx.go(FLOW, f"{FLOW}.message", audience=audience, evpage=None)
    ask_message(ctx)


def ask_network(ctx: Context) -> None:
    here = cluster(ctx)
    assert here is not None  # on_input checked it
    options = by_network.choices(ctx, "bc", here.id)
    if not options:
        ctx.reply(ctx._(by_network.NO_NETWORK))
        ask_audience(ctx)
        return
    ctx.go(FLOW, f"{FLOW}.network")
    ctx.reply(ctx._("The members of which network?"), options, columns=1)


def take_network(ctx: Context) -> None:
    here = cluster(ctx)
    assert here is not None  # on_input checked it
    found = by_network.picked_network(ctx, "bc", here.id)
    if found is not None:
        after_audience(ctx, {"network": found})


ROLES_QUESTION = N_("Choose one or more roles, then press “Done”.")


def ask_roles(ctx: Context, *, redraw: bool = False) -> None:
    wz.ask_roles(ctx, "bc", ctx._(ROLES_QUESTION), data(ctx).get("roles", []), redraw=redraw)


def take_roles(ctx: Context) -> None:
    pressed = wz.press_role(ctx, "bc", data(ctx).get("roles", []))
    if pressed is None:
        return
    roles, done = pressed
    if done:
        after_audience(ctx, {"roles": roles})
        return
    ctx.go(FLOW, f"{FLOW}.roles", roles=roles)
    ask_roles(ctx, redraw=True)


# --- message ------------------------------------------------------------------------------


def take_message(ctx: Context) -> None:
    inbound = ctx.inbound
    media = data(ctx).get("media")
    if inbound.kind in (InboundKind.PHOTO, InboundKind.DOCUMENT):
        media = media_from_inbound(ctx)
        if media is None:
            return
        ctx.go(FLOW, f"{FLOW}.message", media=media)
        if not inbound.text.strip():
            ctx.reply(ctx._("Got it. Now type the text to go with it."))
            return
    elif inbound.kind is not InboundKind.TEXT or not inbound.text.strip():
        if inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ctx.reply(ctx._("Please type the update, or send a photo or a document."))
        return
    text = inbound.text.strip()
    if not fits(ctx, text, caption=media is not None):
        return
    # A new text makes earlier language versions stale: start the versions again.
    ctx.go(FLOW, f"{FLOW}.preview", texts={ctx.language: text}, lang=ctx.language)
    preview.show(ctx)


STEPS = {
    "cluster": take_cluster,
    "audience": take_audience,
    "roles": take_roles,
    "network": take_network,
    "event": lambda ctx: by_event.take_event(ctx, ask_audience, after_audience),
    "message": take_message,
    "preview": preview.take_preview,
    "change": lambda ctx: preview.take_change(ctx, ask_audience),
    "version": preview.take_version,
    "when": preview.take_when,
    "confirm": preview.take_confirm,
}


@flow(FLOW)
def on_input(ctx: Context) -> None:
    """A message while composing: hand it to the current step."""
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step != "cluster" and cluster(ctx) is None:
        # The cluster is gone or no longer this CDA's: the draft cannot go on.
        ctx.end()
        ctx.reply(ctx._("You no longer manage that cluster. Send /broadcast to start again."))
        return
    STEPS.get(step, take_cluster)(ctx)
