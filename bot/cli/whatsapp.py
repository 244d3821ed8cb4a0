"""`clusterbot whatsapp templates`: the message templates to submit to Meta for approval."""

from __future__ import annotations

import argparse
import json

from bot.config import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    whatsapp = sub.add_parser("whatsapp", help="WhatsApp helpers").add_subparsers(
        dest="action", required=True
    )
    templates = whatsapp.add_parser(
        "templates", help="print the message templates to submit for approval"
    )
    templates.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per template and language, as POSTed to /message_templates",
    )


def cmd_whatsapp(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.whatsapp_templates import definitions

    found = definitions()
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    print(
        "Submit each template below in WhatsApp Manager (or POST the --json form to"
        " /{whatsapp-business-account-id}/message_templates). Category, name and language"
        " must match exactly; the bot sends them outside the 24-hour window.\n"
    )
    for item in found:
        body, buttons = item["components"]
        print(f"== {item['name']} · {item['language']} · {item['category']}")
        print(body["text"])
        print(f"   example for {{{{1}}}}: {body['example']['body_text'][0][0]}")
        print(f"   quick-reply button: {buttons['buttons'][0]['text']}\n")
    return 0
