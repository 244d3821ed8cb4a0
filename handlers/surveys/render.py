"""How a survey slot looks in a chat: the question text, its buttons, and the words for
every refusal. Channel-neutral (Outbound); `handlers/surveys/respond.py` decides what to show.

Button ids are `sv:<tag>:<action>` where `tag` is a short hash of the slot's path, so a
button pressed on an older question is recognised as stale instead of answering the
current one; actions: `c<i>` choose choice i (its index in the form's list, `co` for
"other"), `t<i>`/`to` toggle in a multi-select (in a rank: take the next place),
`done`, `r<i>` range step i, `ok`,
`keep`, `skip`, `yes`, `no`.
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date, datetime, time
from functools import lru_cache

from bot.engine import Context
from bot.i18n import N_
from bot.limits import TELEGRAM_MAX_TEXT
from bot.messages import Choice, Media, Outbound, Request
from bot.storage import surveys as store
from bot.surveys.answers import Problem, choice_label, range_steps, takes_voice, voice_path
from bot.surveys.model import Question, localized
from bot.surveys.navigation import OTHER, Slot, SlotKind
from bot.surveys.runner import Refusal, Runner

BUTTON_LABEL_MAX = 40
MAX_RANGE_BUTTONS = 11

# Type problems from bot.surveys.answers, worded for people.
PROBLEMS: dict[str, str] = {
    "text": N_("Please type your answer."),
    "too_long": N_("That is too long. Please use at most {max} characters."),
    "integer": N_("Please send a whole number, for example 12."),
    "decimal": N_("Please send a number, for example 2.5."),
    "too_big": N_("That number is too large. Please check it."),
    "date": N_("Please send a date such as 25-12-2024 or 25 December 2024."),
    "time": N_("Please send a time such as 9:30 or 4:15 pm."),
    "geopoint": N_(
        "Please press the button to share your location, or type it as latitude, "
        "longitude (for example 26.81, 75.55)."
    ),
    "photo": N_("Please send a photo."),
    "audio": N_("Please send a voice note."),
    "video": N_("Please send a video."),
    "document": N_("Please send the file as a document (📎)."),
    "choice": N_("Please choose one of the buttons."),
    "not_a_choice": N_(
        "“{wrong}” is not one of the choices. Your ticks are kept: choose more, or press “Done”."
    ),
    "retype": N_("Please type your answer again."),
    "no_words": N_("Please type your answer in words or numbers."),
    "button": N_("Please press the button."),
    "datetime": N_("Please send a date and a time such as 25-12-2024 9:30."),
    "geotrace": N_(
        "Please type at least 2 points, one latitude, longitude per line "
        "(for example 26.81, 75.55)."
    ),
    "geoshape": N_(
        "Please type at least 3 corners, one latitude, longitude per line "
        "(for example 26.81, 75.55)."
    ),
    "rank": N_("Please put every choice in order, each number once, for example 2, 1, 3."),
}
RANGE_PROBLEM = N_("Please send a number from {start} to {end}.")
RANGE_STEP_PROBLEM = N_("Please send a number from {start} to {end}, in steps of {step}.")
VOICE_WELCOME = N_("Type your answer, or send a voice note 🎤.")
# What to do, shown under the question for types that need more than a tap.
INSTRUCTIONS: dict[str, str] = {
    "date": N_("Send the date, for example 25-12-2024."),
    "time": N_("Send the time, for example 9:30."),
    "select_multiple": N_("Choose all that apply, then press “Done”."),
    "image": N_("Send a photo."),
    "audio": N_("Send a voice note."),
    "video": N_("Send a video."),
    "file": N_("Send the file as a document (📎)."),
    "geopoint": N_("Press the button below to share your location, or type latitude, longitude."),
    "datetime": N_("Send the date and the time, for example 25-12-2024 9:30."),
    "geotrace": N_(
        "Share your location at each point of the line, then press “Done”; or type the "
        "points, one latitude, longitude per line."
    ),
    "geoshape": N_(
        "Share your location at each corner of the area, then press “Done”; or type the "
        "corners, one latitude, longitude per line."
    ),
    "rank": N_(
        "Press the choices in your order, the most important first, then press “Done”; or type "
        "their numbers in that order, for example 2, 1, 3."
    ),
}
# Types typed as text (with Keep / Use / Skip buttons).
TYPED = frozenset(
    {"text", "integer", "decimal", "date", "time", "image", "audio", "video", "file", "datetime"}
)  # fmt: skip


def other_label(ctx: Context) -> str:
    """The button XLSForm's or_other adds; its answer is typed next."""
    return ctx._("Other (type it)")


def tag(slot: Slot) -> str:
    return _tag(slot.path)


@lru_cache(maxsize=4096)
def _tag(path: str) -> str:
    return format(zlib.crc32(path.encode()) & 0xFFFFFF, "x")


def button(slot: Slot, action: str, label: str) -> Choice:
    return Choice(f"sv:{tag(slot)}:{action}", _short(label))


def _short(label: str) -> str:
    label = " ".join(label.split()) or "…"
    return label if len(label) <= BUTTON_LABEL_MAX else label[: BUTTON_LABEL_MAX - 1] + "…"


# --------------------------------------------------------------------------- values ---
def display(ctx: Context, runner: Runner, slot: Slot, value: str) -> str:
    """A stored value as the person reads it (labels, dates in their locale)."""
    question = slot.question
    if slot.kind is SlotKind.OTHER:
        return value
    kind = question.type
    if kind in ("select_one", "select_multiple", "rank"):
        labels = {c.name: choice_label(c, ctx.language, runner.form.default_language)
                  for c in question.choices}  # fmt: skip
        labels[OTHER] = ctx._.pgettext("choice", "Other")
        return ", ".join(labels.get(name, name) for name in value.split())
    if kind == "date":
        try:
            return ctx._.date(date.fromisoformat(value), "long")
        except ValueError:
            return value
    if kind == "time":
        try:
            return ctx._.time(time.fromisoformat(value))
        except ValueError:
            return value[:5]
    if kind == "geopoint":
        return ", ".join(value.split()[:2])
    if kind in ("geotrace", "geoshape"):
        return "; ".join(", ".join(p.split()[:2]) for p in value.split(";"))
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value.replace("T", " ")[:16]
        return f"{ctx._.date(moment.date())}, {ctx._.time(moment.time())}"
    if kind == "image":
        return ctx._("a photo")
    if kind == "audio":
        return ctx._("a voice note")
    if kind == "video":
        return ctx._("a video")
    if kind == "file":
        return ctx._("a document")
    if voice_path(value) is not None:  # a voice note answering a text question
        return ctx._("a voice note")
    return value


def problem_text(ctx: Context, problem: Problem) -> str:
    if problem.code == "range":
        params = problem.params
        template = RANGE_PROBLEM if params.get("step") in ("1", None) else RANGE_STEP_PROBLEM
        return ctx._(template).format(**{k: params.get(k, "") for k in ("start", "end", "step")})
    return ctx._(PROBLEMS.get(problem.code, PROBLEMS["text"])).format(**problem.params)


def refusal_text(ctx: Context, runner: Runner, slot: Slot, refusal: Refusal) -> str:
    own = runner.text(refusal.message, slot) if refusal.message else ""
    if own:
        return own
    if refusal.code == "required":
        return ctx._("This question needs an answer.")
    return ctx._("That answer is not possible here. Please check it and try again.")


# --------------------------------------------------------------------------- prompts ---
def heading(ctx: Context, runner: Runner, slot: Slot) -> str:
    parts = []
    for labels, number in runner.sections(slot):
        label = localized(labels, ctx.language, runner.form.default_language)
        parts.append(f"{label} {number}" if number else label)
    return " › ".join(parts)


# Asking a question is the hot path of a survey. Most prompts depend only on the form, the
# language, the slot and its current answer, so they are built once and reused (Outbound is
# frozen). Keys hold the FormIndex, which holds its form: an id can never be reused.
_PROMPTS: dict[tuple[object, ...], Outbound] = {}
_PROMPTS_MAX = 20_000


def prompt(ctx: Context, runner: Runner, slot: Slot, selected: list[str] | None = None) -> Outbound:
    """The message that asks `slot` (multi-select: with `selected` ticked)."""
    if not _static(runner, slot):
        return _prompt(ctx, runner, slot, selected)
    ticks = tuple(selected) if selected is not None else None
    key = (runner.index, ctx.language, slot.path, runner.value(slot), ticks)
    found = _PROMPTS.get(key)
    if found is None:
        if len(_PROMPTS) >= _PROMPTS_MAX:
            _PROMPTS.clear()
        found = _PROMPTS[key] = _prompt(ctx, runner, slot, selected)
    return found


# media:: column -> Outbound media kind, in sending order (a picture, then the question read
# out, then a film): one message each, before the question's text.
_MEDIA_KINDS = (("image", "photo"), ("big-image", "photo"), ("audio", "audio"), ("video", "video"))


def question_media(ctx: Context, runner: Runner, slot: Slot) -> list[Outbound]:
    """The form's media files for this question in the reader's language (else the form's
    default language): its picture, its audio — so someone who cannot read hears the
    question — and its video, each a message of its own sent before the question."""
    if slot.kind is not SlotKind.QUESTION or not slot.question.media:
        return []
    form, media = runner.form, slot.question.media
    out: list[Outbound] = []
    sent_photo = False
    for column, kind in _MEDIA_KINDS:
        name = localized(media.get(column, {}), ctx.language, form.default_language)
        if not name or (kind == "photo" and sent_photo):
            continue
        digest = form.media.get(name)
        data = store.media_file(ctx.conn, digest) if digest else None
        if data is None:
            continue
        sent_photo = sent_photo or kind == "photo"
        out.append(Outbound("", media=Media(kind, name, data)))
    return out


def _static(runner: Runner, slot: Slot) -> bool:
    """Does the prompt depend on nothing but the slot and its own answer?"""
    static = runner.index.static.get(slot.node.name)
    if static is None:
        static = runner.index.static[slot.node.name] = _is_static(runner, slot)
    return static


def _is_static(runner: Runner, slot: Slot) -> bool:
    node = slot.node
    if not isinstance(node, Question):
        return False  # "add another?" says whether its round exists (runner.answered_another)
    texts = [node.labels, *(labels for labels, _ in runner.sections(slot))]
    if isinstance(node, Question):
        if node.choice_filter or node.required_if or node.default_is_expression:
            return False
        if any(part in (node.constraint or "") for part in ("${", "/", "today", "now")):
            return False  # Keep is offered only while the constraint takes the answer
        texts += [node.hints, node.guidance]
    return not any("${" in text for labels in texts for text in labels.values())


def _prompt(ctx: Context, runner: Runner, slot: Slot, selected: list[str] | None) -> Outbound:
    if slot.kind is SlotKind.ANOTHER:
        return _another(ctx, runner, slot)
    question = slot.question
    lines = [heading(ctx, runner, slot)]
    label = runner.text(question.labels, slot) or question.name
    if slot.kind is SlotKind.OTHER:
        lines += [label, ctx._("Please type your other answer.")]
    else:
        # guidance_hint: ODK shows it on request; a chat shows it under the hint.
        hint, guidance = runner.text(question.hints, slot), runner.text(question.guidance, slot)
        lines += [label, hint, guidance, _instruction(ctx, question)]
    current = runner.value(slot)
    if current is not None and question.type != "select_multiple":
        lines.append(ctx._("Your answer now: {answer}").format(
            answer=display(ctx, runner, slot, current)))  # fmt: skip
    text = "\n".join(line for line in lines if line)[: TELEGRAM_MAX_TEXT - 100]
    optional = not runner.required(slot)
    if slot.kind is SlotKind.OTHER or question.type in TYPED:
        return Outbound(text, tuple(_free_buttons(ctx, runner, slot, current, optional)))
    if question.type in ("geopoint", "geotrace", "geoshape"):
        return Outbound(
            text,
            request=Request.LOCATION,
            request_label=ctx._("Send my location"),
            skip_label=ctx._("Skip") if optional else "",
        )
    if question.type == "acknowledge":
        return Outbound(text, (button(slot, "ok", ctx._("OK")),))
    if question.type == "range":
        return _range(ctx, runner, slot, text, current, optional)
    return _select(ctx, runner, slot, text, current, optional, selected)


def _instruction(ctx: Context, question: Question) -> str:
    if question.type == "range" and not _range_buttons(question):
        params = question.parameters
        return ctx._(RANGE_PROBLEM).format(start=params["start"], end=params["end"])
    if takes_voice(question):
        return ctx._(VOICE_WELCOME)
    found = INSTRUCTIONS.get(question.type)
    return ctx._(found) if found else ""


def _free_buttons(
    ctx: Context, runner: Runner, slot: Slot, current: str | None, optional: bool
) -> list[Choice]:
    out = []
    # Keep / Use only a value the question still takes (other answers may have changed).
    if current is not None:
        if runner.accepts(slot, current):
            shown = display(ctx, runner, slot, current)
            out.append(button(slot, "keep", ctx._("Keep: {answer}").format(answer=shown)))
    elif (default := runner.default(slot)) is not None and runner.accepts(slot, default):
        shown = display(ctx, runner, slot, default)
        out.append(button(slot, "keep", ctx._("Use: {answer}").format(answer=shown)))
    if optional:
        out.append(button(slot, "skip", ctx._("Skip")))
    return out


def _range_buttons(question: Question) -> list[str]:
    steps = range_steps(question)
    if not 0 < len(steps) <= MAX_RANGE_BUTTONS:
        return []
    return [format(s.normalize(), "f") if s != s.to_integral() else str(int(s)) for s in steps]


def _range(
    ctx: Context, runner: Runner, slot: Slot, text: str, current: str | None, optional: bool
) -> Outbound:
    values = _range_buttons(slot.question)
    if not values:
        return Outbound(text, tuple(_free_buttons(ctx, runner, slot, current, optional)))
    choices = [button(slot, f"r{i}", value) for i, value in enumerate(values)]
    if optional:
        choices.append(button(slot, "skip", ctx._("Skip")))
    ticked = {choices[values.index(current)].id} if current in values else set()
    return Outbound(text, tuple(choices), columns=min(len(values), 6),
                    selected=frozenset(ticked))  # fmt: skip


def select_buttons(ctx: Context, runner: Runner, slot: Slot) -> list[tuple[str, Choice]]:
    """(choice name, button) for the choices shown, "other" last when the form adds it."""
    question = slot.question
    multiple = question.type in ("select_multiple", "rank")
    out = []
    for i, choice in runner.choices(slot):
        label = choice_label(choice, ctx.language, runner.form.default_language)
        out.append((choice.name, button(slot, f"{'t' if multiple else 'c'}{i}", label)))
    if question.or_other:
        out.append((OTHER, button(slot, "to" if multiple else "co", other_label(ctx))))
    return out


def _select(
    ctx: Context,
    runner: Runner,
    slot: Slot,
    text: str,
    current: str | None,
    optional: bool,
    selected: list[str] | None,
) -> Outbound:
    pairs = select_buttons(ctx, runner, slot)
    rank = slot.question.type == "rank"
    multiple = rank or slot.question.type == "select_multiple"
    order = list(selected if selected is not None else (current or "").split())
    ticked = frozenset(b.id for name, b in pairs if name in order)
    if rank:  # the place each pressed choice got: "1. Water"
        pairs = [(n, replace(b, label=_short(f"{order.index(n) + 1}. {b.label}")))
                 if n in order else (n, b) for n, b in pairs]  # fmt: skip
    choices = [b for _, b in pairs]
    if multiple:
        choices.append(button(slot, "done", ctx._.pgettext("action", "Done")))
    if optional and (rank or not multiple):
        choices.append(button(slot, "skip", ctx._("Skip")))
    if not pairs:
        text += "\n" + ctx._("(There is nothing to choose from here.)")
    wide = any(len(b.label) > 16 for b in choices)
    return Outbound(text, tuple(choices), columns=1 if wide else 2, selected=ticked)


def _another(ctx: Context, runner: Runner, slot: Slot) -> Outbound:
    labels = slot.repeat.labels
    item = localized(labels, ctx.language, runner.form.default_language) or slot.repeat.name
    lines = [
        heading(ctx, runner, slot),
        ctx._("Add another: {item} {number}?").format(item=item, number=slot.round),
    ]
    if runner.answered_another(slot):  # reached by /back: "no" undoes that round
        lines.append(
            ctx._("You said yes. “No, go on” removes {item} {number} and its answers.").format(
                item=item, number=slot.round
            )
        )
    return Outbound(
        "\n".join(line for line in lines if line),
        (button(slot, "yes", ctx._("Yes, add")), button(slot, "no", ctx._("No, go on"))),
        columns=2,
    )
