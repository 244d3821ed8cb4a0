"""The `linkage` question kind (issue 19): a survey answer that reports who works with whom.

A `select_one` or `select_multiple` question with a `linkage` column (or
`bind::clusterbot:linkage`) becomes a linkage source:

- `KIND` or `KIND:role` — the respondent's role <KIND> the chosen actor
  ("From whom do you buy your dyes?", `buys_from:role`: artisan buys from supplier);
- `KIND:chosen` — the chosen actor <KIND> the respondent's role
  ("Who trains you?", `trains:chosen`: the institute trains artisans).

KIND is one of `bot.storage.networks.LINKAGE_KINDS`. A choice names an actor when its name
is a role key (`supplier`, `bank`, ...), or when its name or one of its labels is the name
of a network of the respondent's cluster (case, spaces and underscores aside: `mahila_shg`
is the network "Mahila SHG"); any other choice (`none`, `other`, a network that does not
exist) records nothing. The linkages are recorded once, when the response is completed, one
per chosen actor, dated the day of completion in the cluster's time zone, with the
response and the respondent (so `/forget` and a deleted response take them away).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Mapping

from bot.storage import networks as nw
from bot.surveys.model import Form, Question
from bot.vocabulary import ROLES

log = logging.getLogger(__name__)

DIRECTIONS = ("role", "chosen")
SELECTS = ("select_one", "select_multiple")


def problem(value: str, qtype: str) -> str | None:
    """Why the column's value cannot be used on a question of `qtype`, or None."""
    if qtype not in SELECTS:
        return "it goes on a select_one or select_multiple question"
    kind, _, direction = value.strip().casefold().partition(":")
    if kind not in nw.LINKAGE_KINDS:
        return f"the kind is one of {', '.join(nw.LINKAGE_KINDS)}"
    if direction and direction not in DIRECTIONS:
        return "after the colon comes role or chosen"
    return None


def normalise(value: str) -> str:
    """'Buys_From' -> 'buys_from:role': the stored spelling."""
    kind, _, direction = value.strip().casefold().partition(":")
    return f"{kind}:{direction or 'role'}"


def _plain(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().casefold()


def actor_of(
    question: Question, choice_name: str, networks: Mapping[str, nw.Network]
) -> tuple[str, str] | None:
    """The actor a chosen choice names: ('role', key), ('network', id) or None.
    `networks` maps a plain (see `_plain`) network name to the network."""
    if choice_name in ROLES:
        return ("role", choice_name)
    choice = next((c for c in question.choices if c.name == choice_name), None)
    names = [choice_name, *(choice.labels.values() if choice else ())]
    for name in names:
        found = networks.get(_plain(name))
        if found is not None:
            return ("network", str(found.id))
    return None


def _question_of(form: Form, path: str) -> Question | None:
    from bot.surveys.navigation import SlotKind, index_of

    if path.startswith("+"):
        return None
    slot = index_of(form).slot_at(path)
    if slot is None or slot.kind != SlotKind.QUESTION:
        return None
    return slot.question


def record_response(
    conn: sqlite3.Connection,
    form: Form,
    answers: Mapping[str, str],
    *,
    cluster_id: int | None,
    role: str | None,
    contact_id: int,
    response_id: int,
    day: str,
    actor: str,
    now: str,
) -> list[nw.Linkage]:
    """Record the linkages a completed response reports (none without a role or cluster)."""
    if cluster_id is None or role not in ROLES:
        return []
    asked = [q for _path, q in form.walk() if q.linkage]
    if not asked:
        return []
    networks = {_plain(n.name): n for n in nw.in_cluster(conn, cluster_id)}
    respondent = ("role", str(role))
    recorded = []
    for path in sorted(answers):
        question = _question_of(form, path)
        if question is None or not question.linkage:
            continue
        kind, _, direction = question.linkage.partition(":")
        for name in dict.fromkeys(answers[path].split()):  # each choice once
            chosen = actor_of(question, name, networks)
            if chosen is None:
                continue
            ends = (chosen, respondent) if direction == "chosen" else (respondent, chosen)
            try:
                recorded.append(nw.record_linkage(
                    conn, cluster_id, ends[0], ends[1], kind, day, actor=actor, now=now,
                    source="survey", reported_by=contact_id, response_id=response_id,
                ))  # fmt: skip
            except nw.NetworkError as error:  # e.g. a network that has just been deleted
                log.info("linkage from response %s not recorded: %s", response_id, error.code)
    return recorded
