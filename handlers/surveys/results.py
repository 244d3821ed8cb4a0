"""/results KEY and /export KEY for CDAs (SPEC §5), scoped to the clusters they manage.

Both read every answer of a survey and render a chart or a workbook, which takes far
longer than a turn may hold the writer: the turn only checks access and writes the audit
entry; the work is a `ctx.reply_later` build that the engine runs after the commit on
the reader connection.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot.commands import Audience, command, find_flow, flow
from bot.engine import Build, Context, Later
from bot.i18n import N_, Translator
from bot.messages import Choice, Media, Outbound
from bot.storage import clusters, rounds
from bot.storage import surveys as store
from bot.storage.surveys import Survey
from bot.surveys import change_text
from bot.surveys.change import change, comparable
from bot.surveys.charts import chart
from bot.surveys.export import export_xlsx, forms_of
from bot.surveys.model import localized
from bot.surveys.results import TEXTS, Results, questions_of, results, split, within
from bot.vocabulary import GENDERS, ROLES
from handlers.people import menu
from handlers.surveys.results_view import (
    fit,
    label_of,
    question_text,
    results_text,
    short,
    split_question_text,
    split_summary_text,
    summary_line,
    summary_text,
)

FLOW = "survey_admin"
STEP = f"{FLOW}.results"
P = "svr"  # /results buttons: svr:<action>:<arguments>:<survey key>
PAGE = 7  # questions a page: with Previous, Next and Summary, WhatsApp's 10 list rows
VIEWS = {"g": "gender", "r": "role"}  # "a": all together, "o": the open round only
ROUNDS_FLOW = "survey_round"  # opening a new round: handlers/surveys/rounds.py
NEW_ROUND = "svn:new:"  # + survey key: the "New round" button, taken by ROUNDS_FLOW
__all__ = ["results_text", "summary_line"]


def managed(ctx: Context) -> list[Survey]:
    """Surveys this CDA may read: for every cluster, or for one of theirs; none for anyone
    who is not (or no longer) a CDA, whatever buttons they were offered before."""
    if not ctx.access.cda:
        return []
    return [
        s
        for s in store.all_current(ctx.conn)
        if s.cluster_id is None or ctx.access.may_manage(s.cluster_id)
    ]


def opens_rounds(ctx: Context, survey: Survey) -> bool:
    """May this CDA open a new round of `survey`? A round asks people again, so only for a
    survey of their own cluster, or for an all-cluster survey when they are CDA of every
    cluster (reading its results needs less: their clusters' share of it)."""
    if not ctx.access.cda:
        return False
    if survey.cluster_id is not None:
        return ctx.access.may_manage(survey.cluster_id)
    mine = ctx.access.managed
    return mine is None or all(c.id in mine for c in clusters.all_clusters(ctx.conn))


def _title(survey: Survey, language: str, conn: sqlite3.Connection) -> str:
    titles = survey.form(conn).titles
    return localized(titles, language, survey.languages[0]) or survey.title


title_of = _title


def _pick(ctx: Context, action: str) -> None:
    found = managed(ctx)
    if not found:
        ctx.end()
        ctx.reply(ctx._("There are no surveys yet. Import one with: clusterbot survey import FILE"))
        return
    ctx.go(FLOW, f"{FLOW}.pick")
    ctx.reply(
        ctx._("Which survey?"),
        [Choice(f"sva:{action}:{s.key}", _title(s, ctx.language, ctx.conn)[:60]) for s in found],
    )


def _find(ctx: Context, key: str) -> Survey | None:
    survey = next((s for s in managed(ctx) if s.key.casefold() == key.casefold()), None)
    if survey is None:
        ctx.reply(ctx._("There is no survey called {key} for your clusters.").format(key=key[:40]))
    return survey


@command("results", N_("Survey results"), Audience.CDA, takes_code=True)
def results_command(ctx: Context) -> None:
    key = ctx.inbound.command_args.split()[0] if ctx.inbound.command_args else ""
    if not key:
        _pick(ctx, "res")
    elif survey := _find(ctx, key):
        show_results(ctx, survey)


@command("export", N_("Survey answers as a spreadsheet"), Audience.CDA, takes_code=True)
def export_command(ctx: Context) -> None:
    key = ctx.inbound.command_args.split()[0] if ctx.inbound.command_args else ""
    if not key:
        _pick(ctx, "exp")
    elif survey := _find(ctx, key):
        send_export(ctx, survey)


@flow(FLOW)
def on_input(ctx: Context) -> None:
    if ctx.inbound.choice.startswith(f"{P}:"):
        on_results_press(ctx)
        return
    opening = find_flow(ROUNDS_FLOW)
    if ctx.inbound.choice.startswith(NEW_ROUND) and opening is not None:
        opening.on_input(ctx)
        return
    if ctx.conv is not None and ctx.conv.step == STEP and not ctx.inbound.choice:
        menu.leave_flow(ctx)  # words typed under the results: what they can do
        return
    action, _, key = ctx.inbound.choice.removeprefix("sva:").partition(":")
    survey = next((s for s in managed(ctx) if s.key == key), None)
    if not ctx.inbound.choice.startswith("sva:") or survey is None:
        ctx.end()
        ctx.reply(ctx._("Please send /results or /export again."))
        return
    ctx.end()
    if action == "res":
        show_results(ctx, survey)
    else:
        send_export(ctx, survey)


def show_results(ctx: Context, survey: Survey, view: str = "a") -> None:
    """The first screen (or the same per gender / per role, or for the open round only),
    with the buttons."""
    scope, _, media_root = ctx.access.managed, ctx._, ctx.settings.media_root
    ref = _ref(survey)
    taken = rounds.of_key(ctx.conn, survey.key)
    view = view if view != "o" or len(taken) > 1 else "a"
    choices = [Choice(f"{P}:l:0:{ref}", _("Questions")), Choice(f"{P}:c:{ref}", _("Chart")),
               *_views(_, view, lambda v: f"{P}:s:{v}:{ref}", len(taken))]  # fmt: skip
    if len(taken) > 1 and rounds.indicators(ctx.conn, survey.key):
        choices.insert(2, Choice(f"{P}:d:1:{len(taken)}:{ref}", _("Change per enterprise")))
    if opens_rounds(ctx, survey):
        choices.append(Choice(f"{NEW_ROUND}{ref}", _("New round")))
    only = _open_round(taken) if view == "o" else None

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        round_id = only.id if only else None
        found = results(conn, survey, scope, media_root, round_id)
        title = _title(survey, _.language, conn)
        if only is not None:
            title = f"{title} · {round_name(_, only)}"
        if view in VIEWS:
            groups = split(conn, survey, VIEWS[view], scope, media_root)
            text = split_summary_text(_, found, _ordered(groups, VIEWS[view]), VIEWS[view], title)
        else:
            text = summary_text(_, found, title)
        return [Outbound(text, tuple(choices))]

    _later(ctx, build, choices, _("Sorry, the results could not be prepared. Please try again."))


def show_chart(ctx: Context, survey: Survey) -> None:
    """The chart of the choice questions, only when asked for."""
    scope, _, media_root = ctx.access.managed, ctx._, ctx.settings.media_root
    ref = _ref(survey)
    choices = [Choice(f"{P}:l:0:{ref}", _("Questions")), Choice(f"{P}:s:a:{ref}", _("Summary"))]

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        found = results(conn, survey, scope, media_root)
        title = _title(survey, _.language, conn)
        png = chart(found, _.language, title, summary_line(_, found))
        if png is None:
            return [Outbound(_("No choice question has answers yet: there is no chart."),
                             tuple(choices))]  # fmt: skip
        return [Outbound(title, tuple(choices), media=Media("photo", f"{survey.key}.png", png))]

    _later(ctx, build, choices, _("Sorry, the chart could not be prepared. Please try again."))


def show_questions(ctx: Context, survey: Survey, page: int) -> None:
    """One page of the questions, each a button: WhatsApp's list holds 10 rows, so PAGE
    questions with Previous / Next / Summary. Built in the turn (no answer is read)."""
    _, ref = ctx._, _ref(survey)
    questions = questions_of(forms_of(ctx.conn, survey.key))
    pages = max((len(questions) + PAGE - 1) // PAGE, 1)
    page = max(0, min(page, pages - 1))
    default = survey.languages[0] if survey.languages else "en"
    choices = [
        Choice(
            f"{P}:q:{i}:a:{ref}",
            short(f"{_.number(i + 1)}. {label_of(q, _.language, default)}"),
            short=_.pgettext("button", "Question {number}").format(number=_.number(i + 1)),
        )
        for i, q in enumerate(questions[page * PAGE : (page + 1) * PAGE], start=page * PAGE)
    ]
    if page > 0:
        choices.append(Choice(f"{P}:l:{page - 1}:{ref}", _("Previous")))
    if page < pages - 1:
        choices.append(Choice(f"{P}:l:{page + 1}:{ref}", _("Next")))
    choices.append(Choice(f"{P}:s:a:{ref}", _("Summary")))
    ctx.go(FLOW, STEP)
    text = _("{title}: which question? (page {page} of {pages})").format(
        title=_title(survey, _.language, ctx.conn), page=_.number(page + 1), pages=_.number(pages)
    )
    ctx.reply(text, choices)


def show_question(ctx: Context, survey: Survey, index: int, view: str = "a") -> None:
    """One question, for everyone or per gender / per role."""
    scope, _, media_root, ref = ctx.access.managed, ctx._, ctx.settings.media_root, _ref(survey)
    questions = questions_of(forms_of(ctx.conn, survey.key))
    if not 0 <= index < len(questions):
        show_questions(ctx, survey, 0)
        return
    name, kind = questions[index].name, questions[index].type
    show_text = ctx.access.cda  # free text and voice notes: a CDA only, never an observer
    choices = _views(_, view, lambda v: f"{P}:q:{index}:{v}:{ref}")
    if show_text and kind in TEXTS:
        choices.append(Choice(f"{P}:v:{index}:{ref}", _("Voice answers")))
    choices += [Choice(f"{P}:l:{index // PAGE}:{ref}", _("Questions")),
                Choice(f"{P}:s:a:{ref}", _("Summary"))]  # fmt: skip
    position = f"{_.number(index + 1)}/{_.number(len(questions))}"

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        found = results(conn, survey, scope, media_root)
        if view in VIEWS:
            groups = _ordered(split(conn, survey, VIEWS[view], scope, media_root), VIEWS[view])
            text = split_question_text(_, found, groups, VIEWS[view], name, position)
        else:
            text = question_text(_, found, name, show_text=show_text, position=position)
        return [Outbound(text, tuple(choices))]

    _later(ctx, build, choices, _("Sorry, the results could not be prepared. Please try again."))


def send_voices(ctx: Context, survey: Survey, index: int) -> None:
    """The latest voice answers to a question, as audio to listen to (a CDA only)."""
    scope, _, media_root, ref = ctx.access.managed, ctx._, ctx.settings.media_root, _ref(survey)
    questions = questions_of(forms_of(ctx.conn, survey.key))
    if not ctx.access.cda or not 0 <= index < len(questions):
        show_questions(ctx, survey, 0)
        return
    name = questions[index].name
    choices = [Choice(f"{P}:q:{index}:a:{ref}", _("Back")), Choice(f"{P}:s:a:{ref}", _("Summary"))]

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        found = results(conn, survey, scope, media_root).question(name)
        files = [p for p in (found.voices if found else []) if within(p, media_root)]
        playable = [(p, Path(p)) for p in files if Path(p).is_file()]
        if not playable:
            return [Outbound(_("No voice answers to this question yet."), tuple(choices))]
        caption = _("Voice answer {n} of {total}")
        total = _.number(len(playable))
        out = [
            Outbound(
                caption.format(n=_.number(n), total=total),
                media=Media("audio", path.name, path.read_bytes()),
            )
            for n, (_p, path) in enumerate(playable, start=1)
        ]
        out.append(Outbound(_("The latest voice answers, newest first."), tuple(choices)))
        return out

    ctx.audit("survey.voices", subject=survey.key, question=name)
    _later(ctx, build, choices, _("Sorry, the voice answers could not be sent. Please try again."))


def show_change(ctx: Context, survey: Survey, first: int, last: int) -> None:
    """Change per enterprise between two rounds (1-based), for the CDA's clusters; buttons
    compare the latest round with each other earlier one (issue 18)."""
    scope, _ = ctx.access.managed, ctx._
    ref = _ref(survey)
    taken = rounds.of_key(ctx.conn, survey.key)
    if not (1 <= first <= len(taken) and 1 <= last <= len(taken)) or first == last:
        ctx.end()
        ctx.reply(_("Please send /results or /export again."))
        return
    latest = len(taken)
    choices = [
        Choice(f"{P}:d:{n}:{latest}:{ref}", _("Since {round}").format(round=round_name(_, r)))
        for n, r in enumerate(taken[:-1], start=1)
        if (n, latest) != (first, last)
    ][:3]
    choices.append(Choice(f"{P}:s:a:{ref}", _("Summary")))
    before, after = taken[first - 1], taken[last - 1]

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        names = rounds.indicators(conn, survey.key)
        nodes = comparable(forms_of(conn, survey.key))
        found = change(conn, survey.key, before, after, nodes, names, scope)
        title = _title(survey, _.language, conn)
        text = change_text.report(_, title, round_name(_, before), round_name(_, after), found)
        return [Outbound(fit(text), tuple(choices))]

    _later(ctx, build, choices, _("Sorry, the results could not be prepared. Please try again."))


round_name = change_text.round_label


def _open_round(taken: list[rounds.Round]) -> rounds.Round | None:
    """The round new answers join (the latest when every round was closed)."""
    return next((r for r in reversed(taken) if r.open), taken[-1] if taken else None)


def _views(_: Translator, view: str, make: Callable[[str], str], taken: int = 0) -> list[Choice]:
    """The other ways to see the same figures: all together, by gender, by role, and the
    open round only once a survey has more than one round."""
    labels = {"a": _("All together"), "g": _("Split by gender"), "r": _("Split by role")}
    if taken > 1:
        labels["o"] = _("This round only")
    return [Choice(make(v), label) for v, label in labels.items() if v != view]


def _ordered(groups: dict[str, Results], by: str) -> dict[str, Results]:
    """Groups in the order people are offered them (bot/vocabulary.py), "not given" last."""
    order = list(GENDERS if by == "gender" else ROLES)
    return dict(sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order
                       else len(order) + (not kv[0])))  # fmt: skip


def _ref(survey: Survey) -> str:
    """The survey in a button id: its key (at most 40 ASCII characters, no colon: the
    loader's slug), so the longest id, svr:q:NNN:a:KEY, stays within 64 bytes."""
    return survey.key


def _later(ctx: Context, build: Build, choices: list[Choice], fallback: str) -> None:
    """A reply built after the turn whose buttons are known now: typed numbers press them."""
    ctx.go(FLOW, STEP)
    ctx.out.append(Later(text=fallback, choices=tuple(choices), build=build))


def on_results_press(ctx: Context) -> None:
    """A press of a /results button: svr:<action>:<arguments>:<survey>."""
    parts = ctx.inbound.choice.split(":")
    action = parts[1] if len(parts) > 2 else ""
    ref = parts[-1]
    survey = next((s for s in managed(ctx) if s.key == ref), None)
    args = parts[2:-1]
    if survey is None or not all(a.isdigit() or a in ("a", "g", "r", "o") for a in args):
        ctx.end()
        ctx.reply(ctx._("Please send /results or /export again."))
        return
    numbers = [int(a) for a in args if a.isdigit()]
    if action == "s" and args:
        show_results(ctx, survey, args[0])
    elif action == "c":
        show_chart(ctx, survey)
    elif action == "d" and len(numbers) == 2:
        show_change(ctx, survey, numbers[0], numbers[1])
    elif action == "l" and numbers:
        show_questions(ctx, survey, numbers[0])
    elif action == "q" and len(args) == 2 and numbers:
        show_question(ctx, survey, numbers[0], args[1])
    elif action == "v" and numbers:
        send_voices(ctx, survey, numbers[0])
    else:
        ctx.end()
        ctx.reply(ctx._("Please send /results or /export again."))


def send_export(ctx: Context, survey: Survey) -> None:
    scope, _ = ctx.access.managed, ctx._
    ctx.audit("survey.export", subject=survey.key, format="xlsx")

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        buffer = io.BytesIO()
        export_xlsx(conn, survey.key, buffer, scope)
        caption = _("All answers to “{title}”, one row per response.").format(
            title=_title(survey, _.language, conn)
        )
        return [Outbound(caption, media=Media("document", f"{survey.key}.xlsx", buffer.getvalue()))]

    ctx.reply_later(build, _("Sorry, the spreadsheet could not be prepared. Please try again."))
