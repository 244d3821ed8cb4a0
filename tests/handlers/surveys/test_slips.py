"""Issue 14, "nothing lost by a slip": driven through the engine like a chat."""

from __future__ import annotations

import pytest

from bot.storage import clusters, contacts
from bot.storage import surveys as store
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.surveys.test_respond import install, response, rows, start


@pytest.fixture
async def slips(db: Database, one_cluster: clusters.Cluster) -> store.Survey:
    return await install(db, "slips.md")


def ticked(chat: ChatDriver) -> set[str]:
    message = chat.last[-1]
    return {c.label for c in message.choices if c.id in message.selected}


async def to_workers(chat: ChatDriver) -> None:
    await start(chat, "slips")
    await chat.say("1")
    await chat.tap("Done")
    await chat.say("Dabu saree")
    await chat.tap("No, go on")
    assert "How many workers?" in chat.text


async def test_a_wrong_entry_keeps_the_ticks_and_says_what_was_wrong(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await start(chat, "slips")
    await chat.say("1")  # a typed number presses button 1
    assert ticked(chat) == {"Local market"}
    for wrong in ("9", "😀"):
        await chat.say(wrong)
        assert f"“{wrong}” is not one of the choices" in chat.text
        assert ticked(chat) == {"Local market"}
    await chat.tap("Done")
    assert "This question needs an answer" not in chat.text
    assert (await rows(db))["markets"] == "local"


@pytest.mark.parametrize("typed", ["1,3", "1 3", "1 और 3", "1 మరియు 3", "1 and 3"])
async def test_typed_numbers_add_ticks_and_done_finishes(
    chat: ChatDriver, db: Database, slips: store.Survey, typed: str
) -> None:
    await start(chat, "slips")
    await chat.say("2")
    await chat.say(typed)
    assert ticked(chat) == {"Local market", "City shops", "Export"}
    assert "Ticked: Local market, City shops, Export" in chat.text
    assert "markets" not in await rows(db)  # nothing submitted yet
    await chat.tap("Done")
    assert (await rows(db))["markets"] == "local city export"
    assert "Product name?" in chat.text


async def test_a_misspelt_label_is_asked_back(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await start(chat, "slips")
    await chat.say("exprot")
    assert "Did you mean “Export”?" in chat.text
    await chat.say("1")  # Yes
    assert ticked(chat) == {"Export"}


async def test_back_reaches_add_another_and_no_undoes_the_round(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_workers(chat)
    await chat.say("/back")
    assert "Add another: Product 2?" in chat.text
    await chat.tap("Yes, add")
    assert "Product name?" in chat.text and "Product 2" in chat.text
    await chat.say("/skip")  # required: refused, but the round can be undone
    assert "needs an answer" in chat.text
    await chat.say("/back")
    assert "Add another: Product 2?" in chat.text and "removes Product 2" in chat.text
    await chat.tap("No, go on")
    assert "How many workers?" in chat.text
    await chat.say("3")
    assert (await rows(db)).get("product@count") is None
    # A second round answered, then undone from its "add another?".
    for _ in range(2):
        await chat.say("/back")
    assert "Add another: Product 2?" in chat.text
    await chat.tap("Yes, add")
    await chat.say("Kalamkari")
    await chat.tap("No, go on")
    assert (await rows(db))["product[2]/pname"] == "Kalamkari"
    await chat.say("/back")  # "add another product 3?" answered no
    assert "Add another: Product 3?" in chat.text
    await chat.say("/back")
    await chat.say("/back")
    assert "Add another: Product 2?" in chat.text
    await chat.tap("No, go on")
    answers = await rows(db)
    assert "product[2]/pname" not in answers and answers["product[1]/pname"] == "Dabu saree"
    assert answers["workers"] == "3"


async def test_a_side_command_shows_the_question_again(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await start(chat, "slips")
    await chat.say("2")
    await chat.say("/help")
    assert "Back to your survey" in chat.text and "Where do you sell?" in chat.text
    assert ticked(chat) == {"City shops"}
    await chat.say("1")  # answers the survey, not the menu
    assert ticked(chat) == {"Local market", "City shops"}
    assert (await response(db))[1] == "markets"


async def test_keep_is_offered_only_while_the_constraint_takes_it(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_workers(chat)
    await chat.say("2")
    await chat.say("2")
    await chat.say("/back")
    await chat.say("/back")
    assert "How many workers?" in chat.text
    await chat.say("1")
    assert "How many women?" in chat.text
    assert not any(c.label.startswith("Keep") for m in chat.last for c in m.choices)
    await chat.say("1")
    assert (await rows(db))["women"] == "1"


async def test_an_optional_text_question_takes_its_numbered_button(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_workers(chat)
    await chat.say("2")
    await chat.say("1")
    for _ in range(6):
        if "Anything else?" in chat.text:
            break
        await chat.say("/skip")
    assert "Anything else?" in chat.text
    await chat.say("1")  # the Skip button, as numbered on WhatsApp and the console
    assert "remark" not in await rows(db)
    assert (await response(db))[0] == "completed"


# ------------------------------------------------------------------ forgiving input ---
async def to_kind(chat: ChatDriver, language: str = "en") -> None:
    """To "What kind?" (select_one with "other") by button ids, in any language."""

    async def press(action: str) -> None:
        await chat.press(next(i for i in chat.choice_ids if i.endswith(f":{action}")))

    await start(chat, "slips", language=f"lang:{language}")
    await chat.say("1")
    await press("done")
    await chat.say("Dabu saree")
    await press("no")
    await chat.say("2")
    await chat.say("1")
    assert any(i.endswith(":co") for i in chat.choice_ids)


@pytest.mark.parametrize(
    ("language", "other"), [("en", "other"), ("hi", "अन्य"), ("te", "ఇతర"), ("en", "अन्य")]
)
async def test_other_typed_in_any_language_selects_it(
    chat: ChatDriver, db: Database, slips: store.Survey, language: str, other: str
) -> None:
    await to_kind(chat, language)
    await chat.say(other)
    assert (await response(db))[1] == "kind_other"
    await chat.say("Pottery")
    assert (await rows(db))["kind_other"] == "Pottery"


@pytest.mark.parametrize("typed", ["WEAVING", "बुनाई", "నేత", "block printing"])
async def test_a_label_typed_in_any_shipped_language_selects_it(
    chat: ChatDriver, db: Database, slips: store.Survey, typed: str
) -> None:
    await to_kind(chat)
    await chat.say(typed)
    assert (await rows(db))["kind"] in ("weaving", "printing")


async def test_a_close_spelling_is_asked_back(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_kind(chat)
    await chat.say("weeving")
    assert "Did you mean “Weaving”?" in chat.text
    await chat.tap("No, type again")
    assert "Please type your answer again" in chat.text and "kind" not in await rows(db)
    await chat.say("weeving")
    await chat.tap("Yes")
    assert (await rows(db))["kind"] == "weaving"


async def test_kal_is_yesterday_when_the_form_says_past_and_asked_otherwise(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_kind(chat)
    await chat.say("/skip")
    assert "Last sale?" in chat.text  # constraint . <= today(): कल is yesterday
    await chat.say("कल")
    answers = await rows(db)
    assert answers["sold_on"] < answers.get("next_fair", "9999")
    assert "Next fair?" in chat.text  # no constraint: asked
    await chat.say("कल")
    assert "Did you mean yesterday or tomorrow?" in chat.text
    assert [c.label for c in chat.last[-1].choices] == ["Yesterday", "Tomorrow"]
    await chat.say("2")  # a typed number presses the second button
    answers = await rows(db)
    assert answers["next_fair"] > answers["sold_on"]
    await chat.say("/back")
    await chat.say("yesterday")
    assert (await rows(db))["next_fair"] == answers["sold_on"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("₹250", "250"), ("2.5 lakh", "250000"), ("2.5 లక్షలు", "250000"), ("2.5 लाख", "250000"),
     ("₹१,२५०", "1250"), ("Rs. 99.50", "99.5")],
)  # fmt: skip
async def test_money_as_people_type_it(
    chat: ChatDriver, db: Database, slips: store.Survey, typed: str, stored: str
) -> None:
    await to_kind(chat)
    for _ in range(3):
        await chat.say("/skip")
    assert "Price?" in chat.text
    await chat.say(typed)
    assert (await rows(db))["price"] == stored


@pytest.mark.parametrize("typed", ["5 మంది", "5 लोग", "5 pieces", "౫", "५"])
async def test_a_count_with_its_unit_word(
    chat: ChatDriver, db: Database, slips: store.Survey, typed: str
) -> None:
    await to_kind(chat)
    for _ in range(4):
        await chat.say("/skip")
    assert "Pieces a month?" in chat.text
    await chat.say(typed)
    assert (await rows(db))["pieces"] == "5"


# -------------------------------------------------------------------- plausibility ---
async def skip_to(chat: ChatDriver, label: str) -> None:
    for _ in range(8):
        if label in chat.text:
            return
        await chat.say("/skip")
    raise AssertionError(f"{label} never asked: {chat.text}")


async def test_a_place_far_outside_india_is_confirmed_once(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_kind(chat)
    await skip_to(chat, "Workshop location?")
    await chat.say("3, 6")  # the Gulf of Guinea
    assert "far outside India" in chat.text and "place" not in await rows(db)
    await chat.tap("No, type again")
    assert "Please type your answer again" in chat.text and "Workshop location?" in chat.text
    await chat.say("26.82, 75.54")  # Bagru: taken at once
    assert (await rows(db))["place"] == "26.820000 75.540000 0 0"
    await chat.say("/back")
    await chat.say("3, 6")
    await chat.tap("Yes")
    assert (await rows(db))["place"] == "3.000000 6.000000 0 0"


async def test_a_date_years_ahead_and_a_huge_amount_are_confirmed(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await to_kind(chat)
    await skip_to(chat, "Next fair?")
    await chat.say("25-12-2050")
    assert "more than a year from now — is that right?" in chat.text
    await chat.tap("Yes")
    assert (await rows(db))["next_fair"] == "2050-12-25"
    await chat.say("₹99,99,99,99,999")
    assert "You typed ₹99,99,99,99,999 — is that right?" in chat.text
    await chat.tap("No, type again")
    await chat.say("₹250")
    assert (await rows(db))["price"] == "250"


async def test_a_number_far_beyond_the_clusters_answers_is_confirmed(
    chat: ChatDriver, db: Database, slips: store.Survey, one_cluster: clusters.Cluster
) -> None:
    def others(conn) -> None:  # type: ignore[no-untyped-def]
        for i in range(5):
            person = contacts.get_or_create(conn, "test", f"o{i}", f"o{i}", "x")
            conn.execute("UPDATE contacts SET cluster_id = ? WHERE id = ?",
                         (one_cluster.id, person.id))  # fmt: skip
            started = store.start_response(conn, slips.id, person.id, None, "x")
            store.save_answers(conn, started.id, {"pieces": str(20 + 5 * i)}, "x")

    await db.write(others)
    await to_kind(chat)
    await skip_to(chat, "Pieces a month?")
    await chat.say("300")  # at most 10 × 40: taken
    assert (await rows(db))["pieces"] == "300"
    await chat.say("/back")
    await chat.say("4000")
    assert "You typed 4,000 — is that right?" in chat.text
    await chat.tap("Yes")
    assert (await rows(db))["pieces"] == "4000"


@pytest.mark.parametrize("typed", ["😀", "🙏🙏", "👍 !"])
async def test_a_text_answer_of_emoji_alone_is_refused(
    chat: ChatDriver, db: Database, slips: store.Survey, typed: str
) -> None:
    await start(chat, "slips")
    await chat.say("1")
    await chat.tap("Done")
    await chat.say(typed)
    assert "Please type your answer in words or numbers." in chat.text
    assert "product[1]/pname" not in await rows(db)
    await chat.say("Saree 🙏")
    assert (await rows(db))["product[1]/pname"] == "Saree 🙏"


# ------------------------------------------------------------------------ progress ---
async def test_every_question_says_where_it_is(
    chat: ChatDriver, db: Database, slips: store.Survey
) -> None:
    await start(chat, "slips")
    assert chat.last[-1].text.startswith("Question 1 of 11\n")
    await chat.say("1")  # a tick redraws the question: still there
    assert chat.last[-1].text.startswith("Question 1 of 11\n")
    await chat.tap("Done")
    assert "Question 2 of 11" in chat.text
    await chat.say("Dabu saree")
    assert "Question" not in chat.last[-1].text  # "add another?" is no question
    await chat.tap("Yes, add")
    assert "Question 3 of 12" in chat.text  # a second product: one more question


async def test_the_count_follows_relevance(
    chat: ChatDriver, db: Database, one_cluster: clusters.Cluster
) -> None:
    await install(db, "diag_mini.yaml")
    await start(chat)
    assert "Question 1 of 3" in chat.text  # workers only for a manufacturer; no products yet
    await chat.press(next(i for i in chat.choice_ids if i.endswith(":c0")))  # manufacturer
    assert "Question 2 of 4" in chat.text


async def test_the_count_is_walked_once_per_relevant_answers(
    chat: ChatDriver, db: Database, one_cluster: clusters.Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The question list behind "question N of M" is cached on the form per the answers
    its relevance reads: a turn that changes none of them does not walk the form again,
    and one that does gets a new count."""
    from bot.surveys import navigation, runner

    monkeypatch.setattr(navigation, "_INDEXES", {})  # no list cached by an earlier test
    walks = []
    real = runner.Walker.slots

    def counting(self: runner.Walker, after: tuple[int, ...] = ()) -> object:
        if after == ():
            walks.append(1)
        return real(self, after)

    monkeypatch.setattr(runner.Walker, "slots", counting)
    await install(db, "diag_mini.yaml")
    await start(chat)
    first = len(walks)
    await chat.say("/survey")  # the same question again, the same answers: no new walk
    assert len(walks) == first and "Question 1 of 3" in chat.text
    await chat.press(next(i for i in chat.choice_ids if i.endswith(":c0")))  # manufacturer
    assert "Question 2 of 4" in chat.text and len(walks) > first
