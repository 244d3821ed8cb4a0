"""`clusterbot …`: the command line (SPEC §4). `main` parses and dispatches (bot/cli/main.py);
each group of sub-commands has its module (survey, activity, report, whatsapp, forget), and
what they share is in bot/cli/common.py."""

from bot.cli.main import main, parser

__all__ = ["main", "parser"]
