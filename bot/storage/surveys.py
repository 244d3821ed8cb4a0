"""Surveys, responses and answers (migration 0002).

A survey row is one imported version of a form; the rows sharing a `key` are its versions
and the newest (highest id) is the current one. Status (open/closed) belongs to the key:
it is set on every version at once. Responses point at the version they were started
under, so an answer is always read against the form it was given for.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.storage import rounds
from bot.surveys.model import Form, form_from_json, form_to_json


class SurveyConflict(Exception):
    """The same key and version was imported before with a different form."""


@dataclass(frozen=True)
class Survey:
    id: int
    key: str
    version: str
    title: str
    cluster_id: int | None
    roles: frozenset[str] | None  # None: every role
    status: str
    languages: tuple[str, ...]
    question_count: int
    source: str
    imported_at: str
    form_sha: str

    @property
    def open(self) -> bool:
        return self.status == "open"

    def form(self, conn: sqlite3.Connection) -> Form:
        """The frozen form; parsed once per process per distinct form (it never changes)."""
        return _form(self.form_sha, conn, self.id)

    def reaches(self, cluster_id: int | None, role: str | None) -> bool:
        """Is this survey meant for someone of this cluster and role?"""
        if self.cluster_id is not None and self.cluster_id != cluster_id:
            return False
        return self.roles is None or role in self.roles


@dataclass(frozen=True)
class Response:
    id: int
    survey_id: int
    contact_id: int
    status: str
    position: str | None
    started_at: str
    completed_at: str | None


_SURVEY_COLUMNS = (
    "id, key, version, title, cluster_id, roles, status, languages, question_count, source,"
    " imported_at, form_sha"
)


def _survey(row: sqlite3.Row) -> Survey:
    return Survey(
        id=row["id"],
        key=row["key"],
        version=row["version"],
        title=row["title"],
        cluster_id=row["cluster_id"],
        roles=frozenset(row["roles"].split()) if row["roles"] else None,
        status=row["status"],
        languages=tuple(row["languages"].split()),
        question_count=row["question_count"],
        source=row["source"],
        imported_at=row["imported_at"],
        form_sha=row["form_sha"],
    )


def _response(row: sqlite3.Row) -> Response:
    return Response(
        id=row["id"],
        survey_id=row["survey_id"],
        contact_id=row["contact_id"],
        status=row["status"],
        position=row["position"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
    )


# A form's JSON is hashed at import; the parsed Form is cached by that hash, so a survey
# read on every answer costs one small SELECT, not a JSON parse (and two databases that
# happen to share survey ids can never see each other's forms).
_PARSED: dict[str, Form] = {}


def _form(form_sha: str, conn: sqlite3.Connection, survey_id: int) -> Form:
    found = _PARSED.get(form_sha)
    if found is None:
        text = conn.execute("SELECT form FROM surveys WHERE id = ?", (survey_id,)).fetchone()[0]
        found = form_from_json(text)
        if len(_PARSED) > 256:  # a long-running bot imports a handful of forms; stay bounded
            _PARSED.clear()
        _PARSED[form_sha] = found
    return found


# ------------------------------------------------------------------------- surveys ---
def question_count(form: Form) -> int:
    """Questions a person answers (calculations and notes are not questions)."""
    return sum(1 for _, q in form.walk() if q.type not in ("calculate", "note", "metadata"))


def import_form(
    conn: sqlite3.Connection,
    form: Form,
    *,
    now: str,
    cluster_id: int | None = None,
    roles: Iterable[str] | None = None,
    media: Mapping[str, bytes] | None = None,
) -> tuple[Survey, bool]:
    """Store a form as a new version of its key. Returns (survey, created).

    Importing the same version again is a no-op apart from cluster and roles (so the demo
    and scripts may import at every start); the same version with different content is
    refused, because stored answers would no longer match their form. `media` is the
    content of the files `form.media` names (`ImportReport.media`).
    """
    for name, digest in form.media.items():
        content = (media or {}).get(name)
        if content is None or hashlib.sha256(content).hexdigest() != digest:
            raise SurveyConflict(f"the media file {name!r} of the form was not given")
        conn.execute(
            "INSERT OR IGNORE INTO survey_media (sha256, data) VALUES (?, ?)", (digest, content)
        )
    text = form_to_json(form)
    sha = hashlib.sha256(text.encode()).hexdigest()
    roles_text = " ".join(sorted(set(roles))) if roles else None
    existing = conn.execute(
        f"SELECT {_SURVEY_COLUMNS} FROM surveys WHERE key = ? AND version = ?",
        (form.key, form.version),
    ).fetchone()
    if existing is not None:
        if existing["form_sha"] != sha:
            raise SurveyConflict(
                f"version {form.version!r} of survey {form.key!r} was imported before with "
                "different content. Please raise the version in the form's settings sheet."
            )
        conn.execute(
            "UPDATE surveys SET cluster_id = ?, roles = ? WHERE id = ?",
            (cluster_id, roles_text, existing["id"]),
        )
        found = by_id(conn, existing["id"])
        assert found is not None
        return found, False
    previous = current(conn, form.key)
    cur = conn.execute(
        "INSERT INTO surveys (key, version, title, cluster_id, roles, status, form, form_sha,"
        " languages, question_count, source, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            form.key,
            form.version,
            form.title,
            cluster_id,
            roles_text,
            previous.status if previous else "open",
            text,
            sha,
            " ".join(form.languages),
            question_count(form),
            form.source,
            now,
        ),
    )
    created = by_id(conn, int(cur.lastrowid or 0))
    assert created is not None
    # The form's `indicator` column adds to the marking (the CLI may have marked others).
    conn.executemany(
        "INSERT OR IGNORE INTO survey_indicators (key, name) VALUES (?, ?)",
        [(form.key, name) for name, node in form.comparable().items() if node.indicator],
    )
    return created, True


_MEDIA: dict[str, bytes] = {}  # sha256 -> content: a few question files, sent often
_MEDIA_MAX_BYTES = 64 * 1024 * 1024


def media_file(conn: sqlite3.Connection, sha256: str) -> bytes | None:
    """The content of a question's media file (`Form.media` gives its sha256)."""
    found = _MEDIA.get(sha256)
    if found is None:
        row = conn.execute("SELECT data FROM survey_media WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return None
        found = bytes(row[0])
        if sum(len(v) for v in _MEDIA.values()) + len(found) > _MEDIA_MAX_BYTES:
            _MEDIA.clear()
        _MEDIA[sha256] = found
    return found


def by_id(conn: sqlite3.Connection, survey_id: int) -> Survey | None:
    row = conn.execute(
        f"SELECT {_SURVEY_COLUMNS} FROM surveys WHERE id = ?", (survey_id,)
    ).fetchone()
    return _survey(row) if row else None


def current(conn: sqlite3.Connection, key: str) -> Survey | None:
    """The newest version of `key` (keys compare without case: people type them)."""
    row = conn.execute(
        f"SELECT {_SURVEY_COLUMNS} FROM surveys WHERE key = ? COLLATE NOCASE"
        " ORDER BY id DESC LIMIT 1",
        (key,),
    ).fetchone()
    return _survey(row) if row else None


def all_current(conn: sqlite3.Connection) -> list[Survey]:
    """The newest version of every survey, by key."""
    rows = conn.execute(
        f"SELECT {_SURVEY_COLUMNS} FROM surveys WHERE id IN"
        " (SELECT MAX(id) FROM surveys GROUP BY key) ORDER BY key"
    )
    return [_survey(r) for r in rows]


def versions(conn: sqlite3.Connection, key: str) -> list[Survey]:
    rows = conn.execute(
        f"SELECT {_SURVEY_COLUMNS} FROM surveys WHERE key = ? COLLATE NOCASE ORDER BY id",
        (key,),
    )
    return [_survey(r) for r in rows]


def set_status(conn: sqlite3.Connection, key: str, status: str) -> int:
    return conn.execute(
        "UPDATE surveys SET status = ? WHERE key = ? COLLATE NOCASE", (status, key)
    ).rowcount


def response_counts(conn: sqlite3.Connection, key: str) -> dict[str, int]:
    """status -> responses, over every version of `key`."""
    rows = conn.execute(
        "SELECT r.status, COUNT(*) FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " WHERE s.key = ? COLLATE NOCASE GROUP BY r.status",
        (key,),
    )
    return {status: count for status, count in rows}


# ----------------------------------------------------------------------- responses ---
def start_response(
    conn: sqlite3.Connection, survey_id: int, contact_id: int, position: str | None, now: str
) -> Response:
    key = conn.execute("SELECT key FROM surveys WHERE id = ?", (survey_id,)).fetchone()[0]
    round_id = rounds.current_or_baseline(conn, key, now).id
    cur = conn.execute(
        "INSERT INTO responses (survey_id, contact_id, status, position, started_at,"
        " updated_at, round_id) VALUES (?, ?, 'in_progress', ?, ?, ?, ?)",
        (survey_id, contact_id, position, now, now, round_id),
    )
    found = response(conn, int(cur.lastrowid or 0))
    assert found is not None
    return found


def response(conn: sqlite3.Connection, response_id: int) -> Response | None:
    row = conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
    return _response(row) if row else None


def response_and_survey(
    conn: sqlite3.Connection, response_id: int
) -> tuple[Response, Survey] | None:
    """A response with the survey version it belongs to, in one query (every answer)."""
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples, read by position
    row = cursor.execute(
        "SELECT r.id, r.survey_id, r.contact_id, r.status, r.position, r.started_at,"
        " r.completed_at, s.id, s.key, s.version, s.title, s.cluster_id, s.roles, s.status,"
        " s.languages, s.question_count, s.source, s.imported_at, s.form_sha"
        " FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE r.id = ?",
        (response_id,),
    ).fetchone()
    if row is None:
        return None
    return Response(*row[:7]), _survey_from(row[7:])


# Survey rows seen on the answer path, by their whole content: a changed row (closed,
# re-scoped) is a new key, so a cached Survey is never stale. Survey is frozen.
_SURVEYS: dict[tuple[object, ...], Survey] = {}


def _survey_from(values: tuple[object, ...]) -> Survey:
    found = _SURVEYS.get(values)
    if found is None:
        names = ("id", "key", "version", "title", "cluster_id", "roles", "status", "languages",
                 "question_count", "source", "imported_at", "form_sha")  # fmt: skip
        found = _survey(dict(zip(names, values, strict=True)))  # type: ignore[arg-type]
        if len(_SURVEYS) > 1024:
            _SURVEYS.clear()
        _SURVEYS[values] = found
    return found


def unfinished(conn: sqlite3.Connection, contact_id: int, key: str) -> Response | None:
    """The person's response to any version of `key` that is not completed yet."""
    row = conn.execute(
        "SELECT r.* FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " WHERE r.contact_id = ? AND s.key = ? AND r.status != 'completed'"
        " ORDER BY r.id DESC LIMIT 1",
        (contact_id, key),
    ).fetchone()
    return _response(row) if row else None


def last_completed(conn: sqlite3.Connection, contact_id: int, key: str) -> Response | None:
    row = conn.execute(
        "SELECT r.* FROM responses r JOIN surveys s ON s.id = r.survey_id"
        " WHERE r.contact_id = ? AND s.key = ? AND r.status = 'completed'"
        " ORDER BY r.id DESC LIMIT 1",
        (contact_id, key),
    ).fetchone()
    return _response(row) if row else None


def move(
    conn: sqlite3.Connection, response_id: int, position: str | None, status: str, now: str
) -> None:
    """Record where the respondent is (and whether they paused or finished)."""
    conn.execute(
        "UPDATE responses SET position = ?, status = ?, updated_at = ?,"
        " completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END"
        " WHERE id = ?",
        (position, status, now, status, now, response_id),
    )


# ------------------------------------------------------------------------- answers ---
def answers(conn: sqlite3.Connection, response_id: int) -> dict[str, str]:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: this runs on every answer
    return dict(
        cursor.execute("SELECT path, value FROM answers WHERE response_id = ?", (response_id,))
    )


def save_answers(
    conn: sqlite3.Connection, response_id: int, changes: Mapping[str, str | None], now: str
) -> None:
    """Write answers (None deletes): the runner's changes of one step, in the turn."""
    upserts = [(response_id, p, v, now) for p, v in changes.items() if v is not None]
    deletes = [(response_id, p) for p, v in changes.items() if v is None]
    if upserts:
        conn.executemany(
            "INSERT INTO answers (response_id, path, value, answered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (response_id, path) DO UPDATE SET value = excluded.value,"
            " answered_at = excluded.answered_at",
            upserts,
        )
    if deletes:
        conn.executemany("DELETE FROM answers WHERE response_id = ? AND path = ?", deletes)


PLAUSIBLE_SAMPLE = 500  # other responses read for "is this number usual?"


def others_numbers(
    conn: sqlite3.Connection, key: str, name: str, cluster_id: int | None, response_id: int
) -> tuple[int, float | None]:
    """How many others in the cluster answered question `name` of survey `key` (any round
    of a repeat), and the largest answer: for the plausibility check (bot.surveys.plausible).
    It runs inside a turn, so it reads the latest `PLAUSIBLE_SAMPLE` other responses only:
    enough to know what is usual, and bounded however large the survey grows."""
    # NOT INDEXED: walking responses newest first stops at the sample's size; through the
    # survey index SQLite would read and sort every response of the survey first.
    sample = (
        "SELECT r.id FROM responses r NOT INDEXED JOIN contacts c ON c.id = r.contact_id"
        " WHERE r.survey_id IN (SELECT id FROM surveys WHERE key = ?)"
        " AND c.cluster_id IS ? AND r.id != ? AND r.contact_id != ("
        "   SELECT contact_id FROM responses WHERE id = ?)"
        " ORDER BY r.id DESC LIMIT ?"
    )
    params = (key, cluster_id, response_id, response_id, PLAUSIBLE_SAMPLE)
    # A question outside a repeat is stored under its name: one primary-key seek each.
    row = conn.execute(
        "SELECT count(*), max(CAST(value AS REAL)) FROM answers"
        f" WHERE path = ? AND response_id IN ({sample})",
        (name, *params),
    ).fetchone()
    if not row[0]:  # inside a repeat: every round's path ends in /name
        row = conn.execute(
            "SELECT count(*), max(CAST(value AS REAL)) FROM answers"
            f" WHERE substr(path, -length(?) - 1) = '/' || ? AND response_id IN ({sample})",
            (name, name, *params),
        ).fetchone()
    return int(row[0]), (float(row[1]) if row[1] is not None else None)
