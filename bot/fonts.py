"""The fonts every chart draws with, and a quiet place to draw.

matplotlib (3.11+) shapes Indic scripts with libraqm (conjuncts, vowel signs), but only
when it has a font with the script's glyphs. Those fonts arrive with a plain
`pip install`: Devanagari, Telugu and Tamil as dependencies from PyPI (the
`fontpkg-noto-sans-*` packages: Noto, OFL); Malayalam, Gujarati and Gurmukhi, which PyPI does
not carry, as files inside the package (`bot/fontfiles/`, Noto Sans from Debian's
fonts-noto-core 20201225, OFL, licence beside them). Fonts installed on the machine are
deliberately ignored, so a chart looks the same on every
machine and no test depends on what happens to be installed. A script whose package is
missing is "not renderable": the charts then fall back to English labels, never boxes.

Warnings that matplotlib raises while drawing (a missing glyph, a layout that does not fit)
are caught in `drawing()` and logged, so they never reach a chat, a console or a test.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

LATIN = "DejaVu Sans"  # ships inside matplotlib: Latin, digits, ₹


@dataclass(frozen=True)
class Script:
    name: str
    low: int
    high: int
    family: str  # the Noto family (its fontpkg package is fontpkg-noto-sans-<script>)
    bundled: str | None = None  # a file in bot/fontfiles/ where PyPI has no package


SCRIPTS: tuple[Script, ...] = (
    Script("Devanagari", 0x0900, 0x097F, "Noto Sans Devanagari"),
    Script("Telugu", 0x0C00, 0x0C7F, "Noto Sans Telugu"),
    Script("Tamil", 0x0B80, 0x0BFF, "Noto Sans Tamil"),
    Script("Malayalam", 0x0D00, 0x0D7F, "Noto Sans Malayalam", "NotoSansMalayalam-Regular.ttf"),
    Script("Gujarati", 0x0A80, 0x0AFF, "Noto Sans Gujarati", "NotoSansGujarati-Regular.ttf"),
    Script("Gurmukhi", 0x0A00, 0x0A7F, "Noto Sans Gurmukhi", "NotoSansGurmukhi-Regular.ttf"),
)


def font_path(script: Script) -> Path | None:
    """The font file that draws `script`, or None when it is not installed."""
    if script.bundled:
        path = Path(str(resources.files("bot").joinpath("fontfiles", script.bundled)))
        return path if path.is_file() else None
    import fontpkg

    try:
        return Path(fontpkg.path(script.family))
    except fontpkg.FontpkgError:
        return None

# matplotlib's font manager and the warnings filters are process-wide: one chart at a time.
_drawing = threading.Lock()


@cache
def available() -> frozenset[str]:
    """The script families whose font file is installed and registered with matplotlib."""
    from matplotlib import font_manager

    found: set[str] = set()
    for script in SCRIPTS:
        path = font_path(script)
        if path is None:
            log.warning("no font for %s: charts show English labels instead", script.name)
            continue
        font_manager.fontManager.addfont(str(path))
        found.add(script.family)
    return frozenset(found)


def families() -> tuple[str, ...]:
    """Latin first (digits, ₹), then one family per script we can draw."""
    return (LATIN, *(s.family for s in SCRIPTS if s.family in available()))


def renderable(text: str) -> bool:
    """Can the chart fonts draw every character of `text`?"""
    have = available()
    for script in SCRIPTS:
        if script.family not in have and any(script.low <= ord(ch) <= script.high for ch in text):
            return False
    return True


def script_of(text: str) -> Script | None:
    """The first Indic script `text` uses, if any."""
    for ch in text:
        for script in SCRIPTS:
            if script.low <= ord(ch) <= script.high:
                return script
    return None


@contextmanager
def drawing() -> Iterator[None]:
    """Draw a chart: fonts registered, one chart at a time, library warnings logged."""
    available()
    with _drawing, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        log.info("while drawing a chart: %s", warning.message)
