"""What a person sent -> the XForm string stored for a question, or why it does not fit.

`parse(question, sent, ...)` checks the *type* only (a number where a number is asked, a
date that exists, a photo for an image question); `required` and `constraint` are the
runner's business because they need the other answers. A refusal is a `Problem` with a
code and parameters: the handler words it in the person's language.

Stored forms (what ODK Collect would submit):
    integer / decimal / range   '12', '2.5'          date         '2024-12-25'
    time                        '09:30:00'           geopoint     '26.81 75.55 0 0'
    select_one                  'choice_name'        select_multiple  'a c' (form order)
    image / audio               the stored file path (or the platform file id)
    a voice note at a text question   VOICE_MARK + the stored file path (`voice_path`)
    acknowledge                 'OK'                 text         the text, spaces tidied
    datetime                    '2024-12-25T09:30:00'
    geotrace / geoshape         '26.81 75.55 0 0;26.82 75.56 0 0' (a shape ends where it began)
    rank                        'b a c' (every choice, in the person's order)
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.limits import MAX_INPUT_LENGTH
from bot.parse.dates import DateError, direction_of, parse_date, parse_time, read_date, split_time
from bot.parse.digits import ascii_digits, fold_words, has_words
from bot.parse.numbers import parse_number
from bot.surveys import expr
from bot.surveys.model import Choice, Question, localized

XFORM_INT_MAX = 2**31 - 1
OTHER_NAME = "other"  # what XLSForm's or_other stores  # xsd:int, what ODK stores integers as


# Media questions -> the kind of file that answers them (`Sent.kind`, also the Problem code).
_MEDIA_SENT = {"image": "photo", "audio": "audio", "video": "video", "file": "document"}

# A voice note answering a `text` question (issue 14) is stored as this mark and the file's
# path. Typed text never starts with a line break (spaces are tidied), so no typed answer
# can pass for a recording, and erasure deletes only files that were sent.
VOICE_MARK = expr.VOICE_MARK  # "🎤\n"


def takes_voice(question: Question) -> bool:
    """Whether a voice note may answer this question: a `text` question whose form does not
    say `voice` = no, with no constraint (a recording cannot be checked against one) and
    not typed as digits (appearance `numbers`)."""
    return (
        question.type == "text"
        and question.voice
        and not question.constraint
        and "numbers" not in (question.appearance or "")
    )


def voice_path(value: str | None) -> str | None:
    """The file of a voice answer to a text question, or None for any other value."""
    if value and value.startswith(VOICE_MARK):
        return value[len(VOICE_MARK) :]
    return None


@dataclass(frozen=True)
class Sent:
    """A channel-neutral answer: typed text, a shared location, or a media file."""

    kind: str  # "text", "location", "photo", "audio", "other"
    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    media: str = ""


@dataclass(frozen=True)
class Problem:
    """Why an answer was not taken: `code` names the message, `params` fill it in."""

    code: str
    params: dict[str, str] = field(default_factory=dict)


def parse(
    question: Question,
    sent: Sent,
    *,
    today: date,
    language: str,
    default_language: str,
    choices: Sequence[tuple[int, Choice]] = (),
    other_label: str = "",
) -> str | Problem:
    """The stored value for `sent`, or the Problem to explain (see the module docstring)."""
    kind = question.type
    if kind == "geopoint":
        return _geopoint(sent)
    if kind in ("geotrace", "geoshape") and sent.kind == "text":
        return _points(sent.text, closed=kind == "geoshape")
    if kind in _MEDIA_SENT:
        wanted = _MEDIA_SENT[kind]
        if sent.kind == wanted and sent.media:
            return sent.media
        return Problem(wanted)
    if sent.kind == "audio" and sent.media and takes_voice(question):
        return VOICE_MARK + sent.media
    if sent.kind != "text" or not sent.text.strip():
        return Problem(_expected(kind))
    text = " ".join(sent.text.split())
    if len(sent.text) > MAX_INPUT_LENGTH:
        return Problem("too_long", {"max": str(MAX_INPUT_LENGTH)})
    if kind == "text":
        return text if has_words(text) else Problem("no_words")  # not emoji alone
    if kind == "integer":
        return _integer(text)
    if kind == "decimal":
        return _decimal(text)
    if kind == "range":
        return range_value(question, text)
    if kind == "date":
        day = read_date(text, today, appearance=question.appearance or "",
                        direction=direction_of(question.constraint))  # fmt: skip
        if day is DateError.AMBIGUOUS:
            return Problem("which_day")  # कल with nothing to say which: asked back
        return day.isoformat() if isinstance(day, date) else Problem("date")
    if kind == "time":
        moment = parse_time(text)
        return moment.strftime("%H:%M:%S") if moment else Problem("time")
    if kind == "select_one":
        picked = match_choice(text, choices, language, default_language, other_label)
        return picked if picked is not None else Problem("choice")
    if kind == "select_multiple":
        return _multiple(text, choices, language, default_language, other_label)
    if kind == "datetime":
        return _datetime(text, today, question.appearance or "")
    if kind == "rank":
        return _rank(text, choices or list(enumerate(question.choices)), language,
                     default_language)  # fmt: skip
    if kind == "acknowledge":
        return "OK"
    return Problem("button")


def normalise_default(question: Question, value: str) -> str:
    """A form's literal default in the stored form (a time default '09:00' -> '09:00:00')."""
    if question.type == "time":
        moment = parse_time(value)
        return moment.strftime("%H:%M:%S") if moment else value
    return value


def _expected(kind: str) -> str:
    return {
        "integer": "integer", "decimal": "decimal", "range": "integer", "date": "date",
        "time": "time", "select_one": "choice", "select_multiple": "choice",
        "datetime": "datetime", "geotrace": "geotrace", "geoshape": "geoshape", "rank": "rank",
    }.get(kind, "text")  # fmt: skip


def _datetime(text: str, today: date, appearance: str) -> str | Problem:
    """dateTime asked as one typed date and time ('25-12-2024 9:30') -> 'YYYY-MM-DDTHH:MM:SS'."""
    parts = split_time(text)
    if parts is None:
        return Problem("datetime")
    day = parse_date(parts[0], today, appearance=appearance)
    moment = parse_time(parts[1], bare_hour=True)
    if day is None or moment is None:
        return Problem("datetime")
    return f"{day.isoformat()}T{moment.strftime('%H:%M:%S')}"


def _points(text: str, *, closed: bool) -> str | Problem:
    """geotrace / geoshape typed as points, one 'latitude, longitude' per line (or ';'
    between them) -> ODK's 'lat lon 0 0;lat lon 0 0'; a shape is closed (last = first)."""
    code = "geoshape" if closed else "geotrace"
    points = []
    for part in re.split(r"[;\n]+", ascii_digits(text)):
        if not part.strip():
            continue
        found = _geopoint(Sent("text", text=part))
        if isinstance(found, Problem):
            return Problem(code)
        points.append(found)
    if closed and points and points[0] != points[-1]:
        points.append(points[0])
    distinct = len(set(points))
    if distinct < (3 if closed else 2):
        return Problem(code)
    return ";".join(points)


def _rank(
    text: str, choices: Sequence[tuple[int, Choice]], language: str, default_language: str
) -> str | Problem:
    """rank: every choice once, in the person's order ('2, 1, 3' or labels) -> names in that
    order, space-separated (what ODK stores)."""
    names: list[str] = []
    for part in re.split(r"[,;\n]+|\s+(?=\S)", text) if "," not in text else text.split(","):
        if not part.strip():
            continue
        found = match_choice(part, choices, language, default_language)
        if found is None or found in names:
            return Problem("rank")
        names.append(found)
    if len(names) != len(choices):
        return Problem("rank")
    return " ".join(names)


def _number(text: str) -> Decimal | None:
    """Numbers as people type them (`bot.parse.numbers`: ₹, lakh, 1,00,000, any digits, a
    unit word after); the same reading as every other flow."""
    found = parse_number(text)
    return found.value if found is not None else None


def _integer(text: str) -> str | Problem:
    value = _number(text)
    if value is None or value != value.to_integral_value():
        return Problem("integer")
    if abs(value) > XFORM_INT_MAX:
        return Problem("too_big")
    return str(int(value))


def _decimal(text: str) -> str | Problem:
    value = _number(text)
    if value is None:
        return Problem("decimal")
    if abs(value) > Decimal("1e15"):
        return Problem("too_big")
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


def range_steps(question: Question) -> list[Decimal]:
    """Every allowed value of a range question, when there are few enough to show."""
    start, end, step = (Decimal(question.parameters[k]) for k in ("start", "end", "step"))
    low, high = min(start, end), max(start, end)
    count = int((high - low) / step) + 1
    if count > 500:
        return []
    return [low + i * step for i in range(count)]


def range_value(question: Question, text: str) -> str | Problem:
    params = question.parameters
    value = _number(text)
    try:
        if value is None:
            raise InvalidOperation
        start, end, step = (Decimal(params[k]) for k in ("start", "end", "step"))
    except (InvalidOperation, KeyError):
        return Problem("range", dict(params))
    low, high = min(start, end), max(start, end)
    if not value.is_finite() or not low <= value <= high or (value - low) % step != 0:
        return Problem("range", {"start": str(low), "end": str(high), "step": str(step)})
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


def _geopoint(sent: Sent) -> str | Problem:
    if sent.kind == "location" and sent.latitude is not None and sent.longitude is not None:
        lat, lon = sent.latitude, sent.longitude
    elif sent.kind == "text":
        parts = [p for p in re.split(r"[\s,;]+", ascii_digits(sent.text.strip())) if p]
        try:
            lat, lon = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
        except ValueError:
            return Problem("geopoint")
    else:
        return Problem("geopoint")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Problem("geopoint")
    return f"{lat:.6f} {lon:.6f} 0 0"


# ----------------------------------------------------------------------------- choices ---
def choice_label(choice: Choice, language: str, default_language: str) -> str:
    return localized(choice.labels, language, default_language) or choice.name


# "Other" as people type it in the shipped languages (the or_other choice's label is
# "Other (type it)"; typing the word alone is enough).
OTHER_WORDS = frozenset(
    fold_words(w) for w in ("other", "others", "अन्य", "दूसरा", "कुछ और",
                            "ఇతర", "ఇతరం", "ఇతరాలు", "ఇంకేదైనా", "వేరే",
                            "வேறு", "மற்றவை", "மற்றது", "வேறு ஏதாவது",
                            "ਹੋਰ", "ਕੁਝ ਹੋਰ", "ਹੋਰ ਕੁਝ",
                            "മറ്റുള്ളവ", "മറ്റുള്ളത്", "മറ്റെന്തെങ്കിലും", "വേറെ",
                            "અન્ય", "બીજું", "બીજુ", "બીજું કંઈ")
)  # fmt: skip
# What people type between several choices: 1,3 · 1 3 · 1 और 3 · 1 మరియు 3 · 1 மற்றும் 3 ·
# 1 പിന്നെ 3 · 1 and 3.
_AND = re.compile(
    r"\s*(?:[,;\n+&]|\band\b|\s+और\s+|\s+तथा\s+|\s+మరియు\s+|\s+மற்றும்\s+|\s+ਅਤੇ\s+"
    r"|\s+പിന്നെ\s+|\s+കൂടാതെ\s+|\s+અને\s+)\s*", re.IGNORECASE
)
CLOSE_ENOUGH = 0.8  # difflib ratio for "Did you mean …?"


def _labels(choice: Choice) -> set[str]:
    return {fold_words(choice.name), *(fold_words(v) for v in choice.labels.values())}


def match_choice(
    text: str,
    choices: Sequence[tuple[int, Choice]],
    language: str,
    default_language: str,
    other_label: str = "",
) -> str | None:
    """The choice name a typed word means: its label in any language (case and Latin
    accents aside), its name, or its number in the list as shown."""
    typed = fold_words(text)
    if not typed:
        return None
    if other_label and typed in {fold_words(other_label), fold_words(OTHER_NAME), *OTHER_WORDS}:
        return "other"
    for _, choice in choices:
        if typed in _labels(choice):
            return choice.name
    number = ascii_digits(typed)
    if number.isdigit():
        shown = [c.name for _, c in choices] + (["other"] if other_label else [])
        if 1 <= int(number) <= len(shown):
            return shown[int(number) - 1]
    return None


def close_choice(
    text: str, choices: Sequence[tuple[int, Choice]], other_label: str = ""
) -> str | None:
    """The one choice a misspelt label most likely means ("Did you mean …?"), or None."""
    typed = fold_words(text)
    if len(typed) < 4 or ascii_digits(typed).isdigit():
        return None
    best, score = None, CLOSE_ENOUGH
    candidates = [(c.name, _labels(c)) for _, c in choices]
    if other_label:
        candidates.append((OTHER_NAME, {fold_words(other_label), *OTHER_WORDS}))
    for name, labels in candidates:
        for label in labels:
            ratio = difflib.SequenceMatcher(None, typed, label).ratio()
            if ratio > score or (ratio == score and best not in (None, name)):
                best, score = (name if ratio > score else None), ratio
    return best


def typed_choices(
    text: str,
    choices: Sequence[tuple[int, Choice]],
    language: str,
    default_language: str,
    other_label: str = "",
) -> list[str] | Problem:
    """The choices typed for a multi-select, in the order typed; Problem("not_a_choice",
    {"wrong": part}) names the first part that is none."""
    whole = match_choice(text, choices, language, default_language, other_label)
    if whole:
        return [whole]
    names: list[str] = []
    for part in _AND.split(text.strip()):
        if not part.strip():
            continue
        found = match_choice(part, choices, language, default_language, other_label)
        if found is None and " " in part.strip():
            pieces = [match_choice(p, choices, language, default_language, other_label)
                      for p in part.split()]  # fmt: skip
            if all(pieces):
                names += [p for p in pieces if p and p not in names]
                continue
        if found is None:
            return Problem("not_a_choice", {"wrong": " ".join(part.split())[:40]})
        if found not in names:
            names.append(found)
    return names if names else Problem("choice")


def _multiple(
    text: str,
    choices: Sequence[tuple[int, Choice]],
    language: str,
    default_language: str,
    other_label: str,
) -> str | Problem:
    names = typed_choices(text, choices, language, default_language, other_label)
    return names if isinstance(names, Problem) else join_selected(names, choices)


def join_selected(names: Sequence[str], choices: Sequence[tuple[int, Choice]]) -> str:
    """Space-separated choice names in the form's order (what select_multiple stores)."""
    order = [c.name for _, c in choices] + ["other"]
    chosen = set(names)
    return " ".join(name for name in order if name in chosen)
