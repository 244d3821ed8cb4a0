"""The README stays true: every setting, chat command and CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import handlers  # noqa: F401 - registers the commands
from bot.cli import parser
from bot.commands import commands
from bot.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_setting_documented(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", sorted(c.name for c in commands()))
def test_chat_command_documented(name: str) -> None:
    assert f"/{name}" in README


def test_cli_commands_documented() -> None:
    sub = next(a for a in parser()._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"clusterbot {name}" in README, name


def test_quick_start_commands_present() -> None:
    assert "clusterbot demo" in README
    assert "pytest" in README
