"""The `/results` chart: one PNG, readable on a phone, of the survey's choice questions.

matplotlib with the Agg canvas and the object API only (no pyplot state), so it is safe
on the database reader thread where the engine builds later replies. Fonts come from
`bot.fonts` (installed with the package); should a script's font be missing, labels in that
script fall back to the form's English (or default language) text, then to the choice
names, so the chart never shows empty boxes.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

from bot.fonts import drawing, families, renderable
from bot.surveys.model import localized
from bot.surveys.results import QuestionResult, Results

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_PANELS = 6
MAX_BARS = 8
WRAP = 26


def _label(labels: dict[str, str], language: str, default: str, fallback: str) -> str:
    for candidate in (
        localized(labels, language, default),
        localized(labels, "en", default),
        fallback,
    ):
        if candidate and renderable(candidate):
            return candidate
    return fallback


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, WRAP)[:3]) or " "


def chart(results: Results, language: str, title: str, subtitle: str) -> bytes | None:
    """The PNG, or None when no choice question has answers yet."""
    panels = [q for q in results.questions if q.counts][:MAX_PANELS]
    if not panels:
        return None
    with drawing():
        return _chart(results, panels, language, title, subtitle)


def _chart(
    results: Results, panels: list[QuestionResult], language: str, title: str, subtitle: str
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    default = results.survey.languages[0] if results.survey.languages else "en"
    heights = [0.9 + 0.42 * min(len(p.choice_order), MAX_BARS) for p in panels]
    figure = Figure(figsize=(6.4, 1.0 + sum(heights)), dpi=140, layout="constrained")
    FigureCanvasAgg(figure)
    rc: dict[str, Any] = {"family": list(families())}
    figure.suptitle(
        _wrap_title(title if renderable(title) else results.survey.title) + "\n" + subtitle,
        fontsize=12,
        **rc,
    )
    axes = figure.subplots(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]
    for ax, result in zip(axes, panels, strict=True):
        _panel(ax, result, language, default, rc)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _wrap_title(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 40)[:2])


def _panel(
    ax: Axes, result: QuestionResult, language: str, default: str, rc: dict[str, Any]
) -> None:
    from matplotlib.ticker import MaxNLocator

    question = result.question
    names = result.choice_order
    names.sort(key=lambda n: -result.counts[n])
    shown, rest = names[:MAX_BARS], names[MAX_BARS:]
    labels_by_name = {c.name: c.labels for c in question.choices}
    labels = [_wrap(_label(labels_by_name.get(n, {}), language, default, n)) for n in shown]
    values = [result.counts[n] for n in shown]
    if rest:
        labels[-1] = "…"
        values[-1] += sum(result.counts[n] for n in rest)
    title = _label(question.labels, language, default, question.name)
    base = max(result.answered, 1)
    ax.barh(range(len(values)), values, color="#2a7ab0")
    ax.set_yticks(range(len(values)), labels, fontsize=9, **rc)
    ax.invert_yaxis()
    ax.set_title(_wrap_title(title), fontsize=10, loc="left", **rc)
    ax.set_xlim(0, max(values) * 1.35)
    ax.tick_params(axis="x", labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2 of a person
    for y, value in enumerate(values):
        ax.text(value, y, f" {value} ({100 * value / base:.0f}%)", va="center", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
