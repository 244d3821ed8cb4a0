"""The inline SVG charts: well-formed XML with nothing the pages' Content-Security-Policy
forbids, every text escaped, Indic labels verbatim, lengths proportional to the values,
and the same string for the same data."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from bot.web.svg import Bar, Point, bar_chart, line_chart, split_bar, xml_text

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"
HINDI = "लाभार्थियों को सीधा भुगतान"
TELUGU = "లబ్ధిదారులకు నేరుగా చెల్లింపు"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def rects(root: ET.Element, kind: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}rect") if e.get("class") == kind]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{NS}text")]


def all_charts(label: str, shown: str = "12", title: str = "Chart") -> list[str]:
    bars = [Bar(label, 3, shown), Bar("other", 1, "1")]
    points = [Point(label, 0.5, shown), Point("Feb", 0.25, "25%")]
    return [
        bar_chart(title, bars),
        split_bar(title, bars),
        line_chart(title, points),
        line_chart(title, points, top=(1.0, "100%")),
    ]


@pytest.mark.parametrize("index", range(4))
def test_every_chart_is_safe_to_inline_under_the_csp(index: int) -> None:
    svg = all_charts(EVIL, shown=EVIL, title=EVIL)[index]
    assert EVIL not in svg
    assert "<script" not in svg.lower()
    root = parse(svg)
    for element in root.iter():
        assert element.tag != f"{NS}script"
        for name in element.attrib:
            assert name != "style"
            assert not name.lower().startswith("on"), name
            assert "javascript:" not in element.attrib[name].lower()
    # the hostile text is shown, as text
    assert any(EVIL in t for t in texts(root))
    title = root.find(f"{NS}title")
    assert title is not None and title.text == EVIL
    assert root.get("aria-label") == EVIL


@pytest.mark.parametrize("index", range(4))
def test_every_chart_scales_to_its_container(index: int) -> None:
    root = parse(all_charts("Artisans")[index])
    left, top, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert (left, top) == (0, 0) and width > 0 and height > 0
    assert root.get("width") == "100%"
    assert root.get("height") is None  # a fixed height would not shrink with the width
    assert root.get("preserveAspectRatio")
    assert root.get("role") == "img"
    assert "chart" in root.get("class", "").split()
    assert "Noto Sans Telugu" in root.get("font-family", "")
    assert root.find(f".//{NS}*[@id]") is None  # two charts on one page must not clash


@pytest.mark.parametrize("label", [HINDI, TELUGU, "தமிழ்நாடு கைவினைஞர்கள்"])
@pytest.mark.parametrize("index", range(4))
def test_indic_labels_appear_verbatim(label: str, index: int) -> None:
    svg = all_charts(label, shown="१२")[index]
    assert label in svg
    joined = " ".join(texts(parse(svg)))
    assert label in joined
    assert "१२" in joined


def test_a_long_label_wraps_between_words_and_is_never_split_inside_one() -> None:
    long = " ".join([HINDI] * 6)
    root = parse(bar_chart("t", [Bar(long, 1, "1")], width=360))
    lines = [t for t in texts(root) if t != "1"]
    assert len(lines) > 1
    assert " ".join(lines) == long
    words = set(long.split())
    assert all(set(line.split()) <= words for line in lines)


@pytest.mark.parametrize("index", range(4))
def test_same_data_same_string(index: int) -> None:
    assert all_charts(TELUGU)[index] == all_charts(TELUGU)[index]
    assert all_charts(TELUGU)[index] != all_charts(HINDI)[index]


def test_empty_data_gives_nothing() -> None:
    assert bar_chart("t", []) == ""
    assert split_bar("t", []) == ""
    assert line_chart("t", []) == ""
    assert line_chart("t", [Point("Jan", None, "–"), Point("Feb", None, "–")]) == ""


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_a_value_that_cannot_be_drawn_is_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        bar_chart("t", [Bar("a", bad, "?")])
    with pytest.raises(ValueError):
        split_bar("t", [Bar("a", bad, "?")])
    with pytest.raises(ValueError):
        line_chart("t", [Point("a", bad, "?")])


def test_bar_lengths_are_proportional_to_the_values() -> None:
    values = [40.0, 10.0, 0.0, 25.0, 7.5]
    root = parse(bar_chart("t", [Bar(f"b{n}", v, str(v)) for n, v in enumerate(values)]))
    widths = [float(r.get("width", "")) for r in rects(root, "bar")]
    assert len(widths) == len(values)
    longest = widths[0]
    assert longest > 100
    for width, value in zip(widths, values, strict=True):
        assert width == pytest.approx(longest * value / 40, abs=0.02)
    # the bars all start at the same x and lie one under the other, each under its label
    assert len({r.get("x") for r in rects(root, "bar")}) == 1
    ys = [float(r.get("y", "")) for r in rects(root, "bar")]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)


def test_the_value_text_stands_beside_its_bar_inside_the_chart() -> None:
    root = parse(bar_chart("t", [Bar("a", 5, "₹5,00,000"), Bar("b", 1, "₹1,00,000")]))
    width = float(root.get("viewBox", "").split()[2])
    bars = rects(root, "bar")
    values = [e for e in root.iter(f"{NS}text") if e.get("class") == "value"]
    assert [v.text for v in values] == ["₹5,00,000", "₹1,00,000"]
    for bar, value in zip(bars, values, strict=True):
        end = float(bar.get("x", "")) + float(bar.get("width", ""))
        assert float(value.get("x", "")) > end
        estimate = len(value.text or "") * 0.62 * float(value.get("font-size", ""))
        assert float(value.get("x", "")) + estimate <= width


def test_all_zero_bars_still_show_their_values() -> None:
    root = parse(bar_chart("t", [Bar("a", 0, "0"), Bar("b", 0, "0")]))
    assert [float(r.get("width", "")) for r in rects(root, "bar")] == [0, 0]
    assert texts(root).count("0") == 2


def test_split_parts_fill_the_bar_in_proportion() -> None:
    parts = [Bar("Beneficiaries", 600, "₹6,00,000"), Bar("Agency", 300, "₹3,00,000"),
             Bar("Other institutions", 100, "₹1,00,000")]  # fmt: skip
    root = parse(split_bar("Budget", parts))
    track = rects(root, "track")[0]
    full = float(track.get("width", ""))
    drawn = rects(root, "part")
    widths = [float(r.get("width", "")) for r in drawn]
    assert widths == pytest.approx([full * 0.6, full * 0.3, full * 0.1], abs=0.02)
    xs = [float(r.get("x", "")) for r in drawn]
    assert xs[0] == float(track.get("x", ""))
    assert xs[1] == pytest.approx(xs[0] + widths[0], abs=0.02)
    assert xs[2] == pytest.approx(xs[1] + widths[1], abs=0.02)
    # each part's colour is told apart, and its legend swatch has the same colour
    fills = [r.get("fill") for r in drawn]
    assert len(set(fills)) == 3
    assert [r.get("fill") for r in rects(root, "swatch")] == fills
    joined = " ".join(texts(root))
    for part in parts:
        assert part.label in joined and part.shown in joined


def test_a_zero_part_keeps_its_legend_and_all_zero_draws_an_empty_bar() -> None:
    root = parse(split_bar("t", [Bar("a", 5, "₹5"), Bar("b", 0, "₹0")]))
    assert [float(r.get("width", "")) for r in rects(root, "part")][1] == 0
    assert "₹0" in texts(root)[1]
    empty = parse(split_bar("t", [Bar("a", 0, "₹0"), Bar("b", 0, "₹0")]))
    assert all(float(r.get("width", "")) == 0 for r in rects(empty, "part"))
    assert len(rects(empty, "swatch")) == 2


def line_positions(root: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in root.iter(f"{NS}circle")]


def test_line_points_stand_at_their_value_on_an_axis_from_zero() -> None:
    points = [Point("Jan", 0.2, "20%"), Point("Feb", 0.8, "80%"), Point("Mar", 0.5, "50%")]
    root = parse(line_chart("Attendance", points, top=(1.0, "100%")))
    axes = [e for e in root.iter(f"{NS}line") if e.get("class") == "axis"]
    grid = next(e for e in root.iter(f"{NS}line") if e.get("class") == "grid")
    base = max(float(a.get("y2", "")) for a in axes)
    top = float(grid.get("y1", ""))
    dots = line_positions(root)
    assert [x for x, _ in dots] == sorted(x for x, _ in dots)
    for (_, y), p in zip(dots, points, strict=True):
        assert (base - y) / (base - top) == pytest.approx(p.value, abs=0.001)
    line = next(root.iter(f"{NS}polyline"))
    assert line.get("points") == " ".join(f"{x:g},{y:g}" for x, y in dots)
    shown = texts(root)
    assert {"20%", "80%", "50%", "100%", "Jan", "Feb", "Mar"} <= set(shown)


def test_without_a_top_the_axis_ends_at_the_highest_point() -> None:
    points = [Point("Jan", 3, "3"), Point("Feb", 12, "12")]
    root = parse(line_chart("t", points))
    grid = next(e for e in root.iter(f"{NS}line") if e.get("class") == "grid")
    assert line_positions(root)[1][1] == float(grid.get("y1", ""))
    assert texts(root).count("12") == 2  # the axis top and the point
    with pytest.raises(ValueError):
        line_chart("t", points, top=(10.0, "10"))


def test_a_month_without_a_value_breaks_the_line_and_shows_its_dash() -> None:
    points = [Point("Jan", 0.2, "20%"), Point("Feb", 0.4, "40%"), Point("Mar", None, "–"),
              Point("Apr", 0.6, "60%"), Point("May", 0.7, "70%")]  # fmt: skip
    root = parse(line_chart("t", points, top=(1.0, "100%")))
    assert len(line_positions(root)) == 4
    assert len(list(root.iter(f"{NS}polyline"))) == 2
    assert "–" in texts(root) and "Mar" in texts(root)


def test_many_long_month_names_are_turned_and_kept_inside_the_chart() -> None:
    months = ["సెప్టెంబర్ 2026"] * 12
    root = parse(line_chart("t", [Point(m, n, str(n)) for n, m in enumerate(months)]))
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    turned = [e for e in root.iter(f"{NS}text") if e.get("transform")]
    assert len(turned) == 12
    for label in turned:
        x, y = float(label.get("x", "")), float(label.get("y", ""))
        reach = len(label.text or "") * 0.62 * float(label.get("font-size", "")) * math.sqrt(0.5)
        assert re.fullmatch(r"rotate\(-45 [\d.]+ [\d.]+\)", label.get("transform", ""))
        assert x - reach >= 0 and y + reach <= height and x <= width


def test_escaping_drops_characters_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x1bc\td") == "a b c\td"
    assert xml_text("\"'<&>") == "&quot;&#x27;&lt;&amp;&gt;"
    parse(bar_chart("t\x0c", [Bar("a\x01", 1, "1\x7f")]))
