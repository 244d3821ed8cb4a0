"""How a survey's questions, choices and respondent groups are named to a reader: shared by
the chat's /results (handlers/surveys/results_view.py) and the dashboard's survey pages."""

from __future__ import annotations

from bot.i18n import Translator
from bot.surveys.answers import choice_label
from bot.surveys.model import Question, localized
from bot.surveys.results import QuestionResult, Results
from bot.vocabulary import GENDERS, ROLES


def label_of(question: Question, language: str, default: str) -> str:
    """The question in the reader's language (else the form's); never its internal name
    unless the form gives no label at all, and then without underscores."""
    text = localized(question.labels, language, default)
    return " ".join(text.split()) if text else question.name.replace("_", " ").capitalize()


def group_label(_: Translator, by: str, key: str) -> str:
    table = GENDERS if by == "gender" else ROLES
    return _(table[key]) if key in table else _("Not given")


def default_language(found: Results) -> str:
    return found.survey.languages[0] if found.survey.languages else "en"


def choice_text(_: Translator, r: QuestionResult, name: str, default: str) -> str:
    choice = next((c for c in r.question.choices if c.name == name), None)
    return choice_label(choice, _.language, default) if choice else _.pgettext("choice", "Other")
