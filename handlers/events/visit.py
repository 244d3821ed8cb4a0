"""/newvisit: a CDA plans an exposure visit to a performing cluster (SPEC §5), a wizard
(handlers/wizard.py):

    cluster* -> destination -> purpose -> start -> end -> seats -> roles -> deadline
             -> contribution -> preview: Send | Add a language | Change a field | Cancel
             -> announcement with Register (outbox)   (* only with several clusters)

Registration itself is a button handled from any state (handlers/events/press.py): seats
are counted inside the turn's transaction, the rest join a waiting list, and registration
closes at the deadline. Money is kept in paise and shown with Babel (₹1,500).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_, NC_, Translator, translator
from bot.jobs import reminders
from bot.messages import Choice
from bot.storage import events as ev
from handlers import wizard as wz
from handlers.events import draft as d
from handlers.networks import audience as by_network

FLOW = "newvisit"
P = "vs"  # button id prefix
DEFAULT_ROLES = ("shg_member", "artisan")
MAX_SEATS = 1000
MAX_CONTRIBUTION_PAISE = 1_00_000 * 100
ANNOUNCEMENT = N_(
    "Exposure visit: {destination}\nPurpose: {purpose}\nFrom {start} to {end}\n"
    "Seats: {seats}\nContribution per person: {amount}\nRegister by {deadline}."
)


# A visit's destination is its title and its place.
VERSION_FIELDS = {"destination": ("title", "place")}


def announcement(_: Translator, event: ev.Event, zone: ZoneInfo) -> str:
    """The announcement in `_`'s language, with the CDA's version of destination and
    purpose in it."""
    event = event.read(_.language)

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


def _draft_event(ctx: Context, draft: wz.Draft) -> ev.Event:
    """The draft as an (unsaved) Event, so the preview is the announcement itself."""
    here = wz.cluster_of(ctx)
    assert here is not None  # on_input checked it this turn
    return ev.Event(
        0, here.id, "visit", draft["destination"], draft["destination"],
        draft["purpose"], draft["starts_at"], draft["ends_at"], int(draft["seats"]),
        _audience(draft), draft["register_by"], int(draft["paise"]),
        ev.DEFAULT_OFFSETS, "scheduled", ctx.contact.ref, ctx.now_iso, ctx.now_iso,
        draft.get("lang"), d.versions_of(draft, VERSION_FIELDS),
    )  # fmt: skip


def _audience(draft: wz.Draft) -> dict[str, object]:
    """Who may register: the roles ticked, or the members of a network (issue 19)."""
    if draft.get("network"):
        return {"network": int(draft["network"])}
    return {"roles": draft["roles"]}


def shown_in(ctx: Context, draft: wz.Draft, language: str) -> str:
    """The announcement a reader of `language` gets."""
    return announcement(translator(language), _draft_event(ctx, draft), wz.zone_of(ctx))


def preview(ctx: Context, draft: wz.Draft) -> list[str]:
    event = _draft_event(ctx, draft)
    count = d.audience_count(ctx, event.audience)
    return [
        announcement(ctx._, event, wz.zone_of(ctx)),
        ctx._("Above is the announcement. It goes to {count} people: {audience}.").format(
            count=ctx._.number(count), audience=d.describe_audience(ctx, event.audience)
        ),
    ]


def finish(ctx: Context, draft: wz.Draft) -> None:
    planned = _draft_event(ctx, draft)
    if not d.still_ahead(ctx, planned.starts_at):
        return
    event = ev.create(
        ctx.conn,
        cluster_id=planned.cluster_id,
        kind="visit",
        title=planned.title,
        place=planned.place,
        purpose=planned.purpose,
        starts_at=planned.starts_at,
        ends_at=planned.ends_at,
        seats=planned.seats,
        audience=planned.audience,
        register_by=planned.register_by,
        contribution_paise=planned.contribution_paise,
        created_by=ctx.contact.ref,
        now=ctx.now_iso,
        language=planned.language,
        versions=planned.versions,
    )
    zone = wz.zone_of(ctx)
    messages = d.payloads(
        lambda t: announcement(t, event, zone),
        lambda t: (Choice(f"reg:{event.id}", t("Register")),),
    )
    d.announce(ctx, event, messages, N_("Done: the announcement goes to {count} people."))


WIZARD = wz.Wizard(
    flow=FLOW,
    prefix=P,
    command="newvisit",
    fields=(
        wz.Text(
            "destination",
            N_("Destination"),
            N_("Where does the visit go? Type the destination. Send /cancel to stop."),
            limit=d.MAX_TITLE,
        ),
        wz.Text(
            "purpose",
            N_("Purpose"),
            N_("What is the purpose of the visit? What will people learn?"),
            limit=d.MAX_PLACE,
        ),
        wz.When("starts_at", N_("Start"), N_("When does the visit start?")),
        wz.When(
            "ends_at",
            N_("End"),
            N_("When does it end?"),
            after=("starts_at", N_("The end must be after the start. Please type it again.")),
        ),
        wz.Count(
            "seats", N_("Seats"), N_("How many seats are there? Type a number."), high=MAX_SEATS
        ),
        by_network.RolesOrNetwork(
            "roles",
            N_("Who may register"),
            N_(
                "Who may register? SHG members and artisans are ticked; change it, then press "
                "“Done”."
            ),
            default=DEFAULT_ROLES,
        ),
        wz.When(
            "register_by",
            N_("Registration deadline"),
            N_("Until when can people register?"),
            button=NC_("button", "Register by"),
            before=(
                "starts_at",
                N_("Registration must close before the visit starts. Please type it again."),
            ),
        ),
        wz.Money(
            "paise",
            N_("Contribution"),
            N_("How much does each person contribute, in rupees?"),
            maximum_paise=MAX_CONTRIBUTION_PAISE,
            hint=N_("For example 1500 or 1,500. Type 0 if nothing."),
        ),
    ),
    preview=preview,
    finish=finish,
    send=("yes", N_("Yes, announce it")),
    translatable=("destination", "purpose"),
    shown_in=shown_in,
)

WIZARD.register(N_("Plan an exposure visit"), N_("Which cluster is this visit for?"))
