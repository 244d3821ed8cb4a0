"""The dashboard tests' cluster: the hand-counted M&E database of tests/reports/fixture.py
(names, phones and villages that must never reach an observer), a real survey with
free-text answers, the people who may sign in, and signing a test client in."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.storage import admins, web_access
from bot.storage import surveys as survey_store
from bot.storage.db import Database
from bot.storage.web_access import Identity
from bot.surveys.loader import load_form
from bot.web import make_app
from tests.driver import FakeClock
from tests.reports.fixture import ALLEPPEY, BAGRU, NAMES, PHONES, PLACES, populate

FORMS = Path(__file__).parents[1] / "surveys" / "forms"
SURVEY = "all_types"  # tests/surveys/forms/all_types.md: text, numbers, choices, a repeat
# What people typed into the survey: free text an observer must never see.
TYPED = ("Kamla Bai of Mahapura", "indigo secret recipe", "Jute from Kheri")
PRIVATE = (*NAMES, *PHONES, *PLACES, *TYPED)

OBSERVER = Identity("test", "obs")  # observer of BAGRU
CDA = Identity("test", "cdab")  # CDA of BAGRU
OTHER_CDA = Identity("test", "cdaa")  # CDA of ALLEPPEY only
STAKEHOLDER = Identity("fixture", "u1")  # Sunita Devi: registered, no admin row
NOW = "2026-11-28T09:00:00+00:00"


def fill(conn: sqlite3.Connection) -> None:
    populate(conn)
    admins.add(conn, OBSERVER.channel, OBSERVER.channel_user_id, BAGRU, "observer", NOW)
    admins.add(conn, CDA.channel, CDA.channel_user_id, BAGRU, "cda", NOW)
    admins.add(conn, OTHER_CDA.channel, OTHER_CDA.channel_user_id, ALLEPPEY, "cda", NOW)
    survey, _ = survey_store.import_form(conn, load_form(FORMS / "all_types.md").form, now=NOW)
    for contact, values in (
        (1, {"name": TYPED[0], "age": "34", "products": "weaving pottery",
             "main_product": "other", "main_product_other": TYPED[2], "rating": "4"}),
        (2, {"name": TYPED[1], "age": "50", "products": "pottery", "rating": "2"}),
        (3, {"name": NAMES[2], "age": "41", "products": "weaving", "rating": "5"}),
        (9, {"name": "Anil", "age": "60", "products": "pottery", "rating": "1"}),  # ALLEPPEY
    ):  # fmt: skip
        response = survey_store.start_response(conn, survey.id, contact, None, NOW)
        survey_store.save_answers(conn, response.id, values, NOW)
        survey_store.move(conn, response.id, None, "completed", NOW)


async def sign_in(client: TestClient, db: Database, clock: FakeClock, who: Identity) -> None:
    """Through the one-time link, as a person does; the client's cookie jar keeps the session."""
    token = await db.write(lambda conn: web_access.new_link(conn, who, clock()))
    assert token
    response = await client.post("/dashboard/signin", data={"token": token}, allow_redirects=False)
    assert response.status == 303, await response.text()


def client_for(db: Database, settings: Settings, clock: FakeClock) -> TestClient:
    """Use as `async with client_for(...) as client:`."""
    return TestClient(TestServer(make_app(db, settings, clock=clock)))
