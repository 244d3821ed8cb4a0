"""The renderers only render indicator results: limits in every language, zeros shown,
Indian number formatting, and the same vocabulary as the rest of the bot."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.i18n import SHIPPED_LANGUAGES, translator
from bot.limits import TELEGRAM_MAX_TEXT
from bot.reports import indicators as ind
from bot.reports.charts import _wrap, report_chart, report_figure
from bot.reports.indicators import MonthPoint, Share
from bot.reports.labels import GENDER_LABELS, ROLE_LABELS, label, rupees, share_text
from bot.reports.text import report_text
from bot.storage.db import connect_sync, migrate
from bot.vocabulary import ROLES
from handlers.people import onboarding
from tests.reports.fixture import BAGRU, NAMES, PHONES, PLACES, populate
from tests.reports.test_indicators import ALL, QUARTER


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect_sync(tmp_path / "render.db")
    migrate(connection)
    populate(connection)
    connection.commit()
    yield connection
    connection.close()


def test_every_key_onboarding_stores_has_its_report_row_and_label() -> None:
    """Onboarding stores the key after "role:"/"gender:" of the pressed button: the reports
    count each such key in its own row (not under "unknown"), in the order offered, and
    name it with the button's own words, in every language."""
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        asking = SimpleNamespace(_=_)  # the button builders read only the translator
        roles = {c.id.removeprefix("role:"): c.label for c in onboarding._role_choices(asking)}
        genders = {
            c.id.removeprefix("gender:"): c.label for c in onboarding._gender_choices(asking)
        }
        assert list(roles) == list(ind.ROLE_KEYS)
        assert [*genders, "unknown"] == list(ind.GENDER_KEYS)
        # a role's button is its short WhatsApp label; the report has room for its full name
        assert {k: label(_, ROLE_LABELS, k) for k in roles} == {k: _(ROLES[k]) for k in roles}
        assert all(len(roles[k]) <= len(_(ROLES[k])) for k in roles)
        assert {k: label(_, GENDER_LABELS, k) for k in genders} == genders
        # the reports' own bucket for nothing (or a bad value) stored
        not_given = _("Not given")
        assert label(_, ROLE_LABELS, "unknown") == label(_, GENDER_LABELS, "unknown") == not_given
        assert language == "en" or not_given != "Not given"


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


def test_text_and_sheets_carry_every_indicator(conn: sqlite3.Connection) -> None:
    """The renderers show what the indicators computed (numbers of test_indicators.py):
    women per event and per survey, the trend with counts, the median, reach per update,
    opt-outs, planned vs done."""
    import io

    from openpyxl import load_workbook

    from bot.reports.workbook import report_workbook

    _ = translator("en")
    report = ind.build(conn, BAGRU, QUARTER)
    text = report_text(_, report)
    assert "Cluster meeting on dyes: invited 5, yes 2, came 3 of 5 (60%), women 2 of 3 (67%)" in (
        text
    )
    assert "dye house: invited 4, yes 2, came 2 of 4 (50%), women 1 of 2 (50%)" in text
    assert (
        "Attendance by month: Sept 2026 3 of 5 (60%) · Oct 2026 0 of 0 (–) · Nov 2026 2 of 4 (50%)"
    ) in text
    assert "Cluster diagnostic: responses 5, completed 4 of 5 (80%), median 16 min," in text
    assert "women 3 of 5 (60%)" in text.split("Cluster diagnostic:")[1]
    assert "Updates published: 2 · delivered 4 of 7 (57%)" in text
    assert "Stopped updates: 1 · blocked the bot: 1" in text
    assert "Activities: 5 · done 2 of 4 (50%)" in text
    assert "Planned 1 · Ongoing 1 · Done 2 · Dropped 1" in text

    buffer = io.BytesIO()
    report_workbook(_, report, buffer)
    book = load_workbook(buffer)

    def rows(sheet: str) -> list[tuple[object, ...]]:
        return [r for r in book[sheet].iter_rows(values_only=True) if any(r)]

    outreach = rows("Outreach")
    assert ("Cluster meeting on dyes", "10 Sept 2026", 3, 2, pytest.approx(2 / 3)) in outreach
    assert ("Cluster diagnostic", None, 5, 3, pytest.approx(0.6)) in outreach
    assert ("Cluster diagnostic", "diag", 5, 4, pytest.approx(0.8), 16) in rows("Surveys")
    transparency = rows("Transparency")
    assert ("Stopped updates", 1, None, None, None) in transparency
    assert [r[2:5] for r in transparency if str(r[0]).startswith("#")] == [
        (4, 2, 0.5), (3, 2, pytest.approx(2 / 3)),
    ]  # fmt: skip
    plan = rows("Action plan")
    assert ("Total", 1, 1, 2, 1, 5) in plan  # planned, ongoing, done, dropped
    assert ("Done (dropped ones left out)", 2, 0.5, None, None, None) in plan


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


def test_chart_labels_break_between_words_only(conn: sqlite3.Connection) -> None:
    # A label wrapped inside a word would start its second line with a vowel sign.
    assert _wrap("கைவிடப்பட்டது", 12) == "கைவிடப்பட்டது"
    assert _wrap("नियोजित गतिविधियाँ", 8) == "नियोजित\nगतिविधियाँ"
    report = ind.build(conn, BAGRU, QUARTER)
    for language in SHIPPED_LANGUAGES:
        for text in _all_texts(report_figure(translator(language), report)):
            for line in text.split("\n"):
                assert not line or unicodedata.category(line[0])[0] != "M", (language, text)


def _all_texts(figure: object) -> list[str]:
    """Every string drawn on the figure: titles, tick labels, bar labels, legends."""
    from matplotlib.text import Text

    figure.canvas.draw()  # type: ignore[attr-defined]  # tick labels exist once drawn
    return [t.get_text() for t in figure.findobj(Text)]  # type: ignore[attr-defined]


def test_chart_numbers_use_indian_grouping(conn: sqlite3.Connection) -> None:
    report = ind.build(conn, BAGRU, QUARTER)
    plan = report.action_plan
    big_month = MonthPoint("2026-11", 9, 2_50_000, 1_00_000)
    regular = {"planned": 0, "ongoing": 0, "done": 12_345, "dropped": 0}
    report = replace(
        report,
        scale=replace(report.scale, by_role={**report.scale.by_role, "artisan": 1_23_456}),
        participation=replace(report.participation, trend=[big_month]),
        action_plan=replace(plan, by_category={**plan.by_category, "regular": regular}),
    )
    for language in SHIPPED_LANGUAGES:
        roles, _genders, trend, plan_ax = report_figure(translator(language), report).axes[:4]
        assert "1,23,456" in _texts(roles)
        assert "2,50,000" in _texts(trend) and "1,00,000\n40%" in _texts(trend)
        assert "12,347" in _texts(plan_ax)
        roles.figure.canvas.draw()
        ticks = [t.get_text() for t in roles.get_xticklabels()]
        assert "1,00,000" in ticks, ticks  # the axis too, not only the bar labels
        assert "2,00,000" in [t.get_text() for t in trend.get_yticklabels()]


def test_chart_shows_no_person(conn: sqlite3.Connection) -> None:
    """Observers get the same chart: nothing on it may name a person or a place."""
    report = ind.build(conn, BAGRU, ind.Period("all", None, "2027-01-01T00:00:00+00:00"))
    for language in SHIPPED_LANGUAGES:
        drawn = "\n".join(_all_texts(report_figure(translator(language), report)))
        for secret in (*NAMES, *PHONES, *PLACES):
            assert secret not in drawn, secret


def test_chart_without_an_indic_font_falls_back_to_english(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken install without the Indic font packages: English labels, never boxes."""
    monkeypatch.setattr("bot.fonts.available", lambda: frozenset())
    report = ind.build(conn, BAGRU, QUARTER)
    for language in ("hi", "te"):
        roles, _genders, _trend, plan = report_figure(translator(language), report).axes[:4]
        assert roles.get_title(loc="left") == "Registered by role"
        assert [t.get_text() for t in plan.get_xticklabels()] == [
            "Planned", "Ongoing", "Done", "Dropped",
        ]  # fmt: skip
        drawn = "".join(_all_texts(roles.figure))
        assert not any(0x0900 <= ord(ch) <= 0x0C7F for ch in drawn), language


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
