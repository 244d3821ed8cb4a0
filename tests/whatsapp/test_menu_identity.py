"""Commands without the slash, the Menu list, and one contact per WhatsApp person whether
Meta names them by phone, by business-scoped user id, or both."""

from __future__ import annotations

import pytest

import handlers  # noqa: F401 - registers the commands
from bot.channels.whatsapp_menu import menu_requests, slashless
from bot.channels.whatsapp_send import words_for
from bot.commands import OBSERVER_COMMANDS, Audience, commands
from bot.i18n import SHIPPED_LANGUAGES
from bot.limits import WHATSAPP_MAX_LIST_ROWS
from bot.storage import admins, contacts
from bot.storage import whatsapp as identities
from bot.storage.db import Database
from tests.whatsapp.test_render import accepted


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("help", ("/help", False)),
        ("HELP", ("/help", False)),
        ("  Survey  ", ("/survey", False)),
        ("start BAGRU", ("/start BAGRU", False)),
        ("stop", ("/stop", False)),
        ("menu", ("/menu", True)),
        ("Menu", ("/menu", True)),
        ("मेनू", ("/menu", True)),
        ("మెనూ", ("/menu", True)),
        ("મેનુ", ("/menu", True)),
        ("മെനു", ("/menu", True)),
        ("மெனு", ("/menu", True)),
        ("/menu", ("/menu", True)),
        ("/help", ("/help", False)),
        ("Bagru", ("Bagru", False)),
        ("2", ("2", False)),
        ("Sunita Devi", ("Sunita Devi", False)),
        ("helpful people", ("helpful people", False)),
        ("survey diag", ("/survey diag", False)),
        # A sentence that begins with a command word is an answer, not a command.
        ("stop using chemical dyes", ("stop using chemical dyes", False)),
        ("Help me find a buyer", ("Help me find a buyer", False)),
        ("start BAGRU now", ("start BAGRU now", False)),
        ("cancel 3", ("cancel 3", False)),
        ("", ("", False)),
    ],
)
def test_slashless(typed: str, expected: tuple[str, bool]) -> None:
    assert slashless(typed) == expected


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
@pytest.mark.parametrize(("cda", "observer"), [(False, False), (True, False), (False, True)])
def test_menu_lists_fit_and_cover_the_commands(language: str, cda: bool, observer: bool) -> None:
    requests = menu_requests(
        language, words_for(language), registered=True, cda=cda, observer=observer
    )
    assert set(accepted(requests)) == {"interactive"}
    ids = [
        r["id"]
        for req in requests
        for s in req.body["interactive"]["action"]["sections"]
        for r in s["rows"]
    ]
    assert "cmd:survey" in ids and "cmd:forget" in ids and "cmd:start" not in ids
    assert "cmd:privacy" in ids and "cmd:help" not in ids  # the Menu is the help
    assert ("cmd:broadcast" in ids) is cda
    assert ("cmd:report" in ids) is (cda or observer)
    # Every command of the cluster team is in the Menu: as many lists of 10 as it takes.
    team = [
        c.name for c in commands() if c.in_menu and (
            (c.audience is Audience.CDA and cda)
            or (c.audience is Audience.REPORT and (cda or observer)))
        and (cda or c.name in OBSERVER_COMMANDS)
    ]  # fmt: skip
    assert {f"cmd:{name}" for name in team} <= set(ids)
    assert len(requests) == 1 + -(-len(team) // WHATSAPP_MAX_LIST_ROWS)
    button = requests[0].body["interactive"]["action"]["button"]
    assert button == words_for(language).menu
    rows = requests[0].body["interactive"]["action"]["sections"][0]["rows"]
    assert rows[0]["description"].split(" · ")[0] == "survey"  # the word to type


async def test_phone_contact_moves_to_its_bsuid(db: Database) -> None:
    now = "2026-11-28T09:00:00+00:00"

    def setup(conn):  # type: ignore[no-untyped-def]
        contacts.get_or_create(conn, "whatsapp", "919414012345", "919414012345", now)
        admins.add(conn, "whatsapp", "919414012345", None, "cda", now)

    await db.write(setup)
    key = await db.write(
        lambda conn: identities.resolve(conn, "IN.1502576394655843", "919414012345")
    )
    assert key == ("IN.1502576394655843", "919414012345")

    def check(conn):  # type: ignore[no-untyped-def]
        found = contacts.find(conn, "whatsapp", "IN.1502576394655843")
        assert found is not None and found.chat_id == "919414012345"
        assert contacts.find(conn, "whatsapp", "919414012345") is None
        access = admins.access_for(conn, "whatsapp", "IN.1502576394655843", frozenset())
        assert access.cda
        # A later payload without the BSUID still finds the same person by phone.
        assert identities.resolve(conn, "", "919414012345") == (
            "IN.1502576394655843",
            "919414012345",
        )
        # Without the phone (a username user) replies still go to the known number.
        assert identities.resolve(conn, "IN.1502576394655843", "") == (
            "IN.1502576394655843",
            "919414012345",
        )
        assert identities.resolve(conn, "IN.77", "") == ("IN.77", "IN.77")
        # Nobody known: the phone is the key.
        assert identities.resolve(conn, "", "919999999999") == ("919999999999", "919999999999")
        assert identities.keys_for_phones(conn, {"919414012345"}) == {
            "919414012345": "IN.1502576394655843"
        }

    await db.read(check)
