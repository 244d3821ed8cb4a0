"""The renderers only render indicator results: limits in every language, zeros shown,
Indian number formatting, and the same vocabulary as the rest of the bot."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.limits import TELEGRAM_MAX_TEXT
from bot.reports import indicators as ind
from bot.reports.charts import report_chart, report_figure
from bot.reports.indicators import Share
from bot.reports.labels import GENDER_LABELS, ROLE_LABELS, rupees, share_text
from bot.reports.text import report_text
from bot.storage.db import connect_sync, migrate
from handlers.common import GENDERS, ROLES
from tests.reports.fixture import BAGRU, populate
from tests.reports.test_indicators import ALL, QUARTER


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "render.db")
    migrate(connection)
    populate(connection)
    connection.commit()
    yield connection
    connection.close()


def test_labels_are_the_bots_own_vocabulary() -> None:
    assert {k: v for k, v in ROLE_LABELS.items() if k != "unknown"} == ROLES
    assert {k: v for k, v in GENDER_LABELS.items() if k != "unknown"} == GENDERS


def test_numbers_use_indian_grouping_and_keep_counts() -> None:
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        assert rupees(_, 1_23_45_678_00) == "₹1,23,45,678"
        assert "1,00,000" in share_text(_, Share(1_00_000, 2_00_000))
        assert "50%" in share_text(_, Share(1_00_000, 2_00_000))
    assert share_text(translator("en"), Share(0, 0)) == "0 of 0 (–)"  # never a made-up 0%


def test_text_fits_one_telegram_message_in_every_language(conn: sqlite3.Connection) -> None:
    # A busy cluster: 60 events and 30 surveys with long titles in the period.
    long = "Exposure visit to the natural dye houses of Sanganer and Bagru " * 3
    for i in range(60):
        conn.execute(
            "INSERT INTO events (cluster_id, kind, title, starts_at, status, created_by,"
            " created_at, updated_at) VALUES (1, 'meeting', ?, ?, 'scheduled', 'x', 'x', 'x')",
            (f"{i} {long}", f"2026-10-{1 + i % 28:02d}T06:00:00+00:00"),
        )
    for i in range(30):
        conn.execute(
            "INSERT INTO surveys (key, version, title, cluster_id, form, form_sha, languages,"
            " question_count, imported_at) VALUES (?, '1', ?, 1, '{}', 'x', 'en', 1, 'x')",
            (f"s{i}", f"{i} {long}"),
        )
    report = ind.build(conn, BAGRU, QUARTER)
    for language in SHIPPED_LANGUAGES:
        text = report_text(translator(language), report)
        assert len(text) <= TELEGRAM_MAX_TEXT
        assert "₹9,00,000" in text
    hindi = report_text(translator("hi"), report)
    assert "कार्य योजना" in hindi and "Action plan" not in hindi


def _texts(ax: object) -> list[str]:
    return [t.get_text().strip() for t in ax.texts]  # type: ignore[attr-defined]


def test_chart_shows_every_zero(conn: sqlite3.Connection) -> None:
    report = ind.build(conn, BAGRU, QUARTER)
    roles, genders, trend, plan = report_figure(translator("en"), report).axes[:4]
    # 11 roles, 8 of them without anyone: each still has its "0"
    assert _texts(roles) == ["3", "1", "2", "0", "0", "0", "0", "0", "0", "0", "0"]
    assert _texts(genders).count("0") == 2  # nobody "other" or unknown took part
    assert "0" in "\n".join(_texts(trend))  # October: no event, shown as 0
    assert [tick.get_text() for tick in trend.get_xticklabels()] == [
        "Sept 2026", "Oct 2026", "Nov 2026",
    ]  # fmt: skip
    assert _texts(plan) == ["1", "1", "2", "1"]


def test_chart_of_an_empty_cluster_in_every_language(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO clusters (id, code, name, timezone, created_at)"
        " VALUES (3, 'NEW', 'A new cluster', 'Asia/Kolkata', 'x')"
    )
    empty = ind.build(conn, 3, ALL)
    assert empty.participation.events == [] and empty.action_plan.total == 0
    for language in SHIPPED_LANGUAGES:
        png = report_chart(translator(language), empty)
        assert png.startswith(b"\x89PNG")
        text = report_text(translator(language), empty)
        assert len(text) <= TELEGRAM_MAX_TEXT
    plan = report_figure(translator("en"), empty).axes[3]
    assert _texts(plan) == ["0", "0", "0", "0"]


def test_whole_programme_chart_in_telugu(conn: sqlite3.Connection) -> None:
    report = ind.build(conn, BAGRU, ALL)
    figure = report_figure(translator("te"), report)
    titles = [ax.get_title(loc="left") for ax in figure.axes[:4]]
    assert titles[0] == translator("te")("Registered by role")
    assert len(figure.axes[2].get_xticks()) == 6  # June to November, empty months included


def test_survey_titles_are_in_the_readers_language(tmp_path: Path) -> None:
    from bot.storage import clusters
    from bot.surveys import shipped
    from bot.surveys.model import localized

    connection = connect_sync(tmp_path / "titles.db")
    migrate(connection)
    cluster = clusters.add(
        connection, "BAGRU", "Bagru", "Asia/Kolkata", "2026-11-01T00:00:00+00:00"
    )
    survey = shipped.install(connection, "2026-11-01T00:00:00+00:00")
    titles = survey.form(connection).titles
    report = ind.build(connection, cluster.id, ALL)
    for language in SHIPPED_LANGUAGES:
        text = report_text(translator(language), report)
        assert localized(titles, language, "en")[:40] in text
        others = {t for lang, t in titles.items() if lang != language} - {titles[language]}
        assert not any(other[:40] in text for other in others), language
    connection.close()
