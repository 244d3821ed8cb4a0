"""/profile: see my data and correct one field at a time.

view --edit:<field>--> profile.<field> (the onboarding question) --> view
"""

from __future__ import annotations

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from bot.storage import clusters
from handlers.common import gender_label, role_label
from handlers.people import onboarding

FLOW = "profile"
EDITABLE = ("name", "role", "cluster", "gender", "place", "phone")


@command("profile", N_("My data"), Audience.MEMBER)
def show_profile(ctx: Context) -> None:
    _ = ctx._
    contact = ctx.contact
    cluster = clusters.by_id(ctx.conn, contact.cluster_id) if contact.cluster_id else None
    text = "\n".join(
        [
            _("Your data:"),
            _("Name: {value}").format(value=contact.name or "—"),
            _("Role: {value}").format(value=role_label(ctx, contact.role)),
            _("Cluster: {value}").format(value=cluster.name if cluster else "—"),
            _("Gender: {value}").format(value=gender_label(ctx, contact.gender)),
            _("Village or town: {value}").format(value=contact.place or "—"),
            _("Phone: {value}").format(value=contact.phone or "—"),
            "",
            _("To correct something, press its button. To erase everything, send /forget."),
        ]
    )
    labels = {
        "name": _("Name"),
        "role": _("Role"),
        "cluster": _("Cluster"),
        "gender": _("Gender"),
        "place": _("Village or town"),
        "phone": _("Phone"),
    }
    fields = [f for f in EDITABLE if f != "cluster" or len(clusters.all_clusters(ctx.conn)) > 1]
    ctx.go(FLOW, f"{FLOW}.view")
    ctx.reply(text, [Choice(f"edit:{f}", labels[f]) for f in fields], columns=3)


@flow(FLOW)
def on_input(ctx: Context) -> None:
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else "view"
    if step == "view":
        field = ctx.inbound.choice.removeprefix("edit:")
        if ctx.inbound.choice.startswith("edit:") and field in EDITABLE:
            ctx.go(FLOW, f"{FLOW}.{field}")
            onboarding.BY_NAME[field].ask(ctx)
        else:
            ctx.end()
            from handlers.people.menu import not_understood

            not_understood(ctx)
        return
    if step in EDITABLE and onboarding.BY_NAME[step].take(ctx):
        ctx.audit("profile.update", subject=f"contact:{ctx.contact.id}", field=step)
        ctx.reply(ctx._("Saved."), remove_keyboard=step == "phone")
        show_profile(ctx)
