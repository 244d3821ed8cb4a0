"""Charts draw every shipped script, shaped, with fonts the package itself installs
(bot/fonts.py), and no library warning escapes a chart.

Nothing here depends on the machine's fonts: bot.fonts registers the fonts of the
`fontpkg-noto-sans-*` dependencies and ignores the system's, and the fallback tests take
those away explicitly.
"""

from __future__ import annotations

import logging

import pytest
import uharfbuzz as hb
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font, LoadFlags

from bot import fonts
from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.reports import indicators as ind
from bot.reports.charts import report_chart, report_figure
from bot.storage.db import connect_sync, migrate
from tests.reports.fixture import BAGRU, populate

# Conjuncts, reordered and stacked vowel signs, reph: what a naive renderer gets wrong.
HARD = {
    "Devanagari": ["क्षत्रिय", "श्री", "कृष्ण", "प्रतिशत", "हस्तशिल्प", "र्क"],
    "Telugu": ["స్త్రీ", "కృష్ణ", "క్షత్రియ", "ప్రాంతం", "శ్రీ"],
    "Tamil": ["ஸ்ரீ", "க்ஷ", "கொ", "தமிழ்"],
    "Malayalam": ["ക്ഷ", "ശ്രീ", "സ്ത്രീ", "ന്റെ", "കേരളം", "പ്ര"],
    "Gujarati": ["ક્ષત્રિય", "શ્રી", "કૃષ્ણ", "ગુજરાતી", "સ્ત્રી"],
    "Gurmukhi": ["ਸ੍ਰੀ", "ਕ੍ਰਿਸ਼ਨ", "ਸਿੱਖਿਆ", "ਪ੍ਰਤੀਸ਼ਤ", "ਦ੍ਰਿ"],
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ind.Report:
    """A cluster with people of every role, meetings and a plan: every panel has text."""
    connection = connect_sync(tmp_path_factory.mktemp("fonts") / "fonts.db")
    migrate(connection)
    populate(connection)
    built = ind.build(connection, BAGRU, ind.Period("all", None, "2027-01-01T00:00:00+00:00"))
    connection.close()
    return built


def _harfbuzz(path: str, text: str) -> list[int]:
    font = hb.Font(hb.Face(hb.Blob.from_file_path(path)))
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, {})
    return [info.codepoint for info in buffer.glyph_infos]


def test_a_plain_install_brings_a_font_for_every_script() -> None:
    assert fonts.available() == {s.family for s in fonts.SCRIPTS}
    for script in fonts.SCRIPTS:
        assert fonts.renderable(HARD[script.name][0])


@pytest.mark.parametrize("script", fonts.SCRIPTS, ids=lambda s: s.name)
def test_charts_use_the_packaged_font_for_each_script(script: fonts.Script) -> None:
    fonts.available()
    found = font_manager.findfont(
        font_manager.FontProperties(family=script.family), fallback_to_default=False
    )
    assert found == str(fonts.font_path(script))


@pytest.mark.parametrize("script", fonts.SCRIPTS, ids=lambda s: s.name)
def test_hard_strings_are_shaped_as_harfbuzz_shapes_them(script: fonts.Script) -> None:
    """matplotlib's layout (what Agg draws) gives the glyphs HarfBuzz gives, not one
    glyph per character."""
    path = str(fonts.font_path(script))
    font = FT2Font(path)
    font.set_size(12, 72)
    for text in HARD[script.name]:
        drawn = [item.glyph_index for item in font._layout(text, LoadFlags.NO_HINTING)]
        shaped = _harfbuzz(path, text)
        assert drawn == shaped, text
        unshaped = [font.get_char_index(ord(ch)) for ch in text]
        assert drawn != unshaped, text  # the test could tell a renderer that does not shape
        assert len(font.set_text(text)) == len(shaped), text  # Agg's own path: same glyphs


def test_the_report_chart_draws_each_language_in_its_script(report: ind.Report) -> None:
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        figure = report_figure(_, report)
        assert figure.axes[0].get_title(loc="left") == _("Registered by role")
        assert report_chart(_, report).startswith(b"\x89PNG")


def test_a_missing_glyph_is_logged_never_raised(
    report: ind.Report, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Even if a label slipped past `renderable`, matplotlib's warning (an error under this
    suite's -W error) stays inside the chart and goes to the log."""
    monkeypatch.setattr("bot.reports.charts.families", lambda: (fonts.LATIN,))
    with caplog.at_level(logging.INFO, logger="bot.fonts"):
        png = report_chart(translator("hi"), report)
    assert png.startswith(b"\x89PNG")
    assert "missing from font" in caplog.text


def test_without_the_font_packages_labels_fall_back_to_english(
    report: ind.Report, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "available", lambda: frozenset())
    assert not fonts.renderable("हिन्दी") and not fonts.renderable("తెలుగు")
    assert fonts.renderable("Weaving ₹1,00,000")
    with caplog.at_level(logging.INFO, logger="bot.fonts"):
        figure = report_figure(translator("te"), report)
        assert figure.axes[0].get_title(loc="left") == "Registered by role"
        assert report_chart(translator("te"), report).startswith(b"\x89PNG")
    assert "missing from font" not in caplog.text  # English: nothing to miss
