"""/newmeeting: a CDA plans a meeting and invites people (SPEC §5), a wizard
(handlers/wizard.py):

    cluster* -> title -> when -> place -> audience -> (roles) -> reminders
             -> preview: Send | Add a language | Change a field | Cancel
             -> invitations with Yes / No / Maybe (outbox) + reminders armed
                                                      (* only with several clusters)

The parsed time is shown back in the cluster's time zone right away and again in the
preview, so a wrong day is caught before anyone is invited.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.engine import Context
from bot.i18n import N_, Translator, translator
from bot.jobs import reminders
from bot.outbox.queue import Payload
from bot.storage import events as ev
from handlers import wizard as wz
from handlers.broadcasts.draft import AUDIENCES
from handlers.events import draft as d
from handlers.events.press import rsvp_choices
from handlers.networks import audience as by_network
from handlers.offsets import show_offsets

FLOW = "newmeeting"
P = "mt"  # button id prefix
INVITATION = N_(
    "You are invited: {title}\nWhen: {when}\nWhere: {place}\nWill you come? Please answer "
    "with the buttons."
)


def audience_of(draft: wz.Draft) -> dict[str, object]:
    key = draft.get("audience", "all")
    if key == "roles":
        return {"roles": list(draft.get("roles") or [])}
    if key == "network":
        return {"network": int(draft["network"])}
    return {} if key == "all" else {"gender": key}


def invitation_payloads(event: ev.Event, zone: ZoneInfo) -> dict[str, Payload]:
    """The invitation in every language, with its Yes / No / Maybe buttons."""
    return d.payloads(
        lambda t: invitation_text(t, event, zone), lambda t: rsvp_choices(t, event.id)
    )


def invitation_text(_: Translator, event: ev.Event, zone: ZoneInfo) -> str:
    """The invitation in `_`'s language, with the CDA's version of title and place in it."""
    event = event.read(_.language)
    return _(INVITATION).format(
        title=event.title,
        when=reminders.local_when(_, parse_iso(event.starts_at), zone),
        place=event.place,
    )


def shown_in(ctx: Context, draft: wz.Draft, language: str) -> str:
    """The invitation a reader of `language` gets."""
    here = wz.cluster_of(ctx)
    assert here is not None  # on_input checked it this turn
    event = ev.Event(
        0, here.id, "meeting", draft["title"], draft["place"], "", draft["starts_at"], None,
        None, audience_of(draft), None, 0, tuple(draft.get("offsets") or ()), "scheduled",
        ctx.contact.ref, ctx.now_iso, ctx.now_iso, versions=d.versions_of(draft),
    )  # fmt: skip
    return invitation_text(translator(language), event, ZoneInfo(here.timezone))


def preview(ctx: Context, draft: wz.Draft) -> list[str]:
    _ = ctx._
    audience = audience_of(draft)
    lines = [
        _("Meeting: {title}").format(title=draft["title"]),
        _("When: {when}").format(when=wz.show_moment(ctx, draft["starts_at"])),
        _("Where: {place}").format(place=draft["place"]),
        _("Audience: {audience}").format(audience=d.describe_audience(ctx, audience)),
        _("Reminders before: {offsets}").format(offsets=show_offsets(_, draft["offsets"])),
        _("Recipients: {count}").format(count=_.number(d.audience_count(ctx, audience))),
        "",
        _("Send the invitations now?"),
    ]
    return ["\n".join(lines)]


def finish(ctx: Context, draft: wz.Draft) -> None:
    if not d.still_ahead(ctx, draft["starts_at"]):
        return
    here = wz.cluster_of(ctx)
    assert here is not None  # on_input checked it this turn
    event = ev.create(
        ctx.conn,
        cluster_id=here.id,
        kind="meeting",
        title=draft["title"],
        place=draft["place"],
        starts_at=draft["starts_at"],
        audience=audience_of(draft),
        reminder_offsets=tuple(draft["offsets"]),
        created_by=ctx.contact.ref,
        now=ctx.now_iso,
        language=draft.get("lang"),
        versions=d.versions_of(draft),
    )
    messages = invitation_payloads(event, ZoneInfo(here.timezone))
    d.announce(ctx, event, messages, N_("Done: {count} invitations are on their way."))


WIZARD = wz.Wizard(
    flow=FLOW,
    prefix=P,
    command="newmeeting",
    fields=(
        wz.Text(
            "title",
            N_("Title"),
            N_("What is the meeting about? Type a short title. Send /cancel to stop."),
            limit=d.MAX_TITLE,
        ),
        wz.When("starts_at", N_("Date and time"), N_("When is the meeting?")),
        wz.Text(
            "place", N_("Place"), N_("Where will it be held? Type the place."), limit=d.MAX_PLACE
        ),
        by_network.AudiencePick(
            "audience",
            N_("Who is invited"),
            N_("Who should be invited?"),
            options=(*AUDIENCES.items(), ("network", by_network.NETWORK_AUDIENCE)),
        ),
        by_network.NetworkField(
            "network",
            N_("Network"),
            N_("The members of which network?"),
            applies=lambda draft: draft.get("audience") == "network",
        ),
        wz.Roles(
            "roles",
            N_("Roles"),
            N_("Choose one or more roles, then press “Done”."),
            applies=lambda draft: draft.get("audience") == "roles",
        ),
        wz.Offsets(
            "offsets",
            N_("Reminders"),
            N_(
                "When should I remind those who said Yes or Maybe? Press the button for the "
                "usual times before the meeting, or type your own, for example: 30 minutes"
            ),
            usual=ev.DEFAULT_OFFSETS,
        ),
    ),
    preview=preview,
    finish=finish,
    send=("yes", N_("Yes, invite them")),
    translatable=("title", "place"),
    shown_in=shown_in,
)

WIZARD.register(N_("Plan a meeting"), N_("Which cluster is this meeting for?"))
