"""Issue 14 end to end, over the real python-telegram-bot against the Bot API stand-in: an
artisan answers a survey in Telugu with the slips of a basic-phone user, and the CDA's
/export workbook holds exactly the answers meant. Twice: a small form of the same shapes
as the diagnostic, step by step; and the shipped diagnostic (its core, then its products
module), whatever questions it holds, each answered by its type (`Walker`).

The form has the shapes of the shipped diagnostic's core (a multi-select, a repeat closed
by "Add another?", a free-text question, a number). The slips:

- a multi-select: one tick pressed, then a wrong entry typed (`9`): named, the tick kept;
  then `3` typed (a tick added); the bot is killed with SIGKILL and restarted; Done keeps
  both ticks;
- a product round added by mistake: /back twice reaches "Add another?", "No, go on"
  removes the round and its answers;
- a side command in the middle (/events): the open question is shown again;
- a voice note as the answer to the text question (fetched, stored, exported as a file);
- `₹250` and `5 మంది` typed as numbers.

Every step waits for the bot's answer to it (the texts it must contain), never for a quiet
spell.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.config import Settings
from bot.i18n import native_name, translator
from bot.storage.db import connect_sync
from bot.surveys.answers import takes_voice
from bot.surveys.model import Question
from tests.e2e.harness import BotProcess, bot_settings
from tests.e2e.test_telegram_onboarding import onboard, seed_cluster
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e
USER, CDA = 5301, 7307
te = translator("te")
VOICE = b"OggS\x00a-telugu-voice-note"

FORM = """\
| survey |
| | type | name | label::English (en) | label::Telugu (te) | required |
| | select_multiple market | markets | Where do you sell? | మీరు ఎక్కడ అమ్ముతారు? | yes |
| | begin repeat | product | Product | ఉత్పత్తి | |
| | text | pname | Name of the product? | ఉత్పత్తి పేరు? | yes |
| | integer | price | Its price (₹)? | దాని ధర (₹)? | yes |
| | end repeat | | | | |
| | text | story | Tell us about your work | మీ పని గురించి చెప్పండి | yes |
| | integer | workers | How many people work with you? | మీతో ఎంత మంది పని చేస్తారు? | yes |
| choices |
| | list_name | name | label::English (en) | label::Telugu (te) |
| | market | local | Local market | స్థానిక మార్కెట్ |
| | market | cities | Big cities | పెద్ద నగరాలు |
| | market | export | Export | ఎగుమతి |
| settings |
| | form_id | version | default_language | form_title | form_title::Telugu (te) |
| | telugu_slips | 1 | English (en) | Artisan check-in | చేతివృత్తుల సర్వే |
"""
TITLE = "చేతివృత్తుల సర్వే"
MARKETS, PNAME, PRICE = "మీరు ఎక్కడ అమ్ముతారు?", "ఉత్పత్తి పేరు?", "దాని ధర (₹)?"
STORY, WORKERS = "మీ పని గురించి చెప్పండి", "మీతో ఎంత మంది పని చేస్తారు?"
LOCAL, EXPORT = "స్థానిక మార్కెట్", "ఎగుమతి"


def _seen(fake: FakeTelegram, before: int) -> list[SentMessage]:
    return [m for m in fake.sent if m.chat_id == USER][before:]


async def answer(
    fake: FakeTelegram, action: Callable[[], object], *expected: str, timeout: float = 30.0
) -> str:
    """Do `action`, then wait for the bot's answer to it: messages to the artisan, sent
    after the action, that contain every one of `expected` (texts and button labels).
    Returns their texts, in order."""
    before = len([m for m in fake.sent if m.chat_id == USER])
    action()
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        new = _seen(fake, before)
        shown = "\n".join(f"{m.text or ''}\n{' | '.join(m.buttons)}" for m in new)
        if all(e in shown for e in expected):
            return shown
        if asyncio.get_running_loop().time() > deadline:
            everything = [(m.method, m.text) for m in fake.sent if m.chat_id == USER][-8:]
            raise AssertionError(
                f"no answer with {expected!r} within {timeout}s; got {shown!r}; last: {everything}"
            )
        await asyncio.sleep(0.02)


async def redrawn(fake: FakeTelegram, action: Callable[[], object], expected: str) -> str:
    """Do `action` (a press of a multi-select choice), then wait for the message it redraws."""
    edits = len(fake.edits)
    action()
    deadline = asyncio.get_running_loop().time() + 30
    while len(fake.edits) == edits or expected not in str(fake.edits[-1]):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no redraw with {expected!r}; edits: {fake.edits[edits:]}")
        await asyncio.sleep(0.02)
    return str(fake.edits[-1])


async def test_a_telugu_survey_with_slips_loses_nothing_and_exports_what_was_meant(
    fake: FakeTelegram, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_cluster(settings.db, "PEMBARTHI")
    form = tmp_path / "telugu_slips.md"
    form.write_text(FORM, encoding="utf-8")
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    monkeypatch.delenv("CLUSTERBOT_TELEGRAM_TOKEN", raising=False)
    assert main(["survey", "import", str(form)]) == 0
    bot = BotProcess(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"})), tmp_path)
    bot.start()
    say = fake.push_text
    try:
        await bot.wait_until_polling(fake)
        await onboard(fake, USER, native_name("te"))
        await answer(fake, lambda: say(USER, "/survey"), TITLE)
        first = await answer(fake, lambda: fake.press(USER, TITLE), MARKETS)
        assert te("Question {number} of {total}").split("{total}")[0].format(number=1) in first

        # A multi-select: a tick, a wrong entry (the tick stays), a typed tick, a crash.
        await redrawn(fake, lambda: fake.press(USER, LOCAL), f"✓ {LOCAL}")
        wrong = te("“{wrong}” is not one of the choices. Your ticks are kept: choose more, or "
                   "press “Done”.").format(wrong="9")  # fmt: skip
        await answer(fake, lambda: say(USER, "9"), wrong, f"✓ {LOCAL}")
        # `3` is the third choice (a typed number answers the question shown): ticked too.
        await answer(fake, lambda: say(USER, "3"), f"✓ {LOCAL}", f"✓ {EXPORT}")
        bot.kill9()
        bot.start()
        await bot.wait_until_polling(fake)
        done = te.pgettext("action", "Done")
        round_one = await answer(fake, lambda: fake.press(USER, done), PNAME)
        assert "ఉత్పత్తి 1" in round_one

        # A product round added by mistake, undone from "Add another?".
        await answer(fake, lambda: say(USER, "కుండ"), PRICE)
        another = te("Add another: {item} {number}?").format(item="ఉత్పత్తి", number=2)
        await answer(fake, lambda: say(USER, "₹250"), another)
        await answer(fake, lambda: fake.press(USER, te("Yes, add")), PNAME, "ఉత్పత్తి 2")
        await answer(fake, lambda: say(USER, "దీపం"), PRICE)
        now = te("Your answer now: {answer}").format(answer="దీపం")
        await answer(fake, lambda: say(USER, "/back"), PNAME, now)
        undo = te("You said yes. “No, go on” removes {item} {number} and its answers.").format(
            item="ఉత్పత్తి", number=2
        )
        await answer(fake, lambda: say(USER, "/back"), another, undo)
        story = await answer(fake, lambda: fake.press(USER, te("No, go on")), STORY)
        assert te("Type your answer, or send a voice note 🎤.") in story

        # A side command in the middle: the open question comes back, then a voice note.
        aside = await answer(fake, lambda: say(USER, "/events"), te("Back to your survey:"), STORY)
        assert aside.index(te("Back to your survey:")) < aside.index(STORY)
        await answer(fake, lambda: fake.push_voice(USER, VOICE), WORKERS)
        thanks = te("Thank you! You have answered all the questions of “{title}”.")
        await answer(fake, lambda: say(USER, "5 మంది"), thanks.format(title=TITLE))

        # The CDA's workbook holds exactly what was meant.
        say(CDA, "/export telugu_slips")
        (document,) = await fake.wait_for(CDA, 1, timeout=60)
        assert document.method == "sendDocument" and document.file
        book = load_workbook(io.BytesIO(document.file), read_only=True)
        header, *responses = list(book["survey"].iter_rows(values_only=True))
        (row,) = [dict(zip(header, r, strict=True)) for r in responses]
        assert (row["status"], row["language"], row["markets"], row["workers"]) == (
            "completed", "te", "local export", 5)  # fmt: skip
        voice = str(row["story"])
        assert voice.startswith("voice:")
        kept = Path(voice.removeprefix("voice:"))
        assert kept.read_bytes() == VOICE and kept.is_relative_to(settings.media_root)
        product_header, *rounds = list(book["product"].iter_rows(values_only=True))
        assert product_header == ("response_id", "product_index", "pname", "price")
        assert rounds == [(row["response_id"], 1, "కుండ", 250)]  # round 2 is gone
    finally:
        bot.stop()
    conn = connect_sync(settings.db)
    try:
        paths = [p for (p,) in conn.execute("SELECT path FROM answers ORDER BY path")]
        assert not [p for p in paths if "product[2]" in p]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


# --- the shipped diagnostic, answered by type ---------------------------------------------
ANOTHER = te("Add another: {item} {number}?").split("{item}")[0]  # "ఇంకొకటి జోడించాలా: "
FINISHED = te("Thank you! You have answered all the questions of “{title}”.").split("{title}")[0]


class Walker:
    """Answers whatever question of a shipped form comes, by its type, in Telugu; records
    the value each answer must leave in the export (question name -> value)."""

    def __init__(self, fake: FakeTelegram, key: str) -> None:
        from bot.surveys.loader import load_form
        from bot.surveys.shipped import shipped_form

        path = shipped_form(key)
        assert path is not None
        self.fake, self.form = fake, load_form(path).form
        self.by_label: dict[str, Question] = {}
        for _, question in self.form.walk():
            label = question.labels.get("te", "").split("${")[0].strip()
            if label and question.type not in ("note", "calculate", "metadata"):
                self.by_label[label] = question
        self.meant: dict[str, object] = {}

    def asked(self, messages: list[SentMessage]) -> tuple[str, Question | None] | None:
        """What the latest message asks: ("question", q), ("another", None), ("done", None)."""
        for message in reversed(messages):
            text = message.text or ""
            if text.startswith(FINISHED) or FINISHED in text:
                return "done", None
            if ANOTHER in text:
                return "another", None
            found = [label for label in self.by_label if label in text]
            if found:
                return "question", self.by_label[max(found, key=len)]
        return None

    async def act(
        self, action: Callable[[], object], *expected: str
    ) -> tuple[str, Question | None, str]:
        """Do `action`; wait for the bot to ask something (and say every `expected`)."""
        before = len([m for m in self.fake.sent if m.chat_id == USER])
        action()
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            new = _seen(self.fake, before)
            shown = "\n".join(f"{m.text or ''}\n{' | '.join(m.buttons)}" for m in new)
            found = self.asked(new)
            if found is not None and all(e in shown for e in expected):
                return found[0], found[1], shown
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"nothing asked (with {expected!r}); got {shown!r}")
            await asyncio.sleep(0.02)

    def choice(self, question: Question, buttons: list[str]) -> tuple[str, str]:
        """The first choice offered on the buttons: (its label, its name)."""
        labels = {}
        for c in question.choices:
            label = " ".join((c.labels.get("te") or c.labels.get("en") or c.name).split())
            labels[label if len(label) <= 40 else label[:39] + "…"] = c.name  # as on a button
        for label in buttons:
            name = labels.get(label.removeprefix("✓ "))
            if name is not None:
                return label, name
        raise AssertionError(f"no choice of {question.name} among {buttons}")

    def buttons(self) -> list[str]:
        last = [m for m in self.fake.sent if m.chat_id == USER and m.reply_markup]
        return last[-1].buttons if last else []


async def walk(
    walker: Walker,
    first: tuple[str, Question | None, str],
    slips: set[str],
    round_names: tuple[str, str] = ("చీర", "దుప్పటి"),
) -> set[str]:
    """Answer until the survey is finished, making each slip in `slips` once: "tick" (a
    wrong entry in a multi-select), "aside" (/events), "voice" (the first free text),
    "undo" (a product round added, then removed from "Add another?"). Returns the slips
    the form gave no chance for."""
    fake, say = walker.fake, walker.fake.push_text
    kind, question, _ = first
    numbers = {"integer": "3", "decimal": "250"}
    while kind != "done":
        if kind == "another":
            if "undo" in slips:  # yes, one answer in round 2, then back to undo it
                slips.discard("undo")
                kind, question, _ = await walker.act(lambda: fake.press(USER, te("Yes, add")))
                assert question is not None and question.type == "text"
                await walker.act(lambda: say(USER, round_names[1]))
                now = te("Your answer now: {answer}").format(answer=round_names[1])
                await walker.act(lambda: say(USER, "/back"), now)
                undo = te("You said yes. “No, go on” removes {item} {number} and its answers.")
                kind, question, _ = await walker.act(
                    lambda: say(USER, "/back"), undo.split("{item}")[0]
                )
                assert kind == "another"
            kind, question, _ = await walker.act(lambda: fake.press(USER, te("No, go on")))
            continue
        assert question is not None
        if "aside" in slips and walker.meant:  # a side command in the middle
            slips.discard("aside")
            label = question.labels["te"].split("${")[0].strip()
            back = te("Back to your survey:")
            _, again, shown = await walker.act(lambda: say(USER, "/events"), back)
            assert again == question and shown.index(back) < shown.rindex(label)
        name, kind_of = question.name, question.type
        if kind_of == "select_one":
            label, value = walker.choice(question, walker.buttons())
            walker.meant[name] = value
            step = await walker.act(partial(fake.press, USER, label))
        elif kind_of == "select_multiple":
            label, value = walker.choice(question, walker.buttons())
            await redrawn(fake, partial(fake.press, USER, label), f"✓ {label}")
            if "tick" in slips:
                slips.discard("tick")
                wrong = te("“{wrong}” is not one of the choices. Your ticks are kept: choose "
                           "more, or press “Done”.").format(wrong="9")  # fmt: skip
                await walker.act(lambda: say(USER, "9"), wrong, f"✓ {label}")
            walker.meant[name] = value
            step = await walker.act(lambda: fake.press(USER, te.pgettext("action", "Done")))
        elif kind_of in numbers:
            walker.meant[name] = int(numbers[kind_of])
            step = await walker.act(partial(say, USER, numbers[kind_of]))
        elif kind_of == "text" and "voice" in slips and takes_voice(question):
            slips.discard("voice")
            walker.meant[name] = "voice"
            step = await walker.act(lambda: fake.push_voice(USER, VOICE))
        elif kind_of == "text":
            typed = round_names[0] if "product" in name else "చేనేత పని"
            walker.meant[name] = typed
            step = await walker.act(partial(say, USER, typed))
        elif kind_of == "geopoint":
            walker.meant[name] = "17.385000 78.486700 0 0"
            step = await walker.act(lambda: fake.push_location(USER, 17.385, 78.4867))
        elif kind_of == "image":
            walker.meant[name] = "photo"
            step = await walker.act(lambda: fake.push_photo(USER))
        else:
            raise AssertionError(f"no answer planned for a {kind_of} question ({name})")
        kind, question, _ = step
    return slips


def exported(document: SentMessage, sheet: str = "survey") -> list[dict[str, object]]:
    assert document.method == "sendDocument" and document.file
    book = load_workbook(io.BytesIO(document.file), read_only=True)
    header, *rows = list(book[sheet].iter_rows(values_only=True))
    return [dict(zip(header, r, strict=True)) for r in rows]


def check(row: dict[str, object], walker: Walker, media_root: Path) -> None:
    """The row holds the answers meant, and no other answer."""
    from bot.surveys.export import META, TITLE

    asked = {q.name for _, q in walker.form.walk() if q.type not in ("calculate", "note")}
    answered = {k for k, v in row.items() if v not in (None, "") and k in asked}
    assert answered == set(walker.meant), (answered, walker.meant)
    for name, meant in walker.meant.items():
        value = row[name]
        if meant == "voice":
            kept = Path(str(value).removeprefix("voice:"))
            assert str(value).startswith("voice:") and kept.read_bytes() == VOICE
            assert kept.is_relative_to(media_root)
        elif meant == "photo":
            assert Path(str(value)).is_file()
        else:
            assert value == meant, (name, value, meant)
    assert row["status"] == "completed" and row["language"] == "te"
    assert set(META) <= set(row) and TITLE not in walker.meant


async def test_the_shipped_diagnostic_answered_in_telugu_with_slips(
    fake: FakeTelegram, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped core and its products module, whatever questions they hold now: each
    answered by its type, with the slips, then both /export workbooks checked."""
    seed_cluster(settings.db, "POCHAMPALLY")
    monkeypatch.setenv("CLUSTERBOT_DB", str(settings.db))
    monkeypatch.delenv("CLUSTERBOT_TELEGRAM_TOKEN", raising=False)
    assert main(["survey", "import", "diagnostic"]) == 0
    bot = BotProcess(bot_settings(settings, fake, admins=frozenset({f"telegram:{CDA}"})), tmp_path)
    bot.start()
    say = fake.push_text
    core, products = Walker(fake, "diagnostic"), Walker(fake, "diagnostic_products")
    try:
        await bot.wait_until_polling(fake)
        await onboard(fake, USER, native_name("te"))
        first = await core.act(lambda: say(USER, "/survey diagnostic"))
        left = await walk(core, first, {"tick", "aside", "voice"})
        first = await products.act(lambda: say(USER, "/survey diagnostic_products"))
        assert not await walk(products, first, {"undo", *left})  # every slip was made
        assert products.meant.get("product_name") == "చీర"

        say(CDA, "/export diagnostic")
        (row,) = exported((await fake.wait_for(CDA, 1, timeout=60))[0])
        check(row, core, settings.media_root)
        say(CDA, "/export diagnostic_products")
        document = (await fake.wait_for(CDA, 1, timeout=60))[0]
        (row,) = exported(document)
        rounds = exported(document, "product")
        in_round = {"product_name", "product_method", "product_pieces", "product_price"}
        meant = {k: v for k, v in products.meant.items() if k not in in_round}
        main_row = {k: v for k, v in row.items() if k not in in_round}
        products.meant = meant
        check(main_row, products, settings.media_root)
        (only,) = rounds  # the second round is gone
        assert only["product_name"] == "చీర" and only["product_index"] == 1
    finally:
        bot.stop()
