"""The Atom feed of a cluster's updates (issue 16, RFC 4287): well-formed, in the Atom
namespace, newest first, at most 50 entries, stable unique ids, RFC 3339 times, the
language of `?lang=`, a self link from the public URL, and any text escaped."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta

from bot.config import Settings
from bot.storage import updates
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.web.public_feed import entry_title
from tests.driver import FakeClock
from tests.web.site import client_for, page_on

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
NASTY = 'Tea & <b>"biscuits"</b> \x07 at 5 ]]> — चाय'


def _publish(conn: sqlite3.Connection, cluster_id: int, count: int) -> None:
    start = datetime(2026, 1, 1, 5, 0)
    for n in range(count):
        updates.publish(
            conn, cluster_id=cluster_id, broadcast_id=None,
            texts={"en": f"Update number {n}\nmore lines", "hi": f"सूचना {n}"},
            default_language="en", now=(start + timedelta(days=n)).isoformat() + "+00:00",
        )  # fmt: skip


async def _feed(db: Database, settings: Settings, clock: FakeClock, url: str) -> ET.Element:
    async with client_for(db, settings, clock) as client:
        response = await client.get(url)
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        return ET.fromstring(await response.read())


async def test_the_feed_is_atom_newest_first_with_at_most_50_stable_ids(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(lambda conn: _publish(conn, one_cluster.id, 60))
    await page_on(db, one_cluster.id)
    settings = replace(settings, public_url="https://cluster.example.org")
    root = await _feed(db, settings, clock, "/c/BAGRU/updates.atom?lang=hi")
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "hi"
    entries = root.findall(f"{A}entry")
    assert len(entries) == 50
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == 50
    assert ids[0] == "tag:cluster.example.org,2026:BAGRU/updates/60"  # the newest
    stamps = [e.findtext(f"{A}updated") or "" for e in entries]
    assert all(RFC3339.match(s) for s in stamps)
    assert stamps == sorted(stamps, reverse=True)
    assert root.findtext(f"{A}updated") == stamps[0]
    assert entries[0].findtext(f"{A}content") == "सूचना 59"  # the Hindi version
    assert entries[0].find(f"{A}content").get("type") == "text"  # type: ignore[union-attr]
    self_link = next(x for x in root.findall(f"{A}link") if x.get("rel") == "self")
    assert self_link.get("href") == "https://cluster.example.org/c/BAGRU/updates.atom?lang=hi"
    assert root.find(f"{A}author/{A}name") is not None  # required when entries have none
    assert root.findtext(f"{A}id") and root.findtext(f"{A}title")
    # the same ids on the next read
    again = await _feed(db, settings, clock, "/c/BAGRU/updates.atom?lang=hi")
    assert [e.findtext(f"{A}id") for e in again.findall(f"{A}entry")] == ids


async def test_the_feed_is_english_by_default_and_links_to_the_host_without_a_public_url(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(lambda conn: _publish(conn, one_cluster.id, 2))
    await page_on(db, one_cluster.id)
    root = await _feed(db, settings, clock, "/c/BAGRU/updates.atom")
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == ["Update number 1", "Update number 0"]
    assert entries[0].findtext(f"{A}content") == "Update number 1\nmore lines"
    self_link = next(x for x in root.findall(f"{A}link") if x.get("rel") == "self")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/c/BAGRU/updates\.atom\?lang=en",
                        self_link.get("href", ""))  # fmt: skip
    assert re.fullmatch(r"tag:127\.0\.0\.1,2026:BAGRU/updates/2", entries[0].findtext(f"{A}id", ""))


async def test_any_text_is_escaped_and_the_feed_still_parses(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await db.write(lambda conn: updates.publish(
        conn, cluster_id=one_cluster.id, broadcast_id=None, texts={"en": NASTY},
        default_language="en", now="2026-11-01T05:00:00+00:00",
    ))  # fmt: skip
    await page_on(db, one_cluster.id)
    root = await _feed(db, settings, clock, "/c/BAGRU/updates.atom?lang=en")
    entry = root.find(f"{A}entry")
    assert entry is not None
    # the control character (not allowed in XML) became a space, the rest is the text
    assert entry.findtext(f"{A}content") == NASTY.replace("\x07", " ")
    assert entry.find(f"{A}content/b") is None  # text, never markup


async def test_an_empty_feed_is_still_a_feed(
    db: Database, settings: Settings, clock: FakeClock, one_cluster: Cluster
) -> None:
    await page_on(db, one_cluster.id)
    root = await _feed(db, settings, clock, "/c/BAGRU/updates.atom")
    assert root.findall(f"{A}entry") == []
    assert RFC3339.match(root.findtext(f"{A}updated") or "")


def test_an_entry_title_is_the_first_line_cut_at_a_word() -> None:
    assert entry_title("\n  Short one  \nsecond") == "Short one"
    long = "word " * 40
    title = entry_title(long)
    assert title.endswith("…") and len(title) <= 81 and " wor…" not in title
