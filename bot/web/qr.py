"""QR codes for the join poster (issue 16) as inline SVG, and the two links they carry:
the Telegram deep link and the WhatsApp click-to-chat link.

segno encodes; the drawing is ours, so the SVG has what the pages need and segno's writer
does not give: `role="img"`, an `aria-label`, a white background that stays white in a
dark theme (a phone camera needs the contrast), and no width, so the stylesheet sizes it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import segno

from bot.web.svg import xml_text

QUIET_ZONE = 4  # modules of light margin, the QR standard's minimum for reliable scanning
ERROR_LEVEL = "m"  # survives a fold or a smudge on a pinned-up poster, still small

_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")
_START = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram accepts as a start parameter
_NUMBER = re.compile(r"[0-9]{8,15}")  # E.164: at most 15 digits


def qr_svg(data: str, *, title: str) -> str:
    """The QR code of `data` as `<svg class="qr">`: one path of dark modules, one
    horizontal run per `h`, on a light square with the quiet zone.

    ValueError when `data` is empty or too long for any QR version (segno's
    DataOverflowError is one)."""
    if not data:
        raise ValueError("a QR code needs something to encode")
    # make_qr: never a Micro QR, which many phone cameras do not read; no boosting, so the
    # level is the one chosen
    code = segno.make_qr(data, error=ERROR_LEVEL, boost_error=False)
    runs: list[str] = []
    size = 0
    for y, row in enumerate(code.matrix_iter(scale=1, border=QUIET_ZONE)):
        cells = list(row)
        size = len(cells)
        x = 0
        while x < size:
            if not cells[x]:
                x += 1
                continue
            start = x
            while x < size and cells[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    name = xml_text(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" '
        f'role="img" aria-label="{name}" preserveAspectRatio="xMidYMid meet" '
        f'shape-rendering="crispEdges"><title>{name}</title>'
        f'<rect class="qr-light" width="{size}" height="{size}" fill="#ffffff"/>'
        f'<path class="qr-dark" fill="#000000" d="{"".join(runs)}"/></svg>'
    )


def telegram_link(bot_username: str, code: str) -> str:
    """`https://t.me/<bot>?start=<CODE>`: opens the bot and sends /start CODE.

    A leading "@" is dropped (settings often carry the name as people write it)."""
    name = bot_username.removeprefix("@")
    if not _USERNAME.fullmatch(name):
        raise ValueError(f"not a Telegram bot username: {bot_username!r}")
    if not _START.fullmatch(code):
        raise ValueError(f"a Telegram start code is 1–64 of A–Z, a–z, 0–9, _ and -: {code!r}")
    return f"https://t.me/{name}?start={code}"


def whatsapp_link(number: str, text: str) -> str:
    """`https://wa.me/<digits>?text=<text>`: opens a chat with `number`, `text` typed in.

    wa.me wants the international number as bare digits; spaces, dashes and a leading "+"
    are dropped, anything else is refused."""
    digits = re.sub(r"[ \-]", "", number.strip())
    digits = digits.removeprefix("+")
    if not _NUMBER.fullmatch(digits):
        raise ValueError(f"not an international phone number (8–15 digits): {number!r}")
    link = f"https://wa.me/{digits}"
    return f"{link}?text={quote(text, safe='')}" if text else link
