"""Reminder offsets shown back: bot/reminder_offsets.py (the dashboard shows them too)."""

from __future__ import annotations

from bot.reminder_offsets import show_offset, show_offsets

__all__ = ["show_offset", "show_offsets"]
