"""Forms shipped with clusterbot in `locales/forms/`: the cluster diagnostic survey.

The diagnostic is a short **core** (key `diagnostic`, at most 12 questions, about 4
minutes on a basic phone) and four optional **modules**, each a survey of its own with its
own key, answerable later and on its own. After the core the bot offers the modules the
person has not finished ("Answer more about …", handlers/surveys/respond.py); /survey
lists them too. Installing or importing `diagnostic` brings its modules with it.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from bot.i18n import N_, NC_
from bot.storage import surveys as store

# The modules of a core form, in the order they are offered, with the topic the button
# names ("Answer more about {topic}").
MODULES: dict[str, tuple[tuple[str, str], ...]] = {
    "diagnostic": (
        ("diagnostic_products", N_("products and market")),
        ("diagnostic_money", N_("money and credit")),
        ("diagnostic_skills", N_("skills and technology")),
        ("diagnostic_workers", N_("workers and safety")),
    ),
}
SHIPPED_FORMS = ("diagnostic", *(key for key, _ in MODULES["diagnostic"]))
# The modules' buttons after the core (a WhatsApp row holds 24 characters, a button 20;
# "Answer more about products and market" would be cut): the question asks the rest.
MODULE_BUTTONS: dict[str, str] = {
    "diagnostic_products": NC_("button", "Products and market"),
    "diagnostic_money": NC_("button", "Money and credit"),
    "diagnostic_skills": NC_("button", "Skills, technology"),
    "diagnostic_workers": NC_("button", "Workers and safety"),
}


def shipped_form(name: str) -> Path | None:
    """The file of a shipped form ('diagnostic', 'diagnostic_money', …), or None."""
    if name not in SHIPPED_FORMS:
        return None
    return Path(str(resources.files("locales").joinpath("forms", f"{name}.md")))


def family(name: str) -> tuple[str, ...]:
    """A shipped form and its modules, in import order ('diagnostic' -> core + 4)."""
    return (name, *(key for key, _ in MODULES.get(name, ())))


def modules_of(key: str) -> tuple[tuple[str, str], ...]:
    """(module key, topic msgid) of a core survey; () for any other survey."""
    return MODULES.get(key, ())


def install(conn: sqlite3.Connection, now: str, name: str = "diagnostic") -> store.Survey:
    """Import a shipped form and its modules (a no-op for a version already in the
    database). Returns the survey of `name` itself."""
    from bot.surveys.loader import load_form  # pyxform: imported only when needed

    first = None
    for each in family(name):
        path = shipped_form(each)
        assert path is not None, each
        survey, _ = store.import_form(conn, load_form(path).form, now=now)
        first = first or survey
    assert first is not None
    return first


def offered_after(key: str) -> tuple[tuple[str, str], ...]:
    """The modules to offer when `key` is finished: a core's modules, or a module's
    siblings (the other modules of its core)."""
    if key in MODULES:
        return MODULES[key]
    for modules in MODULES.values():
        if any(key == module for module, _ in modules):
            return tuple(m for m in modules if m[0] != key)
    return ()
