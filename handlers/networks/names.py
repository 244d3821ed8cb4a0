"""Buttons named by what people typed (a network's, a person's, an activity's name)."""

from __future__ import annotations

from bot.messages import Choice

ROW = 24  # a WhatsApp list row's title


def short(text: str, limit: int = ROW) -> str:
    """The whole words of a name that fit a WhatsApp row (a first word too long is cut):
    no "…", which reads as a broken label."""
    if len(text) <= limit:
        return text
    kept = ""
    for word in text.split():
        if len(kept) + len(word) + (1 if kept else 0) > limit:
            break
        kept = f"{kept} {word}" if kept else word
    return kept or text[:limit]


def named(choice_id: str, name: str, limit: int = ROW) -> Choice:
    """A button named by what someone typed: the whole name on Telegram; on WhatsApp the
    words that fit as the title and the name below it. `limit` 22 leaves room for a tick
    ("✓ ")."""
    label = name[:64]
    return Choice(choice_id, label, short(label, limit) if len(label) > limit else "")
