"""Channels: each turns platform updates into Inbound and renders Outbound. Nothing else
in the project imports a platform SDK."""
