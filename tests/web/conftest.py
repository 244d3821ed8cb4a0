"""The shared headless Chromium for the web page tests; tests/web/browser.py says how to use it."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from tests.web.browser import launch, missing_browser

if TYPE_CHECKING:
    from playwright.async_api import Browser

SESSION = "session"


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def browser() -> AsyncIterator[Browser]:
    # Imported here: a venv installed before Playwright joined the test extra still collects
    # (and skips these tests) instead of failing the whole run.
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing_browser("Playwright is not installed (pip install -e '.[test]')")
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


def _loop_scope_errors(item: pytest.Item, default_fixture_scope: str) -> list[str]:
    errors = []
    marker = item.get_closest_marker("asyncio")
    test_scope = marker.kwargs.get("loop_scope") if marker else None
    if test_scope != SESSION:
        errors.append('the test needs pytestmark = pytest.mark.asyncio(loop_scope="session")')
    # No public API lists a test's fixture definitions; a rename here fails loudly, not silently.
    for name, defs in item._fixtureinfo.name2fixturedefs.items():  # type: ignore[attr-defined]
        func = defs[-1].func
        if not (inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)):
            continue
        scope = getattr(func, "_loop_scope", None) or default_fixture_scope
        if scope != SESSION:
            errors.append(
                f'async fixture {name!r} runs in the {scope} loop: define one with '
                '@pytest_asyncio.fixture(loop_scope="session") in tests/web'
            )
    return errors


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail, before its fixtures start, a browser test whose loops differ from the browser's:
    it would hang or fail with 'attached to a different loop' far from the cause."""
    if "browser" not in getattr(item, "fixturenames", ()):
        return
    default_fixture_scope = item.config.getini("asyncio_default_fixture_loop_scope") or "function"
    errors = _loop_scope_errors(item, default_fixture_scope)
    if errors:
        problems = "; ".join(errors)
        pytest.fail(f"{item.nodeid} uses the shared browser, but {problems}", pytrace=False)
