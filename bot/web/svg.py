"""Inline SVG charts for the web pages (issue 16): a bar chart, a 100 % split bar and a
monthly line chart, each returned as one `<svg>` string to embed in the HTML.

The browser draws the text, so Hindi, Telugu and the other scripts are shaped by its fonts,
not ours. Numbers arrive already formatted (`shown`, Babel in the reader's locale); the
value only sets a length. The pages' Content-Security-Policy forbids inline styles and
scripts, so there is no `style=` and no event handler: colours are presentation attributes
and class names the stylesheet may override. No `id` either, so several charts can share a
page. Empty data gives "" and the page says so in its own words.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

BLUE, ORANGE, GREY = "#2a7ab0", "#e08a2c", "#b8c4cc"  # the /report chart's (bot/reports/charts.py)
# after those, Okabe–Ito colours, told apart by colour-blind readers
PALETTE = (BLUE, ORANGE, GREY, "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999")
INK, TRACK = "#222222", "#eef1f3"
FONTS = (
    "Noto Sans, Noto Sans Devanagari, Noto Sans Telugu, Noto Sans Tamil, Noto Sans Malayalam, "
    "Noto Sans Gujarati, Noto Sans Gurmukhi, sans-serif"
)

# A 640-unit chart on a 360-pixel phone is drawn at about half size: 24 units stay ~12 px.
LABEL_SIZE = 24
VALUE_SIZE = 22
# Indic vowel signs reach well above and below Latin letters: lines are spaced wider.
LINE_HEIGHT = 1.45
# No text measuring on the server: a code point is taken as 0.62 em, which over-counts the
# combining vowel signs and viramas of Indic words, so a wrapped line is rather too short
# than cut at the edge.
EM_PER_CHAR = 0.62
PAD = 8
BAR_HEIGHT = 26
BAR_GAP = 16

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Bar:
    """One bar or one part of a split: `value` sets the length, `shown` is printed."""

    label: str
    value: float
    shown: str


@dataclass(frozen=True)
class Point:
    """One month of a trend; `value` None (nothing to divide by) leaves a gap in the line."""

    label: str
    value: float | None
    shown: str


def bar_chart(title: str, bars: Sequence[Bar], *, width: int = 640) -> str:
    """Horizontal bars, each label on its own line(s) above its bar and the value beside it."""
    if not bars:
        return ""
    top = max(_checked(b.value) for b in bars)
    # room for the longest value text to the right of the longest bar
    reserve = min(max(_text_width(b.shown, VALUE_SIZE) for b in bars) + 10, width / 2)
    span = width - 2 * PAD - reserve
    body: list[str] = []
    y: float = PAD
    for bar in bars:
        y = _lines(body, _wrap(bar.label, width - 2 * PAD, LABEL_SIZE), PAD, y)
        y += 4
        length = span * bar.value / top if top else 0.0
        body.append(_rect("track", PAD, y, span, BAR_HEIGHT, TRACK))
        body.append(_rect("bar", PAD, y, length, BAR_HEIGHT, BLUE))
        body.append(
            _text("value", PAD + length + 6, y + BAR_HEIGHT / 2 + VALUE_SIZE * 0.35, bar.shown,
                  VALUE_SIZE)
        )  # fmt: skip
        y += BAR_HEIGHT + BAR_GAP
    return _svg(title, "chart chart-bar", width, y - BAR_GAP + PAD, body)


def split_bar(title: str, parts: Sequence[Bar], *, width: int = 640) -> str:
    """One 100 % bar cut in `parts` (a budget split), with a legend of label and value.

    A zero part keeps its legend line, as /report never hides a zero; when every part is
    zero only the empty bar and the legend are drawn.
    """
    if not parts:
        return ""
    total = math.fsum(_checked(p.value) for p in parts)
    span = width - 2 * PAD
    height = 40
    body = [_rect("track", PAD, PAD, span, height, TRACK)]
    x = float(PAD)
    for n, part in enumerate(parts):
        length = span * part.value / total if total else 0.0
        body.append(_rect("part", x, PAD, length, height, _colour(n)))
        x += length
    y: float = PAD + height + 12
    swatch = 20
    indent = swatch + 10
    for n, part in enumerate(parts):
        lines = _wrap(part.label, span - indent, LABEL_SIZE)
        body.append(_rect("swatch", PAD, y + 4, swatch, swatch, _colour(n)))
        fits = len(lines[-1]) + 1 + len(part.shown)
        if fits * EM_PER_CHAR * LABEL_SIZE <= span - indent:
            *before, last = lines
            y = _lines(body, before, PAD + indent, y)
            body.append(_legend_line(PAD + indent, y + LABEL_SIZE, last, part.shown))
            y += LABEL_SIZE * LINE_HEIGHT
        else:
            y = _lines(body, lines, PAD + indent, y)
            body.append(_legend_line(PAD + indent, y + LABEL_SIZE, "", part.shown))
            y += LABEL_SIZE * LINE_HEIGHT
        y += 6
    return _svg(title, "chart chart-split", width, y + PAD, body)


def line_chart(
    title: str,
    points: Sequence[Point],
    *,
    top: tuple[float, str] | None = None,
    width: int = 640,
) -> str:
    """A monthly trend: the y axis runs from 0 to `top` (value, shown) — e.g. (1.0, "100%")
    for a rate — or to the highest point, labelled with that point's `shown`; each point
    has a dot and its value above it, and a missing value breaks the line.
    """
    values = [_checked(p.value) for p in points if p.value is not None]
    if not values:
        return ""
    highest = max(values)
    if top is None:
        top = next((highest, p.shown) for p in points if p.value == highest)
    elif _checked(top[0]) < highest:
        raise ValueError(f"the axis top {top[0]} is below a point ({highest})")
    count = len(points)
    size = VALUE_SIZE - 4
    label_widths = [_text_width(p.label, size) for p in points]
    # the axis top's label stands left of the axis, clear of the values above the dots
    left = PAD + _text_width(top[1], size) + 8
    slot = (width - PAD - left) / count
    tilt = max(label_widths) > slot - 6
    if tilt:
        # a label turned 45° reaches left of its point: move the plot right until none is cut
        c = math.cos(math.radians(45))
        for i, w in enumerate(label_widths):
            share = (i + 0.5) / count
            left = max(left, (PAD + w * c - (width - PAD) * share) / (1 - share))
        slot = (width - PAD - left) / count
    plot_top = PAD + size * LINE_HEIGHT + 10
    plot_height = 200.0
    base = plot_top + plot_height
    xs = [left + slot * (i + 0.5) for i in range(count)]

    def y_of(value: float) -> float:
        return base - plot_height * value / top[0] if top[0] else base

    body = [
        _line("grid", left, plot_top, width - PAD, plot_top, GREY, dashed=True),
        _line("axis", left, plot_top, left, base, INK),
        _line("axis", left, base, width - PAD, base, INK),
        _text("label", left - 6, plot_top + size * 0.35, top[1], size, anchor="end"),
    ]
    runs: list[list[tuple[float, float]]] = [[]]
    for x, p in zip(xs, points, strict=True):
        if p.value is None:
            runs.append([])
        else:
            runs[-1].append((x, y_of(p.value)))
    for run in runs:
        if len(run) > 1:
            spots = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            body.append(
                f'<polyline class="line" points="{spots}" fill="none" stroke="{BLUE}" '
                'stroke-width="3"/>'
            )
    for x, p in zip(xs, points, strict=True):
        y = base if p.value is None else y_of(p.value)
        if p.value is not None:
            body.append(f'<circle class="dot" cx="{_n(x)}" cy="{_n(y)}" r="5" fill="{BLUE}"/>')
        body.append(_text("value", x, y - 10, p.shown, size, anchor="middle"))
    y = base + size * LINE_HEIGHT
    for x, p in zip(xs, points, strict=True):
        if tilt:
            body.append(
                _text("label", x, base + 14, p.label, size, anchor="end",
                      turn=f"rotate(-45 {_n(x)} {_n(base + 14)})")
            )  # fmt: skip
        else:
            body.append(_text("label", x, y, p.label, size, anchor="middle"))
    bottom = base + 14 + max(label_widths) * math.sin(math.radians(45)) + size if tilt else y
    bottom += size * 0.5  # below the baseline: descenders and Indic vowel signs
    return _svg(title, "chart chart-line", width, bottom + PAD, body)


def _checked(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a chart value must be a finite number ≥ 0, not {value!r}")
    return value


def _colour(n: int) -> str:
    return PALETTE[n % len(PALETTE)]


def xml_text(text: str) -> str:
    """`text` escaped for an SVG (or HTML) text node or attribute value."""
    # control characters are not allowed in XML at all, even escaped: the page would not parse
    return html.escape(_NOT_XML.sub(" ", text), quote=True)


def _n(x: float) -> str:
    """A coordinate, two decimals at most, the same text for the same number every time."""
    shown = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def _text_width(text: str, size: float) -> float:
    return len(text) * EM_PER_CHAR * size


def _wrap(text: str, room: float, size: float) -> list[str]:
    # Between words only: a break inside an Indic word would start a line with a vowel
    # sign; a single word longer than the line gets a line of its own.
    chars = max(int(room / (EM_PER_CHAR * size)), 1)
    wrapped = textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False)
    return wrapped or [""]


def _lines(body: list[str], lines: list[str], x: float, y: float) -> float:
    """Appends one label `<text>` per line below `y`; the y under the last line."""
    for line in lines:
        body.append(_text("label", x, y + LABEL_SIZE, line, LABEL_SIZE))
        y += LABEL_SIZE * LINE_HEIGHT
    return y


def _legend_line(x: float, y: float, label: str, shown: str) -> str:
    head = f"{xml_text(label)} " if label else ""
    return (
        f'<text class="label" x="{_n(x)}" y="{_n(y)}" font-size="{LABEL_SIZE}" fill="{INK}">'
        f'{head}<tspan class="value" font-weight="bold">{xml_text(shown)}</tspan></text>'
    )


def _text(
    kind: str, x: float, y: float, text: str, size: float, *, anchor: str = "", turn: str = ""
) -> str:
    extra = f' text-anchor="{anchor}"' if anchor else ""
    extra += f' transform="{turn}"' if turn else ""
    return (
        f'<text class="{kind}" x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{INK}"'
        f"{extra}>{xml_text(text)}</text>"
    )


def _rect(kind: str, x: float, y: float, w: float, h: float, fill: str) -> str:
    return (
        f'<rect class="{kind}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
        f'fill="{fill}"/>'
    )


def _line(
    kind: str, x1: float, y1: float, x2: float, y2: float, colour: str, *, dashed: bool = False
) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return (
        f'<line class="{kind}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{colour}" stroke-width="1.5"{dash}/>'
    )


def _svg(title: str, kind: str, width: float, height: float, body: list[str]) -> str:
    name = xml_text(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet" role="img" aria-label="{name}" '
        f'class="{kind}" font-family="{FONTS}"><title>{name}</title>{"".join(body)}</svg>'
    )
