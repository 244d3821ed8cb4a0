"""/report end to end over the real python-telegram-bot against the Bot API stand-in (SPEC §5
/report, issue 7), on the demo's database (bot/demo_history.py): a Hindi-speaking CDA gets
the summary, the chart and the spreadsheet, and the sheets hold the text's counts; an
observer gets the same aggregates and no person's name anywhere; a stakeholder is refused
in Hindi."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.app import seed_demo
from bot.clock import iso, utc_now
from bot.config import Settings
from bot.demo_history import MEETINGS, MEMBERS
from bot.demo_versions import versions
from bot.i18n import Translator, translator
from bot.reports.indicators import GENDER_KEYS, Share
from bot.reports.labels import GENDER_LABELS, label, share_text
from bot.storage import admins, clusters, contacts
from bot.storage.db import connect_sync, migrate, run_in_transaction
from tests.e2e.harness import bot_settings, running_bot
from tests.e2e.test_telegram_onboarding import texts, turn
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e
CDA, OBSERVER, MEMBER = 7207, 7208, 7209
MEMBER_NAME = "Radha Chhipa"
PNG = b"\x89PNG\r\n\x1a\n"


def seed(settings: Settings) -> None:
    """The demo database, plus on Telegram: a CDA and an observer of BAGRU who write in
    Hindi / English, and a registered Hindi-speaking stakeholder."""
    conn = connect_sync(settings.db)
    migrate(conn)

    def write(c):  # type: ignore[no-untyped-def]
        seed_demo(c, settings)
        bagru = clusters.by_code(c, "BAGRU")
        assert bagru is not None
        now = iso(utc_now())
        admins.add(c, "telegram", str(CDA), bagru.id, "cda", now)
        admins.add(c, "telegram", str(OBSERVER), bagru.id, "observer", now)
        cda = contacts.get_or_create(c, "telegram", str(CDA), str(CDA), now)
        contacts.update(c, cda.id, language="hi")
        member = contacts.get_or_create(c, "telegram", str(MEMBER), str(MEMBER), now)
        contacts.update(
            c, member.id, language="hi", consent_at=now, name=MEMBER_NAME, role="artisan",
            cluster_id=bagru.id, gender="female", status="registered", registered_at=now,
        )  # fmt: skip

    run_in_transaction(conn, write)
    conn.close()


async def whole_programme(
    fake: FakeTelegram, user: int, period: str, sheet: str
) -> tuple[SentMessage, SentMessage, SentMessage]:
    """/report, the period button, then Spreadsheet: (summary, chart, workbook)."""
    asked = await turn(fake, user, lambda: fake.push_text(user, "/report"))
    assert period in asked[-1].buttons
    fake.messages_to(user)  # what wait_for counts from
    fake.press(user, period)
    sent = await fake.wait_for(user, 3, timeout=60)  # the Spreadsheet button, text, chart
    (summary,) = [m for m in sent if m.method == "sendMessage" and "📈" in (m.text or "")]
    (chart,) = [m for m in sent if m.method == "sendPhoto"]
    fake.press(user, sheet)
    (document,) = await fake.wait_for(user, 1, timeout=60)
    assert document.method == "sendDocument" and document.file
    return summary, chart, document


def check_chart(chart: SentMessage) -> None:
    assert chart.file and chart.file.startswith(PNG)
    image = Image.open(io.BytesIO(chart.file))
    image.verify()  # a whole, valid PNG
    assert image.format == "PNG" and min(image.size) >= 400


def rows(document: SentMessage) -> list[list[list[object]]]:
    """Every sheet's rows, in the workbook's order (Scale … Action plan)."""
    assert document.file is not None
    book = load_workbook(io.BytesIO(document.file), read_only=True)
    return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]


def first(sheet: list[list[object]], name: str) -> list[object]:
    return next(r for r in sheet if r and r[0] == name)


def check_counts(_: Translator, summary: str, document: SentMessage) -> None:
    """The text and the sheets say the same: registered, women among participants,
    invited / said yes / came per meeting, and the action plan's done share."""
    # Scale … Action plan first; later sheets (Networks, Log-frame) are checked elsewhere
    scale, outreach, participation, _surveys, _transparency, _listening, plan = rows(document)[:7]
    registered = first(scale, _("Registered"))[1]
    assert registered == 26  # 24 members, the demo CDA and the Telegram stakeholder
    assert (
        _("Registered: {registered} (new in the period: {new})").format(
            registered=_.number(26), new=_.number(26)
        )
        in summary
    )
    women = first(outreach, _(GENDER_LABELS["female"]))
    took_part = sum(int(str(first(outreach, label(_, GENDER_LABELS, k))[3])) for k in GENDER_KEYS)
    assert (women[3], took_part) == (13, 19)
    assert _("Women among them: {share}").format(share=share_text(_, Share(13, 19))) in summary
    for meeting, expected in zip(MEETINGS, (10, 20, 24), strict=True):
        # the demo's events carry a title per language: the reader's is the one shown
        title = versions(title=meeting.title).get(_.language, {}).get("title", meeting.title)
        row = first(participation, title)
        invited, yes, came = row[3], row[4], row[6]
        assert (invited, yes, came) == (expected, len(meeting.yes), len(meeting.came))
        (line,) = [x for x in summary.splitlines() if title in x]
        assert share_text(_, Share(int(str(came)), int(str(invited)))) in line
        assert f" {_.number(len(meeting.yes))}," in line  # said yes
    done = first(plan, _("Done (dropped ones left out)"))
    assert done[1] == 1
    assert share_text(_, Share(1, 3)) in summary


async def test_report_in_hindi_for_the_cda_aggregates_for_the_observer(
    fake: FakeTelegram, settings: Settings
) -> None:
    seed(settings)
    hi, en = translator("hi"), translator("en")
    async with running_bot(bot_settings(settings, fake)):
        summary, chart, document = await whole_programme(
            fake, CDA, hi("Whole programme"), hi("Spreadsheet")
        )
        assert hi("📈 M&E report: {cluster}").split(":")[0] in (summary.text or "")
        assert "में से" in (summary.text or "")  # "13 of 19" in Hindi
        check_chart(chart)
        assert document.file_name == "report-BAGRU-all.xlsx"
        check_counts(hi, summary.text or "", document)

        # The observer (the funding agency): the same report, in English, no names.
        o_summary, o_chart, o_document = await whole_programme(
            fake, OBSERVER, en("Whole programme"), en("Spreadsheet")
        )
        check_chart(o_chart)
        check_counts(en, o_summary.text or "", o_document)
        seen = texts(fake.messages_to(OBSERVER))
        cells = " ".join(str(c) for sheet in rows(o_document) for r in sheet for c in r if c)
        names = [MEMBER_NAME, "Demo CDA", *(m.name for m in MEMBERS)]
        for name in names:
            assert name not in seen and name not in cells, name
        assert "Chhipa" not in seen + cells and "member01" not in seen + cells

        # A stakeholder is refused, in their language.
        refused = texts(await turn(fake, MEMBER, lambda: fake.push_text(MEMBER, "/report")))
        assert refused == hi(
            "Sorry, this command is only for the cluster development agent (CDA). "
            "Send /help to see what you can do."
        )
    conn = connect_sync(settings.db)
    exports = conn.execute(
        "SELECT actor FROM audit_log WHERE action = 'report.export' ORDER BY id"
    ).fetchall()
    conn.close()
    assert [a for (a,) in exports] == [f"telegram:{CDA}", f"telegram:{OBSERVER}"]
