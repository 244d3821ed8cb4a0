"""Language versions of what a CDA types for readers (issue 17): an event's title, place and
purpose, an activity's title, a progress note's text (migrations/0013_content_versions.sql).

Versions are `{language: {field: text}}`. A reader gets the version in their language where
there is one, field by field, else the original (`pick`). The originals stay in their own
tables; a version is removed with its row (ON DELETE CASCADE).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

Versions = dict[str, dict[str, str]]  # language -> field -> text

# kind -> (table, id column, fields a version may have)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "event": ("event_versions", "event_id", ("title", "place", "purpose")),
    "activity": ("activity_versions", "activity_id", ("title",)),
    "note": ("note_versions", "note_id", ("text",)),
}


def _kind(kind: str) -> tuple[str, str, tuple[str, ...]]:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return KINDS[kind]


def of(conn: sqlite3.Connection, kind: str, ref_id: int) -> Versions:
    """Every version of one row."""
    return of_many(conn, kind, [ref_id]).get(ref_id, {})


def of_many(conn: sqlite3.Connection, kind: str, ids: list[int]) -> dict[int, Versions]:
    """The versions of several rows at once (a list screen reads them in one query)."""
    table, column, _fields = _kind(kind)
    found: dict[int, Versions] = {}
    if not ids:
        return found
    marks = ", ".join("?" * len(ids))
    for ref_id, field, language, text in conn.execute(
        f"SELECT {column}, field, language, text FROM {table} WHERE {column} IN ({marks})"
        " ORDER BY language, field",
        ids,
    ):
        found.setdefault(ref_id, {}).setdefault(language, {})[field] = text
    return found


def put(
    conn: sqlite3.Connection, kind: str, ref_id: int, language: str, texts: Mapping[str, str]
) -> None:
    """Set the `language` version of some fields (an empty text removes that field's)."""
    table, column, fields = _kind(kind)
    unknown = set(texts) - set(fields)
    if unknown:
        raise ValueError(f"not {kind} fields: {sorted(unknown)}")
    for field, text in texts.items():
        if text.strip():
            conn.execute(
                f"INSERT INTO {table} ({column}, field, language, text) VALUES (?, ?, ?, ?)"
                f" ON CONFLICT ({column}, field, language) DO UPDATE SET text = excluded.text",
                (ref_id, field, language, text.strip()),
            )
        else:
            drop(conn, kind, ref_id, field=field, language=language)


def put_all(
    conn: sqlite3.Connection, kind: str, ref_id: int, versions: Mapping[str, Mapping[str, str]]
) -> None:
    for language, texts in versions.items():
        put(conn, kind, ref_id, language, texts)


def drop(
    conn: sqlite3.Connection,
    kind: str,
    ref_id: int,
    *,
    field: str | None = None,
    language: str | None = None,
) -> list[str]:
    """Remove versions of a row (of one field, of one language, or all); the languages of
    those removed."""
    table, column, _fields = _kind(kind)
    where = f"{column} = ? AND (? IS NULL OR field = ?) AND (? IS NULL OR language = ?)"
    params = (ref_id, field, field, language, language)
    gone = [
        row[0]
        for row in conn.execute(
            f"SELECT DISTINCT language FROM {table} WHERE {where} ORDER BY language", params
        )
    ]
    conn.execute(f"DELETE FROM {table} WHERE {where}", params)
    return gone


def pick(
    versions: Mapping[str, Mapping[str, str]], language: str, field: str, original: str
) -> str:
    """The reader's version of a field, else the original."""
    return versions.get(language, {}).get(field) or original
