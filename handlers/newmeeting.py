"""/newmeeting: a CDA plans a meeting and invites people (SPEC §5).

    cluster* -> title -> when -> place -> audience -> (roles) -> reminders -> confirm
             -> invitations with Yes / No / Maybe (outbox) + reminders armed
                                                      (* only with several clusters)

The parsed time is shown back in the cluster's time zone right away and again in the
summary, so a wrong day is caught before anyone is invited. The draft lives in the
conversation data; a restart resumes at the same step.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import reminders
from bot.clock import iso, parse_iso
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.messages import Choice
from bot.parse.offsets import parse_offsets
from bot.storage import events as ev
from handlers import event_draft as d
from handlers.broadcast_draft import AUDIENCES
from handlers.common import picked, use_buttons
from handlers.event_press import rsvp_choices
from handlers.offsets import show_offsets
from handlers.registry import Audience, command

FLOW = "newmeeting"
P = "mt"  # button id prefix
INVITATION = N_(
    "You are invited: {title}\nWhen: {when}\nWhere: {place}\nWill you come? Please answer "
    "with the buttons."
)


def _step(ctx: Context, step: str, **data: object) -> None:
    ctx.go(FLOW, f"{FLOW}.{step}", **data)


@command("newmeeting", N_("Plan a meeting"), Audience.CDA)
def start(ctx: Context) -> None:
    d.start_in_a_cluster(ctx, P, FLOW, ctx._("Which cluster is this meeting for?"), _begin)


def take_cluster(ctx: Context) -> None:
    d.take_cluster(ctx, P, _begin)


def _begin(ctx: Context, cluster: int) -> None:
    _step(ctx, "title", cluster=cluster)
    ask_title(ctx)


def ask_title(ctx: Context) -> None:
    ctx.reply(ctx._("What is the meeting about? Type a short title. Send /cancel to stop."))


def take_title(ctx: Context) -> None:
    title = d.typed_text(ctx, d.MAX_TITLE)
    if title is not None:
        _step(ctx, "when", title=title)
        ctx.reply(d.when_prompt(ctx, ctx._("When is the meeting?")))


def take_when(ctx: Context) -> None:
    when = d.typed_when(ctx)
    if when is None:
        return
    _step(ctx, "place", starts_at=iso(when))
    ctx.reply(
        ctx._("Understood: {when}.").format(when=d.show_when(ctx, when))
        + "\n"
        + ctx._("Where will it be held? Type the place.")
    )


def take_place(ctx: Context) -> None:
    place = d.typed_text(ctx, d.MAX_PLACE)
    if place is not None:
        _step(ctx, "audience", place=place)
        ask_audience(ctx)


# --- audience -----------------------------------------------------------------------------


def _audience_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:aud:{key}", ctx._(label)) for key, label in AUDIENCES.items()]


def ask_audience(ctx: Context) -> None:
    ctx.reply(ctx._("Who should be invited?"), _audience_choices(ctx), columns=2)


def take_audience(ctx: Context) -> None:
    choice = picked(ctx, _audience_choices(ctx))
    if choice is None:
        use_buttons(ctx, _audience_choices(ctx))
        return
    key = choice.id.removeprefix(f"{P}:aud:")
    if key == "roles":
        _step(ctx, "roles", roles=[])
        ask_roles(ctx)
        return
    _step(ctx, "reminders", audience={} if key == "all" else {"gender": key})
    ask_reminders(ctx)


def ask_roles(ctx: Context, *, redraw: bool = False) -> None:
    chosen = frozenset(f"{P}:role:{r}" for r in d.data(ctx).get("roles", []))
    ctx.reply(
        ctx._("Choose one or more roles, then press Done."),
        d.role_choices(ctx, P),
        columns=2,
        selected=chosen,
        replace=redraw,
    )


def take_roles(ctx: Context) -> None:
    options = d.role_choices(ctx, P)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    roles: list[str] = list(d.data(ctx).get("roles", []))
    if choice.id == f"{P}:roles:done":
        if not roles:
            ctx.reply(ctx._("Choose at least one role, then press Done."))
            return
        _step(ctx, "reminders", audience={"roles": roles})
        ask_reminders(ctx)
        return
    role = choice.id.removeprefix(f"{P}:role:")
    roles = [r for r in roles if r != role] if role in roles else [*roles, role]
    _step(ctx, "roles", roles=roles)
    ask_roles(ctx, redraw=True)


# --- reminders and confirm ----------------------------------------------------------------


def _reminder_choices(ctx: Context) -> list[Choice]:
    default = show_offsets(ctx._, ev.DEFAULT_OFFSETS)
    return [Choice(f"{P}:rem:default", default)]


def ask_reminders(ctx: Context) -> None:
    ctx.reply(
        ctx._(
            "When should I remind those who said Yes or Maybe? Press the button for the "
            "usual times before the meeting, or type your own, for example: 30 minutes"
        ),
        _reminder_choices(ctx),
    )


def take_reminders(ctx: Context) -> None:
    if picked(ctx, _reminder_choices(ctx)) is not None:
        offsets: tuple[int, ...] | None = ev.DEFAULT_OFFSETS
    else:
        offsets = parse_offsets(ctx.inbound.text) if ctx.inbound.text else None
    if offsets is None:
        if ctx.inbound.choice:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ctx.reply(ctx._("I could not read that. Type for example: 1 day, 2 hours, 30 minutes"))
        return
    _step(ctx, "confirm", offsets=list(offsets))
    ask_confirm(ctx)


def _confirm_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:yes", ctx._("Yes, invite them")), Choice(f"{P}:no", ctx._("Cancel"))]


def ask_confirm(ctx: Context) -> None:
    _ = ctx._
    data = d.data(ctx)
    lines = [
        _("Meeting: {title}").format(title=data["title"]),
        _("When: {when}").format(when=d.show_when(ctx, data["starts_at"])),
        _("Where: {place}").format(place=data["place"]),
        _("Audience: {audience}").format(audience=d.describe_audience(ctx, data["audience"])),
        _("Reminders before: {offsets}").format(offsets=show_offsets(_, data["offsets"])),
        _("Recipients: {count}").format(count=_.number(d.audience_count(ctx, data["audience"]))),
        "",
        _("Send the invitations now?"),
    ]
    ctx.reply("\n".join(lines), _confirm_choices(ctx), columns=2)


def take_confirm(ctx: Context) -> None:
    choice = picked(ctx, _confirm_choices(ctx))
    if choice is None:
        use_buttons(ctx, _confirm_choices(ctx))
        return
    ctx_data = dict(d.data(ctx))
    ctx.end()
    if choice.id == f"{P}:no":
        ctx.reply(ctx._("Cancelled. Nothing was sent."))
        return
    if parse_iso(ctx_data["starts_at"]) <= ctx.now:
        ctx.reply(ctx._("That time has already passed. Please type a time in the future."))
        return
    event = ev.create(
        ctx.conn,
        cluster_id=int(ctx_data["cluster"]),
        kind="meeting",
        title=ctx_data["title"],
        place=ctx_data["place"],
        starts_at=ctx_data["starts_at"],
        audience=ctx_data["audience"],
        reminder_offsets=tuple(ctx_data["offsets"]),
        created_by=ctx.contact.ref,
        now=ctx.now_iso,
    )
    reminders.arm(ctx.conn, event, ctx.now)
    zone = d.tz(ctx)
    counts = d.invite(
        ctx,
        event,
        lambda t: invitation_text(t, event, zone),
        lambda t: rsvp_choices(t, event.id),
    )
    ctx.audit("event.create", subject=f"event:{event.id}", kind="meeting", **counts)
    ctx.reply(
        ctx._("Done: {count} invitations are on their way.").format(
            count=ctx._.number(counts.get("queued", 0))
        )
    )


def invitation_text(_: Translator, event: ev.Event, zone: ZoneInfo) -> str:
    return _(INVITATION).format(
        title=event.title,
        when=reminders.local_when(_, parse_iso(event.starts_at), zone),
        place=event.place,
    )


STEPS = {
    "cluster": take_cluster,
    "title": take_title,
    "when": take_when,
    "place": take_place,
    "audience": take_audience,
    "roles": take_roles,
    "reminders": take_reminders,
    "confirm": take_confirm,
}


def on_input(ctx: Context) -> None:
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step != "cluster" and d.cluster(ctx) is None:
        ctx.end()
        ctx.reply(ctx._("You no longer manage that cluster. Send /newmeeting to start again."))
        return
    STEPS.get(step, take_cluster)(ctx)
