"""The dashboard's delivery, events and plan pages as sections (bot/web/blocks.py), from the
counts of bot/web/dashboard_data.py, worded as the chat's /deliveries, /events and /activity
word them."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.reminder_offsets import show_offset
from bot.reports.indicators import ActionPlan, Share
from bot.reports.labels import CATEGORY_LABELS, STATUS_LABELS, day, label, rupees, share_text
from bot.reports.ledger import STATUS
from bot.reports.workbook import KIND_LABELS
from bot.storage.activities import Activity
from bot.web import svg
from bot.web.blocks import Block, Cell, Figure, Section, Table, chart
from bot.web.dashboard_data import Delivery, EventDeliveries, EventFigures
from bot.web.dashboard_report import budget_block

PLAN_LABELS = {"planned": N_("Planned"), "unplanned": N_("Unplanned")}
NOT_SENT = {  # a broadcast that did not go out, as /deliveries says it
    "cancelled": N_("Cancelled; nobody got it."),
    "missed": N_("Not sent: the bot was off at the time it was scheduled for."),
}


def _missed_text(_: Translator, d: Delivery) -> str:
    """'failed 1 · blocked the bot 2': what became of those who did not get it."""
    return " · ".join(
        f"{_(STATUS[k])} {_.number(n)}"
        for k, n in d.counts.items()
        if n and k not in ("sent", "waiting")
    )


def _ledger_row(_: Translator, name: str, d: Delivery) -> list[Cell]:
    extra = [_missed_text(_, d)]
    if d.delivered:  # WhatsApp reports delivery and reading; Telegram does not
        extra.append(_("On WhatsApp: delivered {delivered} · read {read}").format(
            delivered=_.number(d.delivered), read=_.number(d.read)))  # fmt: skip
    shown = " · ".join([name, *(e for e in extra if e)])
    return [shown, _.number(d.counts["sent"]), _.number(d.counts["waiting"]), _.number(d.missed)]


def _ledger_head(_: Translator, first: str) -> list[str]:
    return [first, _(STATUS["sent"]), _(STATUS["waiting"]), _("Did not get it")]


def deliveries(
    _: Translator, zone: ZoneInfo, sent: list[Delivery], events: list[EventDeliveries]
) -> list[Section]:
    every = sent + [m for e in events for m in e.messages]
    totals = {k: sum(d.counts[k] for d in every) for k in STATUS}
    overall = Section(
        _("Deliveries"),
        figures=[Figure(k, _(v), _.number(totals[k])) for k, v in STATUS.items()],
    )
    if sum(totals.values()):
        bars = [svg.Bar(_(v), totals[k], _.number(totals[k])) for k, v in STATUS.items()]
        rows: list[list[Cell]] = [[_(v), _.number(totals[k])] for k, v in STATUS.items()]
        overall.blocks.append(
            Block(Table(_("Deliveries"), [_("Status"), _("Total")], rows),
                  chart(svg.bar_chart(_("Deliveries"), bars)))
        )  # fmt: skip
    else:
        overall.notes.append(_("No invitations or reminders have been sent yet."))
    broadcasts = Section(_("Broadcasts"))
    if sent:
        rows = []
        for d in sent:
            when = day(_, d.when, zone.key) if d.when else ""
            name = f"#{d.number} · {when}"
            if d.state == "scheduled" and d.when:
                name += " · " + _("Scheduled for {when}.").format(when=when)
            elif d.state in NOT_SENT:
                name += " · " + _(NOT_SENT[d.state])
            rows.append(_ledger_row(_, name, d))
        broadcasts.blocks.append(Block(Table(_("Broadcasts"), _ledger_head(_, "#"), rows)))
    else:
        broadcasts.notes.append(_("No broadcasts yet. Send one with /broadcast."))
    meetings = Section(_("Meetings and visits"))
    for e in events:
        title = f"{day(_, e.starts_at, zone.key)} · {e.title}"
        if e.status == "cancelled":
            title += " · " + _("event cancelled")
        rows = []
        for m in e.messages:
            if m.kind == "invitation":
                name = _("Invitations")
            else:
                name = _("Reminder {offset} before").format(offset=show_offset(_, m.offset_minutes))
                if m.state == "pending":
                    name += " · " + _("due {when}").format(when=day(_, m.when or "", zone.key))
                elif m.state == "cancelled":
                    name += " · " + _("cancelled")
            rows.append(_ledger_row(_, name, m))
        meetings.blocks.append(Block(Table(title, _ledger_head(_, _("Message")), rows)))
    return [overall, broadcasts, meetings]


def events(_: Translator, zone: ZoneInfo, now: str, found: list[EventFigures],
           titles: dict[int, dict[str, str]]) -> list[Section]:  # fmt: skip
    upcoming = Section(_("Upcoming"))
    past = Section(_("Past"))
    for e in found:
        section = upcoming if e.starts_at > now else past
        title = titles.get(e.event_id, {}).get(_.language) or e.title
        kind = _(KIND_LABELS.get(e.kind, e.kind))
        heading = f"{day(_, e.starts_at, zone.key)} · {title} ({kind})"
        if e.status == "cancelled":
            heading += " · " + _("event cancelled")
        rows: list[list[Cell]] = []
        if e.kind == "meeting":
            rows += [[_("Yes"), _.number(e.answers["yes"])], [_("No"), _.number(e.answers["no"])],
                     [_("Maybe"), _.number(e.answers["maybe"])]]  # fmt: skip
        else:
            seats = "–" if e.seats is None else _.number(e.seats)
            rows += [[_("Seats"), seats], [_("Confirmed"), _.number(e.confirmed)],
                     [_("Waiting list"), _.number(e.waiting)]]  # fmt: skip
        rows += [[_("Came"), _.number(e.attended)],
                 [_("Women"), share_text(_, Share(e.women, e.attended))]]  # fmt: skip
        section.blocks.append(Block(Table(heading, [_("Event"), _("Total")], rows)))
    # soonest first for what is coming, latest first for what is done
    upcoming.blocks.reverse()
    if not upcoming.blocks:
        upcoming.notes.append(_("No meetings or visits are planned at the moment."))
    if not past.blocks:
        past.notes.append(_("No meetings or visits in this period."))
    return [upcoming, past]


def _dates(_: Translator, a: Activity) -> str:
    shown = [_.date(date.fromisoformat(d)) for d in (a.starts_on, a.ends_on) if d]
    return " – ".join(shown) or "–"


def plan(_: Translator, plan_totals: ActionPlan, found: list[Activity]) -> list[Section]:
    summary = Section(
        _("Action plan"),
        figures=[
            Figure("activities", _("Total"), _.number(plan_totals.total)),
            Figure("done", _("Done (dropped ones left out)"), share_text(_, plan_totals.done)),
            Figure("budget", _("Budget"), rupees(_, plan_totals.budget_paise)),
        ],
        blocks=[budget_block(_, plan_totals.beneficiaries_paise, plan_totals.agency_paise,
                             plan_totals.others_paise)],
    )  # fmt: skip
    listing = Section(_("Activities"))
    for a in found:
        rows: list[list[Cell]] = [
            [_("Status"), label(_, STATUS_LABELS, a.status)],
            [_("Category"), label(_, CATEGORY_LABELS, a.category)],
            [_("Date"), _dates(_, a)],
            [_("Kind"), label(_, PLAN_LABELS, a.plan)],
            [_("Beneficiaries"), rupees(_, a.beneficiaries_paise)],
            [_("Implementing agency"), rupees(_, a.agency_paise)],
            [_("Other institutions"), rupees(_, a.others_paise)],
            [_("Total"), rupees(_, a.total_paise)],
        ]
        listing.blocks.append(Block(Table(a.title, [_("Activities"), ""], rows)))
    if not found:
        listing.notes.append(_("No activities yet."))
    return [summary, listing]

