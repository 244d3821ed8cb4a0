"""Telling the cluster: /broadcast (audience, message, versions per language, preview, now
or later), /deliveries (the ledger of every bot-initiated message) and /updates (the public
log)."""
