"""The signed-in dashboard (issue 16) for CDAs and observers."""

from __future__ import annotations

from aiohttp import web


def add(app: web.Application) -> None:
    """Routes: filled in by the dashboard's module."""
