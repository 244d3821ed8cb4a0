"""The words of networks and linkages: kinds, origins, linkage kinds and what a refused
change means, each short enough for a WhatsApp list row (24 characters) in every shipped
language (tests/handlers/networks/test_network_limits.py)."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.storage import networks as nw
from bot.vocabulary import LINKAGE_KINDS, NETWORK_KINDS, NETWORK_ORIGINS, ROLES

KIND_LABELS = NETWORK_KINDS
ORIGIN_LABELS = NETWORK_ORIGINS
LINKAGE_LABELS = LINKAGE_KINDS
assert tuple(KIND_LABELS) == nw.KINDS
assert tuple(ORIGIN_LABELS) == nw.ORIGINS
assert tuple(LINKAGE_LABELS) == nw.LINKAGE_KINDS

REFUSED: dict[str, str] = {
    "name_taken": N_("This cluster already has a network of that name. Please type another."),
    "bad_name": N_("Please type a name."),
    "bad_kind": N_("Please choose one of the buttons."),
    "bad_date": N_("That date cannot be used. Please type a date like 25-01-2026."),
    "no_network": N_("That network no longer exists."),
    "other_cluster": N_("That person or network belongs to another cluster."),
    "not_registered": N_("That person is not registered (any more)."),
    "already_member": N_("{name} is a member already."),
    "already_invited": N_("{name} has been invited already."),
    "not_invited": N_("There is no open invitation to answer."),
    "not_member": N_("{name} is not a member."),
    "bad_actor": N_("Please choose one of the buttons."),
    "same_actor": N_("A network cannot be linked to itself. Please choose another."),
    "no_linkage": N_("That linkage has ended already."),
}
assert REFUSED.keys() == nw.CODES.keys()


def kind_label(_: Translator, kind: str) -> str:
    return _(KIND_LABELS.get(kind, KIND_LABELS["other"]))


def origin_label(_: Translator, origin: str) -> str:
    return _(ORIGIN_LABELS[origin])


def linkage_label(_: Translator, kind: str) -> str:
    return _(LINKAGE_LABELS[kind])


def refused(_: Translator, error: nw.NetworkError, name: str = "") -> str:
    return _(REFUSED[error.code]).format(name=name)


def actor_name(_: Translator, kind: str, ref: str, names: dict[str, str]) -> str:
    """A linkage end as the reader reads it: the role's label, or the network's name."""
    if kind == "role":
        return _(ROLES[ref]) if ref in ROLES else ref
    return names.get(ref, "?")
