"""Every statement of the README's "Data and privacy" section names the tests behind it
(issue 12: "each sentence there is backed by a test"); those tests must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Data and privacy")
    return readme[start : readme.index("\n## ", start + 1)]


def test_each_statement_names_its_tests() -> None:
    bullets = [b for b in section().split("\n- ")[1:]]
    assert len(bullets) >= 7
    for bullet in bullets:
        if bullet.startswith("**Not reached by erasure:**"):
            continue  # what erasure does not do: a limit, stated, not a behaviour
        assert re.search(r"`(\w+/)*test_\w+\.py(::\w+)?`|`::\w+`", bullet), bullet[:60]


def test_the_named_tests_exist() -> None:
    current = ""
    named = 0
    for path, name in re.findall(r"`(?:((?:[\w]+/)*test_\w+\.py))?(?:::(\w+))?`", section()):
        if path:
            current = path
            assert (ROOT / "tests" / path).exists(), path
        if name:
            tree = ast.parse((ROOT / "tests" / current).read_text(encoding="utf-8"))
            functions = {
                n.name
                for n in ast.walk(tree)
                if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef)
            }
            assert name in functions, f"{current}::{name}"
            named += 1
    assert named >= 8
