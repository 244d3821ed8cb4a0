"""bot/networks/draw.py (issue 19): the cluster map drawn in every shipped language, shaped,
1200 px wide, and the same picture for the same data."""

from __future__ import annotations

import logging
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.networks import draw, graph
from bot.storage import clusters
from bot.storage.db import connect_sync, migrate
from bot.vocabulary import ROLES
from tests.networks.test_graph import NOW, START, fixture_cluster


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "d.db")
    migrate(connection)
    clusters.add(connection, "BAGRU", "Bagru", "Asia/Kolkata", START)
    clusters.add(connection, "COIR", "Coir", "Asia/Kolkata", START)
    fixture_cluster(connection)
    yield connection
    connection.close()


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def texts(figure: object) -> str:
    from matplotlib.text import Text

    # Long labels wrap between words: read them as one line.
    return " ".join(t.get_text().replace("\n", " ") for t in figure.findobj(Text))  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_each_language_is_drawn_in_its_script_without_a_missing_glyph(
    conn: sqlite3.Connection, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    _ = translator(language)
    now = graph.build(conn, 1)
    with caplog.at_level(logging.INFO, logger="bot.fonts"):
        png = draw.map_png(_, now, "Bagru")
        both = draw.compare_png(_, graph.compare(conn, 1, "2026-04-15"), "Bagru")
    assert "missing from font" not in caplog.text
    assert "Glyph" not in caplog.text
    assert png_size(png)[0] == 1200 and png_size(both)[0] == 1200
    shown = texts(draw.map_figure(_, now, "Bagru"))
    assert _(ROLES["artisan"]) in shown and "Mahila SHG" in shown
    assert _(draw.LINKAGE_LABELS["buys_from"]) in shown  # the legend names the kinds drawn
    compared = texts(draw.compare_figure(_, graph.compare(conn, 1, "2026-04-15"), "Bagru"))
    assert _("New since the start") in compared


def test_the_same_data_gives_the_same_picture(conn: sqlite3.Connection) -> None:
    _ = translator("hi")
    first = graph.build(conn, 1)
    assert draw.positions(first) == draw.positions(graph.build(conn, 1))
    assert draw.map_png(_, first, "Bagru") == draw.map_png(_, graph.build(conn, 1), "Bagru")
    svg = draw.save(lambda: draw.map_figure(_, first, "Bagru"), "svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert svg == draw.save(lambda: draw.map_figure(_, graph.build(conn, 1), "Bagru"), "svg")


def test_layout_roles_outside_networks_inside_same_place_in_both_panels(
    conn: sqlite3.Connection,
) -> None:
    change = graph.compare(conn, 1, "2026-01-31")
    where = draw.positions(change.before, change.after)
    radius = {key: round((x * x + y * y) ** 0.5, 3) for key, (x, y) in where.items()}
    roles = {r for k, r in radius.items() if k[0] == "role"}
    networks = {r for k, r in radius.items() if k[0] == "network"}
    assert len(roles) == 1 and len(networks) == 1 and max(networks) < min(roles)
    # Every node of either date has one place, so a node does not jump between panels.
    assert set(where) == {n.key for n in change.after.nodes} | {n.key for n in change.before.nodes}


def test_an_empty_cluster_says_so_in_the_picture(conn: sqlite3.Connection) -> None:
    clusters.add(conn, "EMPTY", "Empty", "Asia/Kolkata", NOW)
    _ = translator("te")
    figure = draw.map_figure(_, graph.build(conn, 3), "Empty")
    assert _("Nothing recorded yet") in texts(figure)
    assert png_size(draw.map_png(_, graph.build(conn, 3), "Empty"))[0] == 1200


def test_the_svg_draws_hindi_shaped_as_harfbuzz_shapes_it(conn: sqlite3.Connection) -> None:
    """The CLI's SVG keeps text as outlines: they must be the shaped glyphs (conjuncts,
    vowel signs), not one glyph per character."""
    import re

    import uharfbuzz as hb

    from bot import fonts

    _ = translator("hi")
    label = _(ROLES["supplier"])  # सप्लायर/जुड़ा धंधा: conjunct प्ल, vowel signs
    svg = draw.save(lambda: draw.map_figure(_, graph.build(conn, 1), "Bagru"), "svg").decode()
    drawn = [int(g, 16) for g in re.findall(r'xlink:href="#NotoSansDevanagari-Regular-([0-9a-f]+)"',
                                           svg)]
    path = fonts.font_path(fonts.SCRIPTS[0])
    assert path is not None
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
    word = label.split("/")[0]
    buffer = hb.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    hb.shape(font, buffer)
    shaped = [g.codepoint for g in buffer.glyph_infos]
    assert len(shaped) < len(word)  # the word has a conjunct: shaping changes the count
    assert any(drawn[i:i + len(shaped)] == shaped for i in range(len(drawn))), (word, shaped)
