"""The poster's QR codes and links. No decoder offline: the drawn modules are read back
from the SVG and compared with segno's own matrix for the same data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
import segno

from bot.web.qr import QUIET_ZONE, qr_svg, telegram_link, whatsapp_link

NS = "{http://www.w3.org/2000/svg}"
RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z")


def drawn(svg: str) -> tuple[int, list[list[bool]]]:
    """The viewBox size and the dark modules of the path, as rows of booleans."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox", "").split()[2])
    grid = [[False] * size for _ in range(size)]
    d = next(p for p in root.iter(f"{NS}path") if p.get("class") == "qr-dark").get("d", "")
    assert RUN.sub("", d) == ""  # nothing in the path but runs
    for x, y, w, back in RUN.findall(d):
        assert w == back
        for i in range(int(x), int(x) + int(w)):
            assert not grid[int(y)][i]  # no module drawn twice
            grid[int(y)][i] = True
    return size, grid


def expected(data: str) -> list[list[bool]]:
    code = segno.make(data, error="m", boost_error=False, micro=False)
    assert code.error == "M"
    matrix = [[bool(v) for v in row] for row in code.matrix]
    blank = [False] * (len(matrix) + 2 * QUIET_ZONE)
    pad = [False] * QUIET_ZONE
    return (
        [list(blank) for _ in range(QUIET_ZONE)]
        + [pad + row + pad for row in matrix]
        + [list(blank) for _ in range(QUIET_ZONE)]
    )


@pytest.mark.parametrize(
    "data",
    [
        "https://t.me/cluster_bot?start=KOLHAPUR1",
        "https://wa.me/919812345678?text=%E0%A4%9C%E0%A5%81%E0%A4%A1%E0%A4%BC%E0%A5%87%E0%A4%82",
        "x",
        "कोल्हापुर",
    ],
)
def test_the_drawn_modules_are_segnos_matrix_with_a_quiet_zone(data: str) -> None:
    size, grid = drawn(qr_svg(data, title="QR"))
    want = expected(data)
    assert size == len(want)
    assert grid == want
    assert not any(grid[0]) and not any(row[0] for row in grid)  # the quiet zone is light
    assert sum(map(sum, grid)) > 50


def test_different_data_draws_a_different_code() -> None:
    one = qr_svg("https://t.me/cluster_bot?start=AAA1", title="QR")
    two = qr_svg("https://t.me/cluster_bot?start=AAA2", title="QR")
    assert one != two
    assert drawn(one)[1] != drawn(two)[1]
    assert qr_svg("https://t.me/cluster_bot?start=AAA1", title="QR") == one


def test_the_svg_is_inline_sized_by_the_page_and_labelled() -> None:
    svg = qr_svg("https://t.me/cluster_bot?start=K1", title='Join <on> "Telegram"')
    assert svg.startswith("<svg") and "<?xml" not in svg
    root = ET.fromstring(svg)
    assert root.get("class") == "qr"
    assert root.get("width") is None and root.get("height") is None
    _, _, w, h = root.get("viewBox", "").split()
    assert w == h
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'Join <on> "Telegram"'
    title = root.find(f"{NS}title")
    assert title is not None and title.text == 'Join <on> "Telegram"'
    assert "<on>" not in svg
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
    light = next(root.iter(f"{NS}rect"))
    assert (light.get("width"), light.get("height"), light.get("fill")) == (w, h, "#ffffff")


def test_nothing_or_too_much_to_encode_is_refused() -> None:
    with pytest.raises(ValueError):
        qr_svg("", title="QR")
    with pytest.raises(ValueError):
        qr_svg("9" * 8000, title="QR")


@pytest.mark.parametrize(
    ("username", "code", "link"),
    [
        ("cluster_bot", "KOLHAPUR1", "https://t.me/cluster_bot?start=KOLHAPUR1"),
        ("@Cluster_Bot", "k-1_x", "https://t.me/Cluster_Bot?start=k-1_x"),
        ("abcde", "A" * 64, f"https://t.me/abcde?start={'A' * 64}"),
        ("a" * 32, "1", f"https://t.me/{'a' * 32}?start=1"),
    ],
)
def test_telegram_link(username: str, code: str, link: str) -> None:
    assert telegram_link(username, code) == link


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("abcd", "K1"),  # too short
        ("a" * 33, "K1"),  # too long
        ("cluster-bot", "K1"),
        ("cluster bot", "K1"),
        ("clüster_bot", "K1"),
        ("", "K1"),
        ("cluster_bot/../x", "K1"),
        ("cluster_bot", ""),
        ("cluster_bot", "A" * 65),
        ("cluster_bot", "K 1"),
        ("cluster_bot", "K1&x=y"),
        ("cluster_bot", "कोड"),
    ],
)
def test_a_bad_telegram_name_or_code_is_refused(username: str, code: str) -> None:
    with pytest.raises(ValueError):
        telegram_link(username, code)


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("+91 98123 45678", "919812345678"),
        ("91-9812-345678", "919812345678"),
        ("919812345678", "919812345678"),
        ("12345678", "12345678"),
        ("+123456789012345", "123456789012345"),
    ],
)
def test_whatsapp_link_keeps_only_the_digits(number: str, digits: str) -> None:
    assert whatsapp_link(number, "") == f"https://wa.me/{digits}"
    link = whatsapp_link(number, "join KOLHAPUR1")
    assert link == f"https://wa.me/{digits}?text=join%20KOLHAPUR1"


def test_whatsapp_text_is_url_encoded_and_comes_back_whole() -> None:
    text = "जुड़ें KOLHAPUR1 & more?=#/+"
    link = whatsapp_link("+91 98123 45678", text)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/919812345678")
    assert parts.fragment == ""
    assert parse_qs(parts.query) == {"text": [text]}
    assert " " not in link and "&" not in parts.query.removeprefix("text=")


@pytest.mark.parametrize(
    "number",
    ["1234567", "1234567890123456", "", "+", "++919812345678", "91 (981) 2345678",
     "91981234567x", "९१९८१२३४५६७८", "91.9812.345678", "+91+9812345678"],
)  # fmt: skip
def test_a_bad_whatsapp_number_is_refused(number: str) -> None:
    with pytest.raises(ValueError):
        whatsapp_link(number, "hi")
