"""/survey, answering through the engine, /back /skip /cancel, resume after a restart,
and the CDA's /results and /export (SPEC §5, §6)."""

from __future__ import annotations

from pathlib import Path

import pytest

import handlers
from bot.engine import Engine
from bot.messages import InboundKind
from bot.storage import admins, clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import ChatDriver
from tests.handlers.people.test_onboarding import register

FORMS = Path(__file__).resolve().parents[2] / "surveys" / "forms"


async def install(db: Database, name: str, **kw: object) -> store.Survey:
    form = load_form(FORMS / name).form
    survey, _ = await db.write(lambda conn: store.import_form(conn, form, now="x", **kw))  # type: ignore[arg-type]
    return survey


async def rows(db: Database) -> dict[str, str]:
    return await db.read(lambda conn: dict(conn.execute("SELECT path, value FROM answers")))


async def response(db: Database) -> tuple[str, str | None]:
    row = await db.read(lambda conn: conn.execute(
        "SELECT status, position FROM responses ORDER BY id DESC").fetchone())  # fmt: skip
    return row[0], row[1]


def devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


@pytest.fixture
async def mini(db: Database, one_cluster: clusters.Cluster) -> store.Survey:
    return await install(db, "diag_mini.yaml")


async def start(chat: ChatDriver, key: str = "diag_mini", language: str = "lang:en") -> None:
    await register(chat, language=language)
    await chat.say(f"/survey {key}")


# ----------------------------------------------------------------------------- listing ---
async def test_survey_lists_open_surveys_for_my_cluster_and_role(
    chat: ChatDriver, db: Database, two_clusters: list[clusters.Cluster]
) -> None:
    await install(db, "diag_mini.yaml")
    await install(db, "all_types.md", cluster_id=two_clusters[1].id)  # ALLEPPEY only
    await db.write(lambda conn: store.import_form(
        conn, load_form(FORMS / "quotes.md").form, now="x", roles=["bank"]))  # fmt: skip
    await chat.say("/start BAGRU")
    for step in ("lang:en", "consent:yes", "name:profile", "role:artisan", "gender:female"):
        await chat.press(step)
    await chat.say("Bagru")
    await chat.share_contact("+919829012345")
    await chat.say("/survey")
    assert chat.choice_ids == ["sv:open:diag_mini"]  # not the other cluster's, nor the bank's
    await chat.press("sv:open:diag_mini")
    assert "2 questions" not in chat.text and "What kind of enterprise" in chat.text
    await chat.say("/survey all_types")
    assert "no open survey called all_types" in chat.text


async def test_no_survey_and_closed_survey(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await db.write(lambda conn: store.set_status(conn, "diag_mini", "closed"))
    await register(chat)
    await chat.say("/survey")
    assert "no survey for you right now" in chat.text


# --------------------------------------------------------------------------- answering ---
async def test_answering_a_survey_in_english(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat)
    assert "/back" in chat.text and "What kind of enterprise" in chat.text
    await chat.tap("Manufacturer")
    await chat.tap("Yes")
    await chat.say("12")
    assert "Between 0 and 10" in chat.text  # the form's constraint message
    await chat.say("two")
    assert "whole number" in chat.text
    await chat.say("1")
    assert "Workers" in chat.text and "How many workers?" in chat.text  # group heading
    await chat.say("4")
    assert "Product 1" in chat.text
    await chat.say("Cotton")
    assert chat.choice_ids[:5] == [f"{chat.choice_ids[0].rsplit(':', 1)[0]}:r{i}" for i in range(5)]
    await chat.tap("4")
    assert "Thank you! You have answered all the questions" in chat.text
    assert await rows(db) == {
        "enterprise_type": "manufacturer", "registered": "yes", "n_products": "1",
        "n_workers": "4", "products[1]/material": "Cotton", "products[1]/satisfaction": "4",
    }  # fmt: skip
    assert await response(db) == ("completed", None)


async def test_answering_in_hindi_with_typed_labels_and_wrong_answers(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat, language="lang:hi")
    assert "यह किस प्रकार का उद्यम है?" in chat.text
    await chat.say("व्यापारी")  # typing the label works like pressing it
    assert "पंजीकृत" in chat.text
    await chat.tap("नहीं")
    await chat.say("पाँच")
    assert devanagari(chat.text) and "12" in chat.text  # "send a whole number, e.g. 12"
    await chat.say("११")
    assert "0 से 10 के बीच" in chat.text
    await chat.say("०")
    assert "धन्यवाद! आपने" in chat.text and "के सभी सवालों के जवाब दे दिए हैं" in chat.text
    assert await rows(db) == {"enterprise_type": "trader", "registered": "no", "n_products": "0"}


async def test_every_type_through_the_chat(chat: ChatDriver, db: Database, one_cluster) -> None:
    await install(db, "all_types.md")
    await start(chat, key="all_types")
    await chat.say("Sunita")
    await chat.say("30")
    assert chat.find("Use: 0")  # the default, one tap away
    await chat.tap("Use: 0")
    await chat.tap("North")
    assert [c.label for c in chat.last[-1].choices] == ["Hilltop", "Skip"]  # choice_filter
    await chat.tap("Skip")
    await chat.tap("Pottery")
    redraw = chat.last[0]
    assert redraw.replace and len(redraw.selected) == 1  # ticks redrawn in place
    await chat.tap("Weaving")
    assert len(chat.last[0].selected) == 2
    await chat.tap("Done")
    await chat.tap("Other (type it)")
    assert "other answer" in chat.text
    await chat.say("Jute bags")
    await chat.say("5/3/2019")
    assert "✓ 5 March 2019" in chat.text
    await chat.say("half past nine")
    assert "9:30" in chat.text
    await chat.say("9:30")
    assert chat.last[-1].request.value == "location"
    await chat._send(kind=InboundKind.LOCATION, latitude=26.91, longitude=75.79)
    await chat.say("a photo")
    assert "Please send a photo" in chat.text
    await chat._send(kind=InboundKind.PHOTO, media_ref="/media/p.jpg")
    await chat._send(kind=InboundKind.AUDIO, media_ref="/media/v.ogg")
    assert "Thank you, Sunita" in chat.text  # the note, filled in, then the next question
    await chat.tap("OK")
    await chat.tap("OK")
    await chat.tap("5")
    await chat.say("2")  # worker_count -> two rounds of the repeat
    await chat.say("clay")
    await chat.say("/skip")
    assert "Thank you! You have answered" in chat.text
    answers = await rows(db)
    assert answers["products"] == "pottery weaving"
    assert answers["main_product_other"] == "Jute bags"
    assert answers["since"] == "2019-03-05" and answers["opens"] == "09:30:00"
    assert answers["location"] == "26.910000 75.790000 0 0"
    assert answers["photo"] == "/media/p.jpg" and answers["voice"] == "/media/v.ogg"
    assert answers["age_months"] == "360" and answers["rating"] == "5"
    assert answers["product_rows[1]/material"] == "clay"
    assert "product_rows[2]/material" not in answers and "village" not in answers


async def test_odk_types_carried_out_through_the_chat(
    chat: ChatDriver, db: Database, one_cluster
) -> None:
    """Issue 13: metadata filled from the session, an unnamed note, barcode as text, dateTime
    typed, geotrace by location shares then Done, geoshape as typed points, rank by presses
    in order (or typed), the same name in two
    groups stored by path, pulldata() empty (forms/odk_types.md)."""
    await install(db, "odk_types.md")
    await start(chat, key="odk_types")
    assert "Hello Sunita Devi, today is 20" in chat.text  # ${username}, ${today}
    assert "Scan the code" in chat.text
    await chat.say("ABC-123")
    assert "25-12-2024 9:30" in chat.text  # how to type a date and a time
    await chat.say("25/12/2024")  # a date alone: kept, then the time is asked
    assert "✓ 25 December 2024" in chat.text and "Send the time" in chat.text
    await chat.say("9:30")
    assert chat.last[-1].request.value == "location"  # geotrace: share point by point
    await chat.say("Done")
    assert "at least 2 points" in chat.text
    await chat._send(kind=InboundKind.LOCATION, latitude=26.81, longitude=75.55)
    assert "Point 1 saved" in chat.text and chat.last[-1].skip_label == "Done"
    await chat._send(kind=InboundKind.LOCATION, latitude=26.82, longitude=75.55)
    assert "Point 2 saved" in chat.text
    await chat.say("Done")
    assert "✓ Location saved." in chat.text
    await chat.say("26.81, 75.55; 26.82, 75.56; 26.83, 75.55")
    assert [c.label for c in chat.last[-1].choices] == ["Water", "Power", "Credit", "Done", "Skip"]
    await chat.tap("Credit")  # rank: each press takes the next place
    assert chat.last[0].replace and "1. Credit" in [c.label for c in chat.last[0].choices]
    await chat.tap("Water")
    await chat.tap("Done")
    assert "every choice in order" in chat.text  # Power has no place yet
    await chat.say("3, 1, 2")  # or typed, by the numbers shown
    assert "A video" in chat.text and "Send a video." in chat.text  # video: sent in the chat
    await chat._send(kind=InboundKind.VIDEO, media_ref="/media/telegram/clip.mp4")
    assert [c.label for c in chat.last[-1].choices] == ["Yes", "No", "Skip"]  # no "Use: maybe"
    await chat.tap("Yes")
    await chat.say("Jaipur")
    await chat.say("Bagru")
    assert "Device clusterbot:" in chat.text and "phone +91" in chat.text
    assert "secret 42" in chat.text and "1113 m" in chat.text  # distance(${route})
    assert "Thank you! You have answered" in chat.text
    answers = await rows(db)
    assert answers["code"] == "ABC-123" and answers["visit"] == "2024-12-25T09:30:00"
    assert answers["route"] == "26.810000 75.550000 0 0;26.820000 75.550000 0 0"
    assert answers["plot"].count(";") == 3  # closed: the first corner again at the end
    assert answers["order"] == "credit water power"
    assert answers["place"] == "Jaipur" and answers["b.place"] == "Bagru"
    assert answers["user"] == "Sunita Devi" and answers["device"].startswith("clusterbot:")
    assert answers["started"] and answers["secret"] == "42" and answers["metres"] == "1113"
    assert "lookup" not in answers and "mail" not in answers
    assert answers["clip"] == "/media/telegram/clip.mp4"
    assert answers["label_of"] == "Yes" and "village" not in answers  # instance() lookups


async def test_back_skip_and_stale_buttons(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat)
    old_buttons = chat.choice_ids
    await chat.say("/skip")
    assert "needs an answer" in chat.text  # enterprise_type is required
    await chat.tap("Trader")
    await chat.press(old_buttons[0])  # "Manufacturer" from the first question
    assert "earlier question" in chat.text and "registered" in chat.text.lower()
    await chat.say("/back")
    assert "Your answer now: Trader" in chat.text
    assert chat.last[-1].selected  # the current choice is ticked
    await chat.tap("Manufacturer")
    await chat.say("/skip")  # registered is optional
    assert "How many products" in chat.text
    await chat.say("/back")
    assert "What kind of enterprise" in chat.text  # registered was skipped: not revisited
    await chat.say("/back")
    assert "first question" in chat.text


async def test_changing_an_answer_drops_answers_that_became_irrelevant(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat)
    await chat.tap("Manufacturer")
    await chat.tap("No")
    await chat.say("1")
    await chat.say("7")
    assert "Product 1" in chat.text and "n_workers" in await rows(db)
    for _ in range(4):
        await chat.say("/back")
    assert "What kind of enterprise" in chat.text
    await chat.tap("Trader")
    assert "n_workers" not in await rows(db)  # the workers group is for manufacturers
    await chat.tap("No")  # walking forward again: each answer shown, one tap to keep
    assert "Your answer now: 1" in chat.text
    await chat.tap("Keep: 1")
    assert "Product 1" in chat.text  # n_workers is not asked any more
    await chat.say("wool")
    await chat.tap("2")
    assert "Thank you!" in chat.text
    answers = await rows(db)
    assert answers["enterprise_type"] == "trader" and "n_workers" not in answers


async def test_cancel_pauses_and_survey_resumes(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat)
    await chat.tap("Trader")
    await chat.say("/cancel")
    assert "Paused" in chat.text
    assert await response(db) == ("paused", "registered")
    await chat.say("/skip")
    assert "only works while you are answering" in chat.text
    await chat.say("/survey")
    assert chat.last[-1].choices[0].label.startswith("▶")
    await chat.press("sv:open:diag_mini")
    assert "Welcome back" in chat.text and "registered" in chat.text.lower()
    await chat.tap("Yes")
    assert await response(db) == ("in_progress", "n_products")


async def test_commands_and_stickers_in_the_middle(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat)
    await chat.tap("Trader")
    await chat.say("/help")
    assert "/survey" in chat.text
    await chat.say("/survey")
    assert "the question you were answering" in chat.text and "registered" in chat.text.lower()
    await chat.tap("Yes")
    await chat.sticker()
    assert "whole number" in chat.text
    await chat.say("x" * 10_000)
    assert "too long" in chat.text and "How many products" in chat.text
    await chat.say("/profile")
    assert chat.text  # another flow took over; the response is still there
    await chat.say("/survey diag_mini")
    assert "Welcome back" in chat.text and "How many products" in chat.text


async def test_resume_after_restart(engine: Engine, settings, clock, mini: store.Survey) -> None:
    """Close the database mid-survey (as a crash would), reopen: the same question."""
    first = ChatDriver(engine, user_id="2001", profile_name="Meena")
    await start(first)
    await first.tap("Manufacturer")
    await first.tap("Yes")
    await engine.db.close()
    reopened = await Database.open(settings.db)
    try:
        again = ChatDriver(Engine(reopened, settings, handlers.route, clock=clock), user_id="2001")
        again.updates = 100
        await again.say("3")  # answers the question asked before the restart
        assert "How many workers" in again.text
        await again.say("/survey")
        assert "How many workers" in again.text
    finally:
        await reopened.close()
    # engine.db stays the closed first database: the db fixture closes it again (harmless).


async def test_answer_again_after_completing(
    chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await start(chat)
    await chat.tap("Trader")
    await chat.tap("No")
    await chat.say("0")
    await chat.say("/survey diag_mini")
    assert "already answered" in chat.text
    await chat.tap("Answer again")
    assert "What kind of enterprise" in chat.text
    count = await db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
    assert count == 2


async def test_last_saved_is_the_previous_response(
    chat: ChatDriver, db: Database, one_cluster
) -> None:
    """${last-saved#looms}: empty the first time, then the answer of the last response."""
    await install(db, "last_saved.md")
    await start(chat, key="last_saved")
    labels = [c.label for m in chat.last for c in m.choices]
    assert "How many looms" in chat.text and not any(x.startswith("Use:") for x in labels)
    await chat.say("4")
    assert "Last time you had ." in chat.text
    await chat.say("/survey last_saved")
    await chat.tap("Answer again")
    await chat.tap("Use: 4")  # the previous answer is the default
    assert "Last time you had 4." in chat.text


async def test_closing_mid_survey(chat: ChatDriver, db: Database, mini: store.Survey) -> None:
    await start(chat)
    await db.write(lambda conn: store.set_status(conn, "diag_mini", "closed"))
    await chat.tap("Trader")
    assert "closed now" in chat.text
    assert (await response(db))[0] == "paused"


# ------------------------------------------------------------------------------- CDAs ---
async def answered(engine: Engine, user: str, enterprise: str, cluster: str = "") -> None:
    person = ChatDriver(engine, user_id=user, profile_name="P" + user)
    if cluster:  # the deep link settles the cluster when there are several
        await person.say(f"/start {cluster}")
        for step in ("lang:en", "consent:yes", "name:profile", "role:artisan", "gender:female"):
            await person.press(step)
        await person.press("skip:place")
        await person.say("Skip")
        await person.say("/survey diag_mini")
    else:
        await start(person)
    await person.tap(enterprise)
    await person.tap("No")
    await person.say("0")
    if "How many workers" in person.text:
        await person.say("3")
    assert "Thank you!" in person.text


async def test_results_and_export_for_the_cda(
    engine: Engine, cda_chat: ChatDriver, db: Database, mini: store.Survey
) -> None:
    await answered(engine, "u1", "Manufacturer")
    await answered(engine, "u2", "Trader")
    await answered(engine, "u3", "Trader")
    await cda_chat.say("/results diag_mini")
    text = cda_chat.last[0].text
    assert "Responses: 3 · completed: 3 of 3 (100%)" in text
    assert "What kind of enterprise is it?: Trader — 2 of 3 (67%)" in text
    assert cda_chat.last[-1].media is None  # the chart only on request
    await cda_chat.tap("Chart")
    photo = cda_chat.last[-1].media
    assert photo is not None and photo.kind == "photo" and photo.data.startswith(b"\x89PNG")
    await cda_chat.say("/export")
    await cda_chat.press("sva:exp:diag_mini")
    document = cda_chat.last[-1].media
    assert document is not None and document.filename == "diag_mini.xlsx"
    assert document.data.startswith(b"PK")
    logged = await db.read(
        lambda conn: [r["action"] for r in conn.execute("SELECT * FROM audit_log")]
    )
    assert "survey.export" in logged


async def test_results_are_scoped_to_the_cdas_clusters(
    engine: Engine, db: Database, two_clusters: list[clusters.Cluster], settings
) -> None:
    await install(db, "diag_mini.yaml")
    await answered(engine, "u1", "Trader", cluster="ALLEPPEY")
    await answered(engine, "u2", "Manufacturer", cluster="BAGRU")
    await db.write(
        lambda conn: admins.add(conn, "test", "bagru_cda", two_clusters[0].id, "cda", "x")
    )
    bagru = ChatDriver(engine, user_id="bagru_cda")
    await bagru.say("/results diag_mini")
    assert "Responses: 1 · completed: 1 of 1" in bagru.last[0].text
    assert "Manufacturer — 1 of 1 (100%)" in bagru.last[0].text
    person = ChatDriver(engine, user_id="u1", updates=100)
    await person.say("/results diag_mini")
    assert "only for the cluster development agent" in person.text


async def test_results_with_no_answers(cda_chat: ChatDriver, mini: store.Survey) -> None:
    await cda_chat.say("/results")
    await cda_chat.press("sva:res:diag_mini")
    assert "No answers yet" in cda_chat.text and cda_chat.last[-1].media is None
    await cda_chat.say("/results nosuch")
    assert "no survey called nosuch" in cda_chat.text
