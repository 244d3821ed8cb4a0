"""The `/report` chart: one PNG of four panels for a phone screen — registered by role,
reach by gender, attendance by month, the action plan by status — rendered only from
`bot.reports.indicators` results.

No chart hides a zero: every role, gender and status has its bar, and a zero bar carries
its "0" label. Fonts come from `bot.fonts`; a label in a script without a font (a broken
install) falls back to English rather than boxes.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

from bot.fonts import drawing, families, renderable
from bot.i18n import N_, Translator
from bot.reports.indicators import GENDER_KEYS, STATUS_KEYS, Report
from bot.reports.labels import (
    GENDER_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    month,
    percent,
)
from bot.reports.text import period_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_MONTHS = 12
BLUE, ORANGE, GREY = "#2a7ab0", "#e08a2c", "#b8c4cc"


def _text(_: Translator, msgid: str) -> str:
    """The translation when the installed fonts can draw it, else the English text."""
    shown = _(msgid)
    return shown if renderable(shown) else msgid


def _wrap(text: str, width: int = 22) -> str:
    # Between words only: a break inside an Indic word would start a line with a vowel
    # sign (கைவிடப்பட்ட / ு), which no font can draw right; a long word overflows instead.
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines[:2]) or " "


def report_chart(_: Translator, report: Report) -> bytes:
    """The PNG."""
    buffer = io.BytesIO()
    with drawing():
        # "tight": a legend that is longer in Tamil or Malayalam is kept, not cut at the edge
        report_figure(_, report).savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def report_figure(_: Translator, report: Report) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rc: dict[str, Any] = {"family": list(families())}
    figure = Figure(figsize=(9.6, 10.0), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    title = report.cluster_name if renderable(report.cluster_name) else report.cluster_code
    period = period_text(_, report)
    if renderable(period):
        title = f"{_wrap(title, 60)}\n{period}"
    figure.suptitle(title, fontsize=14, **rc)
    (roles, genders), (trend, plan) = figure.subplots(2, 2)
    _roles(_, roles, report, rc)
    _genders(_, genders, report, rc)
    _trend(_, trend, report, rc)
    _plan(_, plan, report, rc)
    return figure


def _counts_axis(_: Translator, axis: Any) -> None:
    """Whole numbers only (no 0.2 of a person), with Indian grouping: 1,00,000."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: _.number(round(value))))


def _bars(
    _: Translator, ax: Axes, labels: list[str], values: list[int], rc: dict[str, Any], color: str
) -> None:
    """Horizontal bars, biggest room for long labels, every value written next to its bar."""
    ax.barh(range(len(values)), values, color=color)
    ax.set_yticks(range(len(values)), [_wrap(x) for x in labels], fontsize=10, **rc)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*values, 1]) * 1.3)
    _counts_axis(_, ax.xaxis)
    ax.tick_params(axis="x", labelsize=9)
    for y, value in enumerate(values):
        ax.text(value, y, f" {_.number(value)}", va="center", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _roles(_: Translator, ax: Axes, report: Report, rc: dict[str, Any]) -> None:
    keys = list(report.scale.by_role)
    _bars(
        _,
        ax,
        [_text(_, ROLE_LABELS[k]) for k in keys],
        [report.scale.by_role[k] for k in keys],
        rc,
        BLUE,
    )
    ax.set_title(_text(_, N_("Registered by role")), fontsize=12, loc="left", **rc)


def _genders(_: Translator, ax: Axes, report: Report, rc: dict[str, Any]) -> None:
    o = report.outreach
    labels = [_text(_, GENDER_LABELS[k]) for k in GENDER_KEYS]
    registered = [o.registered_by_gender[k] for k in GENDER_KEYS]
    took_part = [o.participants_by_gender[k] for k in GENDER_KEYS]
    rows = range(len(GENDER_KEYS))
    ax.barh([y - 0.2 for y in rows], registered, height=0.4, color=BLUE,
            label=_text(_, N_("Registered")))  # fmt: skip
    ax.barh([y + 0.2 for y in rows], took_part, height=0.4, color=ORANGE,
            label=_text(_, N_("Took part in the period")))  # fmt: skip
    ax.set_yticks(list(rows), [_wrap(x) for x in labels], fontsize=10, **rc)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*registered, *took_part, 1]) * 1.35)
    _counts_axis(_, ax.xaxis)
    for y, (a, b) in enumerate(zip(registered, took_part, strict=True)):
        ax.text(a, y - 0.2, f" {_.number(a)}", va="center", fontsize=9)
        ax.text(b, y + 0.2, f" {_.number(b)}", va="center", fontsize=9)
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2,
        prop={"family": rc["family"], "size": 9}, frameon=False,
    )  # fmt: skip
    ax.set_title(_text(_, N_("People by gender")), fontsize=12, loc="left", **rc)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _trend(_: Translator, ax: Axes, report: Report, rc: dict[str, Any]) -> None:
    points = report.participation.trend[-MAX_MONTHS:]
    ax.set_title(_text(_, N_("Attendance by month")), fontsize=12, loc="left", **rc)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not points:
        ax.text(0.5, 0.5, _text(_, N_("No meetings or visits in this period.")), ha="center",
                va="center", transform=ax.transAxes, fontsize=10, **rc)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        return
    xs = range(len(points))
    invited = [p.invited for p in points]
    attended = [p.attended for p in points]
    ax.bar([x - 0.2 for x in xs], invited, width=0.4, color=GREY, label=_text(_, N_("Invited")))
    ax.bar([x + 0.2 for x in xs], attended, width=0.4, color=BLUE, label=_text(_, N_("Came")))
    top = max([*invited, *attended, 1])
    ax.set_ylim(0, top * 1.25)
    _counts_axis(_, ax.yaxis)
    for x, p in zip(xs, points, strict=True):
        ax.text(x - 0.2, p.invited, _.number(p.invited), ha="center", va="bottom", fontsize=8)
        ax.text(x + 0.2, p.attended, f"{_.number(p.attended)}\n{percent(_, p.attendance_rate)}",
                ha="center", va="bottom", fontsize=8)  # fmt: skip
    months = [m if renderable(m) else p.month for m, p in ((month(_, p.month), p) for p in points)]
    ax.set_xticks(list(xs), months, fontsize=9, rotation=45 if len(points) > 4 else 0, **rc)
    ax.legend(loc="upper left", prop={"family": rc["family"], "size": 9})


def _plan(_: Translator, ax: Axes, report: Report, rc: dict[str, Any]) -> None:
    status = report.action_plan.by_status
    colors = [GREY, ORANGE, BLUE, "#999999"]
    ax.bar(range(len(STATUS_KEYS)), [status[k] for k in STATUS_KEYS], color=colors)
    labels = [_wrap(_text(_, STATUS_LABELS[k]), 12) for k in STATUS_KEYS]
    # one long word (Telugu "ongoing") cannot wrap: tilt the labels rather than overlap them
    tilt = 20 if any(len(line) > 9 for x in labels for line in x.split("\n")) else 0
    ax.set_xticks(
        range(len(STATUS_KEYS)), labels, fontsize=10, rotation=tilt,
        ha="right" if tilt else "center", rotation_mode="anchor", **rc,
    )  # fmt: skip
    ax.set_ylim(0, max([*status.values(), 1]) * 1.3)
    for x, key in enumerate(STATUS_KEYS):
        ax.text(x, status[key], _.number(status[key]), ha="center", va="bottom", fontsize=10)
    ax.set_title(_text(_, N_("Action plan by status")), fontsize=12, loc="left", **rc)
    _counts_axis(_, ax.yaxis)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
