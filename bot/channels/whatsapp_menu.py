"""Commands without the slash, and the "Menu" list message (SPEC §5: "On WhatsApp the same
words work without the slash, and a menu button lists them").

Both are built from the command table (`bot.commands`), so a new command appears in
the WhatsApp menu, and works typed without its slash, with no change here.
"""

from __future__ import annotations

from bot.channels.whatsapp_render import WaRequest, Words, list_message, list_row
from bot.commands import OBSERVER_COMMANDS, Audience, Command, commands, find, menu_label
from bot.i18n import translator
from bot.limits import WHATSAPP_MAX_LIST_ROWS

# Left out when a list would need more than its 10 rows: the Menu is the help (its text
# says to type a word like help), and on WhatsApp words typed outside a flow are offered to
# the CDA while the main menu's buttons keep "Write to the CDA" and "My messages" (issue
# 15), so a stakeholder's Menu stays one list.
SPARE = frozenset({"help", "ask", "mine"})

# Typing "menu" shows the menu list; people also write the word in their own script.
MENU_WORDS = frozenset({"menu", "मेनू", "मेन्यू", "మెనూ", "మెను", "മെനു", "મેનુ", "મેનૂ", "மெனு"})


def slashless(text: str) -> tuple[str, bool]:
    """(text with a command word given its slash, whether the person asked for the menu).

    "Survey", "HELP", "start BAGRU" -> "/survey", "/help", "/start BAGRU". The message must
    be a registered command word alone, or with one code after it for the commands that
    take one, so ordinary answers pass through unchanged: "Bagru", "2", and sentences that
    merely begin with a command word ("stop using chemical dyes" answering a survey
    question must not opt the person out).
    """
    stripped = text.strip()
    parts = stripped.split(maxsplit=1)
    if not parts:
        return text, False
    word = parts[0].casefold()
    rest = f" {parts[1]}" if len(parts) > 1 else ""
    if word.startswith("/"):
        return text, word[1:].split("@", 1)[0] in MENU_WORDS and not rest
    if word in MENU_WORDS and not rest:
        return "/menu", True
    entry = find(word) if word.isascii() else None
    fits = not rest or (entry is not None and entry.takes_code and len(parts[1].split()) == 1)
    if entry is not None and fits:
        return f"/{word}{rest}", False
    return text, False


def menu_requests(
    language: str, words: Words, *, registered: bool, cda: bool, observer: bool
) -> list[WaRequest]:
    """The Menu: one list message per group of commands (a list holds 10 rows at most).

    Rows are titled with the command's short label (`MENU_LABELS`) and carry the word to
    type and the fuller description, so the menu also teaches the slash-free commands.
    """
    _ = translator(language)

    def row(entry: Command) -> tuple[str, str, str]:
        title, description = menu_label(entry, _), _(entry.description)
        more = entry.name if description == title else f"{entry.name} · {description}"
        return entry.name, title, more

    groups: list[tuple[str, list[tuple[str, str, str]]]] = [
        (_("What would you like to do? Pick from the menu, or type a word like help."), []),
        (_("For the cluster team:"), []),
    ]
    for entry in commands():
        if not entry.in_menu or (entry.name == "start" and registered):
            continue
        if observer and not (cda or registered) and entry.name not in OBSERVER_COMMANDS:
            continue
        if entry.audience in (Audience.EVERYONE, Audience.MEMBER):
            groups[0][1].append(row(entry))
        elif (entry.audience is Audience.CDA and cda) or (
            entry.audience is Audience.REPORT and (cda or observer)
        ):
            groups[1][1].append(row(entry))
    out = []
    for body, entries in groups:
        if len(entries) > WHATSAPP_MAX_LIST_ROWS:
            entries = [each for each in entries if each[0] not in SPARE]
        for i in range(0, len(entries), WHATSAPP_MAX_LIST_ROWS):
            rows = [
                list_row(f"cmd:{name}", title, more)
                for name, title, more in entries[i : i + WHATSAPP_MAX_LIST_ROWS]
            ]
            out.append(WaRequest(list_message(body, words.menu, rows)))
    return out
