"""The dashboard's survey pages: per question the counts of each choice, or the median of the
numbers, for everyone and per gender or per role — the figures of bot/surveys/results.py,
the code /results uses.

Counts and medians only, for CDAs and observers alike: no free-text answer, voice note,
photo, place or response title (`instance_name` may hold a name) ever reaches these pages;
a text question shows how many answered it. The downloads with every answer are in
dashboard.py, for the cluster's CDAs.
"""

from __future__ import annotations

import statistics
import zipfile
from io import BytesIO
from pathlib import Path
from sqlite3 import Connection
from tempfile import TemporaryDirectory

from bot.i18n import Translator
from bot.reports.indicators import Share
from bot.reports.labels import percent, share_text
from bot.storage import surveys as store
from bot.storage.surveys import Survey
from bot.surveys.export import export_csv, export_xlsx
from bot.surveys.labels import choice_text, default_language, group_label, label_of
from bot.surveys.results import CHOICES, NUMBERS, QuestionResult, Results, results, split
from bot.web import svg
from bot.web.blocks import Block, Cell, Figure, Section, Table, chart

SPLITS = {"gender": "Gender", "role": "Role"}  # msgids of the workbook's column heads


def visible(conn: Connection, cluster_id: int, key: str) -> Survey | None:
    """The survey `key` if this cluster's people can answer it (every cluster's or theirs)."""
    found = store.current(conn, key)
    if found is None or found.cluster_id not in (None, cluster_id):
        return None
    return found


def figures(
    conn: Connection, survey: Survey, cluster_id: int, by: str
) -> tuple[Results, dict[str, Results]]:
    scope = frozenset({cluster_id})
    return results(conn, survey, scope), split(conn, survey, by, scope)


def _median(_: Translator, numbers: list[float]) -> str:
    return _.number(round(statistics.median(numbers), 2)) if numbers else "–"


def sections(
    _: Translator, found: Results, groups: dict[str, Results], by: str
) -> list[Section]:
    default = default_language(found)
    names = [group_label(_, by, key) for key in groups]
    summary = Section(
        _("Responses"),
        figures=[
            Figure("responses", _("Responses"), _.number(found.responses)),
            Figure("completed", _("Completed"), share_text(_, Share(found.completed,
                                                                     found.responses))),
        ],
    )  # fmt: skip
    rows: list[list[Cell]] = [
        [group_label(_, by, key), _.number(g.responses), _.number(g.completed)]
        for key, g in groups.items()
    ]
    if rows:
        head = _(SPLITS[by])
        summary.blocks.append(
            Block(Table(head, [head, _("Responses"), _("Completed")], rows))
        )
    else:
        summary.notes.append(_("No answers yet."))
    questions = Section(_("Questions"))
    for r in found.questions:
        questions.blocks.append(_question(_, r, groups, names, default))
    return [summary, questions]


def _question(
    _: Translator, r: QuestionResult, groups: dict[str, Results], names: list[str], default: str
) -> Block:
    title = label_of(r.question, _.language, default)
    parts = [g.question(r.question.name) for g in groups.values()]
    answered = _("{count} answers").format(count=_.number(r.answered))
    if r.question.type in CHOICES and r.counts:
        rows: list[list[Cell]] = []
        bars = []
        for name in r.choice_order:
            shown = choice_text(_, r, name, default)
            count = r.counts[name]
            total = f"{_.number(count)} ({percent(_, Share(count, r.answered))})"
            rows.append(
                [shown, total, *(_.number(p.counts.get(name, 0) if p else 0) for p in parts)]
            )
            bars.append(svg.Bar(shown, r.counts[name], _.number(r.counts[name])))
        note = answered
        if r.question.type == "select_multiple":
            note += " " + _("(one person may tick several)")
        return Block(Table(title, [_("Answer"), _("Total"), *names], rows),
                     chart(svg.bar_chart(title, bars)), note)  # fmt: skip
    if r.question.type in NUMBERS and r.numbers:
        rows = [[_("Total"), _.number(len(r.numbers)), _median(_, r.numbers)]]
        rows += [
            [name, _.number(len(p.numbers) if p else 0), _median(_, p.numbers if p else [])]
            for name, p in zip(names, parts, strict=True)
        ]
        return Block(Table(title, ["", _("Answers"), _("Median")], rows))
    # free text, voice, photos, places, dates: how many answered, never what
    return Block(Table(title, ["", _("Answers")], [[_("Total"), _.number(r.answered)]]))


def xlsx(conn: Connection, key: str, cluster_id: int) -> bytes:
    """The chat's /export workbook (bot/surveys/export.py) of this cluster's responses."""
    buffer = BytesIO()
    export_xlsx(conn, key, buffer, frozenset({cluster_id}))
    return buffer.getvalue()


def csv_download(conn: Connection, key: str, cluster_id: int) -> tuple[bytes, str]:
    """(body, content type): the CSV, or a zip of it and one CSV per repeat group, as
    `clusterbot survey export` writes them."""
    with TemporaryDirectory() as folder:
        written = export_csv(conn, key, Path(folder) / f"{key}.csv", frozenset({cluster_id}))
        if len(written) == 1:
            return written[0].read_bytes(), "text/csv"
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, path.name)
        return buffer.getvalue(), "application/zip"
