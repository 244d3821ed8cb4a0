"""The dashboard's indicator page: a `Report` of bot.reports.indicators (the one place the
indicators are computed, as /report does) laid out as sections of figures, charts and their
tables. Wording comes from bot/reports (labels, the workbook's column names), so the page
reads like the chat report and the spreadsheet."""

from __future__ import annotations

from bot.i18n import Translator
from bot.reports.indicators import INBOX_KINDS, LINKAGE_KEYS, STATUS_KEYS, Report, Share
from bot.reports.labels import (
    GENDER_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    day,
    label,
    month,
    percent,
    rupees,
    share_text,
)
from bot.reports.text import ANONYMOUS_LABEL, INBOX_KIND_LABELS, period_text, waited
from bot.reports.workbook import KIND_LABELS
from bot.vocabulary import LINKAGE_KINDS, NETWORK_ORIGINS
from bot.web import svg
from bot.web.blocks import Block, Figure, Link, Section, Table, chart

MAX_ROWS = 24  # events or months in a table: the latest; the spreadsheet has every one


def sections(_: Translator, report: Report, survey_link: str) -> list[Section]:
    """`survey_link`: the survey page's address with `{key}` for the survey's key."""
    return [
        _scale(_, report),
        _outreach(_, report),
        _participation(_, report),
        survey_section(_, report, survey_link),
        _transparency(_, report),
        _listening(_, report),
        _action_plan(_, report),
        _networks(_, report),
    ]


def period_line(_: Translator, report: Report) -> str:
    return period_text(_, report)


def _count_rows(
    _: Translator, table: dict[str, str], counts: dict[str, int]
) -> list[list[str | Link]]:
    total = sum(counts.values())
    return [
        [label(_, table, k), _.number(n), percent(_, Share(n, total))] for k, n in counts.items()
    ]


def _bars(_: Translator, table: dict[str, str], counts: dict[str, int]) -> list[svg.Bar]:
    return [svg.Bar(label(_, table, k), n, _.number(n)) for k, n in counts.items()]


def _counts_block(
    _: Translator, title: str, head: str, table: dict[str, str], counts: dict[str, int]
) -> Block:
    return Block(
        Table(title, [head, _("Registered"), _("Share")], _count_rows(_, table, counts)),
        chart(svg.bar_chart(title, _bars(_, table, counts))),
    )


def _scale(_: Translator, report: Report) -> Section:
    s = report.scale
    return Section(
        _("Scale"),
        figures=[
            Figure("registered", _("Registered"), _.number(s.registered)),
            Figure("new", _("New in the period"), _.number(s.new_in_period)),
            Figure("active", _("Active in the period"),
                   share_text(_, Share(s.active, s.registered))),
            Figure("erased", _("Erased their data"), _.number(s.erased)),
        ],
        blocks=[_counts_block(_, _("Role"), _("Role"), ROLE_LABELS, s.by_role)],
    )


def _outreach(_: Translator, report: Report) -> Section:
    o = report.outreach
    took_part = _("Took part in the period")
    blocks = [_counts_block(_, _("Gender"), _("Gender"), GENDER_LABELS, o.registered_by_gender)]
    if o.participants:
        for head, table, counts in (
            (_("Gender"), GENDER_LABELS, o.participants_by_gender),
            (_("Role"), ROLE_LABELS, o.participants_by_role),
        ):
            rows = _count_rows(_, table, counts)
            blocks.append(Block(Table(f"{took_part}: {head}", [head, took_part, _("Share")], rows)))
    return Section(
        _("Outreach"),
        figures=[
            Figure("women", _("Women"), share_text(_, o.women_registered)),
            Figure("participants", took_part, _.number(o.participants)),
            Figure("women_participants", _("Women share"), share_text(_, o.women_participants)),
        ],
        blocks=blocks,
    )


def _participation(_: Translator, report: Report) -> Section:
    p = report.participation
    section = Section(
        _("Participation"),
        figures=[
            Figure("events", _("Events"), _.number(len(p.events))),
            Figure("invited", _("Invited"), _.number(p.invited)),
            Figure("said_yes", _("Said yes"), share_text(_, Share(p.said_yes, p.invited))),
            Figure("came", _("Came"), share_text(_, Share(p.attended, p.invited))),
        ],
    )
    if not p.events:
        section.notes.append(_("No meetings or visits in this period."))
        return section
    trend = p.trend[-MAX_ROWS:]
    rates = [m.attendance_rate.rate for m in trend]
    highest = max((r for r in rates if r is not None), default=0.0)
    points = [
        svg.Point(month(_, m.month), r, percent(_, m.attendance_rate))
        for m, r in zip(trend, rates, strict=True)
    ]
    title = _("Attendance by month")
    # walk-ins can take a month past 100 %: then the axis tops at that month
    top = (1.0, percent(_, Share(1, 1))) if highest <= 1.0 else None
    section.blocks.append(
        Block(
            Table(title, [_("Month"), _("Events"), _("Invited"), _("Came")],
                  [[month(_, m.month), _.number(m.events), _.number(m.invited),
                    share_text(_, m.attendance_rate)] for m in trend]),
            chart(svg.line_chart(title, points, top=top)),
        )
    )  # fmt: skip
    women = {g.key: g.women for g in report.outreach.events}
    rows: list[list[str | Link]] = [
        [
            f"{day(_, e.starts_at, report.timezone)} · "
            f"{report.event_title(e.event_id, e.title, _.language)}"
            f" ({_(KIND_LABELS.get(e.kind, e.kind))})",
            _.number(e.invited),
            _.number(e.said_yes),
            _.number(e.attended),
            share_text(_, women.get(f"event:{e.event_id}", Share(0, 0))),
        ]
        for e in p.events[-MAX_ROWS:]
    ]
    section.blocks.append(
        Block(Table(_("Events"), [_("Event"), _("Invited"), _("Said yes"), _("Came"), _("Women")],
                    rows))
    )  # fmt: skip
    return section


def survey_section(_: Translator, report: Report, survey_link: str) -> Section:
    section = Section(_("Surveys"))
    if not report.surveys:
        section.notes.append(_("No surveys yet."))
        return section
    women = {g.key: g.women for g in report.outreach.surveys}
    rows: list[list[str | Link]] = []
    for s in report.surveys:
        minutes = "–" if s.median_minutes is None else _.number(round(s.median_minutes))
        title = report.survey_title(s.key, s.title, _.language)
        rows.append([
            Link(title, survey_link.format(key=s.key)), _.number(s.responses),
            share_text(_, s.completion), minutes,
            share_text(_, women.get(s.key, Share(0, 0))),
        ])  # fmt: skip
    section.blocks.append(
        Block(Table(_("Surveys"), [_("Survey"), _("Responses"), _("Completed"),
                                   _("Median minutes"), _("Women")], rows))
    )  # fmt: skip
    return section


def _transparency(_: Translator, report: Report) -> Section:
    t = report.transparency
    section = Section(
        _("Transparency"),
        figures=[
            Figure("updates", _("Updates published"), _.number(len(t.updates))),
            Figure("reach", _("Delivered"), share_text(_, t.reach)),
            Figure("opted_out", _("Stopped updates"), _.number(t.opted_out)),
            Figure("blocked", _("Blocked the bot"), _.number(t.unreachable)),
        ],
    )
    if t.updates:
        rows: list[list[str | Link]] = [
            [day(_, u.published_at, report.timezone), _.number(u.recipients),
             share_text(_, u.reach)]
            for u in t.updates[-MAX_ROWS:]
        ]  # fmt: skip
        section.blocks.append(
            Block(Table(_("Updates published"), [_("Date"), _("Recipients"), _("Delivered")], rows))
        )
    return section


def _listening(_: Translator, report: Report) -> Section:
    li = report.listening
    section = Section(
        _("Listening"),
        figures=[
            Figure("received", _("Received"), _.number(li.total)),
            Figure("answered", _("Answered"), share_text(_, li.answered_share)),
            Figure("median_hours", _("Median hours to the first answer"),
                   waited(_, li.median_hours)),
            Figure("published", _("Published as public answers"),
                   share_text(_, li.published_share)),
        ],
    )  # fmt: skip
    if not li.total:
        section.notes.append(_("Nobody wrote to the CDA in this period."))
        return section
    kinds = {k: li.received[k] for k in INBOX_KINDS}
    section.blocks.append(
        Block(Table(_("Kind"), [_("Kind"), _("Received"), _("Share")],
                    _count_rows(_, INBOX_KIND_LABELS, kinds)))
    )  # fmt: skip
    for head, table, groups in (
        (_("Gender"), GENDER_LABELS, li.by_gender),
        (_("Role"), ROLE_LABELS, li.by_role),
    ):
        if groups:
            names = {**table, "anonymous": ANONYMOUS_LABEL}
            rows: list[list[str | Link]] = [
                [label(_, names, k), _.number(g.received), share_text(_, g.answered_share)]
                for k, g in groups.items()
            ]
            section.blocks.append(
                Block(Table(head, [head, _("Received"), _("Answered")], rows))
            )
    return section


def _action_plan(_: Translator, report: Report) -> Section:
    a = report.action_plan
    section = Section(
        _("Action plan"),
        figures=[
            Figure("activities", _("Total"), _.number(a.total)),
            Figure("done", _("Done (dropped ones left out)"), share_text(_, a.done)),
            Figure("unplanned", _("Unplanned (dropped ones left out)"),
                   share_text(_, a.unplanned_share)),
            Figure("budget", _("Budget"), rupees(_, a.budget_paise)),
        ],
    )  # fmt: skip
    if not a.total:
        section.notes.append(_("No activities yet."))
        return section
    status = a.by_status
    section.blocks.append(
        Block(Table(_("Status"), [_("Status"), _("Total"), _("Share")],
                    _count_rows(_, STATUS_LABELS, {k: status[k] for k in STATUS_KEYS})))
    )  # fmt: skip
    section.blocks.append(budget_block(_, a.beneficiaries_paise, a.agency_paise, a.others_paise))
    return section


def budget_block(_: Translator, beneficiaries: int, agency: int, others: int) -> Block:
    """Who pays: a 100 % bar and its table, in rupees (stored in paise)."""
    total = beneficiaries + agency + others
    parts = [
        (_("Beneficiaries"), beneficiaries),
        (_("Implementing agency"), agency),
        (_("Other institutions"), others),
    ]
    rows: list[list[str | Link]] = [
        [name, rupees(_, paise), percent(_, Share(paise, total))] for name, paise in parts
    ]
    rows.append([_("Total"), rupees(_, total), percent(_, Share(total, total))])
    bars = [svg.Bar(name, paise / 100, rupees(_, paise)) for name, paise in parts]
    return Block(
        Table(_("Budget"), [_("Budget"), _("Rupees"), _("Share")], rows),
        chart(svg.split_bar(_("Budget"), bars)),
    )


def _networks(_: Translator, report: Report) -> Section:
    n = report.networks
    section = Section(
        _("Networks"),
        figures=[
            Figure("networks", _("Networks"), _.number(len(n.networks))),
            Figure("members", _("Members"), _.number(n.members)),
            Figure("women_members", _("Women members"), share_text(_, n.women_share)),
        ],
    )
    if not n.networks:
        section.notes.append(_("No networks yet."))
    else:
        rows: list[list[str | Link]] = [
            [f"{s.name} ({_(NETWORK_ORIGINS.get(s.origin, s.origin))})", _.number(s.members),
             percent(_, s.women_share)]
            for s in sorted(n.networks, key=lambda s: (-s.members, s.name))
        ]  # fmt: skip
        section.blocks.append(
            Block(Table(_("Networks"), [_("Network"), _("Members"), _("Women share")], rows))
        )
    if n.baseline is not None:
        rows = [
            [_(LINKAGE_KINDS[k]), _.number(n.linkages_baseline[k]), _.number(n.linkages_now[k])]
            for k in LINKAGE_KEYS
        ]
        section.blocks.append(
            Block(Table(_("Linkages"), [_("Linkages"), _("At the baseline"), _("Now")], rows))
        )
    return section
