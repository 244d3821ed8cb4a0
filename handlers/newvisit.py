"""/newvisit: a CDA plans an exposure visit to a performing cluster (SPEC §5).

    cluster* -> destination -> purpose -> start -> end -> seats -> roles -> deadline
             -> contribution -> confirm -> announcement with Register (outbox)
                                                      (* only with several clusters)

Registration itself is a button handled from any state (handlers/event_press.py): seats
are counted inside the turn's transaction, the rest join a waiting list, and registration
closes at the deadline. Money is kept in paise and shown with Babel (₹1,500.00).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import reminders
from bot.clock import iso, parse_iso
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.messages import Choice, InboundKind
from bot.parse.numbers import AmountError, parse_rupees
from bot.storage import events as ev
from handlers import event_draft as d
from handlers.common import picked, use_buttons
from handlers.registry import Audience, command

FLOW = "newvisit"
P = "vs"  # button id prefix
DEFAULT_ROLES = ("shg_member", "artisan")
MAX_SEATS = 1000
MAX_CONTRIBUTION_PAISE = 1_00_000 * 100
ANNOUNCEMENT = N_(
    "Exposure visit: {destination}\nPurpose: {purpose}\nFrom {start} to {end}\n"
    "Seats: {seats}\nContribution per person: {amount}\nRegister by {deadline}."
)


def _step(ctx: Context, step: str, **data: object) -> None:
    ctx.go(FLOW, f"{FLOW}.{step}", **data)


@command("newvisit", N_("Plan an exposure visit"), Audience.CDA)
def start(ctx: Context) -> None:
    d.start_in_a_cluster(ctx, P, FLOW, ctx._("Which cluster is this visit for?"), _begin)


def take_cluster(ctx: Context) -> None:
    d.take_cluster(ctx, P, _begin)


def _begin(ctx: Context, cluster: int) -> None:
    _step(ctx, "destination", cluster=cluster)
    ask_destination(ctx)


def ask_destination(ctx: Context) -> None:
    ctx.reply(ctx._("Where does the visit go? Type the destination. Send /cancel to stop."))


def take_destination(ctx: Context) -> None:
    text = d.typed_text(ctx, d.MAX_TITLE)
    if text is not None:
        _step(ctx, "purpose", destination=text)
        ctx.reply(ctx._("What is the purpose of the visit? What will people learn?"))


def take_purpose(ctx: Context) -> None:
    text = d.typed_text(ctx, d.MAX_PLACE)
    if text is not None:
        _step(ctx, "start", purpose=text)
        ctx.reply(d.when_prompt(ctx, ctx._("When does the visit start?")))


def take_start(ctx: Context) -> None:
    when = d.typed_when(ctx)
    if when is not None:
        _step(ctx, "end", starts_at=iso(when))
        ctx.reply(
            ctx._("Understood: {when}.").format(when=d.show_when(ctx, when))
            + "\n"
            + d.when_prompt(ctx, ctx._("When does it end?"))
        )


def take_end(ctx: Context) -> None:
    when = d.typed_when(ctx)
    if when is None:
        return
    if when <= parse_iso(d.data(ctx)["starts_at"]):
        ctx.reply(ctx._("The end must be after the start. Please type it again."))
        return
    _step(ctx, "seats", ends_at=iso(when))
    ctx.reply(
        ctx._("Understood: {when}.").format(when=d.show_when(ctx, when))
        + "\n"
        + ctx._("How many seats are there? Type a number.")
    )


def take_seats(ctx: Context) -> None:
    text = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_SEATS:
        ctx.reply(
            ctx._("Please type a number from 1 to {max}.").format(max=ctx._.number(MAX_SEATS))
        )
        return
    _step(ctx, "roles", seats=int(text), roles=list(DEFAULT_ROLES))
    ask_roles(ctx)


# --- eligible roles -----------------------------------------------------------------------


def ask_roles(ctx: Context, *, redraw: bool = False) -> None:
    chosen = frozenset(f"{P}:role:{r}" for r in d.data(ctx).get("roles", []))
    ctx.reply(
        ctx._("Who may register? SHG members and artisans are ticked; change it, then press Done."),
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
        _step(ctx, "deadline")
        ctx.reply(d.when_prompt(ctx, ctx._("Until when can people register?")))
        return
    role = choice.id.removeprefix(f"{P}:role:")
    roles = [r for r in roles if r != role] if role in roles else [*roles, role]
    _step(ctx, "roles", roles=roles)
    ask_roles(ctx, redraw=True)


# --- deadline, contribution, confirm ------------------------------------------------------


def take_deadline(ctx: Context) -> None:
    when = d.typed_when(ctx)
    if when is None:
        return
    if when >= parse_iso(d.data(ctx)["starts_at"]):
        ctx.reply(ctx._("Registration must close before the visit starts. Please type it again."))
        return
    _step(ctx, "contribution", register_by=iso(when))
    ctx.reply(
        ctx._("How much does each person contribute, in rupees? Type 0 if nothing, e.g. 1500")
    )


def take_contribution(ctx: Context) -> None:
    text = ctx.inbound.text if ctx.inbound.kind is InboundKind.TEXT else ""
    paise = parse_rupees(text)
    if isinstance(paise, AmountError) or paise > MAX_CONTRIBUTION_PAISE:
        ctx.reply(ctx._("Please type an amount in rupees, e.g. 1500 (or 0)."))
        return
    _step(ctx, "confirm", paise=paise)
    ask_confirm(ctx)


def _confirm_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"{P}:yes", ctx._("Yes, announce it")), Choice(f"{P}:no", ctx._("Cancel"))]


def announcement(_: Translator, event: ev.Event, zone: ZoneInfo) -> str:
    def at(value: str | None) -> str:
        return reminders.local_when(_, parse_iso(value), zone) if value else "—"

    return _(ANNOUNCEMENT).format(
        destination=event.place,
        purpose=event.purpose,
        start=at(event.starts_at),
        end=at(event.ends_at),
        seats=_.number(event.seats or 0),
        amount=_.money(event.contribution_paise / 100),
        deadline=at(event.register_by),
    )


def _draft_event(ctx: Context) -> ev.Event:
    """The draft as an (unsaved) Event, so the preview is the announcement itself."""
    data = d.data(ctx)
    return ev.Event(
        0, int(data["cluster"]), "visit", data["destination"], data["destination"],
        data["purpose"], data["starts_at"], data["ends_at"], int(data["seats"]),
        {"roles": data["roles"]}, data["register_by"], int(data["paise"]),
        ev.DEFAULT_OFFSETS, "scheduled", ctx.contact.ref, ctx.now_iso, ctx.now_iso,
    )  # fmt: skip


def ask_confirm(ctx: Context) -> None:
    draft = _draft_event(ctx)
    count = d.audience_count(ctx, draft.audience)
    ctx.reply(announcement(ctx._, draft, d.tz(ctx)))
    ctx.reply(
        ctx._("Above is the announcement. It goes to {count} people: {audience}.").format(
            count=ctx._.number(count), audience=d.describe_audience(ctx, draft.audience)
        ),
        _confirm_choices(ctx),
        columns=2,
    )


def take_confirm(ctx: Context) -> None:
    choice = picked(ctx, _confirm_choices(ctx))
    if choice is None:
        use_buttons(ctx, _confirm_choices(ctx))
        return
    draft = _draft_event(ctx)
    ctx.end()
    if choice.id == f"{P}:no":
        ctx.reply(ctx._("Cancelled. Nothing was sent."))
        return
    if parse_iso(draft.starts_at) <= ctx.now:
        ctx.reply(ctx._("That time has already passed. Please type a time in the future."))
        return
    event = ev.create(
        ctx.conn,
        cluster_id=draft.cluster_id,
        kind="visit",
        title=draft.title,
        place=draft.place,
        purpose=draft.purpose,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        seats=draft.seats,
        audience=draft.audience,
        register_by=draft.register_by,
        contribution_paise=draft.contribution_paise,
        created_by=ctx.contact.ref,
        now=ctx.now_iso,
    )
    reminders.arm(ctx.conn, event, ctx.now)
    zone = d.tz(ctx)
    counts = d.invite(
        ctx,
        event,
        lambda t: announcement(t, event, zone),
        lambda t: (Choice(f"reg:{event.id}", t("Register")),),
    )
    ctx.audit("event.create", subject=f"event:{event.id}", kind="visit", **counts)
    ctx.reply(
        ctx._("Done: the announcement goes to {count} people.").format(
            count=ctx._.number(counts.get("queued", 0))
        )
    )


STEPS = {
    "cluster": take_cluster,
    "destination": take_destination,
    "purpose": take_purpose,
    "start": take_start,
    "end": take_end,
    "seats": take_seats,
    "roles": take_roles,
    "deadline": take_deadline,
    "contribution": take_contribution,
    "confirm": take_confirm,
}


def on_input(ctx: Context) -> None:
    step = ctx.conv.step.removeprefix(f"{FLOW}.") if ctx.conv else ""
    if step != "cluster" and d.cluster(ctx) is None:
        ctx.end()
        ctx.reply(ctx._("You no longer manage that cluster. Send /newvisit to start again."))
        return
    STEPS.get(step, take_cluster)(ctx)
