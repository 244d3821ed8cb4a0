"""Helpers for the web page tests: a test client on the app, people, survey answers, and a
cluster with its public page on. Fixtures that need them are defined in the test modules
(tests/web/conftest.py belongs to the browser harness)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.storage import contacts, web_access
from bot.storage import surveys as survey_store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from bot.web import make_app
from bot.web.state import JoinLinks
from tests.driver import FakeClock

REGISTERED_AT = "2026-06-01T05:00:00+00:00"


def client_for(
    db: Database, settings: Settings, clock: FakeClock, links: JoinLinks | None = None
) -> TestClient:
    """Use as `async with client_for(...) as client:`."""
    return TestClient(TestServer(make_app(db, settings, clock=clock, links=links)))


def person(
    conn: sqlite3.Connection,
    uid: str,
    cluster_id: int,
    *,
    name: str = "",
    role: str = "artisan",
    gender: str = "female",
    place: str = "",
    phone: str = "",
) -> int:
    """A registered stakeholder of `cluster_id`; their contact id."""
    contact = contacts.get_or_create(conn, "test", uid, uid, REGISTERED_AT)
    contacts.update(
        conn, contact.id, cluster_id=cluster_id, role=role, gender=gender, language="hi",
        status="registered", name=name or None, place=place or None, phone=phone or None,
        consent_at=REGISTERED_AT, registered_at=REGISTERED_AT,
    )  # fmt: skip
    return contact.id


def import_form(conn: sqlite3.Connection, path: Path, cluster_id: int | None = None) -> int:
    """Imports a form file as a survey; its id."""
    survey, _ = survey_store.import_form(
        conn, load_form(path).form, now=REGISTERED_AT, cluster_id=cluster_id
    )
    return survey.id


def answer(
    conn: sqlite3.Connection, survey_id: int, contact_id: int, values: Mapping[str, str]
) -> None:
    """A completed response with `values`."""
    response = survey_store.start_response(
        conn, survey_id, contact_id, None, "2026-11-20T09:00:00+00:00"
    )
    survey_store.save_answers(conn, response.id, values, "2026-11-20T09:05:00+00:00")
    survey_store.move(conn, response.id, None, "completed", "2026-11-20T09:10:00+00:00")


async def page_on(db: Database, cluster_id: int, on: bool = True) -> None:
    await db.write(lambda conn: web_access.set_public_page(conn, cluster_id, on))
