"""The public page of a cluster (issue 16): /c/<CODE>, its Atom feed and its join poster."""

from __future__ import annotations

from aiohttp import web


def add(app: web.Application) -> None:
    """Routes: filled in by the public page's module."""
