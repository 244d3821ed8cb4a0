"""The bot's HTTP listener (CLUSTERBOT_LISTEN): /healthz, the channels' webhooks, and the web
pages of issue 16 (the public page of a cluster and the signed-in dashboard)."""

from bot.web.server import healthz, make_app, serve

__all__ = ["healthz", "make_app", "serve"]
