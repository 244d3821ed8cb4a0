"""XLSForm / ODK XPath expressions: tokenizer, parser, evaluator and printer.

Covers what real forms put in ``relevant``, ``constraint``, ``calculation``,
``choice_filter``, ``repeat_count`` and ``default``.  Grammar (XPath 1.0
subset, lowest precedence first; all binary operators are left-associative)::

    expr    := or
    or      := and ('or' and)*               and := eq ('and' eq)*
    eq      := rel (('=' | '!=') rel)*       rel := add (('<' | '<=' | '>' | '>=') add)*
    add     := mul (('+' | '-') mul)*        mul := unary (('*' | 'div' | 'mod') unary)*
    unary   := '-' unary | primary
    primary := NUMBER | STRING | '${' NAME '}' | '.' | FUNC '(' [expr (',' expr)*] ')'
             | '(' expr ')' | path
    path    := ['/'] step ('/' step)*        step := NAME | '.' | '..'   (must end in a NAME)

As in XPath, ``and or div mod`` are operators only where an operator is
expected, and ``-`` inside a name belongs to the name (``a-b`` is one name).
``..`` alone is accepted only as ``position(..)``.  Predicates, unions and
axes (``instance('x')/root/item[name = ...]``) fail at parse time, so the
importer can drop such an expression with a warning.  Function names are
checked against ``KNOWN_FUNCTIONS``: the ones implemented here
(``SUPPORTED_FUNCTIONS``, the ODK XForms library) and the XPath, ODK and
SurveyCTO ones the bot cannot evaluate (``UNEVALUATED_FUNCTIONS``, empty).

Evaluation follows JavaRosa (ODK Collect).  Answers arrive as stored XForm
strings, so strings that look like ``YYYY-MM-DD`` (or ISO date-times) turn
into day numbers wherever a number is needed, which makes
``today() - ${dob}`` a count of days and ``${d} < today()`` a date test.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from itertools import pairwise
from typing import Protocol, TypeAlias

# date/datetime are kept as such so format-date() can use them; datetime is a
# subclass of date, so isinstance checks must test datetime first.
Value: TypeAlias = str | float | bool | date | datetime


class ExprError(Exception):
    """Syntax (or evaluation) error.  ``position`` is the 0-based offset into
    the expression text, ``column`` the 1-based column shown in the message."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(f"{message} at column {position + 1}")
        self.message = message
        self.position = position
        self.column = position + 1


# ---------------------------------------------------------------- tree ----
@dataclass(frozen=True)
class Literal:
    value: str | float


@dataclass(frozen=True)
class Ref:
    name: str  # ${name}


@dataclass(frozen=True)
class Current:
    """'.', the answer being validated."""


@dataclass(frozen=True)
class Parent:
    """'..', only valid as position(..)."""


@dataclass(frozen=True)
class Path:
    absolute: bool
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Unary:
    operand: Expr
    op: str = "-"


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    # Position is for error messages only; it must not affect tree equality.
    pos: int = field(default=0, compare=False, repr=False)


Expr: TypeAlias = Literal | Ref | Current | Parent | Path | Unary | Binary | Call

_PREC = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
_WORD_OPS = frozenset({"and", "or", "div", "mod"})
_MAX_NESTING = 64  # parens / calls / unary minus: bounds parser recursion
_MAX_DEPTH = 250  # tree depth: bounds evaluate()/unparse() recursion

_QUOTES = {"‘": "'", "’": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "‟": '"', "„": '"', "″": '"'}


def normalise_quotes(text: str) -> tuple[str, bool]:
    """Replace typographic quotes (as pasted from Word/Excel) with ASCII ones."""
    new = "".join(_QUOTES.get(c, c) for c in text)
    return new, new != text


# ---------------------------------------------------------------- lexer ---
@dataclass(frozen=True)
class _Tok:
    kind: str  # num str ref name op dot dotdot end
    text: str
    pos: int


_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() accepts '²'


def _name_start(c: str) -> bool:
    return c.isalpha() or c == "_"


def _scan_name(text: str, i: int) -> int:
    while i < len(text) and (text[i].isalnum() or text[i] in "_-."):
        i += 1
    return i


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c, start = text[i], i
        if c.isspace():
            i += 1
            continue
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            i += 1
            while i < n and text[i] in _DIGITS:
                i += 1
            if c != "." and i < n and text[i] == ".":
                i += 1
                while i < n and text[i] in _DIGITS:
                    i += 1
            toks.append(_Tok("num", text[start:i], start))
        elif c in "'\"":
            end = text.find(c, i + 1)  # XPath 1.0 strings have no escapes
            if end < 0:
                raise ExprError("unterminated string", start)
            toks.append(_Tok("str", text[i + 1 : end], start))
            i = end + 1
        elif c == "$":
            end = text.find("}", i)
            name = text[i + 2 : end] if text.startswith("${", i) and end > 0 else ""
            bare = name.removeprefix("last-saved#")  # ${last-saved#q}: empty in a chat
            if not bare or not _name_start(bare[0]) or _scan_name(bare, 0) != len(bare):
                raise ExprError("invalid reference, expected ${name}", start)
            toks.append(_Tok("ref", name, start))
            i = end + 1
        elif c == ".":
            kind = "dotdot" if text.startswith("..", i) else "dot"
            i += 2 if kind == "dotdot" else 1
            toks.append(_Tok(kind, text[start:i], start))
        elif _name_start(c):
            i = _scan_name(text, i)
            if i + 1 < n and text[i] == ":" and _name_start(text[i + 1]):  # jr:choice-name
                i = _scan_name(text, i + 1)
            toks.append(_Tok("name", text[start:i], start))
        elif text.startswith(("!=", "<=", ">="), i):
            i += 2
            toks.append(_Tok("op", text[start:i], start))
        elif c in "+-*=<>(),/":
            i += 1
            toks.append(_Tok("op", c, start))
        else:
            hint = " (typographic quote: use ' or \")" if c in _QUOTES else ""
            raise ExprError(f"unexpected character '{c}'{hint}", start)
    toks.append(_Tok("end", "", n))
    return toks


# --------------------------------------------------------------- parser ---
class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.nesting = 0

    def peek(self) -> _Tok:
        return self.toks[min(self.i, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, tok: _Tok, expected: str = "") -> ExprError:
        what = "end of expression" if tok.kind == "end" else f"'{tok.text}'"
        if tok.kind == "str":
            what = f"string {unparse(Literal(tok.text))}"
        elif tok.kind == "ref":
            what = f"'${{{tok.text}}}'"
        return ExprError(
            f"unexpected {what}" + (f", expected {expected}" if expected else ""), tok.pos
        )

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != text:
            raise self.fail(tok, f"'{text}'")

    def nest(self, tok: _Tok) -> None:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise ExprError("expression nested too deeply", tok.pos)

    def binop(self) -> str | None:
        tok = self.peek()
        if (tok.kind == "op" and tok.text in _PREC) or (
            tok.kind == "name" and tok.text in _WORD_OPS
        ):
            return tok.text
        return None

    def expr(self, min_prec: int = 1) -> Expr:
        # Precedence climbing: loops over same-level operators, so long
        # `a + b + c ...` chains do not recurse.
        left = self.unary()
        while (op := self.binop()) is not None and _PREC[op] >= min_prec:
            self.take()
            left = Binary(op, left, self.expr(_PREC[op] + 1))
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "-":
            self.take()
            self.nest(tok)
            operand = self.unary()
            self.nesting -= 1
            return Unary(operand)
        return self.primary()

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            if math.isinf(value):
                raise ExprError("number too large", tok.pos)
            return Literal(value)
        if tok.kind == "str":
            return Literal(tok.text)
        if tok.kind == "ref":
            return Ref(tok.text)
        if tok.kind == "op" and tok.text == "(":
            self.nest(tok)
            inner = self.expr()
            self.expect(")")
            self.nesting -= 1
            return inner
        if tok.kind == "name" and self.peek().kind == "op" and self.peek().text == "(":
            return self.call(tok)
        if tok.kind in ("name", "dot", "dotdot") or (tok.kind == "op" and tok.text == "/"):
            return self.path(tok)
        raise self.fail(tok)

    def path(self, first: _Tok) -> Expr:
        absolute = first.kind == "op"  # a leading '/'
        last = self.take() if absolute else first
        steps = []
        while True:
            if last.kind not in ("name", "dot", "dotdot"):
                raise self.fail(last, "a name")
            steps.append(last.text)
            if not (self.peek().kind == "op" and self.peek().text == "/"):
                break
            self.take()
            last = self.take()
        if steps == ["."] and not absolute:
            return Current()
        if steps == [".."] and not absolute:
            raise ExprError("'..' is only supported as position(..)", first.pos)
        if last.kind != "name":
            raise ExprError("a path must end with a name", last.pos)
        return Path(absolute, tuple(steps))

    def call(self, name_tok: _Tok) -> Call:
        name = name_tok.text
        if name not in KNOWN_FUNCTIONS:
            raise ExprError(f"unknown function '{name}'", name_tok.pos)
        self.take()  # '('
        self.nest(name_tok)
        args: list[Expr] = []
        if name == "position" and self.peek().kind == "dotdot":
            self.take()
            args.append(Parent())
        elif not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.expr())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                args.append(self.expr())
        self.expect(")")
        self.nesting -= 1
        lo, hi, _ = _FUNCTIONS.get(name, (0, None, _empty))
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = str(lo) if lo == hi else f"{lo}+" if hi is None else f"{lo}-{hi}"
            raise ExprError(
                f"function '{name}' expects {want} argument(s), got {len(args)}", name_tok.pos
            )
        if name == "position" and args and not isinstance(args[0], Parent):
            raise ExprError("position() only accepts '..'", name_tok.pos)
        return Call(name, tuple(args), name_tok.pos)


def _children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Call):
        return expr.args
    return ()


def _walk(expr: Expr) -> Iterator[tuple[Expr, int]]:
    """Every node with its depth, iteratively (trees can be deep)."""
    stack = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        stack.extend((child, depth + 1) for child in _children(node))


def parse(text: str) -> Expr:
    """Parse an expression; raises ExprError (never anything else)."""
    return _parse_cached(text)


@lru_cache(maxsize=2048)  # trees are immutable; forms re-evaluate the same texts
def _parse_cached(text: str) -> Expr:
    parser = _Parser(text)
    if parser.peek().kind == "end":
        raise ExprError("empty expression", 0)
    expr = parser.expr()
    if parser.peek().kind != "end":
        raise parser.fail(parser.peek())
    if max(depth for _, depth in _walk(expr)) > _MAX_DEPTH:
        raise ExprError("expression too complex", 0)
    return expr


def references(expr: Expr) -> set[str]:
    """Names used as ${name}, plus the question named by jr:choice-name(x, '${q}')
    (it must exist too, even though it sits in a string)."""
    names: set[str] = set()
    for node, _ in _walk(expr):
        if isinstance(node, Ref):
            names.add(node.name)
        elif isinstance(node, Call) and node.name == "jr:choice-name":
            arg = node.args[1]
            if (
                isinstance(arg, Literal)
                and isinstance(arg.value, str)
                and arg.value.strip().startswith("${")
            ):
                names.add(_question_name(arg.value))
    return names


def functions_used(expr: Expr) -> set[str]:
    return {node.name for node, _ in _walk(expr) if isinstance(node, Call)}


def unparse(expr: Expr) -> str:
    """Print a tree back as text with minimal parentheses; parse(unparse(t)) == t."""
    if isinstance(expr, Literal):
        if isinstance(expr.value, float):
            text = format_number(expr.value)
            return f"({text})" if text.startswith("-") else text
        if "'" not in expr.value:
            return f"'{expr.value}'"
        if '"' not in expr.value:
            return f'"{expr.value}"'
        raise ValueError("a string literal cannot contain both quote kinds")
    if isinstance(expr, Ref):
        return f"${{{expr.name}}}"
    if isinstance(expr, Current):
        return "."
    if isinstance(expr, Parent):
        return ".."
    if isinstance(expr, Path):
        return ("/" if expr.absolute else "") + "/".join(expr.steps)
    if isinstance(expr, Unary):
        inner = unparse(expr.operand)
        return f"-({inner})" if isinstance(expr.operand, Binary) else f"-{inner}"
    if isinstance(expr, Binary):
        prec = _PREC[expr.op]
        left, right = unparse(expr.left), unparse(expr.right)
        if isinstance(expr.left, Binary) and _PREC[expr.left.op] < prec:
            left = f"({left})"
        if isinstance(expr.right, Binary) and _PREC[expr.right.op] <= prec:
            right = f"({right})"  # left-associative: a - (b - c) needs them
        return f"{left} {expr.op} {right}"
    return f"{expr.name}({', '.join(unparse(a) for a in expr.args)})"


# ---------------------------------------------------------- environment ---
class Env(Protocol):
    def value(self, name: str) -> str | None: ...
    def current(self) -> str | None: ...
    def today(self) -> date: ...
    def now(self) -> datetime: ...
    def choice_label(self, question: str, choice_name: str) -> str | None: ...
    def position(self) -> int: ...


@dataclass
class DictEnv:
    """Env backed by dicts.  ``columns`` optionally answers bare names such as
    ``state`` in a choice_filter (columns of the choice row being tested);
    evaluate() uses a ``column(name)`` method when an Env has one."""

    values: Mapping[str, str | None] = field(default_factory=dict)
    current_value: str | None = None
    today_value: date = field(default_factory=date.today)
    now_value: datetime = field(default_factory=datetime.now)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # q -> choice -> label
    position_value: int = 1
    columns: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        return self.values.get(name)

    def current(self) -> str | None:
        return self.current_value

    def today(self) -> date:
        return self.today_value

    def now(self) -> datetime:
        return self.now_value

    def choice_label(self, question: str, choice_name: str) -> str | None:
        return self.labels.get(question, {}).get(choice_name)

    def position(self) -> int:
        return self.position_value

    def column(self, name: str) -> str | None:
        return self.columns.get(name)


# ---------------------------------------------------------- conversions ---
_NUM_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", re.ASCII)
_EPOCH = datetime(1970, 1, 1)


def _parse_temporal(text: str) -> date | None:
    text = text.strip()
    try:
        if _DATE_RE.fullmatch(text):
            return date.fromisoformat(text)
        if _DATETIME_RE.match(text):
            return datetime.fromisoformat(text)
    except ValueError:
        return None
    return None


def _days(value: date) -> float:
    # Wall-clock time, timezone dropped: dates are local calendar days, so
    # date-times must be measured on the same (local) clock.
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
    return float((value - _EPOCH.date()).days)


def to_number(value: Value) -> float:
    """XPath number(): '' and non-numbers are NaN; dates are days since 1970-01-01."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, date):
        return _days(value)
    text = value.strip()
    if _NUM_RE.fullmatch(text):
        return float(text)
    when = _parse_temporal(text)
    return _days(when) if when is not None else math.nan


def format_number(x: float) -> str:
    """XPath string() of a number: no exponent, no trailing '.0'."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == int(x):
        return str(int(x))  # also turns -0.0 into "0"
    return format(Decimal(repr(x)), "f")


def to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def truthy(value: Value) -> bool:
    """XPath boolean(): non-zero non-NaN numbers and non-empty strings are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, date):
        return True
    return value != ""


def _to_temporal(value: Value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and not _NUM_RE.fullmatch(value.strip()):
        return _parse_temporal(value)
    x = to_number(value)
    if not -719_162 <= x < 2_932_897:  # outside year 1..9999 (also rejects NaN)
        return None
    when = _EPOCH + timedelta(days=x)
    return when.date() if x == int(x) else when


# ----------------------------------------------------------- evaluation ---
class _Fail(Exception):
    """Raised by function implementations; becomes ExprError at the call."""


def _equals(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    if isinstance(a, float | date) or isinstance(b, float | date):
        return to_number(a) == to_number(b)
    return to_string(a) == to_string(b)


def _binary(op: str, a: Value, b: Value) -> Value:
    if op == "=":
        return _equals(a, b)
    if op == "!=":
        return not _equals(a, b)
    x, y = to_number(a), to_number(b)
    if op in ("<", "<=", ">", ">="):  # NaN compares false, as in Python
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y == 0:  # IEEE 754 like Java: ±Infinity, or NaN for 0 div 0
            return (
                math.nan
                if x == 0 or math.isnan(x)
                else math.copysign(math.inf, x) * math.copysign(1.0, y)
            )
        return x / y
    # mod: Java's % truncates toward zero (sign of the dividend), unlike Python's %.
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)


def evaluate(expr: Expr, env: Env) -> Value:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Ref):
        return env.value(expr.name) or ""
    if isinstance(expr, Current):
        return env.current() or ""
    if isinstance(expr, Path):
        column = getattr(env, "column", None)
        if not expr.absolute and len(expr.steps) == 1 and callable(column):
            found = column(expr.steps[0])
            if found is not None:
                return str(found)
        # XLSForm names are unique, so the last step identifies the question.
        return env.value(expr.steps[-1]) or ""
    if isinstance(expr, Unary):
        return -to_number(evaluate(expr.operand, env))
    if isinstance(expr, Binary):
        if expr.op == "and":  # short-circuit, like XPath
            return truthy(evaluate(expr.left, env)) and truthy(evaluate(expr.right, env))
        if expr.op == "or":
            return truthy(evaluate(expr.left, env)) or truthy(evaluate(expr.right, env))
        return _binary(expr.op, evaluate(expr.left, env), evaluate(expr.right, env))
    if isinstance(expr, Call):
        if expr.name == "if":  # lazy, so the untaken branch cannot fail
            cond, then, other = expr.args
            return evaluate(then if truthy(evaluate(cond, env)) else other, env)
        if expr.name not in _FUNCTIONS:
            return ""  # a known function the bot cannot evaluate (import warned)
        if expr.name in _NODESET_FUNCTIONS:
            found = _nodeset_call(expr, env)
            if found is not None:
                return found
        args = [evaluate(arg, env) for arg in expr.args]
        if not args and expr.name in _CONTEXT_ARG:
            args = [env.current() or ""]
        try:
            return _FUNCTIONS[expr.name][2](args, env)
        except _Fail as exc:
            raise ExprError(f"{expr.name}(): {exc}", expr.pos) from None
    return ""  # Parent: only ever the argument of position(), which ignores it


def interpolate(template: str, env: Env) -> str:
    """Fill ${name} placeholders in a label or hint with the stored answers (a voice note
    given for a text question shows as 🎤, never as the server's file path)."""
    return re.sub(r"\$\{\s*([^}\s]+)\s*\}", lambda m: _shown(env.value(m.group(1))), template)


VOICE_MARK = "🎤\n"  # how a voice answer to a text question starts (bot.surveys.answers)


def _shown(value: str | None) -> str:
    if value and value.startswith(VOICE_MARK):
        return VOICE_MARK.strip()
    return value or ""


# ------------------------------------------------------------ functions ---
_Impl = Callable[[list[Value], Env], Value]
_S, _N = to_string, to_number
_CONTEXT_ARG = frozenset({"string", "string-length", "normalize-space", "number"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DATE_CODES: dict[str, Callable[[datetime], str]] = {
    "Y": lambda d: f"{d.year:04d}",
    "y": lambda d: f"{d.year % 100:02d}",
    "m": lambda d: f"{d.month:02d}",
    "n": lambda d: str(d.month),
    "b": lambda d: _MONTHS[d.month - 1],
    "d": lambda d: f"{d.day:02d}",
    "e": lambda d: str(d.day),
    "H": lambda d: f"{d.hour:02d}",
    "h": lambda d: str(d.hour),
    "M": lambda d: f"{d.minute:02d}",
    "S": lambda d: f"{d.second:02d}",
    "3": lambda d: f"{d.microsecond // 1000:03d}",
    "a": lambda d: _WEEKDAYS[d.weekday()],
    "%": lambda d: "%",
}


def _int(value: Value, default: int) -> int:
    x = _N(value)
    return default if math.isnan(x) else int(max(-1e9, min(1e9, x)))


def _question_name(text: str) -> str:
    """'${q}' (as written in XLSForm) or '/data/grp/q' (as pyxform emits) -> 'q'."""
    text = text.strip()
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1].strip()
    return text.rstrip("/").rsplit("/", 1)[-1]


def _format_date(args: list[Value], env: Env) -> Value:
    when = _to_temporal(args[0])
    if when is None:
        return ""
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    fmt, out, i = _S(args[1]), [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            out.append(_DATE_CODES[code](when) if code in _DATE_CODES else "%" + code)
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def _date(args: list[Value], env: Env) -> Value:
    when = _to_temporal(args[0])
    return "" if when is None else when


def _round(args: list[Value], env: Env) -> Value:
    x = _N(args[0])
    places = max(-400, min(400, _int(args[1], 0))) if len(args) > 1 else 0
    if not math.isfinite(x):
        return x
    # Round the shortest decimal form, half away from zero, so that
    # round(2.675, 2) is 2.68 as a form author expects (not binary 2.67).
    try:
        exact = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than Decimal's precision: already exact
        return x
    return float(exact)


def _pow(args: list[Value], env: Env) -> Value:
    x, y = _N(args[0]), _N(args[1])
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and y % 2 == 1 else math.inf
    except ValueError:  # 0 ** negative, or negative ** fraction
        return math.inf if x == 0 else math.nan


def _extreme(pick: Callable[[list[float]], float]) -> _Impl:
    def impl(args: list[Value], env: Env) -> Value:
        # Unanswered questions are absent nodes, so they are skipped.
        nums = [_N(a) for a in args if not (isinstance(a, str) and a.strip() == "")]
        return math.nan if not nums or any(math.isnan(x) for x in nums) else pick(nums)

    return impl


def _regex(args: list[Value], env: Env) -> Value:
    # JavaRosa uses Matcher.find(): the pattern may match anywhere, so forms
    # anchor with ^...$ themselves.  Patterns are Python `re` dialect.
    try:
        return re.search(_S(args[1]), _S(args[0])) is not None
    except (re.error, OverflowError) as exc:
        raise _Fail(f"invalid regular expression {_S(args[1])!r}: {exc}") from None


def _selected_at(args: list[Value], env: Env) -> Value:
    items, k = _S(args[0]).split(), _N(args[1])
    return items[int(k)] if math.isfinite(k) and 0 <= int(k) < len(items) else ""


def _translate(args: list[Value], env: Env) -> Value:
    src, dst = _S(args[1]), _S(args[2])
    table: dict[int, str | None] = {}
    for i, ch in enumerate(src):
        table.setdefault(ord(ch), dst[i] if i < len(dst) else None)  # first mapping wins
    return _S(args[0]).translate(table)


def _substr(args: list[Value], env: Env) -> Value:
    # 0-based start, exclusive end; negatives count from the end (JavaRosa).
    s = _S(args[0])
    return s[_int(args[1], 0) : _int(args[2], len(s)) if len(args) > 2 else len(s)]


def _before(args: list[Value], env: Env) -> Value:
    s, t = _S(args[0]), _S(args[1])
    return s[: s.index(t)] if t and t in s else ""


def _after(args: list[Value], env: Env) -> Value:
    s, t = _S(args[0]), _S(args[1])
    return s[s.index(t) + len(t) :] if t in s else ""


def _uuid(args: list[Value], env: Env) -> Value:
    if not args:
        return str(uuid.uuid4())
    n = max(0, min(1024, _int(args[0], 0)))
    return secrets.token_hex((n + 1) // 2)[:n]


def _num(fn: Callable[[float], float]) -> _Impl:
    return lambda args, env: fn(_N(args[0])) if math.isfinite(_N(args[0])) else _N(args[0])


def _empty(args: list[Value], env: Env) -> Value:
    return ""


def _pulldata(args: list[Value], env: Env) -> Value:
    """pulldata('file', 'column', 'key column', key): the column of the first row of
    file.csv (given with --media) whose key column is `key`; '' without the file."""
    lookup = getattr(env, "pulldata", None)
    if not callable(lookup):
        return ""
    return lookup(_S(args[0]), _S(args[1]), _S(args[2]), _S(args[3])) or ""


def _choice_field(args: list[Value], env: Env) -> Value:
    """A field of the choice named args[1] in list args[0]: its label in the reader's
    language for 'label', else the choices sheet's column (an Env without lists: '')."""
    lookup = getattr(env, "list_field", None)
    if not callable(lookup):
        return ""
    return lookup(_S(args[0]), _S(args[1]).strip(), _S(args[2])) or ""


def _domain(fn: Callable[[float], float]) -> _Impl:
    """A math function that is NaN outside its domain (as Java's Math), never an error."""

    def impl(args: list[Value], env: Env) -> Value:
        x = _N(args[0])
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return math.inf if x > 0 and fn is not math.asin else math.nan

    return impl


def _log(fn: Callable[[float], float]) -> Callable[[float], float]:
    def impl(x: float) -> float:
        if x == 0:
            return -math.inf
        if x < 0 or math.isnan(x):
            return math.nan
        return fn(x)

    return impl


def _substring(args: list[Value], env: Env) -> Value:
    """XPath 1.0 substring(): 1-based, rounded positions (substring('12345', 2, 3) = '234')."""
    s = _S(args[0])
    start = _N(args[1])
    length = _N(args[2]) if len(args) > 2 else math.inf
    if math.isnan(start) or math.isnan(length):
        return ""
    first = _round([start], env)
    assert isinstance(first, float)
    last = first + (_round([length], env) if math.isfinite(length) else length)  # type: ignore[operator]
    return "".join(c for i, c in enumerate(s, start=1) if first <= i < last)


def _digest(args: list[Value], env: Env) -> Value:
    """digest(data, 'MD5'|'SHA-1'|'SHA-256'|'SHA-384'|'SHA-512', 'base64'|'hex')."""
    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384",
             "SHA-512": "sha512"}  # fmt: skip
    algorithm = names.get(_S(args[1]).strip().upper())
    if algorithm is None:
        raise _Fail(f"unknown algorithm {_S(args[1])!r}")
    raw = hashlib.new(algorithm, _S(args[0]).encode("utf-8")).digest()
    encoding = _S(args[2]).strip().lower() if len(args) > 2 else "base64"
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode("ascii")


def _base64_decode(args: list[Value], env: Env) -> Value:
    try:
        return base64.b64decode(_S(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""


def _decimal_time(args: list[Value], env: Env) -> Value:
    """decimal-time('06:00:00.000-07:00') = 0.25: the time as a fraction of a day."""
    match = re.fullmatch(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(.*)", _S(args[0]).strip())
    if not match:
        return math.nan
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return math.nan
    fraction = float("0." + match[4]) if match[4] else 0.0
    return (hours * 3600 + minutes * 60 + seconds + fraction) / 86400


def _checklist(args: list[Value], env: Env) -> Value:
    """checklist(min, max, v1, v2, ...): are between min and max of the values true?
    A min or max of -1 means no bound."""
    lo, hi = _N(args[0]), _N(args[1])
    count = sum(1 for v in args[2:] if truthy(v))
    return (lo < 0 or count >= lo) and (hi < 0 or count <= hi)


def _weighted_checklist(args: list[Value], env: Env) -> Value:
    """weighted-checklist(min, max, v1, w1, v2, w2, ...): the weights of the true values
    add up to between min and max (-1: no bound)."""
    lo, hi = _N(args[0]), _N(args[1])
    rest = args[2:]
    if len(rest) % 2:
        raise _Fail("needs value, weight pairs")
    total = sum(_N(w) for v, w in zip(rest[::2], rest[1::2], strict=True) if truthy(v))
    return (lo < 0 or total >= lo) and (hi < 0 or total <= hi)


_EARTH_RADIUS = 6_378_100.0  # metres, as JavaRosa's GeoUtils


def _points(text: str) -> list[tuple[float, float]]:
    """'lat lon [alt acc]; lat lon ...' (geotrace, geoshape) -> [(lat, lon), ...]."""
    out = []
    for part in text.split(";"):
        fields = part.split()
        if len(fields) >= 2:
            try:
                out.append((float(fields[0]), float(fields[1])))
            except ValueError:
                return []
    return out


def _distance(points: list[tuple[float, float]]) -> Value:
    """Metres along the points, on a sphere (haversine), as ODK's distance()."""
    if len(points) < 2:
        return math.nan
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in pairwise(points):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * _EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))
    return total


def _area(points: list[tuple[float, float]]) -> Value:
    """Square metres inside a geoshape, on a sphere (the spherical excess formula that
    ODK's area() uses, after Chamberlain and Duquette)."""
    if len(points) < 3:
        return math.nan
    if points[0] != points[-1]:
        points = [*points, points[0]]
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in pairwise(points):
        total += math.radians(lon2 - lon1) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2))
        )
    return abs(total * _EARTH_RADIUS * _EARTH_RADIUS / 2.0)


# Functions whose argument may be a node-set: every round of a question in a repeat.
_NODESET_FUNCTIONS = frozenset(
    {"count", "sum", "min", "max", "join", "count-non-empty", "indexed-repeat"}
)


def _nodeset(arg: Expr, env: Env) -> list[str] | None:
    values = getattr(env, "values", None)
    if not callable(values):
        return None
    name = arg.name if isinstance(arg, Ref) else arg.steps[-1] if isinstance(arg, Path) else None
    return values(name) if name else None


def _nodeset_call(call: Call, env: Env) -> Value | None:
    """count/sum/min/max/join over every round of a repeat, and indexed-repeat(); None
    when the arguments are plain values (the ordinary implementation runs)."""
    name = call.name
    if name == "indexed-repeat":
        value_at = getattr(env, "value_at", None)
        target = call.args[0]
        if not (callable(value_at) and isinstance(target, Ref | Path)):
            return None
        rounds = {}
        for repeat, position in zip(call.args[1::2], call.args[2::2], strict=False):
            if not isinstance(repeat, Ref | Path):
                return None
            number = _N(evaluate(position, env))
            rounds[repeat.name if isinstance(repeat, Ref) else repeat.steps[-1]] = (
                int(number) if math.isfinite(number) else 0
            )
        target_name = target.name if isinstance(target, Ref) else target.steps[-1]
        return value_at(target_name, rounds) or ""
    which = 1 if name == "join" else 0
    if len(call.args) != which + 1:
        return None
    items = _nodeset(call.args[which], env)
    if items is None:
        return None
    filled = [v for v in items if v.strip() != ""]
    if name == "count":
        return float(len(items))
    if name == "count-non-empty":
        return float(len(filled))
    if name == "join":
        return _S(evaluate(call.args[0], env)).join(items)
    nums = [to_number(v) for v in filled]
    if name == "sum":
        return float(sum(nums))
    if not nums or any(math.isnan(x) for x in nums):
        return math.nan
    return min(nums) if name == "min" else max(nums)


# name -> (min args, max args or None for any, implementation).  The single
# source of truth for what forms may call; the parser checks names and arity.
_FUNCTIONS: dict[str, tuple[int, int | None, _Impl]] = {
    "if": (3, 3, lambda a, e: a[1] if truthy(a[0]) else a[2]),  # evaluate() is lazy
    "selected": (2, 2, lambda a, e: _S(a[1]).strip() in _S(a[0]).split()),
    "count-selected": (1, 1, lambda a, e: float(len(_S(a[0]).split()))),
    "selected-at": (2, 2, _selected_at),
    "regex": (2, 2, _regex),
    "not": (1, 1, lambda a, e: not truthy(a[0])),
    "boolean": (1, 1, lambda a, e: truthy(a[0])),
    "boolean-from-string": (1, 1, lambda a, e: _S(a[0]).strip() in ("true", "1")),
    "true": (0, 0, lambda a, e: True),
    "false": (0, 0, lambda a, e: False),
    "coalesce": (2, None, lambda a, e: next((v for v in a if _S(v) != ""), "")),
    "concat": (0, None, lambda a, e: "".join(_S(v) for v in a)),
    "join": (1, None, lambda a, e: _S(a[0]).join(_S(v) for v in a[1:])),
    "number": (0, 1, lambda a, e: _N(a[0])),
    "string": (0, 1, lambda a, e: _S(a[0])),
    "int": (1, 1, _num(lambda x: float(math.trunc(x)))),
    "round": (1, 2, _round),
    "floor": (1, 1, _num(lambda x: float(math.floor(x)))),
    "ceiling": (1, 1, _num(lambda x: float(math.ceil(x)))),
    "abs": (1, 1, lambda a, e: abs(_N(a[0]))),
    "sqrt": (1, 1, lambda a, e: math.sqrt(_N(a[0])) if not _N(a[0]) < 0 else math.nan),
    "pow": (2, 2, _pow),
    "min": (1, None, _extreme(min)),
    "max": (1, None, _extreme(max)),
    "sum": (1, 1, lambda a, e: 0.0 if _S(a[0]).strip() == "" else _N(a[0])),
    "count": (1, 1, lambda a, e: 1.0 if _S(a[0]) != "" else 0.0),
    "count-non-empty": (1, 1, lambda a, e: 1.0 if _S(a[0]) != "" else 0.0),
    "string-length": (0, 1, lambda a, e: float(len(_S(a[0])))),
    "normalize-space": (0, 1, lambda a, e: " ".join(_S(a[0]).split())),
    "contains": (2, 2, lambda a, e: _S(a[1]) in _S(a[0])),
    "starts-with": (2, 2, lambda a, e: _S(a[0]).startswith(_S(a[1]))),
    "ends-with": (2, 2, lambda a, e: _S(a[0]).endswith(_S(a[1]))),
    "substr": (2, 3, _substr),
    "substring-before": (2, 2, _before),
    "substring-after": (2, 2, _after),
    "translate": (3, 3, _translate),
    "jr:choice-name": (
        2,
        2,
        lambda a, e: e.choice_label(_question_name(_S(a[1])), _S(a[0]).strip()) or "",
    ),
    "today": (0, 0, lambda a, e: e.today()),
    "now": (0, 0, lambda a, e: e.now()),
    "date": (1, 1, _date),
    "date-time": (1, 1, _date),
    "decimal-date-time": (1, 1, lambda a, e: _N(a[0])),
    "format-date": (2, 2, _format_date),
    "format-date-time": (2, 2, _format_date),
    "position": (0, 1, lambda a, e: float(e.position())),
    # once(): keep an existing value, else compute (calculations pass the
    # stored value as current()).
    "once": (1, 1, lambda a, e: e.current() or a[0]),
    "uuid": (0, 1, _uuid),
    # math (ODK XForms spec, "Math functions")
    "sin": (1, 1, _num(math.sin)),
    "cos": (1, 1, _num(math.cos)),
    "tan": (1, 1, _num(math.tan)),
    "asin": (1, 1, _domain(math.asin)),
    "acos": (1, 1, _domain(math.acos)),
    "atan": (1, 1, _num(math.atan)),
    "atan2": (2, 2, lambda a, e: math.atan2(_N(a[0]), _N(a[1]))),
    "exp": (1, 1, _domain(math.exp)),
    "exp10": (1, 1, _domain(lambda x: 10.0**x)),
    "log": (1, 1, _domain(_log(math.log))),
    "log10": (1, 1, _domain(_log(math.log10))),
    "pi": (0, 0, lambda a, e: math.pi),
    "random": (0, 0, lambda a, e: secrets.randbelow(1 << 53) / float(1 << 53)),
    # strings
    "substring": (2, 3, _substring),
    "digest": (2, 3, _digest),
    "base64-decode": (1, 1, _base64_decode),
    "decimal-time": (1, 1, _decimal_time),
    # logic
    "checklist": (2, None, _checklist),
    "weighted-checklist": (2, None, _weighted_checklist),
    # geo
    "area": (1, 1, lambda a, e: _area(_points(_S(a[0])))),
    "distance": (1, None, lambda a, e: _distance(_points(";".join(_S(v) for v in a)))),
    # repeats (with a node-set argument they are handled by _nodeset_call)
    "indexed-repeat": (3, None, lambda a, e: a[0]),
    "index": (0, 0, lambda a, e: float(e.position())),  # SurveyCTO: the round number
    "last": (0, 0, lambda a, e: float(e.position())),
    "pulldata": (4, 4, _pulldata),
    # The importer's rewrite of instance('list')/root/item[name = X]/field (model.py).
    "_choice-field": (3, 3, _choice_field),
}
# What a form may call by name; "_choice-field" is the importer's own, not a form's.
SUPPORTED_FUNCTIONS: frozenset[str] = frozenset(k for k in _FUNCTIONS if not k.startswith("_"))

# Functions of XPath 1.0, ODK XForms or SurveyCTO that the bot does not evaluate: the
# import warns (with the reason below) and they are empty. Any other name is refused.
UNEVALUATED_FUNCTIONS: dict[str, str] = {
    "instance": "it reads a secondary instance (a data file attached to the form)",
    "current": "it refers to the node being evaluated in a lookup",
    "duration": "SurveyCTO's time spent on the form",
    "device-info": "there is no device to ask in a chat",
    "version": "the bot stores the form version with every response",
    "plugin-metadata": "there is no field plug-in in a chat",
    "choice-label": "SurveyCTO's choice label; use jr:choice-name",
    "linear-regression": "SurveyCTO's regression over repeats",
    "phone-call-log": "there is no phone call log in a chat",
    "phone-call-duration": "there is no phone call log in a chat",
    "username": "SurveyCTO's user name function; use a username metadata row",
    "local-name": "XPath node names are not kept",
    "name": "XPath node names are not kept",
    "namespace-uri": "XPath namespaces are not kept",
    "lang": "XPath xml:lang is not kept",
    "id": "XPath ids are not kept",
    "geofence": "the bot does not check locations against areas",
    "extract-signed": "signed data needs keys the bot does not have",
    "jr:itext": "it reads a form translation by id",
}
KNOWN_FUNCTIONS: frozenset[str] = frozenset(_FUNCTIONS) | frozenset(UNEVALUATED_FUNCTIONS)


def arity(name: str) -> tuple[int, int | None]:
    """(min, max) argument count of a supported function; max None means any."""
    lo, hi, _ = _FUNCTIONS[name]
    return lo, hi
