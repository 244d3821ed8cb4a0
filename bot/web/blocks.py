"""The parts every dashboard page is made of — headline figures, a chart with its numbers in
a table beside it, plain tables — so one template (dashboard_page.html) draws them all and
each page module only decides what goes in. Text arrives translated and formatted; the
template escapes it. A chart is an SVG string from bot/web/svg.py, already escaped there."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True)
class Link:
    text: str
    href: str


Cell = str | Link


@dataclass(frozen=True)
class Figure:
    key: str  # data-figure: tests and readers of the HTML find a figure by it
    label: str
    value: str


@dataclass(frozen=True)
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]]
    numeric_from: int = 1  # columns from this one on are numbers: right-aligned


@dataclass(frozen=True)
class Block:
    """A chart with the table of its numbers, or a table alone (`chart` empty)."""

    table: Table
    chart: Markup = field(default_factory=Markup)
    note: str = ""  # a line under it (what is counted)


@dataclass
class Section:
    heading: str
    figures: list[Figure] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # a sentence each, e.g. "nothing yet"
    links: list[Link] = field(default_factory=list)  # downloads and the like, after the rest


def chart(svg: str) -> Markup:
    """An SVG from bot/web/svg.py, which escapes every text it draws."""
    return Markup(svg)
