"""Roles never mix (issue 12): every CDA command and CDA button, acted on cluster B by
everyone who is not B's CDA, is refused — the database is left as it was, no outbox row is
queued, and nothing of B (names, titles, texts, spreadsheets) is shown. The same press with
a target that does not exist gets the same words, so a forged button tells an outsider
nothing. CDA of B running the same scripts changes or shows B's data (the positive control:
the matrix can fail).

Clusters: A (BAGRU), B (ALLEPPEY), C (CHANDERI). "CDA of another cluster" manages A and C,
so every script meets a cluster question and B is never picked for them by default.
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.clock import iso
from bot.engine import Engine
from bot.i18n import SHIPPED_LANGUAGES
from bot.messages import Outbound
from bot.outbox.queue import Payload, fan_out
from bot.storage import activities, admins, broadcasts, clusters, inbox
from bot.storage import events as ev
from bot.storage import surveys as store
from bot.storage.admins import Access
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import ChatDriver, FakeClock
from tests.outbox_helpers import Person, seed_people

FORMS = Path(__file__).parents[1] / "surveys" / "forms"
MEETING, BROADCAST, ACTIVITY = "Secret B meeting", "Secret B broadcast", "Secret B activity"
QUESTION = "Secret B question"  # what Bimla sent B's CDA (/ask, issue 15)
NAME = "Bimla Marker"  # a B stakeholder's name, also her free-text survey answer
B_SURVEY_TITLE = "Mini diagnostic"  # diag_mini, imported for cluster B only
SECRETS = (MEETING, BROADCAST, ACTIVITY, NAME, B_SURVEY_TITLE, QUESTION)
WATCHED = (  # every table that holds cluster data; the actor's own contact row is left out
    "activities",
    "activity_notes",
    "admins",
    "answers",
    "attendance",
    "audit_log",
    "broadcasts",
    "clusters",
    "contacts",
    "events",
    "inbox_blocks",
    "inbox_changes",
    "inbox_items",
    "inbox_messages",
    "outbox",
    "outbox_payloads",
    "registrations",
    "reminders",
    "responses",
    "rsvps",
    "scheduled_jobs",
    "surveys",
    "survey_rounds",
    "updates",
)

Step = tuple[str, str]  # ("say", text) or ("press", choice id); {placeholders} are ids


def say(text: str) -> Step:
    return ("say", text)


def press(choice: str) -> Step:
    return ("press", choice)


# Every CDA command, and the CDA buttons behind it, aimed at cluster B. Each script is what
# B's CDA would do; "write" scripts change B's data, "read" ones show it.
SCRIPTS: dict[str, tuple[str, list[Step]]] = {
    "broadcast": (
        "write",
        [
            say("/broadcast"),
            press("bc:cluster:{cluster}"),
            press("bc:aud:all"),
            say("Forged update"),
            press("bc:now"),
            press("bc:yes"),
        ],
    ),
    "broadcast to an event's people": (
        "write",
        [
            say("/broadcast"),
            press("bc:cluster:{cluster}"),
            press("bc:aud:event"),
            press("bc:ev:{meeting}"),
            say("Forged update"),
            press("bc:now"),
            press("bc:yes"),
        ],
    ),
    "deliveries: cancel a scheduled broadcast": (
        "write",
        [say("/deliveries"), press("dlv:show:{broadcast}"), press("dlv:cancel:{broadcast}")],
    ),
    "deliveries: an event's invitations": (
        "read",
        [say("/deliveries"), press("dlv:evp:0"), press("dlv:ev:{meeting}")],
    ),
    "newmeeting": (
        "write",
        [
            say("/newmeeting"),
            press("mt:cluster:{cluster}"),
            say("Forged meeting"),
            say("6 Dec 10:30"),
            say("Hall"),
            press("mt:aud:all"),
            press("mt:rem:default"),
            press("mt:yes"),
        ],
    ),
    "newvisit": (
        "write",
        [
            say("/newvisit"),
            press("vs:cluster:{cluster}"),
            say("Forged visit"),
            say("See the dyeing unit"),
            say("10-12-2026 07:00"),
            say("11-12-2026 19:00"),
            say("30"),
            press("vs:roles:done"),
            say("5 Dec 18:00"),
            say("₹1,500"),
            press("vs:yes"),
        ],
    ),
    "event: cancel": ("write", [press("evm:{meeting}:cancel"), press("evm:{meeting}:drop")]),
    "event: change time": ("write", [press("evm:{meeting}:time"), say("6 Dec 11:30")]),
    "event: change place": ("write", [press("evm:{meeting}:place"), say("Forged place")]),
    "attendance": (
        "write",
        [
            say("/attendance"),
            press("att:{past}"),
            press("att:t:{bimla}"),
            press("att:save"),
        ],
    ),
    "activity: status": (
        "write",
        [
            say("/activity"),
            press("ac:cluster:{cluster}"),
            press("ac:show:all"),
            press("ac:open:{activity}"),
            press("ac:st:done"),
        ],
    ),
    "activity: published note": (
        "write",
        [
            say("/activity"),
            press("ac:cluster:{cluster}"),
            press("ac:show:all"),
            press("ac:open:{activity}"),
            press("ac:note"),
            say("Forged note"),
            press("ac:pub:yes"),
        ],
    ),
    "activity: add": (
        "write",
        [
            say("/activity"),
            press("ac:cluster:{cluster}"),
            press("ac:add"),
            say("Forged activity"),
            press("ac:cat:pilot"),
            *(say("/skip") for _ in range(4)),  # target group, responsible, start, end
            *(say("0") for _ in range(3)),  # the three shares of the budget
            press("ac:save"),
        ],
    ),
    "results KEY": ("read", [say("/results {survey}")]),
    "results, picked": ("read", [say("/results"), press("sva:res:{survey}")]),
    "export KEY": ("read", [say("/export {survey}")]),
    "export, picked": ("read", [say("/export"), press("sva:exp:{survey}")]),
    # A new round asks B's people again (outbox): the buttons of /results, then the name.
    "survey: new round": (
        "write",
        [
            say("/results {survey}"),
            press("svn:new:{survey}"),
            say("Forged round"),
            press("svn:ok:{survey}"),
        ],
    ),
    # Any CDA may export a survey for every cluster (audited), but only their clusters' rows.
    "export of an every-cluster survey": ("scoped", [say("/export all_types")]),
    "inbox: answered list": ("read", [say("/inbox"), press("ib:a:{cluster}")]),
    "inbox: open": ("read", [press("ib:o:{item}")]),
    "inbox: reply": ("write", [press("ib:r:{item}"), say("Forged reply")]),
    "inbox: take": ("write", [press("ib:t:{item}")]),
    "inbox: close": ("write", [press("ib:x:{item}")]),
    "inbox: block": ("write", [press("ib:b:{item}")]),
    "inbox: publish": ("write", [press("ib:p:{item}"), press("ib:pb")]),
}

# Targets that do not exist: the refusal must read the same.
MISSING = {"meeting": 9001, "past": 9002, "broadcast": 9003, "activity": 9004, "bimla": 9005,
           "survey": "no_such_survey", "cluster": 9006, "item": 9007}  # fmt: skip


@dataclass(frozen=True)
class Actor:
    rows: tuple[tuple[str, str], ...] = ()  # (cluster code or "*", role) admin rows
    stakeholder: bool = False  # a registered person of cluster B


ACTORS = {
    "stranger": Actor(),
    "stakeholder of B": Actor(stakeholder=True),
    "observer of B": Actor(rows=(("ALLEPPEY", "observer"),)),
    "CDA of another cluster": Actor(rows=(("BAGRU", "cda"), ("CHANDERI", "cda"))),
    "CDA of A + observer of B": Actor(
        rows=(("BAGRU", "cda"), ("CHANDERI", "cda"), ("ALLEPPEY", "observer"))
    ),
    "CDA of A + observer of every cluster": Actor(
        rows=(("BAGRU", "cda"), ("CHANDERI", "cda"), ("*", "observer"))
    ),
}


@pytest.fixture
async def world(db: Database, clock: FakeClock) -> dict[str, Any]:
    """Three clusters; B has people, a meeting (invited), a past meeting, a scheduled
    broadcast, an activity, a survey of its own and answers to an every-cluster survey."""
    now = clock.now

    def build(conn: sqlite3.Connection) -> dict[str, Any]:
        ids: dict[str, Any] = {}
        for code, name in (("BAGRU", "Bagru"), ("ALLEPPEY", "Alleppey"), ("CHANDERI", "Chanderi")):
            ids[code] = clusters.add(conn, code, name, "Asia/Kolkata", "x").id
        b = ids["cluster"] = ids["ALLEPPEY"]
        bimla, _ = seed_people(conn, b, [Person(NAME, user_id="bimla"), Person("Gita")])
        ids["bimla"] = bimla
        meeting = _meeting(conn, b, now, now + timedelta(days=7))
        ids["meeting"] = meeting.id
        payloads = {lang: Payload(f"Invitation: {MEETING}") for lang in SHIPPED_LANGUAGES}
        where, params = broadcasts.audience_where(b, {})
        fan_out(conn, kind="invitation", ref=f"event:{meeting.id}", where=where,
                params=params, payloads=payloads, default_language="en", now=now)  # fmt: skip
        past = _meeting(conn, b, now - timedelta(days=10), now - timedelta(days=2))
        ev.rsvp(conn, past.id, bimla, "yes", iso(now - timedelta(days=5)))
        ids["past"] = past.id
        ids["broadcast"] = broadcasts.create(
            conn, cluster_id=b, author="test:cdab", audience={}, texts={"en": BROADCAST},
            now=iso(now), scheduled_at=iso(now + timedelta(days=1)), status="scheduled",
        ).id  # fmt: skip
        ids["activity"] = activities.add(
            conn, cluster_id=b, by="test:cdab", now=iso(now), title=ACTIVITY, category="pilot"
        ).id
        item = inbox.add(conn, cluster_id=b, contact_id=bimla, kind="question", anonymous=False,
                         text=QUESTION, media_kind=None, media_path=None, role="artisan",
                         gender="female", now=iso(now))  # fmt: skip
        inbox.answer(conn, item, bimla, "An answer", iso(now))
        ids["item"] = item.id
        mini, _ = store.import_form(conn, load_form(FORMS / "diag_mini.yaml").form, now="x",
                                    cluster_id=b)  # fmt: skip
        ids["survey"] = mini.key
        everyone, _ = store.import_form(conn, load_form(FORMS / "all_types.md").form, now="x")
        for survey, values in ((mini, {"enterprise_type": "trader"}), (everyone, {"name": NAME})):
            response = store.start_response(conn, survey.id, bimla, None, iso(now))
            store.save_answers(conn, response.id, values, iso(now))
            store.move(conn, response.id, None, "completed", iso(now))
        return ids

    return await db.write(build)


def _meeting(
    conn: sqlite3.Connection, cluster_id: int, created: datetime, starts: datetime
) -> ev.Event:
    return ev.create(
        conn, cluster_id=cluster_id, kind="meeting", title=MEETING, place="Community hall",
        starts_at=iso(starts), created_by="test:cdab", now=iso(created), seats=None,
        audience={}, register_by=None, contribution_paise=0, reminder_offsets=(1440,),
    )  # fmt: skip


async def make_actor(db: Database, engine: Engine, name: str, actor: Actor) -> ChatDriver:
    uid = name.replace(" ", "_")

    def grant(conn: sqlite3.Connection) -> None:
        for code, role in actor.rows:
            found = clusters.by_code(conn, code)
            admins.add(conn, "test", uid, found.id if found else None, role, "x")
        if actor.stakeholder:
            b = clusters.by_code(conn, "ALLEPPEY")
            assert b is not None
            seed_people(conn, b.id, [Person(f"Stakeholder {uid}", user_id=uid)])

    await db.write(grant)
    return ChatDriver(engine, user_id=uid)


def snapshot(
    conn: sqlite3.Connection, actor: str, *, own_audit: bool = False
) -> dict[str, list[tuple[object, ...]]]:
    """The watched tables, without the actor's own contact row (and, for a scoped action,
    without the audit entries the actor's own allowed action wrote)."""
    found = {}
    for table in WATCHED:
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
        if table == "contacts":
            rows = [r for r in rows if r["channel_user_id"] != actor]
        if table == "audit_log" and own_audit:
            rows = [r for r in rows if r["actor"] != f"test:{actor}"]
        found[table] = sorted((tuple(r) for r in rows), key=repr)
    return found


def shown(reply: Outbound) -> str:
    """Everything a reply shows: its text, button labels, and a spreadsheet's cells."""
    parts = [reply.text, *(c.label for c in reply.choices)]
    if reply.media is not None:
        if reply.media.filename.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(reply.media.data), read_only=True)
            parts += [str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                      for v in row if v is not None]  # fmt: skip
        else:
            parts.append(reply.media.data.decode("utf-8", "replace"))
    return "\n".join(parts)


async def run(chat: ChatDriver, script: list[Step], ids: dict[str, Any]) -> list[str]:
    """Play the script; what each turn showed."""
    seen = []
    for kind, value in script:
        value = value.format(**ids)
        replies = await (chat.say(value) if kind == "say" else chat.press(value))
        seen.append("\n".join(shown(r) for r in replies))
    return seen


@pytest.mark.parametrize("script", list(SCRIPTS))
@pytest.mark.parametrize("who", list(ACTORS))
async def test_only_the_clusters_cda_may_act(
    who: str, script: str, db: Database, engine: Engine, world: dict[str, Any]
) -> None:
    effect, steps = SCRIPTS[script]
    chat = await make_actor(db, engine, who, ACTORS[who])
    own = effect == "scoped"
    before = await db.read(lambda conn: snapshot(conn, chat.user_id, own_audit=own))
    seen = await run(chat, steps, world)
    after = await db.read(lambda conn: snapshot(conn, chat.user_id, own_audit=own))
    for table in WATCHED:
        assert after[table] == before[table], f"{who} changed {table} with {script}"
    for turn in seen:
        leaked = [secret for secret in SECRETS if secret in turn]
        assert not leaked, f"{who} saw {leaked} with {script}: {turn}"

    # The same script against targets that do not exist reads the same, word for word.
    twin = await make_actor(db, engine, who + " twin", ACTORS[who])
    missing = {**world, **MISSING}
    twin_seen = await run(twin, steps, missing)
    for key, fake in MISSING.items():
        twin_seen = [turn.replace(str(fake), str(world[key])) for turn in twin_seen]
    assert twin_seen == seen


@pytest.mark.parametrize("script", list(SCRIPTS))
async def test_the_clusters_cda_may(
    script: str, db: Database, engine: Engine, world: dict[str, Any]
) -> None:
    """The positive control: the same script by B's CDA changes or shows B's data."""
    effect, steps = SCRIPTS[script]
    chat = await make_actor(db, engine, "cdab", Actor(rows=(("ALLEPPEY", "cda"),)))
    before = await db.read(lambda conn: snapshot(conn, chat.user_id))
    seen = await run(chat, steps, world)
    after = await db.read(lambda conn: snapshot(conn, chat.user_id))
    if effect == "write":
        assert after != before, f"B's CDA could not {script}: {seen}"
    else:
        assert any(secret in turn for turn in seen for secret in SECRETS), seen


async def test_access_keeps_managing_and_reporting_apart(db: Database) -> None:
    def check(conn: sqlite3.Connection) -> list[Access]:
        a = clusters.add(conn, "BAGRU", "Bagru", "Asia/Kolkata", "x").id
        b = clusters.add(conn, "ALLEPPEY", "Alleppey", "Asia/Kolkata", "x").id
        admins.add(conn, "test", "mixed", a, "cda", "x")
        admins.add(conn, "test", "mixed", b, "observer", "x")
        admins.add(conn, "test", "wide", a, "cda", "x")
        admins.add(conn, "test", "wide", None, "observer", "x")
        admins.add(conn, "test", "obs", None, "observer", "x")
        found = [admins.access_for(conn, "test", u, frozenset()) for u in ("mixed", "wide", "obs")]
        found.append(admins.access_for(conn, "test", "boot", frozenset({"test:boot"})))
        return [*found, Access(managed=frozenset({a}), reported=frozenset({a, b}))]

    mixed, wide, obs, boot, no_role = await db.write(check)
    assert mixed.may_manage(1) and not mixed.may_manage(2)
    assert mixed.may_report(1) and mixed.may_report(2)
    assert wide.may_manage(1) and not wide.may_manage(2) and wide.may_report(2)
    assert wide.managed == frozenset({1}) and wide.reported is None
    assert not obs.cda and not obs.may_manage(1) and obs.may_report(1)
    assert boot.may_manage(2) and boot.may_report(2) and boot.managed is None
    assert not no_role.may_manage(1) and not no_role.may_report(1)  # neither role: nothing
    assert not mixed.may_manage(None) and not mixed.may_report(None)


# Typed numbers press the last buttons offered (the engine maps "2" to the second). Each
# flow: the steps B's CDA takes while still CDA, then the numbers typed after the CDA row
# became an observer row. "write" flows would change B's data; for the others, what their
# result shows ("📊" heads survey results).
TYPED: dict[str, tuple[str, list[Step], list[str]]] = {
    "broadcast": ("write", [say("/broadcast")], ["1", "Forged update", "1", "1"]),
    "deliveries": ("write", [say("/deliveries")], ["1", "1"]),
    "attendance": ("write", [say("/attendance"), say("1")], ["1", "2"]),
    "activity": ("write", [say("/activity")], ["1", "1", "1"]),
    "results": ("📊", [say("/results")], ["1"]),
}


@pytest.mark.parametrize("demoted", [True, False], ids=["demoted", "still CDA"])
@pytest.mark.parametrize("flow", list(TYPED))
async def test_typed_numbers_after_losing_the_cda_role(
    flow: str, demoted: bool, db: Database, engine: Engine, world: dict[str, Any]
) -> None:
    """Buttons offered while one was B's CDA, pressed by number after the CDA row became an
    observer row, change and show nothing; still CDA, the same numbers act (the control)."""
    effect, before_steps, numbers = TYPED[flow]
    chat = await make_actor(db, engine, "typist", Actor(rows=(("ALLEPPEY", "cda"),)))
    await run(chat, before_steps, world)
    assert chat.choice_ids  # buttons were offered

    def demote(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE admins SET role = 'observer' WHERE channel_user_id = 'typist'")

    if demoted:
        await db.write(demote)
    before = await db.read(lambda conn: snapshot(conn, "typist"))
    seen = await run(chat, [say(n) for n in numbers], world)
    after = await db.read(lambda conn: snapshot(conn, "typist"))
    markers = [*SECRETS, effect] if effect != "write" else SECRETS
    shown_any = any(marker in turn for turn in seen for marker in markers)
    if demoted:
        assert after == before and not shown_any, seen
    elif effect == "write":
        assert after != before, seen
    else:
        assert shown_any, seen


@pytest.mark.parametrize("who", ["stranger", "CDA of another cluster"])
async def test_event_buttons_tell_outsiders_nothing(
    who: str, db: Database, engine: Engine, world: dict[str, Any]
) -> None:
    """RSVP, Register, Calendar and the CDA's buttons under a forged event id: the same
    words for B's real meeting as for an id that was never used."""
    presses = ["rsvp:{meeting}:y", "reg:{meeting}", "reg:{meeting}:x", "ics:{meeting}",
               "evm:{meeting}:cancel", "evm:{meeting}:drop"]  # fmt: skip
    real = await run(await make_actor(db, engine, who, ACTORS[who]),
                     [press(p) for p in presses], world)  # fmt: skip
    missing = await run(await make_actor(db, engine, who + " twin", ACTORS[who]),
                        [press(p) for p in presses], {**world, **MISSING})  # fmt: skip
    assert [
        turn.replace(str(MISSING["meeting"]), str(world["meeting"])) for turn in missing
    ] == real
    assert not any(MEETING in turn for turn in real)
