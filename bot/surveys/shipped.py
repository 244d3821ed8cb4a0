"""Forms shipped with clusterbot in `locales/forms/` (the cluster diagnostic survey)."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from bot.storage import surveys as store

SHIPPED_FORMS = ("diagnostic",)


def shipped_form(name: str) -> Path | None:
    """The file of a shipped form ('diagnostic'), or None for any other name."""
    if name not in SHIPPED_FORMS:
        return None
    return Path(str(resources.files("locales").joinpath("forms", f"{name}.md")))


def install(conn: sqlite3.Connection, now: str, name: str = "diagnostic") -> store.Survey:
    """Import a shipped form (a no-op when this version is in the database already)."""
    from bot.surveys.loader import load_form  # pyxform: imported only when needed

    path = shipped_form(name)
    assert path is not None, name
    survey, _ = store.import_form(conn, load_form(path).form, now=now)
    return survey
