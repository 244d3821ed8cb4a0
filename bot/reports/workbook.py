"""The report as an `.xlsx`: one sheet per indicator group, rendered only from
`bot.reports.indicators` results. Counts are numbers and rates are real percentages
(cell format 0%), next to each other, so the agency can re-total them; money is whole
rupees with Indian grouping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.i18n import N_, Translator
from bot.logframe.standing import LEVEL_LABELS, Standing
from bot.reports.indicators import (
    ANONYMOUS,
    GENDER_KEYS,
    INBOX_KINDS,
    LINKAGE_KEYS,
    STATUS_KEYS,
    Report,
    Share,
)
from bot.reports.labels import (
    CATEGORY_LABELS,
    GENDER_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    day,
    label,
    month,
)
from bot.reports.text import ANONYMOUS_LABEL, INBOX_KIND_LABELS, period_text
from bot.spreadsheet import append
from bot.vocabulary import LINKAGE_KINDS, NETWORK_KINDS, NETWORK_ORIGINS

# Excel's own format strings have no lakh grouping; these conditions give 1,00,000.
RUPEES = '[>=10000000]"₹"##\\,##\\,##\\,##0;[>=100000]"₹"##\\,##\\,##0;"₹"#,##0'
PERCENT = "0%"
KIND_LABELS = {"meeting": N_("Meeting"), "visit": N_("Exposure visit")}
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _rate(share: Share) -> float | None:
    return share.rate


class _Sheet:
    """Rows appended top to bottom; bold headers; formats per column."""

    def __init__(self, book: Workbook, title: str, heading: str):
        self.ws = book.create_sheet(title.translate(_FORBIDDEN)[:31])
        append(self.ws, [heading])
        self.ws.cell(1, 1).font = Font(bold=True)
        self.ws.column_dimensions["A"].width = 36

    def header(self, *names: str) -> None:
        self.ws.append([])
        append(self.ws, names)
        for cell in self.ws[self.ws.max_row]:
            cell.font = Font(bold=True)

    def row(self, *values: Any, formats: dict[int, str] | None = None) -> None:
        append(self.ws, values)  # titles typed by a CDA stay text
        for index, fmt in (formats or {}).items():
            self.ws.cell(self.ws.max_row, index + 1).number_format = fmt


def report_workbook(
    _: Translator, report: Report, out: str | IO[bytes], logframe: Sequence[Standing] = ()
) -> None:
    """The workbook; `logframe` (where each log-frame indicator stands, issue 18) adds a
    sheet when the cluster has one."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    heading = f"{report.cluster_name} ({report.cluster_code}) — {period_text(_, report)}"
    _scale(_, book, report, heading)
    _outreach(_, book, report, heading)
    _participation(_, book, report, heading)
    _surveys(_, book, report, heading)
    _transparency(_, book, report, heading)
    _listening(_, book, report, heading)
    _action_plan(_, book, report, heading)
    _networks(_, book, report, heading)
    if logframe:
        _logframe(_, book, logframe, heading)
    book.save(out)


def _scale(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    s = report.scale
    sheet = _Sheet(book, _("Scale"), heading)
    sheet.header(_("Indicator"), _("Value"), _("Share"))
    sheet.row(_("Registered"), s.registered)
    sheet.row(_("New in the period"), s.new_in_period)
    sheet.row(_("Active in the period"), s.active, _rate(Share(s.active, s.registered)),
              formats={2: PERCENT})  # fmt: skip
    sheet.row(_("Erased their data"), s.erased)
    sheet.header(_("Role"), _("Registered"), _("Share"))
    for key, count in s.by_role.items():
        sheet.row(label(_, ROLE_LABELS, key), count, _rate(Share(count, s.registered)),
                  formats={2: PERCENT})  # fmt: skip


def _outreach(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    o = report.outreach
    sheet = _Sheet(book, _("Outreach"), heading)
    sheet.header(_("Gender"), _("Registered"), _("Share"), _("Took part in the period"), _("Share"))
    registered = sum(o.registered_by_gender.values())
    for key in GENDER_KEYS:
        sheet.row(
            label(_, GENDER_LABELS, key),
            o.registered_by_gender[key],
            _rate(Share(o.registered_by_gender[key], registered)),
            o.participants_by_gender[key],
            _rate(Share(o.participants_by_gender[key], o.participants)),
            formats={2: PERCENT, 4: PERCENT},
        )
    sheet.header(_("Role"), _("Took part in the period"), _("Share"))
    for key, count in o.participants_by_role.items():
        sheet.row(label(_, ROLE_LABELS, key), count, _rate(Share(count, o.participants)),
                  formats={2: PERCENT})  # fmt: skip
    sheet.header(_("Event"), _("Date"), _("Came"), _("Women"), _("Women share"))
    for g in o.events:
        title = report.event_title(g.key, g.label, _.language)
        sheet.row(title, day(_, g.when or "", report.timezone) if g.when else "",
                  g.women.total, g.women.count, _rate(g.women), formats={4: PERCENT})  # fmt: skip
    sheet.header(_("Survey"), "", _("Responses"), _("Women"), _("Women share"))
    for g in o.surveys:
        title = report.survey_title(g.key, g.label, _.language)
        sheet.row(title, "", g.women.total, g.women.count, _rate(g.women),
                  formats={4: PERCENT})  # fmt: skip


def _participation(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    p = report.participation
    sheet = _Sheet(book, _("Participation"), heading)
    sheet.header(
        _("Event"), _("Kind"), _("Date"), _("Invited"), _("Said yes"), _("Share"),
        _("Came"), _("Share"),
    )  # fmt: skip
    for e in p.events:
        sheet.row(
            report.event_title(e.event_id, e.title, _.language), label(_, KIND_LABELS, e.kind),
            day(_, e.starts_at, report.timezone),
            e.invited, e.said_yes, _rate(e.yes_rate), e.attended, _rate(e.attendance_rate),
            formats={5: PERCENT, 7: PERCENT},
        )  # fmt: skip
    sheet.header(_("Month"), _("Events"), _("Invited"), _("Came"), _("Share"))
    for m in p.trend:
        sheet.row(month(_, m.month), m.events, m.invited, m.attended, _rate(m.attendance_rate),
                  formats={4: PERCENT})  # fmt: skip


def _surveys(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    sheet = _Sheet(book, _("Surveys"), heading)
    sheet.header(_("Survey"), _("Key"), _("Responses"), _("Completed"), _("Share"),
                 _("Median minutes"))  # fmt: skip
    for s in report.surveys:
        median = round(s.median_minutes, 1) if s.median_minutes is not None else None
        title = report.survey_title(s.key, s.title, _.language)
        sheet.row(title, s.key, s.responses, s.completed, _rate(s.completion), median,
                  formats={4: PERCENT})  # fmt: skip


def _transparency(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    t = report.transparency
    sheet = _Sheet(book, _("Transparency"), heading)
    sheet.header(_("Indicator"), _("Value"))
    sheet.row(_("Updates published"), len(t.updates))
    sheet.row(_("Stopped updates"), t.opted_out)
    sheet.row(_("Blocked the bot"), t.unreachable)
    sheet.header(_("Update"), _("Date"), _("Recipients"), _("Delivered"), _("Share"))
    for u in t.updates:
        sheet.row(f"#{u.update_id}", day(_, u.published_at, report.timezone), u.recipients,
                  u.delivered, _rate(u.reach), formats={4: PERCENT})  # fmt: skip


def _listening(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    li = report.listening
    sheet = _Sheet(book, _("Listening"), heading)
    sheet.header(_("Indicator"), _("Value"), _("Share"))
    sheet.row(_("Received"), li.total)
    sheet.row(_("Answered"), li.answered, _rate(li.answered_share), formats={2: PERCENT})
    median = round(li.median_hours, 1) if li.median_hours is not None else None
    sheet.row(_("Median hours to the first answer"), median)
    sheet.row(_("Published as public answers"), li.published, _rate(li.published_share),
              formats={2: PERCENT})  # fmt: skip
    sheet.header(_("Kind"), _("Received"))
    for kind in INBOX_KINDS:
        sheet.row(label(_, INBOX_KIND_LABELS, kind), li.received[kind])
    labels = {ANONYMOUS: ANONYMOUS_LABEL}
    for title, table, groups in (
        (_("Gender"), {**GENDER_LABELS, **labels}, li.by_gender),
        (_("Role"), {**ROLE_LABELS, **labels}, li.by_role),
    ):
        sheet.header(title, _("Received"), _("Answered"), _("Share"))
        for key, g in groups.items():
            sheet.row(label(_, table, key), g.received, g.answered, _rate(g.answered_share),
                      formats={3: PERCENT})  # fmt: skip


def _action_plan(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    a = report.action_plan
    sheet = _Sheet(book, _("Action plan"), heading)
    sheet.header(_("Category"), *(_(STATUS_LABELS[k]) for k in STATUS_KEYS), _("Total"))
    for category, row in a.by_category.items():
        sheet.row(label(_, CATEGORY_LABELS, category), *(row[k] for k in STATUS_KEYS),
                  sum(row.values()))  # fmt: skip
    sheet.row(_("Total"), *(a.by_status[k] for k in STATUS_KEYS), a.total)
    sheet.row(_("Done (dropped ones left out)"), a.done.count, _rate(a.done),
              formats={2: PERCENT})  # fmt: skip
    sheet.row(_("Unplanned (dropped ones left out)"), a.unplanned_share.count,
              _rate(a.unplanned_share), formats={2: PERCENT})  # fmt: skip
    sheet.header(_("Budget"), _("Rupees"), _("Share"))
    for name, paise in (
        (_("Beneficiaries"), a.beneficiaries_paise),
        (_("Implementing agency"), a.agency_paise),
        (_("Other institutions"), a.others_paise),
        (_("Total"), a.budget_paise),
    ):
        sheet.row(name, round(paise / 100), _rate(Share(paise, a.budget_paise)),
                  formats={1: RUPEES, 2: PERCENT})  # fmt: skip


def _networks(_: Translator, book: Workbook, report: Report, heading: str) -> None:
    """Networks and linkages (issue 19): the same figures as the /report text, in full."""
    n = report.networks
    sheet = _Sheet(book, _("Networks"), heading)
    sheet.header(_("Indicator"), _("Value"), _("Share"))
    for origin, count in n.by_origin.items():
        sheet.row(_(NETWORK_ORIGINS[origin]), count)
    sheet.row(_("Members"), n.members)
    sheet.row(_("Women members"), n.women, _rate(n.women_share), formats={2: PERCENT})
    sheet.header(_("Network"), _("Kind"), _("Origin"), _("Members"), _("Women"), _("Share"),
                 _("Meetings"), _("Invited"), _("Attended"), _("Share"),
                 _("Beneficiaries' budget"), _("Share"))  # fmt: skip
    for s in n.networks:
        taking_part = s.participation
        sheet.row(
            s.name, _(NETWORK_KINDS[s.kind]), _(NETWORK_ORIGINS[s.origin]), s.members, s.women,
            _rate(s.women_share), len(s.meetings), taking_part.total, taking_part.count,
            _rate(taking_part), round(s.beneficiaries_paise / 100),
            _rate(n.committed_share(s)), formats={5: PERCENT, 9: PERCENT, 10: RUPEES, 11: PERCENT},
        )  # fmt: skip
    months = sorted({m for s in n.networks for m, _count in s.trend})
    if months:
        sheet.header(_("Members by month"), *(month(_, m) for m in months))
        for s in n.networks:
            by_month = dict(s.trend)
            sheet.row(s.name, *(by_month.get(m, 0) for m in months))
    sheet.header(_("Linkages"), _("At the baseline"), _("Now"))
    if n.baseline is not None:
        sheet.row(_("Baseline date"), n.baseline)
    for kind in LINKAGE_KEYS:
        sheet.row(_(LINKAGE_KINDS[kind]), n.linkages_baseline[kind], n.linkages_now[kind])
    sheet.row(_("Total"), sum(n.linkages_baseline.values()), sum(n.linkages_now.values()))


LIGHT_LABELS = {
    "green": N_("on track"), "amber": N_("behind"), "red": N_("far behind"),
    "none": N_("nothing to judge yet"),
}  # fmt: skip


def _logframe(_: Translator, book: Workbook, rows: Sequence[Standing], heading: str) -> None:
    """Every indicator with its baseline, target, latest value and how far it has come: the
    same figures as /logframe (bot/logframe/standing.py)."""
    sheet = _Sheet(book, _("Log-frame"), heading)
    sheet.header(_("Ref"), _("Level"), _("Statement"), _("Indicator"), _("Baseline"),
                 _("Target"), _("Target date"), _("Latest value"), _("Measured on"),
                 _("Of the way"), _("Status"), _("Source"))  # fmt: skip
    for item in rows:
        row = item.row
        sheet.row(
            row.ref, _(LEVEL_LABELS[row.level]), row.statement, row.indicator, row.baseline,
            row.target, row.target_date, item.value, item.measured_on, item.progress,
            _(LIGHT_LABELS[item.light]), row.source, formats={9: PERCENT},
        )  # fmt: skip
