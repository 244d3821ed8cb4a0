"""The words of `/results` (pure: a Translator and the figures of bot/surveys/results.py in,
text out), written for a phone: the reader's language, labels never internal names,
Indian digit grouping through Babel, every message within Telegram's 4,096 characters.
"""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.limits import TELEGRAM_MAX_TEXT
from bot.surveys.labels import choice_text as _choice
from bot.surveys.labels import default_language as _default
from bot.surveys.labels import group_label, label_of
from bot.surveys.results import CHOICES, NUMBERS, TEXTS, QuestionResult, Results, striking

MAX_CHOICE_LINES = 8  # top choices of one question
SPLIT_TOP = 3  # top choices per group when split
MAX_TEXT_CHARS = 300  # one free-text answer, as shown
LABEL_CHARS = 60  # a question as a button or list row (WhatsApp shows 72 under a row)

BY = {"gender": N_("by gender"), "role": N_("by role")}
__all__ = ["group_label", "label_of"]  # /results imports them from here


def short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit * 0.6 else limit - 1].rstrip(" ,;:-·?") + "…"


def fit(text: str, limit: int = TELEGRAM_MAX_TEXT - 96) -> str:
    """Whole lines within `limit` characters, "…" for what is left out (a margin below
    Telegram's 4,096: it counts UTF-16 units, and an emoji is two)."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 2
    for line in text.split("\n"):
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, "…"])


def percent(_: Translator, part: float, whole: float) -> str:
    return f"{_.number(round(100 * part / whole))}%" if whole else "—"


def summary_line(_: Translator, found: Results) -> str:
    return _("Responses: {responses} · completed: {completed} of {responses} ({rate})").format(
        responses=_.number(found.responses),
        completed=_.number(found.completed),
        rate=percent(_, found.completed, found.responses),
    )


def _spread(_: Translator, r: QuestionResult) -> str:
    low, median, high = (_.number(round(v, 2)) for v in r.spread() or (0, 0, 0))
    if low == high:  # one value, or all alike: no range to speak of
        return _("median {median} · {count} answers").format(
            median=median, count=_.number(len(r.numbers))
        )
    return _("median {median} (range {min}–{max}) · {count} answers").format(
        median=median, min=low, max=high, count=_.number(len(r.numbers))
    )


def headline(_: Translator, r: QuestionResult, default: str) -> str:
    """One striking question in one line."""
    label = label_of(r.question, _.language, default)
    if r.counts:
        top = r.top[0]
        return _("{question}: {choice} — {count} of {answered} ({share})").format(
            question=label, choice=_choice(_, r, top, default),
            count=_.number(r.counts[top]), answered=_.number(r.answered),
            share=percent(_, r.counts[top], r.answered),
        )  # fmt: skip
    return f"{label}: {_spread(_, r)}"


def summary_text(_: Translator, found: Results, title: str) -> str:
    """The first screen: responses, completion and the three most striking questions."""
    default = _default(found)
    lines = [f"📊 {title}", summary_line(_, found)]
    if found.titles:  # settings `instance_name`: each response's title
        lines.append(_("Latest: {titles}").format(titles=", ".join(found.titles)))
    top = striking(found)
    if top:
        lines += ["", _("Most striking answers:")]
        lines += [f"{n}. {headline(_, r, default)}" for n, r in enumerate(top, start=1)]
    if not found.responses:
        lines += ["", _("No answers yet.")]
    else:
        lines += ["", _("Open a question for all its answers, or split them by gender or role.")]
    return fit("\n".join(lines))


# Kept for callers that render the whole summary (tests, the instance-name check).
results_text = summary_text


def split_summary_text(
    _: Translator, found: Results, groups: dict[str, Results], by: str, title: str
) -> str:
    """The first screen per gender or per role: each group's responses and completion, and
    each striking question's top answer as chosen in each group."""
    default = _default(found)
    lines = [f"📊 {title} — {_(BY[by])}", summary_line(_, found), ""]
    for key, group in groups.items():
        lines.append(f"{group_label(_, by, key)}: " + _(
            "responses {responses} · completed {completed} ({rate})").format(
            responses=_.number(group.responses), completed=_.number(group.completed),
            rate=percent(_, group.completed, group.responses)))  # fmt: skip
    for n, r in enumerate(striking(found), start=1):
        lines += ["", f"{n}. {headline(_, r, default)}"]
        for key, group in groups.items():
            part = group.question(r.question.name)
            if part is None or not part.answered:
                continue
            lines.append(f"   {group_label(_, by, key)}: {_figure(_, r, part, default)}")
    if not found.responses:
        lines += ["", _("No answers yet.")]
    return fit("\n".join(lines))


def _figure(_: Translator, whole: QuestionResult, part: QuestionResult, default: str) -> str:
    """A group's figure for a striking question: the share choosing the overall top answer,
    or the group's median and range."""
    if whole.counts:
        top = whole.top[0]
        return _("{count} of {answered} ({share})").format(
            count=_.number(part.counts.get(top, 0)), answered=_.number(part.answered),
            share=percent(_, part.counts.get(top, 0), part.answered))  # fmt: skip
    if part.numbers:
        return _spread(_, part)
    return _("{count} answers").format(count=_.number(part.answered))


def question_text(
    _: Translator, found: Results, name: str, *, show_text: bool, position: str
) -> str:
    """One question: its top choices with counts and shares, its numbers as median and
    range, its latest free-text answers (only when `show_text`: a CDA, never an observer)
    and how many voice answers there are to listen to."""
    default = _default(found)
    r = found.question(name)
    if r is None:
        return _("That question is no longer in the survey.")
    lines = [f"{position} {label_of(r.question, _.language, default)}"]
    if not r.answered:
        return "\n".join([*lines, _("No answers yet.")])
    lines.append(_("{count} answers").format(count=_.number(r.answered)))
    if r.question.type in CHOICES:
        for choice in r.top[:MAX_CHOICE_LINES]:
            lines.append("• " + _("{choice}: {count} ({share})").format(
                choice=_choice(_, r, choice, default), count=_.number(r.counts[choice]),
                share=percent(_, r.counts[choice], r.answered)))  # fmt: skip
        if len(r.top) > MAX_CHOICE_LINES:
            lines.append(_("… and {count} more choices").format(
                count=_.number(len(r.top) - MAX_CHOICE_LINES)))  # fmt: skip
        if r.question.type == "select_multiple":
            lines.append(_("(one person may tick several)"))
    elif r.question.type in NUMBERS and r.numbers:
        lines.append(_spread(_, r))
    elif r.question.type in TEXTS and show_text and r.texts:
        lines += ["", _("Latest answers:")]
        lines += [f"• {short(t, MAX_TEXT_CHARS)}" for t in r.texts]
    if r.voices and show_text:
        lines += ["", _("Voice answers: {count}. Press “Voice answers” to listen to the latest.")
                  .format(count=_.number(len(r.voices)))]  # fmt: skip
    return fit("\n".join(lines))


def split_question_text(
    _: Translator, found: Results, groups: dict[str, Results], by: str, name: str,
    position: str,
) -> str:  # fmt: skip
    """One question per gender or per role: each group's count and its top choices, or its
    median and range. Free text is never split (it is shown whole, to a CDA only)."""
    default = _default(found)
    r = found.question(name)
    if r is None:
        return _("That question is no longer in the survey.")
    lines = [f"{position} {label_of(r.question, _.language, default)} — {_(BY[by])}"]
    if not r.answered:
        return "\n".join([*lines, _("No answers yet.")])
    for key, group in groups.items():
        part = group.question(name)
        if part is None or not part.answered:
            continue
        who = group_label(_, by, key)
        if part.counts:
            tops = " · ".join(
                f"{_choice(_, part, c, default)} {_.number(part.counts[c])} "
                f"({percent(_, part.counts[c], part.answered)})"
                for c in part.top[:SPLIT_TOP]
            )
            lines.append(f"{who} ({_.number(part.answered)}): {tops}")
        elif part.numbers:
            lines.append(f"{who}: {_spread(_, part)}")
        else:
            lines.append(f"{who}: " + _("{count} answers").format(count=_.number(part.answered)))
    return fit("\n".join(lines))
