"""Issue 3 items not covered elsewhere, through the engine: a CDA sees only the surveys and
responses of their clusters (/results, /export), and a re-imported form is a new version
while a response keeps the version it was started with (SPEC §5, §6)."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from bot.engine import Engine
from bot.storage import admins, clusters
from bot.storage import surveys as store
from bot.storage.db import Database
from bot.surveys.loader import load_form
from tests.driver import ChatDriver
from tests.handlers.surveys.test_respond import answered, install, start

FORMS = Path(__file__).parent / "forms"


async def cda_of(engine: Engine, db: Database, cluster: clusters.Cluster, uid: str) -> ChatDriver:
    await db.write(lambda conn: admins.add(conn, "test", uid, cluster.id, "cda", "x"))
    return ChatDriver(engine, user_id=uid)


async def test_a_cda_never_sees_another_clusters_survey(
    engine: Engine, db: Database, two_clusters: list[clusters.Cluster]
) -> None:
    bagru, alleppey = two_clusters
    await install(db, "diag_mini.yaml")  # every cluster
    await install(db, "all_types.md", cluster_id=alleppey.id)  # ALLEPPEY only
    cda = await cda_of(engine, db, bagru, "bagru_cda")
    await cda.say("/results")
    assert cda.choice_ids == ["sva:res:diag_mini"]
    await cda.say("/results all_types")
    assert "no survey called all_types" in cda.text and cda.last[-1].media is None
    await cda.say("/export all_types")
    assert "no survey called all_types" in cda.text and cda.last[-1].media is None
    await cda.say("/export")
    await cda.press("sva:exp:all_types")  # a forged press changes nothing either
    assert cda.last[-1].media is None
    other = await cda_of(engine, db, alleppey, "alleppey_cda")
    await other.say("/results all_types")
    assert "Responses: 0" in other.last[0].text


async def test_export_holds_only_the_cdas_clusters_responses(
    engine: Engine, db: Database, two_clusters: list[clusters.Cluster]
) -> None:
    bagru, _ = two_clusters
    await install(db, "diag_mini.yaml")
    await answered(engine, "u1", "Trader", cluster="ALLEPPEY")
    await answered(engine, "u2", "Manufacturer", cluster="BAGRU")
    await answered(engine, "u3", "Trader", cluster="BAGRU")
    cda = await cda_of(engine, db, bagru, "bagru_cda")
    await cda.say("/export diag_mini")
    document = cda.last[-1].media
    assert document is not None and document.kind == "document"
    book = load_workbook(io.BytesIO(document.data), read_only=True)
    rows = list(book["survey"].iter_rows(values_only=True))
    header = list(rows[0])
    got = [(r[header.index("cluster")], r[header.index("enterprise_type")]) for r in rows[1:]]
    assert got == [("BAGRU", "manufacturer"), ("BAGRU", "trader")]


def _version_2(tmp_path: Path) -> Path:
    text = (FORMS / "diag_mini.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "1"', 'version: "2"').replace(
        "  - name: registered",
        "  - {name: phone_model, type: text, required: true, label: 'Which phone do you use?'}\n"
        "  - name: registered",
    )
    path = tmp_path / "diag_mini_v2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_response_keeps_its_version_after_a_re_import(
    engine: Engine, db: Database, one_cluster: clusters.Cluster, tmp_path: Path
) -> None:
    first = await install(db, "diag_mini.yaml")
    early = ChatDriver(engine, user_id="early", profile_name="Early")
    await start(early)
    await early.tap("Trader")  # halfway through version 1

    form = load_form(_version_2(tmp_path)).form
    second, created = await db.write(lambda conn: store.import_form(conn, form, now="y"))
    assert created and second.version == "2" and second.id != first.id

    await early.tap("No")  # version 1 goes on: no phone question for this response
    assert "How many products" in early.text
    await early.say("0")
    assert "Thank you!" in early.text

    late = ChatDriver(engine, user_id="late", profile_name="Late")
    await start(late)  # a new response: version 2
    await late.tap("Trader")
    assert "Which phone do you use?" in late.text

    versions = await db.read(lambda conn: [r[0] for r in conn.execute(
        "SELECT s.version FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " ORDER BY r.id")])  # fmt: skip
    assert versions == ["1", "2"]
