"""The survey form model: frozen dataclasses that the chat runner walks.

Pipeline (like pyxform's own: file -> sheets -> checked dict -> objects)::

    loader.read_workbook(path)      file -> Workbook (plain rows with row numbers)
    builder.build_form(workbook)    Workbook -> Form + warnings, or FormImportError
    loader.load_form(path)          both, plus pyxform's own checks -> ImportReport

This module is the model only; `builder.py` compiles a workbook into it (and never imports
pyxform either: `loader.py` turns every input format into the same `Workbook`).

A `Form` is stored as JSON (`form_to_json` / `form_from_json`) with the survey version, so
a response is always read against the exact model it was collected with.

Conventions the runner relies on:

* Texts (labels, hints, messages) are dicts keyed by ISO 639-1 code ("en", "hi", "te");
  use `localized(texts, lang, form.default_language)` to pick one.
* Expressions are stored with typographic quotes already replaced and are known to parse
  with `expr.parse` and to use only `expr.SUPPORTED_FUNCTIONS`; every `${name}` they use
  names a question, group or repeat of the form.
* `required` is a literal yes/no; a computed requirement is in `required_if`.
* `default` is a literal unless `default_is_expression`.
* `or_other` selects keep their list as written; the runner adds the "other" choice
  and stores the typed text under `<name>_other`.
* `range` questions always carry `parameters` start, end and step (ODK defaults filled).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

JSON_FORMAT = 1  # bump when the stored JSON shape changes; form_from_json checks it

SUPPORTED_TYPES = frozenset(
    {
        "text", "integer", "decimal", "select_one", "select_multiple", "date", "time",
        "geopoint", "image", "audio", "note", "acknowledge", "range", "calculate",
        "datetime", "geotrace", "geoshape", "rank", "metadata", "video", "file",
    }
)  # fmt: skip


# ----------------------------------------------------------------------------- model ---
@dataclass(frozen=True)
class Choice:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # other columns, for choice_filter
    row: int = 0


@dataclass(frozen=True)
class Question:
    name: str
    type: str  # one of SUPPORTED_TYPES
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    required: bool = False
    required_if: str | None = None  # an expression; `required` is False when this is set
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    calculation: str | None = None
    default: str | None = None
    default_is_expression: bool = False
    choices: tuple[Choice, ...] = ()
    list_name: str | None = None
    choice_filter: str | None = None
    or_other: bool = False
    parameters: dict[str, str] = field(default_factory=dict)
    appearance: str | None = None
    row: int = 0
    # Form media sent with the question: kind ("image", "big-image", "audio", "video") ->
    # language code -> file name (the file's content is stored with the form version).
    media: dict[str, dict[str, str]] = field(default_factory=dict)
    guidance: dict[str, str] = field(default_factory=dict)  # guidance_hint, by language
    # A voice note may answer a `text` question unless the form's `voice` column (or
    # `bind::clusterbot:voice`) says `no` (issue 14; `bot.surveys.answers.takes_voice`).
    voice: bool = True
    # An outcome indicator (the form's `indicator` column, issue 18): its change between
    # rounds is measured per enterprise (bot/surveys/change.py).
    indicator: bool = False
    # A linkage source (the form's `linkage` column, issue 19): `KIND:role` or `KIND:chosen`
    # on a select whose choices are actor types or networks (bot/networks/survey_links.py).
    linkage: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None
    children: tuple[Node, ...] = ()
    appearance: str | None = None
    row: int = 0


@dataclass(frozen=True)
class Repeat:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None
    repeat_count: str | None = None  # None: the runner asks "add another?"
    children: tuple[Node, ...] = ()
    row: int = 0
    # How many rounds it has is an outcome indicator (`indicator` on its begin repeat row,
    # e.g. how many products an enterprise makes; issue 18).
    indicator: bool = False


Node: TypeAlias = Question | Group | Repeat


@dataclass(frozen=True)
class Form:
    key: str
    title: str
    version: str
    default_language: str
    languages: tuple[str, ...]
    children: tuple[Node, ...]
    titles: dict[str, str] = field(default_factory=dict)
    source: str = ""  # the file name it was imported from
    # Choice lists read by instance('list')/root/item[name = ...]/field lookups.
    lists: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    # CSV files read by pulldata('name', ...), given with --media: name -> rows.
    data: dict[str, tuple[dict[str, str], ...]] = field(default_factory=dict)
    # Media files the questions send (media::image, ...): file name -> sha256 of its
    # content; the bytes are stored beside the form (`bot.storage.surveys`).
    media: dict[str, str] = field(default_factory=dict)
    # settings `instance_name`: an expression on the answers, the response's title.
    instance_name: str | None = None

    def walk(self) -> Iterator[tuple[tuple[str, ...], Question]]:
        """Every question in form order with its path, e.g. ("enterprise", "products", "q")."""
        stack: list[tuple[tuple[str, ...], Node]] = [((), n) for n in reversed(self.children)]
        while stack:
            parents, node = stack.pop()
            path = (*parents, node.name)
            if isinstance(node, Question):
                yield path, node
            else:
                stack.extend((path, child) for child in reversed(node.children))

    def nodes(self) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Every question, group and repeat in form order with its path."""
        stack: list[tuple[tuple[str, ...], Node]] = [((), n) for n in reversed(self.children)]
        while stack:
            parents, node = stack.pop()
            path = (*parents, node.name)
            yield path, node
            if not isinstance(node, Question):
                stack.extend((path, child) for child in reversed(node.children))

    def comparable(self) -> dict[str, Question | Repeat]:
        """What can be compared between rounds, by name: the questions outside any repeat
        (one answer per response, stored under the name) and the repeats (their count,
        stored as `name@count`). Issue 18."""
        out: dict[str, Question | Repeat] = {}

        def visit(nodes: tuple[Node, ...], in_repeat: bool) -> None:
            for node in nodes:
                if isinstance(node, Question | Repeat) and not in_repeat:
                    out[node.name] = node
                if not isinstance(node, Question):
                    visit(node.children, in_repeat or isinstance(node, Repeat))

        visit(self.children, False)
        return out

    def question(self, name: str) -> Question:
        for _, question in self.walk():
            if question.name == name:
                return question
        raise KeyError(name)

    def path_of(self, name: str) -> tuple[str, ...]:
        for path, node in self.nodes():
            if node.name == name:
                return path
        raise KeyError(name)


def localized(texts: dict[str, str], language: str, default_language: str) -> str:
    """The text in `language`, else in the form's default language, else any, else ""."""
    return texts.get(language) or texts.get(default_language) or next(iter(texts.values()), "")


# ------------------------------------------------------------------------------ json ---
def form_to_json(form: Form) -> str:
    """The form as JSON text; `form_from_json` gives back an equal Form."""
    data = {
        "format": JSON_FORMAT,
        "key": form.key,
        "title": form.title,
        "titles": form.titles,
        "version": form.version,
        "default_language": form.default_language,
        "languages": list(form.languages),
        "source": form.source,
        "children": [_node_to_dict(n) for n in form.children],
    }
    if form.lists:
        data["lists"] = {k: [c.__dict__ for c in v] for k, v in form.lists.items()}
    if form.data:
        data["data"] = {k: list(v) for k, v in form.data.items()}
    if form.media:
        data["media"] = form.media
    if form.instance_name:
        data["instance_name"] = form.instance_name
    return json.dumps(data, ensure_ascii=False)


def form_from_json(text: str) -> Form:
    data = json.loads(text)
    if data.get("format") != JSON_FORMAT:
        raise ValueError(f"unknown stored form format {data.get('format')!r}")
    return Form(
        key=data["key"],
        title=data["title"],
        titles=dict(data["titles"]),
        version=data["version"],
        default_language=data["default_language"],
        languages=tuple(data["languages"]),
        source=data["source"],
        children=tuple(_node_from_dict(n) for n in data["children"]),
        lists={k: tuple(Choice(**c) for c in v) for k, v in data.get("lists", {}).items()},
        data={k: tuple(v) for k, v in data.get("data", {}).items()},
        media=dict(data.get("media", {})),
        instance_name=data.get("instance_name"),
    )


def _node_to_dict(node: Node) -> dict[str, Any]:
    if isinstance(node, Question):
        out: dict[str, Any] = {"kind": "question", **node.__dict__}
        out["choices"] = [c.__dict__ for c in node.choices]
        for empty in ("media", "guidance"):  # forms stored before these fields stay equal
            if not out[empty]:
                del out[empty]
        if out["voice"]:
            del out["voice"]
        if not out["indicator"]:  # forms stored before issue 18 stay equal
            del out["indicator"]
        if out["linkage"] is None:  # forms stored before issue 19 stay equal
            del out["linkage"]
        return out
    kind = "group" if isinstance(node, Group) else "repeat"
    out = {"kind": kind, **node.__dict__}
    out["children"] = [_node_to_dict(c) for c in node.children]
    if "indicator" in out and not out["indicator"]:  # forms stored before issue 18 stay equal
        del out["indicator"]
    return out


def _node_from_dict(data: dict[str, Any]) -> Node:
    fields = {k: v for k, v in data.items() if k != "kind"}
    kind = data["kind"]
    if kind == "question":
        fields["choices"] = tuple(Choice(**c) for c in fields["choices"])
        return Question(**fields)
    fields["children"] = tuple(_node_from_dict(c) for c in fields["children"])
    return Group(**fields) if kind == "group" else Repeat(**fields)


# ------------------------------------------------------------------------- languages ---
# Common language names in XLSForm headers ("label::Hindi") -> ISO 639-1.
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "hindi": "hi", "telugu": "te", "tamil": "ta", "kannada": "kn",
    "malayalam": "ml", "marathi": "mr", "bengali": "bn", "bangla": "bn", "gujarati": "gu",
    "odia": "or", "oriya": "or", "punjabi": "pa", "urdu": "ur", "assamese": "as",
    "nepali": "ne", "sinhala": "si", "french": "fr", "spanish": "es", "portuguese": "pt",
    "chinese": "zh", "arabic": "ar", "swahili": "sw", "amharic": "am", "german": "de",
    "italian": "it", "russian": "ru", "indonesian": "id", "thai": "th", "vietnamese": "vi",
    "burmese": "my", "khmer": "km", "tigrinya": "ti", "oromo": "om", "oromiffa": "om",
    "somali": "so", "hausa": "ha", "yoruba": "yo", "igbo": "ig", "zulu": "zu", "dutch": "nl",
    "turkish": "tr", "persian": "fa", "farsi": "fa", "pashto": "ps", "japanese": "ja",
    "korean": "ko", "हिन्दी": "hi", "हिंदी": "hi", "తెలుగు": "te", "தமிழ்": "ta", "मराठी": "mr",
    "বাংলা": "bn", "ગુજરાતી": "gu", "മലയാളം": "ml", "ਪੰਜਾਬੀ": "pa",
}  # fmt: skip
_KNOWN_CODES = frozenset(LANGUAGE_NAMES.values())
CODE_IN_PARENS = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")
DEFAULT_LANGUAGE = "en"


def language_code(name: str) -> tuple[str, bool]:
    """ISO code for a header language ("Hindi (hi)", "hindi", "hi"); False if guessed.

    An unknown name without a code keeps a slug of itself, so the form still loads.
    """
    text = name.strip()
    match = CODE_IN_PARENS.search(text)
    if match:
        return match.group(1).lower().replace("_", "-"), True
    lowered = text.lower()
    if lowered in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[lowered], True
    if lowered in _KNOWN_CODES:
        return lowered, True
    return re.sub(r"[^\w]+", "_", lowered).strip("_") or "und", False

LAST_SAVED = "last-saved#"  # ${last-saved#name}: the previous response's answer
QUESTION_MEDIA = ("image", "big-image", "audio", "video")
