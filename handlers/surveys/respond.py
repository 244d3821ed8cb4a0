"""/survey [KEY] and answering a survey, one question at a time (SPEC §5, §6).

    /survey --> survey.pick --sv:open:KEY--> survey.answer <-> (each question) --> done
                                   \\--completed before--> survey.again --yes--> survey.answer

The conversation only says which response is being answered; the response row holds the
position (a path such as `products[2]/material`) and the answers table every answer, both
written in the same turn, so a restart or a week's pause resumes at the same question.
/back, /skip and /cancel belong to this flow while a survey is open (handlers/__init__).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.jobs import survey_reminders
from bot.messages import Choice, InboundKind, Outbound, Request
from bot.networks import survey_links
from bot.parse.dates import day_choices, parse_date, parse_time, split_time
from bot.parse.digits import has_words
from bot.parse.numbers import parse_number
from bot.storage import clusters, rounds
from bot.storage import surveys as store
from bot.storage.surveys import Response, Survey
from bot.surveys import shipped
from bot.surveys.answers import (
    OTHER_NAME,
    Problem,
    Sent,
    close_choice,
    join_selected,
    parse,
    typed_choices,
)
from bot.surveys.change_text import round_label
from bot.surveys.model import localized
from bot.surveys.navigation import Slot, SlotKind, index_of
from bot.surveys.plausible import Others, doubt
from bot.surveys.runner import Refusal, Runner, Step, session_values
from handlers.common import picked
from handlers.people import menu
from handlers.surveys.render import (
    _range_buttons,
    button,
    display,
    other_label,
    problem_text,
    prompt,
    question_media,
    refusal_text,
    tag,
)

FLOW = "survey"
PICK, ANSWER, AGAIN = f"{FLOW}.pick", f"{FLOW}.answer", f"{FLOW}.again"


def title_of(ctx: Context, survey: Survey) -> str:
    titles = survey.form(ctx.conn).titles
    return localized(titles, ctx.language, survey.languages[0]) or survey.title


# ------------------------------------------------------------------------- choosing ---
def visible(ctx: Context) -> list[Survey]:
    """Open surveys for this person's cluster and role (staff: also their clusters')."""
    staff = ctx.access.cda or ctx.access.observer
    return [
        s
        for s in store.all_current(ctx.conn)
        if s.open
        and (
            s.reaches(ctx.contact.cluster_id, ctx.contact.role)
            or (staff and (s.cluster_id is None or ctx.access.may_report(s.cluster_id)))
        )
    ]


@command("survey", N_("Answer a survey"), Audience.MEMBER, takes_code=True)
def survey_command(ctx: Context) -> None:
    key = ctx.inbound.command_args.split()[0] if ctx.inbound.command_args else ""
    if key:
        open_survey(ctx, key)
    elif ctx.conv and ctx.conv.step == ANSWER:
        ctx.reply(ctx._("Here is the question you were answering:"))
        answer_input(ctx, resume=True)
    else:
        list_surveys(ctx)


def back_to_survey(ctx: Context, command: str) -> None:
    """After a side command (/events, /help, an RSVP press…) in the middle of a survey, the
    open question is asked again with its buttons, so a typed number answers it."""
    if command == "survey" or ctx.conv is None or ctx.conv.step != ANSWER:
        return
    turn = _load(ctx)
    if turn is None or turn.slot is None or turn.response.status == "completed":
        return
    if not turn.survey.open:
        return
    ctx.reply(ctx._("Back to your survey:"))
    _show(ctx, turn, Step(turn.slot))


def list_surveys(ctx: Context) -> None:
    found = visible(ctx)
    if not found:
        ctx.end()
        ctx.reply(ctx._("There is no survey for you right now. We will tell you when there is."))
        return
    choices = []
    for survey in found:
        mark = ""
        if store.unfinished(ctx.conn, ctx.contact.id, survey.key):
            mark = "▶ "
        elif _done_this_round(ctx, survey.key):
            mark = "✓ "
        label = title_of(ctx, survey)
        if len(rounds.of_key(ctx.conn, survey.key)) > 1:
            label = f"{label} · {_round_name(ctx, survey.key)}"
        choices.append(Choice(f"sv:open:{survey.key}", mark + label[:60]))
    ctx.go(FLOW, PICK)
    ctx.reply(ctx._("Which survey would you like to answer?"), choices)


def open_survey(ctx: Context, key: str) -> None:
    survey = next((s for s in visible(ctx) if s.key.casefold() == key.casefold()), None)
    if survey is None:
        ctx.reply(ctx._("There is no open survey called {key}.").format(key=key[:40]))
        list_surveys(ctx)
        return
    unfinished = store.unfinished(ctx.conn, ctx.contact.id, survey.key)
    if unfinished is not None:
        ctx.go(FLOW, ANSWER, response=unfinished.id)
        ctx.reply(ctx._("Welcome back to “{title}”. Here is where you stopped:").format(
            title=title_of(ctx, survey)))  # fmt: skip
        answer_input(ctx, resume=True)
        return
    done = store.last_completed(ctx.conn, ctx.contact.id, survey.key)
    if done is not None and not _done_this_round(ctx, survey.key):
        # A new round asks the same questions again: no "answer again?", the round is why.
        ctx.reply(
            ctx._("A new round of “{title}” has started: {round}. Your answers show what has "
                  "changed since last time.").format(
                title=title_of(ctx, survey), round=_round_name(ctx, survey.key))
        )  # fmt: skip
        _start(ctx, survey, named=True)
        return
    if done is not None:
        ctx.go(FLOW, AGAIN, key=survey.key)
        ctx.reply(
            ctx._("You have already answered “{title}”. Thank you! Answer it again?").format(
                title=title_of(ctx, survey)
            ),
            _again_choices(ctx, survey.key),
            columns=2,
        )
        return
    _start(ctx, survey)


def _done_this_round(ctx: Context, key: str) -> bool:
    current = rounds.current_or_baseline(ctx.conn, key, ctx.now_iso)
    return rounds.completed_in(ctx.conn, ctx.contact.id, key, current.id)


def _round_name(ctx: Context, key: str) -> str:
    """The open round's name; the first round is called "Baseline" in the reader's words."""
    return round_label(ctx._, rounds.current_or_baseline(ctx.conn, key, ctx.now_iso))


def _again_choices(ctx: Context, key: str) -> list[Choice]:
    return [Choice(f"sv:again:{key}", ctx._("Answer again")), Choice("sv:again:", ctx._("No"))]


def _start(ctx: Context, survey: Survey, *, named: bool = False) -> None:
    """The first screen; it names the round once there is more than one (unless the line
    before, `named`, already did)."""
    response = store.start_response(ctx.conn, survey.id, ctx.contact.id, None, ctx.now_iso)
    ctx.go(FLOW, ANSWER, response=response.id)
    text = ctx._(
        "“{title}”: {count} questions, one at a time.\n"
        "/back goes to the previous question, /skip skips a question that is not "
        "required, /cancel pauses (your answers are kept)."
    ).format(title=title_of(ctx, survey), count=survey.question_count)
    if not named and len(rounds.of_key(ctx.conn, survey.key)) > 1:
        text = ctx._("This is the round “{round}”.").format(
            round=_round_name(ctx, survey.key)) + "\n" + text  # fmt: skip
    ctx.reply(text)
    answer_input(ctx, resume=True)


@flow(FLOW, own_commands=frozenset({"back", "skip", "cancel"}))
def on_input(ctx: Context) -> None:
    """Anything sent while in the survey flow."""
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    step = ctx.conv.step if ctx.conv else ""
    if choice.startswith("sv:open:"):
        open_survey(ctx, choice.removeprefix("sv:open:"))
    elif step == AGAIN and choice.startswith("sv:again:"):
        key = choice.removeprefix("sv:again:")
        survey = next((s for s in visible(ctx) if s.key == key), None) if key else None
        if survey is None:
            ctx.end()
            menu.main_menu(ctx)
        else:
            _start(ctx, survey)
    elif step == ANSWER:
        answer_input(ctx)
    elif ctx.inbound.command in ("back", "skip"):
        ctx.reply(ctx._("Please choose a survey first."))
        list_surveys(ctx)
    elif ctx.inbound.command == "cancel":
        ctx.end()
        ctx.reply(ctx._("Cancelled."), remove_keyboard=True)
        menu.main_menu(ctx)
    else:
        if choice:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        list_surveys(ctx)


# ------------------------------------------------------------------------ answering ---
@dataclass
class _Turn:
    response: Response
    survey: Survey
    runner: Runner
    slot: Slot | None
    notes: list[Slot]


def _load(ctx: Context) -> _Turn | None:
    response_id = ctx.conv.data.get("response") if ctx.conv else None
    found = store.response_and_survey(ctx.conn, int(response_id)) if response_id else None
    if found is None or found[0].contact_id != ctx.contact.id:
        return None
    response, survey = found
    local = ctx.now.astimezone(ZoneInfo(ctx.settings.timezone))
    form = survey.form(ctx.conn)
    # ${last-saved#name}: the person's previous completed response (read only when used).
    last = store.last_completed(ctx.conn, ctx.contact.id, survey.key) if (
        index_of(form).last_saved) else None  # fmt: skip
    reads_last = last is not None and last.id != response.id
    runner = Runner(
        form,
        store.answers(ctx.conn, response.id),
        today=local.date(),
        now=local.replace(tzinfo=None),
        language=ctx.language,
        session=session_values(
            ctx.contact.id,
            name=ctx.contact.name,
            phone=ctx.contact.phone,
            started=response.started_at,
        ),
        last_saved=store.answers(ctx.conn, last.id) if reads_last and last else None,
    )
    step = runner.resume(response.position)
    return _Turn(response, survey, runner, step.slot, step.notes)


def current_slot(ctx: Context) -> Slot | None:
    """The question the person is at in an open survey (read only; for `handlers.media`)."""
    turn = _load(ctx)
    if turn is None or turn.response.status == "completed" or not turn.survey.open:
        return None
    return turn.slot


def answer_input(ctx: Context, *, resume: bool = False) -> None:
    turn = _load(ctx)
    if turn is None or turn.response.status == "completed":
        ctx.end()
        ctx.reply(ctx._("That survey is finished. Send /survey to see the surveys for you."))
        return
    if not turn.survey.open:  # closing a survey closes every version of it
        ctx.end()
        ctx.reply(ctx._("This survey is closed now. Thank you for your answers."))
        store.move(ctx.conn, turn.response.id, turn.response.position, "paused", ctx.now_iso)
        return
    if resume or turn.slot is None:
        _show(ctx, turn, Step(turn.slot, turn.notes), media=True)
        return
    command = ctx.inbound.command
    if command == "cancel":
        store.move(ctx.conn, turn.response.id, turn.slot.path, "paused", ctx.now_iso)
        ctx.end()
        ctx.reply(
            ctx._("Paused. Your answers are kept: send /survey to continue where you stopped."),
            remove_keyboard=True,
        )
        menu.main_menu(ctx)
    elif command == "back":
        previous = turn.runner.back(turn.slot)
        if previous is None:
            ctx.reply(ctx._("This is the first question."))
            _show(ctx, turn, Step(turn.slot))
        else:
            _show(ctx, turn, Step(previous))
    elif command == "skip":
        _after(ctx, turn, _skip(turn))
    elif command:
        ctx.reply(ctx._("Please answer the question, or send /cancel to pause."))
        _show(ctx, turn, Step(turn.slot))
    else:
        _after(ctx, turn, _take(ctx, turn, turn.slot))


def _skip(turn: _Turn) -> Step | Refusal:
    assert turn.slot is not None
    if turn.slot.kind is SlotKind.ANOTHER:
        return turn.runner.another(turn.slot, yes=False)
    return turn.runner.skip(turn.slot)


def _take(ctx: Context, turn: _Turn, slot: Slot) -> Step | Refusal | Problem | None:
    """Interpret what was sent for `slot`; None when the reply is already made (a toggle)."""
    inbound = ctx.inbound
    runner = turn.runner
    asked = ctx.conv.data.get("confirm") if ctx.conv else None  # `_ask`'s buttons win
    if (
        inbound.kind is InboundKind.CHOICE
        and inbound.text
        and _takes_numbers(slot)
        and not (isinstance(asked, dict) and asked.get("path") == slot.path)
    ):
        # A typed number that the engine took for "press button N" (numbered-text
        # channels): here a number is the answer itself.
        inbound = replace(inbound, kind=InboundKind.TEXT, choice="")
    if inbound.kind is InboundKind.CHOICE:
        prefix = f"sv:{tag(slot)}:"
        if not inbound.choice.startswith(prefix):
            return Problem("stale")
        return _press(ctx, turn, slot, inbound.choice.removeprefix(prefix))
    if slot.kind is SlotKind.ANOTHER:
        yes = picked(ctx, [Choice("yes", ctx._("Yes, add")), Choice("yes", ctx._("Yes"))])
        no = picked(ctx, [Choice("no", ctx._("No, go on")), Choice("no", ctx._("No"))])
        return runner.another(slot, yes=True) if yes else (
            runner.another(slot, yes=False) if no else Problem("choice"))  # fmt: skip
    if (
        inbound.kind is InboundKind.TEXT
        and inbound.text.strip().casefold()
        in (
            ctx._("Skip").casefold(),
            "skip",
        )
        and slot.kind is SlotKind.QUESTION
        and slot.question.type in _LOCATIONS
    ):
        return runner.skip(slot)
    if slot.kind is SlotKind.QUESTION and slot.question.type in _SHAPES:
        handled, shared = _shared_points(ctx, turn, slot)
        if handled:
            return shared
    if slot.kind is SlotKind.QUESTION and slot.question.type == "datetime":
        handled, result = _date_then_time(ctx, turn, slot)
        if handled:
            return result
    if (
        slot.kind is SlotKind.QUESTION
        and slot.question.type == "select_multiple"
        and inbound.kind is InboundKind.TEXT
    ):
        return _typed_ticks(ctx, turn, slot)
    sent = Sent(
        kind={
            InboundKind.TEXT: "text", InboundKind.LOCATION: "location",
            InboundKind.PHOTO: "photo", InboundKind.AUDIO: "audio",
            InboundKind.VIDEO: "video", InboundKind.DOCUMENT: "document",
        }.get(inbound.kind, "other"),
        text=inbound.text, latitude=inbound.latitude, longitude=inbound.longitude,
        media=inbound.media_ref,
    )  # fmt: skip
    if slot.kind is SlotKind.OTHER:
        if sent.kind != "text" or not sent.text.strip():
            return Problem("text")
        if not has_words(sent.text):
            return Problem("no_words")
        return runner.submit(slot, " ".join(sent.text.split())[:2000])
    question = slot.question
    value = parse(
        question, sent, today=runner.env.today_value, language=ctx.language,
        default_language=runner.form.default_language,
        choices=runner.choices(slot) if question.type.startswith("select") else (),
        other_label=other_label(ctx) if question.or_other else "",
    )  # fmt: skip
    if isinstance(value, Problem):
        if value.code == "which_day":
            _which_day(ctx, turn, slot, sent.text)
            return None
        if value.code == "choice" and sent.kind == "text":
            guess = close_choice(sent.text, runner.choices(slot),
                                 other_label(ctx) if question.or_other else "")  # fmt: skip
            if guess is not None:
                _did_you_mean(ctx, turn, slot, guess, tick=False)
                return None
        return value
    worry = _doubt(ctx, turn, slot, value, sent)
    if worry:  # probably a slip: confirmed once (Yes, or No and type again)
        _ask(ctx, slot, worry, [value])
        return None
    result = runner.submit(slot, value)
    if isinstance(result, Step):
        _confirm(ctx, turn, slot, value)
    return result


def _doubt(ctx: Context, turn: _Turn, slot: Slot, value: str, sent: Sent) -> str:
    """The question to ask back about an implausible answer (bot.surveys.plausible), or ""."""
    question = slot.question
    if question.constraint or question.type not in (
        "integer", "decimal", "date", "datetime", "geopoint"
    ):  # fmt: skip
        return ""
    others = Others()
    if question.type in ("integer", "decimal"):
        count, largest = store.others_numbers(
            ctx.conn, turn.survey.key, question.name, ctx.contact.cluster_id, turn.response.id
        )
        others = Others(count, largest)
    kind = doubt(question, value, today=turn.runner.env.today_value, others=others)
    if kind == "number":
        typed = parse_number(sent.text) if sent.kind == "text" else None
        amount = float(value)
        shown = ctx._.money(amount) if typed and typed.money else ctx._.number(amount)
        return ctx._("You typed {value} — is that right?").format(value=shown)
    if kind == "date":
        shown = display(ctx, turn.runner, slot, value)
        return ctx._("You typed {date}, more than a year from now — is that right?").format(
            date=shown
        )
    if kind == "place":
        shown = display(ctx, turn.runner, slot, value)
        return ctx._("That place ({place}) is far outside India — is that right?").format(
            place=shown
        )
    return ""


def _typed_ticks(ctx: Context, turn: _Turn, slot: Slot) -> Problem | None:
    """Choices typed in a multi-select (`1,3`, `1 3`, `1 और 3`, a label) are ticked, as
    presses would be; Done still finishes. A wrong part changes nothing and is named."""
    runner = turn.runner
    extra = other_label(ctx) if slot.question.or_other else ""
    found = typed_choices(ctx.inbound.text, runner.choices(slot), ctx.language,
                          runner.form.default_language, extra)  # fmt: skip
    if isinstance(found, Problem):
        wrong = found.params.get("wrong", "")
        guess = close_choice(wrong, runner.choices(slot), extra)
        if guess is not None and wrong == " ".join(ctx.inbound.text.split()):
            _did_you_mean(ctx, turn, slot, guess, tick=True)
            return None
        return found
    _add_ticks(ctx, turn, slot, found)
    return None


def _add_ticks(ctx: Context, turn: _Turn, slot: Slot, names: list[str]) -> None:
    ticked = _selected(ctx, turn, slot)
    ticked += [n for n in names if n not in ticked]
    ctx.go(FLOW, ANSWER, ticks={"path": slot.path, "names": ticked}, confirm=None)
    shown = display(ctx, turn.runner, slot, join_selected(ticked, turn.runner.choices(slot)))
    ctx.reply(ctx._("Ticked: {answers}. Choose more, or press “Done”.").format(answers=shown))
    ctx.out.append(_asking(ctx, turn.runner, slot, ticked))


# Day words for the two days an ambiguous one (कल, परसों) may mean.
_DAYS = {-2: N_("Day before yesterday"), -1: N_("Yesterday"), 1: N_("Tomorrow"),
         2: N_("Day after tomorrow")}  # fmt: skip


def _which_day(ctx: Context, turn: _Turn, slot: Slot, text: str) -> None:
    """कल is yesterday or tomorrow: when the form's constraint does not say, ask."""
    today = turn.runner.env.today_value
    days = day_choices(text, today)
    offsets = [(d - today).days for d in days]
    labels = [ctx._(_DAYS[o]) if o in _DAYS else ctx._.date(d, "medium") for o, d in zip(
        offsets, days, strict=True)]  # fmt: skip
    question = (
        ctx._("Did you mean yesterday or tomorrow?")
        if offsets == [-1, 1]
        else ctx._("Which day do you mean?")
    )
    _ask(ctx, slot, question, [d.isoformat() for d in days], labels)


def _did_you_mean(ctx: Context, turn: _Turn, slot: Slot, name: str, *, tick: bool) -> None:
    """A close spelling of a choice's label: asked back once, Yes / No, type again."""
    shown = display(ctx, turn.runner, slot, name)
    _ask(ctx, slot, ctx._("Did you mean “{answer}”?").format(answer=shown), [name], tick=tick)


def _ask(
    ctx: Context,
    slot: Slot,
    text: str,
    values: list[str],
    labels: list[str] | None = None,
    *,
    tick: bool = False,
) -> None:
    """Ask which of `values` was meant (one value: Yes, or No and type again); the press
    comes back to `_press` as `p<i>` or `retype`."""
    ctx.go(FLOW, ANSWER, confirm={"path": slot.path, "values": values, "tick": tick})
    if labels is None:
        choices = [
            button(slot, "p0", ctx._("Yes")),
            button(slot, "retype", ctx._("No, type again")),
        ]
    else:
        choices = [button(slot, f"p{i}", label) for i, label in enumerate(labels)]
    ctx.reply(text, choices, columns=2)


_LOCATIONS = frozenset({"geopoint", "geotrace", "geoshape"})
_SHAPES = frozenset({"geotrace", "geoshape"})


def _shared_points(
    ctx: Context, turn: _Turn, slot: Slot
) -> tuple[bool, Step | Refusal | Problem | None]:
    """geotrace / geoshape by location shares: each share is kept in the conversation and
    acknowledged; "Done" submits them. (False, None): neither a share nor Done (typed
    points go on to `parse`)."""
    inbound = ctx.inbound
    pending = ctx.conv.data.get("points") if ctx.conv else None
    points = list(pending.get("list", [])) if isinstance(pending, dict) and (
        pending.get("path") == slot.path) else []  # fmt: skip
    if inbound.kind is InboundKind.LOCATION and inbound.latitude is not None:
        points.append(f"{inbound.latitude}, {inbound.longitude}")
        ctx.go(FLOW, ANSWER, points={"path": slot.path, "list": points})
        ctx.out.append(
            Outbound(
                ctx._("Point {number} saved. Send the next one, or press “Done”.").format(
                    number=len(points)
                ),
                request=Request.LOCATION,
                request_label=ctx._("Send my location"),
                skip_label=ctx._.pgettext("action", "Done"),
            )
        )
        return True, None
    typed = inbound.text.strip().casefold() if inbound.kind is InboundKind.TEXT else ""
    if typed in (ctx._.pgettext("action", "Done").casefold(), "done"):
        if not points:
            return True, Problem(slot.question.type)
        ctx.go(FLOW, ANSWER, points=None)
        value = parse(slot.question, Sent("text", text="\n".join(points)),
                      today=turn.runner.env.today_value, language=ctx.language,
                      default_language=turn.runner.form.default_language)  # fmt: skip
        if isinstance(value, Problem):
            return True, value
        result = turn.runner.submit(slot, value)
        if isinstance(result, Step):
            _confirm(ctx, turn, slot, value)
        return True, result
    return False, None


def _date_then_time(
    ctx: Context, turn: _Turn, slot: Slot
) -> tuple[bool, Step | Refusal | Problem | None]:
    """dateTime as a date, then a time: a date alone is kept and confirmed, and the time is
    asked next. (False, None): a date and time typed at once (or nothing readable) goes on
    to `parse`."""
    inbound = ctx.inbound
    if inbound.kind is not InboundKind.TEXT or split_time(inbound.text) is not None:
        return False, None
    runner = turn.runner
    pending = ctx.conv.data.get("day") if ctx.conv else None
    if isinstance(pending, dict) and pending.get("path") == slot.path:
        moment = parse_time(inbound.text, bare_hour=True)
        if moment is not None:
            ctx.go(FLOW, ANSWER, day=None)
            value = f"{pending['date']}T{moment.strftime('%H:%M:%S')}"
            return True, runner.submit(slot, value)
    day = parse_date(
        inbound.text, runner.env.today_value, appearance=slot.question.appearance or ""
    )
    if day is None:
        return False, None
    ctx.go(FLOW, ANSWER, day={"path": slot.path, "date": day.isoformat()})
    ctx.reply("✓ " + ctx._.date(day, "long"))
    ctx.reply(ctx._("Send the time, for example 9:30."))
    return True, None


def _takes_numbers(slot: Slot) -> bool:
    """A typed number is this question's answer, not a press of its Keep / Skip button.
    A text question's buttons win: where buttons are numbered (WhatsApp lists, the
    console) a typed `1` means the button shown as 1."""
    return slot.kind is SlotKind.OTHER or (
        slot.kind is SlotKind.QUESTION
        and slot.question.type
        not in ("select_one", "select_multiple", "rank", "acknowledge", "text")
    )


def _press(ctx: Context, turn: _Turn, slot: Slot, action: str) -> Step | Refusal | Problem | None:
    runner = turn.runner
    if action in ("yes", "no") and slot.kind is SlotKind.ANOTHER:
        return runner.another(slot, yes=action == "yes")
    if action == "skip":
        return runner.skip(slot)
    if action == "keep":
        return runner.keep(slot)
    if action == "retype" or (action[:1] == "p" and action[1:].isdigit()):
        return _confirmed(ctx, turn, slot, action)
    if slot.kind is not SlotKind.QUESTION:
        return Problem("stale")
    question = slot.question
    if action == "ok" and question.type == "acknowledge":
        return runner.submit(slot, "OK")
    if action.startswith("r") and question.type == "range":
        values = _range_buttons(question)
        step = int(action[1:]) if action[1:].isdigit() else -1
        return runner.submit(slot, values[step]) if 0 <= step < len(values) else Problem("stale")
    # The choices still shown (choice_filter), by their button action: c3 / t3, co / to.
    names = {str(i): choice.name for i, choice in runner.choices(slot)}
    if question.or_other:
        names["o"] = OTHER_NAME
    kind, which = action[:1], action[1:]
    if kind == "c" and which in names and question.type == "select_one":
        return runner.submit(slot, names[which])
    if kind == "t" and which in names and question.type in ("select_multiple", "rank"):
        _toggle(ctx, turn, slot, names[which])
        return None
    if action == "done" and question.type == "rank":
        chosen = _selected(ctx, turn, slot)  # in the order pressed
        if sorted(chosen) != sorted(names[k] for k in names if k != "o"):
            return Problem("rank")  # every choice needs its place
        return runner.submit(slot, " ".join(chosen))
    if action == "done" and question.type == "select_multiple":
        chosen = _selected(ctx, turn, slot)
        return runner.submit(slot, join_selected(chosen, runner.choices(slot)))
    return Problem("stale")


def _confirmed(
    ctx: Context, turn: _Turn, slot: Slot, action: str
) -> Step | Refusal | Problem | None:
    """The answer to `_ask`: the value meant is taken, or the question asked again."""
    pending = ctx.conv.data.get("confirm") if ctx.conv else None
    if not isinstance(pending, dict) or pending.get("path") != slot.path:
        return Problem("stale")
    ctx.go(FLOW, ANSWER, confirm=None)
    values = list(pending.get("values", []))
    number = int(action[1:]) if action != "retype" else -1
    if not 0 <= number < len(values):
        return Problem("retype")
    if pending.get("tick"):
        _add_ticks(ctx, turn, slot, [values[number]])
        return None
    result = turn.runner.submit(slot, values[number])
    if isinstance(result, Step):
        _confirm(ctx, turn, slot, values[number])
    return result


def _selected(ctx: Context, turn: _Turn, slot: Slot) -> list[str]:
    """The ticks of a multi-select not confirmed yet (kept in the conversation)."""
    pending = ctx.conv.data.get("ticks") if ctx.conv else None
    if isinstance(pending, dict) and pending.get("path") == slot.path:
        return list(pending.get("names", []))
    return (turn.runner.value(slot) or "").split()


def _toggle(ctx: Context, turn: _Turn, slot: Slot, name: str) -> None:
    names = _selected(ctx, turn, slot)
    names = [n for n in names if n != name] if name in names else [*names, name]
    ctx.go(FLOW, ANSWER, ticks={"path": slot.path, "names": names})
    # Redraw the pressed message with its ticks rather than sending a new one.
    ctx.out.append(replace(_asking(ctx, turn.runner, slot, names), replace=True))


def _confirm(ctx: Context, turn: _Turn, slot: Slot, value: str) -> None:
    """Say back what was understood where typing could be misread (a date, a place)."""
    kind = slot.question.type
    if kind == "date":
        ctx.reply("✓ " + display(ctx, turn.runner, slot, value))
    elif kind in _LOCATIONS:
        ctx.reply(ctx._("✓ Location saved."), remove_keyboard=True)


def _after(ctx: Context, turn: _Turn, result: Step | Refusal | Problem | None) -> None:
    assert turn.slot is not None
    if result is None:
        return
    if isinstance(result, Problem):
        if result.code == "stale":
            ctx.reply(ctx._("That button belongs to an earlier question."))
        else:
            ctx.reply(problem_text(ctx, result))
        _show(ctx, turn, Step(turn.slot))
        return
    if isinstance(result, Refusal):
        ctx.reply(refusal_text(ctx, turn.runner, turn.slot, result))
        _show(ctx, turn, Step(turn.slot))
        return
    _show(ctx, turn, result)


def _record_linkages(ctx: Context, turn: _Turn) -> None:
    """A form with `linkage` questions reports who works with whom (issue 19); recorded in
    this turn, so a completed response and its linkages are one change."""
    form = turn.runner.form
    if not any(q.linkage for _path, q in form.walk()):
        return
    cluster = clusters.by_id(ctx.conn, ctx.contact.cluster_id) if ctx.contact.cluster_id else None
    zone = ZoneInfo(cluster.timezone if cluster else ctx.settings.timezone)
    survey_links.record_response(
        ctx.conn, form, store.answers(ctx.conn, turn.response.id),
        cluster_id=ctx.contact.cluster_id, role=ctx.contact.role, contact_id=ctx.contact.id,
        response_id=turn.response.id, day=ctx.now.astimezone(zone).date().isoformat(),
        actor=ctx.contact.ref, now=ctx.now_iso,
    )  # fmt: skip


def _module_button(ctx: Context, key: str, topic: str) -> str:
    short = shipped.MODULE_BUTTONS.get(key)
    if short:
        return ctx._.pgettext("button", short)
    return ctx._("Answer more about {topic}").format(topic=ctx._(topic))


def _offer_modules(ctx: Context, survey: Survey) -> bool:
    """After a survey with optional modules (the diagnostic's core, or one of its modules):
    one "Answer more about …" button per module open to the person and not finished yet,
    and "Not now" (bot/surveys/shipped.py). False when there is none to offer."""
    open_keys = {s.key for s in visible(ctx)}
    choices = [
        Choice(f"sv:open:{key}", _module_button(ctx, key, topic))
        for key, topic in shipped.offered_after(survey.key)
        if key in open_keys and not _done_this_round(ctx, key)
    ]
    if not choices:
        return False
    ctx.go(FLOW, AGAIN, key="")
    ctx.reply(
        ctx._(
            "Would you tell us more? Each part takes a few minutes, and you can also "
            "answer it later with /survey."
        ),
        [*choices, Choice("sv:again:", ctx._("Not now"))],
    )
    return True


def _asking(ctx: Context, runner: Runner, slot: Slot, selected: list[str] | None) -> Outbound:
    """The question's prompt under "Question 5 of 12" (`Runner.progress`)."""
    message = prompt(ctx, runner, slot, selected=selected)
    position = runner.progress(slot)
    if position is None:
        return message
    number, total = position
    line = ctx._("Question {number} of {total}").format(number=number, total=total)
    return replace(message, text=f"{line}\n{message.text}")


def _show(ctx: Context, turn: _Turn, step: Step, *, media: bool | None = None) -> None:
    """Store the changes and the new position, then show the notes and the next question
    (with its media files when `media`, by default when the question is not asked again)."""
    runner = turn.runner
    store.save_answers(ctx.conn, turn.response.id, runner.changes, ctx.now_iso)
    runner.changes.clear()
    for note in step.notes:
        text = runner.text(note.question.labels, note)
        if text:
            ctx.reply(text)
    if step.slot is None:
        store.move(ctx.conn, turn.response.id, None, "completed", ctx.now_iso)
        survey_reminders.cancel(ctx.conn, turn.response.id, ctx.now)
        _record_linkages(ctx, turn)
        ctx.end()
        ctx.reply(
            ctx._("Thank you! You have answered all the questions of “{title}”.").format(
                title=title_of(ctx, turn.survey)
            ),
            remove_keyboard=True,
        )
        if not _offer_modules(ctx, turn.survey):
            menu.main_menu(ctx)
        return
    store.move(ctx.conn, turn.response.id, step.slot.path, "in_progress", ctx.now_iso)
    # One reminder if this is the last answer for 24 hours (bot/jobs/survey_reminders.py).
    survey_reminders.arm(
        ctx.conn, turn.response.id, ctx.contact.cluster_id, ctx.now, ctx.settings.timezone
    )
    # Asked again (a slip, a refusal, a side command): the ticks made so far stay.
    same = turn.slot is not None and step.slot.path == turn.slot.path
    ticks = ctx.conv.data.get("ticks") if same and ctx.conv else None
    if not (isinstance(ticks, dict) and ticks.get("path") == step.slot.path):
        ticks = None
    ctx.go(FLOW, ANSWER, response=turn.response.id, ticks=ticks, points=None, day=None,
           confirm=None)  # fmt: skip
    if media or (media is None and (turn.slot is None or step.slot.path != turn.slot.path)):
        ctx.out.extend(question_media(ctx, runner, step.slot))
    ctx.out.append(_asking(ctx, runner, step.slot, ticks["names"] if ticks else None))
