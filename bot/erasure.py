"""Erasing a person (SPEC §8, issue 12): /forget, `clusterbot forget`, the retention job.

One function, `erase`, runs inside the caller's write transaction and removes the
person's name, phone, village and channel ids everywhere they occur:

    contacts          name, phone, place, channel and chat ids nulled; role, gender and
                      cluster stay (anonymous counts); the conversation is deleted
    survey answers    what they typed, recorded or shared (ERASED_TYPES, and anything
                      unknown) deleted; choice, ranking and number answers (KEPT_TYPES)
                      stay, pointing at a contact row that no longer names anyone
    media files       photos, voice notes and documents of those answers deleted from disk
                      (unless someone else's answer is the same file), voice notes that
                      answered text questions too (`bot.surveys.answers.voice_path`)
    inbox             what they sent the CDA (issue 15), anonymous items too: the link to
                      them removed, their texts and the replies written to them blanked, the
                      photo or voice note deleted, their blocks dropped; kind, dates and
                      status stay for the report
    outbox            chat ids and message ids (a WhatsApp wamid encodes the phone number)
                      nulled, queued messages skipped, texts only they were sent blanked
    events            RSVPs and registrations for events not yet started removed; a freed
                      seat goes to the first person waiting, who is told
    networks          their memberships and invitations (past spells too) deleted, so no
                      network lists them; the linkages they reported in a survey deleted
                      (issue 19); the networks' counts lose one member from then on
    WhatsApp          the 24-hour window row deleted; webhook payloads kept because their
                      handling failed deleted when they carry the person's number or id
    audit log         where they are the actor or the subject (and in those entries' detail)
                      their id or number becomes the pseudonym `contact:<id>`; likewise
                      the author of broadcasts, events, activities and attendance marks

`PRAGMA secure_delete` (bot/storage/db.py) zeroes what is deleted inside the database
file; the caller then empties the WAL (`Database.wipe_wal`, `db.truncate_wal`), which
still holds the old pages until it is checkpointed and truncated.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot import seat_notice
from bot.clock import iso
from bot.storage import audit, contacts, inbox, networks, surveys, web_access
from bot.storage import events as ev
from bot.surveys.answers import VOICE_MARK, voice_path

log = logging.getLogger(__name__)

# Answers that stay (anonymous): what a person chose, ranked or counted. What they typed,
# recorded or shared is deleted (calculations too: they may copy a text answer).
KEPT_TYPES = frozenset({"select_one", "select_multiple", "rank", "integer", "decimal", "range"})
KEPT_TYPES |= {"acknowledge", "note"}
# Named so that a new question type is a decision (tests/test_erasure.py); a type in
# neither set is erased.
ERASED_TYPES = frozenset({"text", "date", "time", "datetime", "calculate", "metadata"})
ERASED_TYPES |= {"geopoint", "geotrace", "geoshape", "image", "audio", "video", "file"}
_ROUND = re.compile(r"\[\d+\]$")
ERASED_PAYLOAD = '{"text": "", "erased": true}'


@dataclass
class Erased:
    """What one erasure removed (counts only: the caller may log it)."""

    contact_id: int
    answers: int = 0
    files: list[Path] = field(default_factory=list)
    outbox: int = 0
    rsvps: int = 0
    registrations: int = 0
    promoted: list[int] = field(default_factory=list)
    audit: int = 0
    inbox: int = 0  # items sent to the CDA, unlinked and blanked
    memberships: int = 0  # network membership spells and invitations deleted
    linkages: int = 0  # linkages they reported, deleted


def erase(
    conn: sqlite3.Connection,
    contact_id: int,
    *,
    now: datetime,
    actor: str,
    media_root: Path | None,
    default_language: str = "en",
    timezone: str = "Asia/Kolkata",
) -> Erased | None:
    """Erase one person (see the module docstring). Call inside a write transaction.

    `actor`: who asked, as the audit log names them ('self', 'cli', 'retention').
    Returns None when there is no such person or they were erased already. Media files
    are deleted at once: a commit that then fails leaves a row without its file, never a
    file of someone who asked to be forgotten.
    """
    person = contacts.by_id(conn, contact_id)
    if person is None or person.status == "erased":
        return None
    done = Erased(contact_id)
    done.answers, files = _erase_answers(conn, contact_id)
    sent = inbox.forget_sender(conn, contact_id, iso(now))
    done.inbox = len(sent.items)
    done.files = _delete_files(conn, files + sent.media, media_root)
    _free_seats(conn, done, now, default_language, timezone)
    done.memberships, done.linkages = networks.forget_contact(conn, contact_id)
    done.outbox = _erase_outbox(conn, contact_id)
    conn.execute("DELETE FROM whatsapp_window_closed WHERE contact_id = ?", (contact_id,))
    web_access.forget(
        conn, person.channel, {i for i in (person.channel_user_id, person.chat_id) if i}
    )
    _erase_failed_intake(conn, person)
    done.audit = _pseudonymise(conn, person)
    audit.record(
        conn,
        at=iso(now),
        actor=actor,
        action="contact.erase",
        cluster_id=person.cluster_id,
        subject=f"contact:{contact_id}",
        detail={"answers": done.answers, "files": len(done.files)},
    )
    contacts.erase(conn, contact_id, iso(now))
    return done


def _question_types(conn: sqlite3.Connection, survey_id: int) -> dict[str, str]:
    survey = surveys.by_id(conn, survey_id)
    if survey is None:
        return {}
    form = survey.form(conn)
    types = {question.name: question.type for _, question in form.walk()}
    for _, question in form.walk():
        if question.or_other:
            types[f"{question.name}_other"] = "text"
    return types


def _erase_answers(conn: sqlite3.Connection, contact_id: int) -> tuple[int, list[str]]:
    """Delete the answers that may say who the person is; (how many, media paths)."""
    erased, files = 0, []
    responses = conn.execute(
        "SELECT id, survey_id FROM responses WHERE contact_id = ?", (contact_id,)
    ).fetchall()
    for response_id, survey_id in responses:
        types = _question_types(conn, survey_id)
        for path, value in conn.execute(
            "SELECT path, value FROM answers WHERE response_id = ?", (response_id,)
        ).fetchall():
            if path.endswith("@count"):
                continue  # how many rounds a repeat has: a number
            name = _ROUND.sub("", path.rsplit("/", 1)[-1])
            kind = types.get(name, "text")  # unknown to the form: assume it is text
            if kind in KEPT_TYPES:
                continue
            if kind in ("image", "audio", "video", "file"):
                files.append(value)
            elif (voice := voice_path(value)) is not None:  # a voice note at a text question
                files.append(voice)
            conn.execute(
                "DELETE FROM answers WHERE response_id = ? AND path = ?", (response_id, path)
            )
            erased += 1
    return erased, files


def _delete_files(
    conn: sqlite3.Connection, values: list[str], media_root: Path | None
) -> list[Path]:
    """Delete the stored files among `values` that lie in the media folder and that no
    remaining answer or inbox item names (the same photo forwarded by someone else stays)."""
    if media_root is None:
        return []
    root = media_root.resolve()
    deleted = []
    for value in values:
        path = Path(value)
        try:
            resolved = path.resolve()
        except (OSError, ValueError):
            continue
        if not resolved.is_relative_to(root) or resolved == root:
            continue
        if conn.execute(
            "SELECT 1 FROM answers WHERE value IN (?, ?) LIMIT 1", (value, VOICE_MARK + value)
        ).fetchone() or inbox.names_file(conn, value):
            continue
        try:
            resolved.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("erasure: could not delete a media file: %s", exc.strerror)
            continue
        deleted.append(resolved)
        parent = resolved.parent
        if parent != root and parent.is_relative_to(root) and not any(parent.iterdir()):
            parent.rmdir()  # a document's own folder (bot/channels/telegram.py)
    return deleted


def _free_seats(
    conn: sqlite3.Connection, done: Erased, now: datetime, default_language: str, timezone: str
) -> None:
    """Remove the person from events not yet started; freed seats go to those waiting."""
    stamp = iso(now)
    upcoming = "SELECT id FROM events WHERE starts_at > ?"
    done.rsvps = conn.execute(
        f"DELETE FROM rsvps WHERE contact_id = ? AND event_id IN ({upcoming})",
        (done.contact_id, stamp),
    ).rowcount
    rows = conn.execute(
        f"SELECT event_id FROM registrations WHERE contact_id = ? AND event_id IN ({upcoming})",
        (done.contact_id, stamp),
    ).fetchall()
    for (event_id,) in rows:
        event = ev.get(conn, event_id)
        if event is None:
            continue
        _cancelled, promoted = ev.cancel_registration(conn, event, done.contact_id, stamp)
        conn.execute(
            "DELETE FROM registrations WHERE event_id = ? AND contact_id = ?",
            (event_id, done.contact_id),
        )
        done.registrations += 1
        if promoted is not None:
            done.promoted.append(promoted)
            seat_notice.notify_promoted(
                conn, event, promoted, now, default_language=default_language, timezone=timezone
            )


def _erase_outbox(conn: sqlite3.Connection, contact_id: int) -> int:
    """No address left in the ledger, nothing queued goes out, and a text sent to this
    person alone (a notice queued for them only) is blanked. A fan-out's text is shared
    by its (kind, ref) and is the CDA's, kept in `broadcasts` anyway."""
    conn.execute(
        "UPDATE outbox_payloads SET body = ? WHERE id IN (SELECT o.payload_id FROM outbox o"
        " WHERE o.contact_id = ? AND NOT EXISTS (SELECT 1 FROM outbox x"
        " WHERE x.kind = o.kind AND x.ref = o.ref AND x.id != o.id))",
        (ERASED_PAYLOAD, contact_id),
    )
    cur = conn.execute(
        "UPDATE outbox SET chat_id = NULL, platform_message_id = NULL,"
        " status = CASE WHEN status IN ('queued', 'in_flight') THEN 'skipped' ELSE status END,"
        " last_error = CASE WHEN status IN ('queued', 'in_flight') THEN 'erased'"
        " ELSE last_error END"
        " WHERE contact_id = ?",
        (contact_id,),
    )
    return cur.rowcount


def _erase_failed_intake(conn: sqlite3.Connection, person: contacts.Contact) -> None:
    """Webhook payloads kept after handling them failed (bot/storage/intake.py) hold the
    sender's number and text: delete those that name this person. Pending ones are being
    handled and are deleted once handled."""
    if person.channel != "whatsapp":
        return
    for ident in {i for i in (person.channel_user_id, person.chat_id) if i and len(i) >= 6}:
        conn.execute(
            "DELETE FROM webhook_intake WHERE status = 'failed' AND instr(payload, ?) > 0",
            (f'"{ident}"',),
        )


def _pseudonymise(conn: sqlite3.Connection, person: contacts.Contact) -> int:
    """Replace the person's channel ids and phone numbers with `contact:<id>` where the
    audit log has them as the actor or the subject (and inside those entries' detail),
    and as the author of broadcasts, events, activities and attendance marks (only a CDA
    authors, and every CDA action is audited). Returns the audit entries changed."""
    pseudonym = f"contact:{person.id}"
    ids = {i for i in (person.channel_user_id, person.chat_id) if i}
    if person.phone:
        ids |= {person.phone, person.phone.lstrip("+")}
    refs = sorted({f"{person.channel}:{i}" for i in ids}, key=len, reverse=True)
    acted = False
    changed = 0
    for ref in refs:  # audit_log_actor / audit_log_subject (migration 0008)
        moved = conn.execute(
            "UPDATE audit_log SET actor = ? WHERE actor = ?", (pseudonym, ref)
        ).rowcount
        acted = acted or moved > 0
        changed += moved
        changed += conn.execute(
            "UPDATE audit_log SET subject = ? WHERE subject = ?", (pseudonym, ref)
        ).rowcount
    if acted:
        for ref in refs:
            for table, column in (
                ("broadcasts", "author"),
                ("events", "created_by"),
                ("activities", "created_by"),
                ("activity_notes", "by"),
                ("attendance", "marked_by"),
            ):
                conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (pseudonym, ref)
                )
    # A bare id or number inside their entries' detail; short ids would match other numbers.
    for text in sorted((*refs, *(i for i in ids if len(i) >= 6)), key=len, reverse=True):
        conn.execute(
            "UPDATE audit_log SET detail = replace(detail, ?, ?)"
            " WHERE (actor = ? OR subject = ?) AND instr(detail, ?) > 0",
            (text, pseudonym, pseudonym, pseudonym, text),
        )
    return changed


def due_for_retention(conn: sqlite3.Connection, cutoff: str, limit: int) -> list[int]:
    """Up to `limit` people whose last activity (last message, else registration, else
    first contact) is older than `cutoff`, not erased yet, oldest first."""
    return [
        int(row[0])
        for row in conn.execute(
            "SELECT id FROM contacts WHERE status != 'erased'"
            " AND COALESCE(last_inbound_at, registered_at, created_at) < ?"
            " ORDER BY COALESCE(last_inbound_at, registered_at, created_at), id LIMIT ?",
            (cutoff, limit),
        )
    ]


def forget_unregistered(conn: sqlite3.Connection, contact_id: int, now: str) -> None:
    """Delete the row of someone who refused consent: nothing about them was stored but
    the language, keyed by their channel id (on WhatsApp, the phone number). A row that
    something else points at (never for a refusal at onboarding) is erased instead."""
    conn.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))
    try:
        conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
    except sqlite3.IntegrityError:
        contacts.erase(conn, contact_id, now)
