"""Every WhatsApp button and list row fits whole, in every shipped language (issue 17).

WhatsApp takes 20 characters for a reply button and 24 for a list row title; the renderer
shortens what does not fit with "…" ("స్ప్రెడ్‌షీ…"), which a person cannot read. So this
test renders what the bot really offers — the language list, onboarding and the role
question, the main menu and the Menu lists, the profile, event invitations and RSVP, the
CDA wizards' pickers, /activity, /report, /results, /deliveries, the shipped diagnostic's
choices (with every multi-select choice ticked) and the templates' buttons — and fails on
any label that was cut or is too long, naming the language and the label. Languages come
from `SHIPPED_LANGUAGES`, so a catalogue added later is checked too.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.channels import whatsapp_templates as templates
from bot.channels.whatsapp_menu import menu_requests
from bot.channels.whatsapp_render import CHECK, Body, Words, render, wa_len
from bot.channels.whatsapp_send import words_for
from bot.clock import iso
from bot.commands import MENU_LABELS
from bot.i18n import SHIPPED_LANGUAGES, po_path
from bot.limits import (
    WHATSAPP_MAX_BUTTON_TITLE,
    WHATSAPP_MAX_LIST_BUTTON,
    WHATSAPP_MAX_LIST_ROWS,
    WHATSAPP_MAX_ROW_DESCRIPTION,
    WHATSAPP_MAX_ROW_TITLE,
)
from bot.messages import Outbound
from bot.storage import surveys as store
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from bot.surveys import shipped
from bot.surveys.answers import choice_label
from bot.surveys.loader import load_form
from bot.vocabulary import ROLES
from handlers.common import ROLE_BUTTONS, ROLE_GROUPS, language_choices
from tests.driver import ChatDriver, FakeClock
from tests.handlers.events.helpers import make_event
from tests.handlers.people.test_onboarding import register
from tests.outbox_helpers import Person, seed_people
from tests.whatsapp.test_render import accepted

CUT = "…"
# The Done of a multi-select: the wizards' roles, a survey's select_multiple.
MULTI_SELECT_DONE = re.compile(r"[a-z]+:roles:done|sv:[0-9a-f]+:done")


def _titles(body: Body) -> list[tuple[str, int, str]]:
    """(kind, limit, text) of every label WhatsApp shows for one request body."""
    interactive = body.get("interactive")
    if not interactive:
        return []
    if interactive["type"] == "button":
        return [
            ("button", WHATSAPP_MAX_BUTTON_TITLE, b["reply"]["title"])
            for b in interactive["action"]["buttons"]
        ]
    if interactive["type"] != "list":
        return []
    out = [("list button", WHATSAPP_MAX_LIST_BUTTON, interactive["action"]["button"])]
    for section in interactive["action"]["sections"]:
        for row in section["rows"]:
            out.append(("row", WHATSAPP_MAX_ROW_TITLE, row["title"]))
            if "description" in row:
                out.append(("row description", WHATSAPP_MAX_ROW_DESCRIPTION, row["description"]))
    return out


def body_problems(body: Body, where: str) -> list[str]:
    problems = []
    for kind, limit, text in _titles(body):
        # A row's description is the label's second line: long content may be cut there.
        if (text.endswith(CUT) and kind != "row description") or wa_len(text) > limit:
            problems.append(f"{where}: {kind} {text!r} ({wa_len(text)} > {limit} or cut)")
    interactive = body.get("interactive") or {}
    if interactive.get("type") == "list":
        rows = sum(len(s["rows"]) for s in interactive["action"]["sections"])
        if rows > WHATSAPP_MAX_LIST_ROWS:
            problems.append(f"{where}: {rows} rows in one list")
    return problems


def problems(message: Outbound, words: Words, where: str) -> list[str]:
    """What is wrong with one message's labels on WhatsApp: a cut or too long title, a
    title that is not the label, or a question of 10 choices or fewer sent as numbered
    text because a label did not fit a row."""
    found: list[str] = []
    requests = render(message, words)
    labels = {(CHECK if c.id in message.selected else "") + " ".join(text.split())
              for c in message.choices for text in (c.label, c.short) if text}  # fmt: skip
    for request in requests:
        found += body_problems(request.body, where)
        for kind, _, text in _titles(request.body):
            if kind in ("button", "row") and message.choices and text not in labels:
                found.append(f"{where}: {kind} {text!r} is not a whole label")
    last = requests[-1].body if requests else {}
    if message.choices and last.get("type") == "text" and len(message.choices) <= 10:
        long = [c.label for c in message.choices if wa_len(c.label) > WHATSAPP_MAX_ROW_TITLE]
        found.append(f"{where}: numbered text instead of a list for {long}")
    return found


def ticked(message: Outbound) -> Outbound | None:
    """A multi-select with every choice but Done ticked: the longest its titles get."""
    ids = [c.id for c in message.choices]
    done = {i for i in ids if MULTI_SELECT_DONE.fullmatch(i)}
    if not message.selected and not done:
        return None
    # Buttons that only switch or finish are never ticked.
    plain = done | {i for i in ids if ":roles:grp:" in i}
    return Outbound(message.text, message.choices, selected=frozenset(set(ids) - plain))


def check(messages: Iterable[Outbound], language: str, flow: str) -> list[str]:
    words = words_for(language)
    found: list[str] = []
    for message in messages:
        if not message.choices:
            continue
        where = f"[{language}] {flow}"
        found += problems(message, words, where)
        full = ticked(message)
        if full is not None:
            found += problems(full, words, where + " (all ticked)")
    return found


def fail_on(found: list[str]) -> None:
    unique = list(dict.fromkeys(found))
    assert not unique, f"{len(unique)} labels do not fit:\n" + "\n".join(unique)


# --- the stakeholder's screens --------------------------------------------------------------


async def _stakeholder(chat: ChatDriver, language: str) -> list[Outbound]:
    seen: list[Outbound] = []

    async def say(text: str) -> None:
        seen.extend(await chat.say(text))

    async def press(choice: str) -> None:
        seen.extend(await chat.press(choice))

    await say("/start")
    await press(f"lang:{language}")
    await press("consent:yes")
    await press("name:profile")
    for choice in [c.id for m in chat.last for c in m.choices if c.id.startswith("rgrp:")]:
        await press(choice)  # each group of roles (WhatsApp: a list of 10 rows at most)
        await press("rgrp:back")
    await press("role:artisan")
    await press("gender:undisclosed")
    await say("Bagru")
    seen.extend(await chat.share_contact("+91 98290 12345"))
    for command in ("/help", "/profile", "/language", "/events", "/myevents", "/updates"):
        await say(command)
    await press(f"lang:{language}")
    for field in ("name", "role", "gender", "place", "phone"):
        await say("/profile")
        await press(f"edit:{field}")
    await say("/forget")
    await press("forget:no")
    return seen


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_language_list_onboarding_profile_and_events_fit(
    chat: ChatDriver,
    db: Database,
    one_cluster: Cluster,
    clock: FakeClock,
    language: str,
) -> None:
    def events(conn: sqlite3.Connection) -> None:
        make_event(conn, one_cluster.id, clock.now, kind="meeting")
        make_event(conn, one_cluster.id, clock.now, kind="visit", starts_in=timedelta(days=9))

    await db.write(events)
    seen = await _stakeholder(chat, language)
    seen.append(Outbound("?", tuple(language_choices())))
    found = check(seen, language, "stakeholder")
    ids = {c.id for m in seen for c in m.choices}
    assert {"lang:en", "consent:yes", "gender:female", "rsvp:1:y", "reg:2"} <= ids, ids
    assert {f"role:{r}" for r in ROLES} <= ids, "every role was offered"
    fail_on(found)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_the_role_question_comes_as_lists_the_graph_api_accepts(
    chat: ChatDriver, one_cluster: Cluster, language: str
) -> None:
    """11 roles, WhatsApp's 10 rows: a group first (reply buttons), then its roles (a list
    of at most 10 rows), at onboarding and in /profile; never numbered text."""
    words = words_for(language)

    async def role_screens() -> set[str]:
        reached: set[str] = set()
        groups = chat.last[-1]
        assert [c.id for c in groups.choices] == [f"rgrp:{g}" for g in ROLE_GROUPS]
        assert accepted(render(groups, words)) == ["interactive"]
        assert render(groups, words)[-1].body["interactive"]["type"] == "button"
        for group in ROLE_GROUPS:
            await chat.press(f"rgrp:{group}")
            roles = chat.last[-1]
            [request] = render(roles, words)
            assert accepted([request]) == ["interactive"]
            assert request.body["interactive"]["type"] == "list"
            assert not body_problems(request.body, language)
            reached |= {c.id for c in roles.choices if c.id.startswith("role:")}
            await chat.press("rgrp:back")
        return reached

    await chat.say("/start")
    await chat.press(f"lang:{language}")
    await chat.press("consent:yes")
    await chat.press("name:profile")
    assert await role_screens() == {f"role:{r}" for r in ROLES}
    await chat.press("rgrp:support")
    await chat.press("role:ngo")
    await chat.press("gender:female")
    await chat.say("Bagru")
    await chat.share_contact("+91 98290 12345")
    await chat.say("/profile")
    await chat.press("edit:role")
    assert await role_screens() == {f"role:{r}" for r in ROLES}
    await chat.press("rgrp:make")
    await chat.press("role:artisan")
    assert "role:" not in " ".join(c.id for m in chat.last for c in m.choices)


def test_the_menu_lists_fit() -> None:
    found = []
    for language in SHIPPED_LANGUAGES:
        words = words_for(language)
        for registered, cda, observer in ((False, False, False), (True, False, False),
                                          (True, True, False), (False, False, True)):  # fmt: skip
            for request in menu_requests(
                language, words, registered=registered, cda=cda, observer=observer
            ):
                found += body_problems(request.body, f"[{language}] Menu")
    fail_on(found)


# --- the CDA's screens ----------------------------------------------------------------------


async def _explore(cda: ChatDriver, start: list[str], depth: int = 2) -> list[Outbound]:
    """Every screen reached by pressing buttons from `start` (typed lines and presses,
    `!` marks a press), `depth` presses deep; each path is replayed from /cancel."""
    seen: list[Outbound] = []

    async def replay(path: list[str]) -> list[Outbound]:
        await cda.say("/cancel")
        for step in path:
            await (cda.press(step[1:]) if step.startswith("!") else cda.say(step))
        seen.extend(cda.last)
        return cda.last

    frontier = [start]
    for _ in range(depth + 1):
        following = []
        for path in frontier:
            shown = await replay(path)
            for choice in [c for m in shown for c in m.choices]:
                if not choice.id.startswith("cmd:"):
                    following.append([*path, "!" + choice.id])
        frontier = following[:40]
    return seen


async def _cda_flows(cda: ChatDriver, language: str) -> list[Outbound]:
    seen: list[Outbound] = []

    async def script(*steps: str) -> None:
        await cda.say("/cancel")
        for step in steps:
            seen.extend(await (cda.press(step[1:]) if step.startswith("!") else cda.say(step)))

    await script("/language", f"!lang:{language}")
    await script("/newmeeting", "Dyes", "05-12-2026 10:30", "Hall", "!mt:aud:roles",
                 "!mt:role:artisan", "!mt:roles:grp:support", "!mt:roles:done", "1 day",
                 "!mt:edit", "!mt:chg:title", "Dyes", "!mt:yes")  # fmt: skip
    await script("/newvisit", "Sanganer", "Dyeing", "10-12-2026 07:00", "11-12-2026 19:00", "30",
                 "!vs:role:bank", "!vs:roles:done", "5 Dec 18:00", "1500", "!vs:edit")  # fmt: skip
    await script("/broadcast", "!bc:aud:roles", "!bc:role:ngo", "!bc:roles:done", "Hello",
                 "!bc:change")  # fmt: skip
    await script("/broadcast", "!bc:aud:all", "Hello", "!bc:later")
    await script("/broadcast", "!bc:aud:all", "Hello", "!bc:now", "!bc:yes")
    await script("/activity", "!ac:add", "Exposure visit", "!ac:cat:pilot", "Women", "CDA",
                 "05-12-2026", "06-12-2026")  # fmt: skip
    for command in ("/activity", "/report", "/results diagnostic", "/deliveries", "/attendance",
                    "/inbox", "/networks", "/logframe", "/publicpage"):  # fmt: skip
        seen.extend(await _explore(cda, [command]))
    return seen


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_the_cda_wizards_and_screens_fit(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock, language: str
) -> None:
    def seed(conn: sqlite3.Connection) -> None:
        seed_people(conn, one_cluster.id, [Person("asha"), Person("ravi", gender="male")])
        shipped.install(conn, iso(clock.now))
        survey = store.current(conn, "diagnostic")
        assert survey is not None
        make_event(conn, one_cluster.id, clock.now - timedelta(days=3), kind="meeting")
        conn.execute("INSERT INTO activities (cluster_id, title, category, status, created_by,"
                     " created_at, updated_at) VALUES (?, 'Dyes', 'pilot', 'planned', 'x', 'x',"
                     " 'x')", (one_cluster.id,))  # fmt: skip

    await db.write(seed)
    seen = await _cda_flows(cda_chat, language)
    ids = {c.id for m in seen for c in m.choices}
    wanted = {"mt:aud:all", "mt:role:bank", "vs:yes", "mt:chg:title", "bc:aud:female",
              "ac:cat:pilot", "ac:show:all", "rep:p:month", "dlv:evp:0", "bc:when:tomorrow9",
              "vs:chg:register_by", "bc:aud:event", f"pp:on:{one_cluster.id}",
              f"pp:off:{one_cluster.id}"}  # fmt: skip
    assert wanted <= ids, sorted(wanted - ids)
    fail_on(check(seen, language, "CDA"))


# --- the shipped diagnostic -----------------------------------------------------------------


async def _answer(chat: ChatDriver, key: str, steps: int = 80) -> list[Outbound]:
    """Answer a survey generically to its end: press each offered button once per question
    (a multi-select: one tick, then Done), and where a typed answer is wanted, a number and
    words by turns. Ends at the modules offer or the main menu."""
    seen = list(await chat.say(f"/survey {key}"))
    pressed: dict[str, set[str]] = {}
    for step in range(steps):
        ids = [c.id for m in chat.last for c in m.choices]
        if any(i.startswith(("sv:again:", "cmd:")) for i in ids):
            break
        asking = next((m for m in reversed(chat.last) if m.choices), None)
        done = pressed.setdefault(asking.text if asking else "", set())
        options = list(asking.choices) if asking else []
        finish = [c for c in options if MULTI_SELECT_DONE.fullmatch(c.id)]
        if finish:  # one tick, then Done ("None" with others is refused); ticked() does all
            options = [options[0], *finish]
        fresh = [c for c in options if c.id not in done and not c.id.endswith((":skip", ":keep"))]
        if not fresh:
            seen += await chat.say(("3", "Block-printed bedsheets")[step % 2])
            continue
        done.add(fresh[0].id)
        seen += await chat.press(fresh[0].id)
    return seen


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_the_shipped_diagnostic_choices_fit(
    chat: ChatDriver, db: Database, one_cluster: Cluster, clock: FakeClock, language: str
) -> None:
    await db.write(lambda conn: shipped.install(conn, iso(clock.now)))
    await register(chat, language=f"lang:{language}")
    found: list[str] = []
    seen: set[str] = set()
    for key in shipped.SHIPPED_FORMS:
        answered = await _answer(chat, key)
        seen |= {c.id for m in answered for c in m.choices}
        found += check(answered, language, f"survey {key}")
    # The modules offered after the core, and a multi-select, were on screen.
    assert {"sv:open:diagnostic_money", "sv:again:"} <= seen, sorted(seen)
    # Every choice of every select question, as the survey shows it (with a tick).
    for key in shipped.SHIPPED_FORMS:
        path = shipped.shipped_form(key)
        assert path is not None
        form = load_form(path).form
        for _, question in form.walk():
            tick = CHECK if question.type == "select_multiple" else ""
            for choice in question.choices:
                label = " ".join(choice_label(choice, language, form.default_language).split())
                if wa_len(tick + label) > WHATSAPP_MAX_ROW_TITLE:
                    found.append(f"[{language}] survey {key}.{question.name}: {tick}{label!r}")
    fail_on(found)


# --- templates and catalogues ---------------------------------------------------------------


def test_template_buttons_fit() -> None:
    found = []
    for definition in templates.definitions():
        language = definition["language"]
        for component in definition["components"]:
            for button in component.get("buttons", []):
                text = button["text"]
                if wa_len(text) > WHATSAPP_MAX_BUTTON_TITLE:
                    found.append(f"[{language}] template {definition['name']}: {text!r}")
    fail_on(found)


def _button_entries() -> Iterable[tuple[str, str, str]]:
    """(language, msgid, msgstr) of every msgctxt "button" entry; English is the msgid."""
    for language in SHIPPED_LANGUAGES:
        with open(po_path(language), "rb") as po:
            catalog = read_po(po, locale=language)
        for message in catalog:
            if message.context != "button" or not message.id:
                continue
            msgid = str(message.id)
            yield language, msgid, str(message.string) or msgid


def _limits() -> dict[str, int]:
    """How long each "button" label may be: 20 (a reply button) unless it is only ever a
    list row (24: the menus) or a row that a multi-select may tick (22: roles)."""
    limits = {label: WHATSAPP_MAX_ROW_TITLE for label in MENU_LABELS.values()}
    limits |= {label: WHATSAPP_MAX_ROW_TITLE - wa_len(CHECK) for label in ROLE_BUTTONS.values()}
    return limits


def test_every_button_label_in_every_catalogue_fits() -> None:
    found = []
    limits = _limits()
    entries = list(_button_entries())
    marked = {*MENU_LABELS.values(), *ROLE_BUTTONS.values(), *(g for g, _ in ROLE_GROUPS.values())}
    assert {msgid for _, msgid, _ in entries} >= marked, "every short label is in the catalogues"
    for language, msgid, text in entries:
        limit = limits.get(msgid, WHATSAPP_MAX_BUTTON_TITLE)
        for shown in (msgid, text):
            if wa_len(shown) > limit:
                found.append(f"[{language}] {msgid!r} -> {text!r} ({wa_len(shown)} > {limit})")
    fail_on(found)


def test_this_module_sees_every_shipped_language() -> None:
    found = {
        p.parent.parent.name for p in Path(po_path("en")).parents[2].glob("*/LC_MESSAGES/*.po")
    }
    assert set(SHIPPED_LANGUAGES) == found
