"""/results KEY and /export KEY for CDAs (SPEC §5), scoped to the clusters they manage.

Both read every answer of a survey and render a chart or a workbook, which takes far
longer than a turn may hold the writer: the turn only checks access and writes the audit
entry; the work is a `ctx.reply_later` build that the engine runs after the commit on
the reader connection.
"""

from __future__ import annotations

import io
import sqlite3

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, Translator
from bot.messages import Choice, Media, Outbound
from bot.storage import surveys as store
from bot.storage.surveys import Survey
from bot.surveys.answers import choice_label
from bot.surveys.charts import chart
from bot.surveys.export import export_xlsx
from bot.surveys.model import localized
from bot.surveys.results import Results, results

FLOW = "survey_admin"
MAX_CHOICE_LINES = 12


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


def _title(survey: Survey, language: str, conn: sqlite3.Connection) -> str:
    titles = survey.form(conn).titles
    return localized(titles, language, survey.languages[0]) or survey.title


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


def show_results(ctx: Context, survey: Survey) -> None:
    scope, _ = ctx.access.managed, ctx._

    def build(conn: sqlite3.Connection) -> list[Outbound]:
        found = results(conn, survey, scope)
        title = _title(survey, _.language, conn)
        text = results_text(_, found, title)
        subtitle = summary_line(_, found)
        png = chart(found, _.language, title, subtitle)
        replies = [Outbound(text)]
        if png is not None:
            replies.append(Outbound(title, media=Media("photo", f"{survey.key}.png", png)))
        return replies

    ctx.reply_later(build, _("Sorry, the results could not be prepared. Please try again."))


def summary_line(_: Translator, found: Results) -> str:
    return _("Responses: {responses} · completed: {completed} ({rate})").format(
        responses=_.number(found.responses),
        completed=_.number(found.completed),
        rate=f"{100 * found.completion_rate:.0f}%",
    )


def results_text(_: Translator, found: Results, title: str) -> str:
    default = found.survey.languages[0] if found.survey.languages else "en"
    lines = [
        f"📊 {title}",
        summary_line(_, found),
    ]
    if found.titles:  # settings `instance_name`: each response's title
        lines.append(_("Latest: {titles}").format(titles=", ".join(found.titles)))
    for result in found.questions:
        if not result.answered:
            continue
        question = result.question
        label = localized(question.labels, _.language, default) or question.name
        spread = result.spread()
        if result.counts:
            lines += ["", f"{label} ({_.number(result.answered)})"]
            for name in result.choice_order[:MAX_CHOICE_LINES]:
                choice = next((c for c in question.choices if c.name == name), None)
                shown = choice_label(choice, _.language, default) if choice else _("Other")
                count = result.counts[name]
                lines.append(f"  {shown}: {_.number(count)} ({100 * count / result.answered:.0f}%)")
        elif spread is not None:
            low, median, high = (_.number(round(v, 2)) for v in spread)
            lines += ["", label, "  " + _("min {min} · median {median} · max {max}").format(
                min=low, median=median, max=high)]  # fmt: skip
        else:
            lines += ["", f"{label}: " + _("{count} answers").format(
                count=_.number(result.answered))]  # fmt: skip
    if not found.responses:
        lines += ["", _("No answers yet.")]
    return "\n".join(lines)


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
