"""Unplanned activities (issue 18): not asked on the way (most are planned), marked with
"Change a field" before saving; the report counts the share of unplanned activities."""

from __future__ import annotations

import sqlite3

from bot.reports.indicators import Share, action_plan
from bot.storage import activities
from bot.storage.clusters import Cluster
from bot.storage.db import Database
from tests.driver import ChatDriver
from tests.handlers.activities.test_plan import add_activity, make


async def test_a_cda_marks_an_activity_unplanned_before_saving(
    cda_chat: ChatDriver, db: Database, one_cluster: Cluster
) -> None:
    await add_activity(cda_chat)
    assert "Unplanned" not in cda_chat.text  # planned unless said otherwise
    await cda_chat.press("ac:edit")
    assert "ac:chg:plan" in cda_chat.choice_ids
    await cda_chat.press("ac:chg:plan")
    assert cda_chat.choice_ids == ["ac:pla:planned", "ac:pla:unplanned"]
    await cda_chat.press("ac:pla:unplanned")
    assert "Unplanned: it came up after the action plan was agreed." in cda_chat.text
    await cda_chat.press("ac:save")
    (saved,) = await db.read(lambda c: activities.in_cluster(c, one_cluster.id))
    assert saved.plan == "unplanned"


async def test_the_share_of_unplanned_activities(db: Database, one_cluster: Cluster) -> None:
    def fill(conn: sqlite3.Connection) -> None:
        make(conn, one_cluster.id, "Planned one")
        make(conn, one_cluster.id, "Planned two")
        make(conn, one_cluster.id, "Came up", plan="unplanned")
        make(conn, one_cluster.id, "Came up, dropped", plan="unplanned", status="dropped")
        make(conn, one_cluster.id, "Planned three")

    await db.write(fill)
    plan = await db.read(lambda c: action_plan(c, one_cluster.id))
    assert plan.unplanned_share == Share(1, 4)  # the dropped one is not in the plan any more
