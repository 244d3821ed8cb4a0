"""The Atom 1.0 feed (RFC 4287) of a cluster's updates (issue 16): /c/<CODE>/updates.atom.

Built with ElementTree, which escapes every text, so an update can hold any characters a
CDA typed. Entry ids are tag URIs (RFC 4151) of the host, the cluster code and the update
id: they stay the same however often the feed is read, so a reader shows each update once.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.storage.clusters import Cluster
from bot.web.public_data import ShownUpdate

ATOM = "http://www.w3.org/2005/Atom"
TAG_YEAR = 2026  # the tag URIs' date: fixed, so ids never change
TITLE_CHARS = 80
# characters XML 1.0 does not allow at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def _stamp(moment: datetime) -> str:
    """RFC 3339, in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def entry_title(text: str) -> str:
    """The update's first line, shortened to `TITLE_CHARS` at a word."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= TITLE_CHARS:
        return first
    cut = first[:TITLE_CHARS].rsplit(" ", 1)[0] or first[:TITLE_CHARS]
    return cut + "…"


def entry_id(host: str, code: str, update_id: int) -> str:
    return f"tag:{host},{TAG_YEAR}:{code}/updates/{update_id}"


def atom(
    cluster: Cluster,
    shown: Sequence[ShownUpdate],
    *,
    base: str,
    language: str,
    title: str,
    now: datetime,
) -> bytes:
    """The feed document, newest entry first, as UTF-8 bytes with the XML declaration."""
    host = urlsplit(base).hostname or "localhost"
    page = f"{base}/c/{cluster.code}?lang={language}"
    # Plain names and an xmlns attribute: ElementTree's own namespace handling would
    # refuse the unqualified attributes Atom uses (rel, href, type).
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": language})

    def add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, name, attrs)
        if text is not None:
            element.text = _clean(text)
        return element

    add(root, "id", f"tag:{host},{TAG_YEAR}:{cluster.code}/updates")
    add(root, "title", title)
    add(root, "updated", _stamp(shown[0].published_at if shown else now))
    add(root, "link", rel="self", type="application/atom+xml",
        href=f"{base}/c/{cluster.code}/updates.atom?lang={language}")  # fmt: skip
    add(root, "link", rel="alternate", type="text/html", href=page)
    author = add(root, "author")
    add(author, "name", cluster.name)
    for update in shown:
        entry = add(root, "entry")
        add(entry, "id", entry_id(host, cluster.code, update.id))
        add(entry, "title", entry_title(update.text))
        add(entry, "published", _stamp(update.published_at))
        add(entry, "updated", _stamp(update.published_at))
        add(entry, "link", rel="alternate", type="text/html", href=page)
        add(entry, "content", update.text, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
