"""The command and flow table: one entry per chat command, in the order /help shows them,
and one per multi-message flow, each registered by the module that handles it.

`/help`, Telegram's `setMyCommands`, the WhatsApp menu and its slash-free words are all
built from this table, and the router finds a person's flow here. It lives in `bot/` so
that the channels read it without importing the conversations (which fill it when
`handlers` is imported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.engine import Context
from bot.i18n import N_, NC_, Translator


class Audience(StrEnum):
    EVERYONE = "everyone"  # works before registration too
    MEMBER = "member"  # registered stakeholders (and staff)
    CDA = "cda"  # cluster development agents only
    REPORT = "report"  # CDAs and observers


Handler = Callable[[Context], None]


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # a msgid, translated when shown
    audience: Audience
    handler: Handler | None = None  # None: announced but not built yet ("coming soon")
    aliases: tuple[str, ...] = ()
    in_menu: bool = True  # listed in /help and the platform command menus
    takes_code: bool = False  # one code may follow the word: `start BAGRU`, `survey diag`


_COMMANDS: list[Command] = []


def command(
    name: str,
    description: str,
    audience: Audience,
    *,
    aliases: tuple[str, ...] = (),
    in_menu: bool = True,
    takes_code: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler for a command (decorator)."""

    def register(fn: Handler) -> Handler:
        _replace(Command(name, description, audience, fn, aliases, in_menu, takes_code))
        return fn

    return register


@dataclass(frozen=True)
class Flow:
    """A conversation of several messages: its input goes to `on_input` while a person is
    in it; `own_commands` are the commands it handles itself (a survey's /back)."""

    name: str
    on_input: Handler
    own_commands: frozenset[str] = frozenset()


_FLOWS: dict[str, Flow] = {}


def flow(name: str, *, own_commands: frozenset[str] = frozenset()) -> Callable[[Handler], Handler]:
    """Register the input handler of a flow (decorator)."""

    def register(fn: Handler) -> Handler:
        _FLOWS[name] = Flow(name, fn, own_commands)
        return fn

    return register


def find_flow(name: str) -> Flow | None:
    return _FLOWS.get(name)


def announce(name: str, description: str, audience: Audience, *, in_menu: bool = True) -> None:
    """A command from SPEC §5 whose issue is not built yet: it exists and says so."""
    if find(name) is None:
        _COMMANDS.append(Command(name, description, audience, None, (), in_menu))


def _replace(new: Command) -> None:
    for i, existing in enumerate(_COMMANDS):
        if existing.name == new.name:
            _COMMANDS[i] = new
            return
    _COMMANDS.append(new)


def find(name: str) -> Command | None:
    for entry in _COMMANDS:
        if name == entry.name or name in entry.aliases:
            return entry
    return None


# The order people see in /help and in the platform menus.
ORDER = (
    "start",
    "survey",
    "events",
    "myevents",
    "updates",
    "ask",
    "mine",
    "profile",
    "language",
    "stop",
    "subscribe",
    "forget",
    "privacy",
    "help",
    "back",
    "skip",
    "cancel",
    "broadcast",
    "deliveries",
    "inbox",
    "newmeeting",
    "newvisit",
    "attendance",
    "activity",
    "results",
    "export",
    "report",
    "networks",
    "clustermap",
    "publicpage",
    "dashboard",
)


def commands() -> tuple[Command, ...]:
    rank = {name: i for i, name in enumerate(ORDER)}
    return tuple(sorted(_COMMANDS, key=lambda c: rank.get(c.name, len(rank))))


# Descriptions for the announced commands; the modules that build them register over these.
STAKEHOLDER_PLANNED = (
    ("survey", N_("Answer a survey"), Audience.MEMBER),
    ("events", N_("Meetings and exposure visits"), Audience.MEMBER),
    ("myevents", N_("My meetings and visits"), Audience.MEMBER),
    ("updates", N_("News from the cluster"), Audience.MEMBER),
)
CDA_PLANNED = (
    ("broadcast", N_("Send an update to the cluster"), Audience.CDA),
    ("deliveries", N_("Who received the updates"), Audience.CDA),
    ("newmeeting", N_("Plan a meeting"), Audience.CDA),
    ("newvisit", N_("Plan an exposure visit"), Audience.CDA),
    ("attendance", N_("Mark who came to an event"), Audience.CDA),
    ("activity", N_("Action plan activities"), Audience.CDA),
    ("results", N_("Survey results"), Audience.CDA),
    ("export", N_("Survey answers as a spreadsheet"), Audience.CDA),
    ("report", N_("M&E report"), Audience.REPORT),
)

# All an observer (implementing / funding agency) who is not also a registered stakeholder
# is offered (SPEC: "reads aggregate reports only"): /report, and the language and help
# everyone needs. Their menus (/help, WhatsApp Menu, Telegram command list) show no more.
OBSERVER_COMMANDS = ("report", "logframe", "clustermap", "dashboard", "language", "help")

# Menu rows (WhatsApp: a list row title holds 24 characters) name a command in a few words;
# the description says more where there is room (/help, Telegram's menu, a row's
# description). A command without an entry here shows its description.
MENU_LABELS: dict[str, str] = {
    "start": NC_("button", "Register or open menu"),
    "survey": NC_("button", "Answer a survey"),
    "events": NC_("button", "Meetings and visits"),
    "myevents": NC_("button", "My meetings, visits"),
    "updates": NC_("button", "Cluster updates"),
    "profile": NC_("button", "My data"),
    "language": NC_("button", "Change language"),
    "stop": NC_("button", "Stop updates"),
    "subscribe": NC_("button", "Get updates again"),
    "forget": NC_("button", "Erase my data"),
    "privacy": NC_("button", "How my data is used"),
    "help": NC_("button", "What I can do"),
    "broadcast": NC_("button", "Send an update"),
    "deliveries": NC_("button", "Who got updates"),
    "newmeeting": NC_("button", "Plan a meeting"),
    "newvisit": NC_("button", "Plan a visit"),
    "attendance": NC_("button", "Mark attendance"),
    "activity": NC_("button", "Action plan"),
    "results": NC_("button", "Survey results"),
    "export": NC_("button", "Survey spreadsheet"),
    "report": NC_("button", "M&E report"),
    "logframe": NC_("button", "Log-frame"),
    "networks": NC_("button", "Networks"),
    "clustermap": NC_("button", "Cluster map"),
    "publicpage": NC_("button", "Public web page"),
    "dashboard": NC_("button", "Web dashboard"),
    "ask": NC_("button", "Write to the CDA"),
    "mine": NC_("button", "My messages"),
    "inbox": NC_("button", "People's messages"),
}


def menu_label(entry: Command, _: Translator) -> str:
    """The command's name on a menu row or button, in the reader's language."""
    label = MENU_LABELS.get(entry.name)
    return _.pgettext("button", label) if label else _(entry.description)


def menu_entries(translate: Callable[[str], str], *, staff: bool) -> list[tuple[str, str]]:
    """(command, description) pairs for a platform's command menu."""
    audiences = {Audience.EVERYONE, Audience.MEMBER}
    if staff:
        audiences |= {Audience.CDA, Audience.REPORT}
    return [
        (c.name, translate(c.description))
        for c in commands()
        if c.in_menu and c.audience in audiences
    ]
