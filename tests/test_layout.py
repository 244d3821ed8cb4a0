"""The layout keeps its rules (issue 11, DESIGN.md): no import cycles in bot/ and handlers/;
the runtime (bot/) never imports the conversations (handlers/), except bot/app.py, which
wires everything together; conversations, the engine, storage and surveys never import a
channel or a platform SDK. Every import counts, also one inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPOSITION_ROOT = "bot.app"
SDKS = ("telegram", "httpx", "aiohttp")
NO_PLATFORM = (
    "handlers", "bot.engine", "bot.storage", "bot.surveys", "bot.parse", "bot.commands",
)  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module `name` imports (absolute names; packages for `from x import y` when y is
    not a module)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for target in _imports(name, path, modules):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(f"{target}."):
                targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_runtime_never_imports_the_conversations() -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in _graph().items()
        if name.startswith("bot") and name != COMPOSITION_ROOT
        for target in targets
        if target == "handlers" or target.startswith("handlers.")
    )
    assert wrong == []


def test_no_platform_code_outside_the_channels() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        if not any(name == p or name.startswith(f"{p}.") for p in NO_PLATFORM):
            continue
        for target in _imports(name, path, modules):
            top = target.split(".")[0]
            if top in SDKS or target.startswith("bot.channels"):
                wrong.append(f"{name} -> {target}")
    assert sorted(wrong) == []


def test_the_checks_can_fail() -> None:
    """The cycle finder sees a cycle (so an empty result above means something)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _graph()  # and the graph has the edges, also those inside functions
    assert "handlers.wizard" in graph["handlers.events.meeting"]
    assert "handlers.events.meeting" in graph["bot.app"]
