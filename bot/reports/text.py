"""The `/report` chat summary: a short text in the reader's language, rendered only from
`bot.reports.indicators` results. Long lists (every event, every update) stay in the
spreadsheet; the text keeps the latest few so it fits one Telegram message (4096
characters) in every language."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import iso, parse_iso
from bot.i18n import N_, Translator
from bot.reports.indicators import (
    ANONYMOUS,
    INBOX_KINDS,
    LINKAGE_KEYS,
    STATUS_KEYS,
    GroupListening,
    Report,
    Share,
)
from bot.reports.labels import (
    GENDER_LABELS,
    PERIOD_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    day,
    label,
    month,
    percent,
    rupees,
    share_text,
)
from bot.vocabulary import LINKAGE_KINDS, NETWORK_ORIGINS

MAX_EVENTS = 4  # the latest events of the period
MAX_SURVEYS = 4
MAX_MONTHS = 6  # the latest months of the attendance trend
MAX_CHARS = 4096  # Telegram's message limit
MAX_NETWORKS = 5  # the biggest networks; the workbook has every one
# The kinds of what people send the CDA, as the report names them (issue 15).
INBOX_KIND_LABELS = {
    "question": N_("Questions"),
    "suggestion": N_("Suggestions"),
    "complaint": N_("Complaints"),
    "privacy": N_("About their data"),
}
ANONYMOUS_LABEL = N_("Anonymous")


def period_text(_: Translator, report: Report) -> str:
    period, zone = report.period, report.timezone
    until = day(_, iso(parse_iso(period.end) - timedelta(seconds=1)), zone)
    if period.start is None:
        span = _("until {end}").format(end=until)
    else:
        span = f"{day(_, period.start, zone)} – {until}"
    name = _(PERIOD_LABELS[period.kind]) if period.kind in PERIOD_LABELS else ""
    return f"{name} ({span})" if name else span


def _counts(_: Translator, table: dict[str, str], counts: dict[str, int]) -> str:
    """'Artisan 12 · SHG member 3': biggest first, zeros left to the chart and workbook."""
    shown = sorted(((n, k) for k, n in counts.items() if n), key=lambda item: -item[0])
    return " · ".join(f"{label(_, table, k)} {_.number(n)}" for n, k in shown) or "–"


def report_text(_: Translator, report: Report) -> str:
    lines = [
        _("📈 M&E report: {cluster}").format(cluster=report.cluster_name),
        period_text(_, report),
    ]
    lines += _scale(_, report) + _outreach(_, report) + _participation(_, report)
    lines += _surveys(_, report) + _transparency(_, report) + _listening(_, report)
    lines += _action_plan(_, report) + _networks(_, report)
    text = "\n".join(lines)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _scale(_: Translator, report: Report) -> list[str]:
    s = report.scale
    lines = [
        "",
        _("👥 Scale"),
        _("Registered: {registered} (new in the period: {new})").format(
            registered=_.number(s.registered), new=_.number(s.new_in_period)
        ),
        _("Active in the period: {active}").format(
            active=share_text(_, Share(s.active, s.registered))
        ),
        _("By role: {roles}").format(roles=_counts(_, ROLE_LABELS, s.by_role)),
    ]
    if s.erased:
        lines.append(_("Erased their data: {count}").format(count=_.number(s.erased)))
    return lines


def _outreach(_: Translator, report: Report) -> list[str]:
    o = report.outreach
    lines = [
        "",
        _("🙋 Outreach"),
        _("Women registered: {share}").format(share=share_text(_, o.women_registered)),
        _("Registered by gender: {genders}").format(
            genders=_counts(_, GENDER_LABELS, o.registered_by_gender)
        ),
        _("Took part in the period: {count} (events attended or surveys answered)").format(
            count=_.number(o.participants)
        ),
        _("Women among them: {share}").format(share=share_text(_, o.women_participants)),
    ]
    if o.participants:
        lines.append(
            _("By role: {roles}").format(roles=_counts(_, ROLE_LABELS, o.participants_by_role))
        )
    return lines


def _participation(_: Translator, report: Report) -> list[str]:
    p = report.participation
    lines = ["", _("🤝 Participation")]
    if not p.events:
        return [*lines, _("No meetings or visits in this period.")]
    lines.append(
        _("{events} events · invited {invited} · said yes {yes} · came {came}").format(
            events=_.number(len(p.events)),
            invited=_.number(p.invited),
            yes=share_text(_, Share(p.said_yes, p.invited)),
            came=share_text(_, Share(p.attended, p.invited)),
        )
    )
    women = {g.key: g.women for g in report.outreach.events}
    for e in p.events[-MAX_EVENTS:]:
        lines.append(
            "• "
            + _("{date} {title}: invited {invited}, yes {yes}, came {came}, women {women}").format(
                date=day(_, e.starts_at, report.timezone),
                title=report.event_title(e.event_id, e.title, _.language)[:40],
                invited=_.number(e.invited),
                yes=_.number(e.said_yes),
                came=share_text(_, e.attendance_rate),
                women=share_text(_, women.get(f"event:{e.event_id}", Share(0, 0))),
            )
        )
    trend = " · ".join(  # counts too: "60%" of 5 people is 3
        f"{month(_, m.month)} {share_text(_, m.attendance_rate)}" for m in p.trend[-MAX_MONTHS:]
    )
    lines.append(_("Attendance by month: {trend}").format(trend=trend))
    return lines


def _surveys(_: Translator, report: Report) -> list[str]:
    lines = ["", _("📝 Surveys")]
    if not report.surveys:
        return [*lines, _("No surveys yet.")]
    women = {g.key: g.women for g in report.outreach.surveys}
    for s in report.surveys[:MAX_SURVEYS]:
        minutes = (
            _("{minutes} min").format(minutes=_.number(round(s.median_minutes)))
            if s.median_minutes is not None
            else "–"
        )
        lines.append(
            "• "
            + _(
                "{title}: responses {responses}, completed {completed}, median {median}, "
                "women {women}"
            ).format(
                title=report.survey_title(s.key, s.title, _.language)[:40],
                responses=_.number(s.responses),
                completed=share_text(_, s.completion),
                median=minutes,
                women=share_text(_, women.get(s.key, Share(0, 0))),
            )
        )
    return lines


def _transparency(_: Translator, report: Report) -> list[str]:
    t = report.transparency
    return [
        "",
        _("📣 Transparency"),
        _("Updates published: {count} · delivered {reach}").format(
            count=_.number(len(t.updates)), reach=share_text(_, t.reach)
        ),
        _("Stopped updates: {opted_out} · blocked the bot: {blocked}").format(
            opted_out=_.number(t.opted_out), blocked=_.number(t.unreachable)
        ),
    ]


def waited(_: Translator, hours: float | None) -> str:
    """How long a first answer took: '5 h' under two days, else '3.5 days'."""
    if hours is None:
        return "–"
    if hours < 48:
        return _("{hours} h").format(hours=_.number(round(hours, 1)))
    return _("{days} days").format(days=_.number(round(hours / 24, 1)))


def _listening(_: Translator, report: Report) -> list[str]:
    li = report.listening
    lines = ["", _("💬 Listening")]
    if not li.total:
        return [*lines, _("Nobody wrote to the CDA in this period.")]
    kinds = " · ".join(
        f"{_(INBOX_KIND_LABELS[k])} {_.number(li.received[k])}"
        for k in INBOX_KINDS
        if k != "privacy" and li.received[k]
    )
    lines += [
        _("Received: {count} ({kinds})").format(count=_.number(li.total), kinds=kinds or "–"),
        _("About their data: {count} (counted apart)").format(
            count=_.number(li.received["privacy"])
        ),
        _("Answered: {share} · median time to the first answer: {time}").format(
            share=share_text(_, li.answered_share), time=waited(_, li.median_hours)
        ),
        _("Published as public answers: {share}").format(share=share_text(_, li.published_share)),
        _("Answered by gender: {groups}").format(groups=_groups(_, GENDER_LABELS, li.by_gender)),
        _("Answered by role: {groups}").format(groups=_groups(_, ROLE_LABELS, li.by_role)),
    ]
    return lines


def _groups(_: Translator, table: dict[str, str], groups: dict[str, GroupListening]) -> str:
    names = {**table, ANONYMOUS: ANONYMOUS_LABEL}
    return (
        " · ".join(
            f"{label(_, names, k)} {share_text(_, g.answered_share)}" for k, g in groups.items()
        )
        or "–"
    )


def _action_plan(_: Translator, report: Report) -> list[str]:
    a = report.action_plan
    lines = ["", _("🗂 Action plan")]
    if not a.total:
        return [*lines, _("No activities yet.")]
    status = a.by_status
    lines += [
        _("Activities: {total} · done {done} (dropped ones left out)").format(
            total=_.number(a.total), done=share_text(_, a.done)
        ),
        " · ".join(f"{_(STATUS_LABELS[k])} {_.number(status[k])}" for k in STATUS_KEYS),
        _("Unplanned: {share} (up to a fifth is usual)").format(
            share=share_text(_, a.unplanned_share)
        ),
        _(
            "Budget: {total} · beneficiaries {beneficiaries} · agency {agency} · others {others}"
        ).format(
            total=rupees(_, a.budget_paise),
            beneficiaries=_money_share(_, a.beneficiaries_paise, a.budget_paise),
            agency=_money_share(_, a.agency_paise, a.budget_paise),
            others=_money_share(_, a.others_paise, a.budget_paise),
        ),
    ]
    return lines


def _money_share(_: Translator, part: int, total: int) -> str:
    return f"{rupees(_, part)} ({percent(_, Share(part, total))})"


def _linkage_counts(_: Translator, counts: dict[str, int]) -> str:
    shown = [f"{_(LINKAGE_KINDS[k])} {_.number(counts[k])}" for k in LINKAGE_KEYS if counts[k]]
    return _("{total} ({kinds})").format(
        total=_.number(sum(counts.values())), kinds=" · ".join(shown) or "–"
    )


def _networks(_: Translator, report: Report) -> list[str]:
    n = report.networks
    lines = ["", _("🤝 Networks and linkages")]
    if n.networks:
        origins = n.by_origin
        lines += [
            _("Networks: {total} · formed {formed} · revived {revived} · existed before "
              "{existing}").format(
                total=_.number(len(n.networks)), formed=_.number(origins["formed"]),
                revived=_.number(origins["revived"]), existing=_.number(origins["existing"]),
            ),
            _("Members: {count} · women {share}").format(
                count=_.number(n.members), share=share_text(_, n.women_share)
            ),
        ]  # fmt: skip
        biggest = sorted(n.networks, key=lambda s: (-s.members, s.name))[:MAX_NETWORKS]
        for stats in biggest:
            line = _.ngettext(
                "{name} ({origin}): {members} member, women {women}",
                "{name} ({origin}): {members} members, women {women}", stats.members,
            ).format(
                name=stats.name, origin=_(NETWORK_ORIGINS[stats.origin]),
                members=_.number(stats.members), women=percent(_, stats.women_share),
            )  # fmt: skip
            if stats.meetings:
                line += " · " + _.ngettext(
                    "{count} meeting, attended {share}", "{count} meetings, attended {share}",
                    len(stats.meetings),
                ).format(
                    count=_.number(len(stats.meetings)), share=share_text(_, stats.participation)
                )
            if stats.beneficiaries_paise:
                line += " · " + _("committed {amount}").format(
                    amount=_money_share(_, stats.beneficiaries_paise, n.beneficiaries_paise)
                )
            lines.append(line)
    else:
        lines.append(_("No networks yet."))
    if n.baseline is not None:
        lines += [
            _("Linkages at the baseline ({date}): {counts}").format(
                date=_.date(date.fromisoformat(n.baseline)),
                counts=_linkage_counts(_, n.linkages_baseline),
            ),
            _("Linkages now: {counts}").format(counts=_linkage_counts(_, n.linkages_now)),
        ]
    return lines
