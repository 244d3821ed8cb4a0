"""The approved message templates the bot needs outside WhatsApp's 24-hour window.

WhatsApp lets a business write freely only within 24 hours of the person's last message;
after that only a template approved by Meta may start the conversation. Each bot-initiated
outbox kind has one template here: a short notice carrying the message as its single
parameter, and a quick-reply button whose press is an ordinary command choice (`cmd:…`).
The press reopens the window, and the person sees the full content through the command.

The registry is code, translated like every other string, so `clusterbot whatsapp
templates` prints each definition in every shipped language, ready to submit for approval
(names and language codes must match what Meta approved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.whatsapp_render import shorten, wa_len
from bot.i18n import N_, SHIPPED_LANGUAGES, translator

TEMPLATE_BODY_MAX = 1024  # a template body, its parameter filled in
PARAM_MARK = "{{1}}"
# WhatsApp's template language codes for our languages (others: the code itself).
LANGUAGE_CODES = {"en": "en", "hi": "hi", "te": "te"}


@dataclass(frozen=True)
class Template:
    name: str
    body: str  # msgid with one {{1}}, neither first nor last (a Meta rule)
    button: str  # msgid of the quick-reply button (at most 20 characters)
    payload: str  # what a press of the button means to the bot
    example: str  # msgid: a sample value for {{1}}, required with the submission
    category: str = "UTILITY"


TEMPLATES: dict[str, Template] = {
    "broadcast": Template(
        "clusterbot_update",
        N_(
            "There is a new update from your cluster:\n\n{{1}}\n\n"
            "Press the button to see all updates."
        ),
        N_("See updates"),
        "cmd:updates",
        N_("The next cluster meeting is on Friday at 10 am in the community hall."),
    ),
    "invitation": Template(
        "clusterbot_invitation",
        N_("You are invited:\n\n{{1}}\n\nPress the button to see the event and answer."),
        N_("See events"),
        "cmd:events",
        N_("Exposure visit to the Sanganer printing cluster, 12 March, 8 am."),
    ),
    "reminder": Template(
        "clusterbot_reminder",
        N_("Reminder:\n\n{{1}}\n\nPress the button to see your events."),
        N_("My events"),
        "cmd:myevents",
        N_("Cluster meeting tomorrow at 10 am in the community hall."),
    ),
    "notice": Template(
        "clusterbot_notice",
        N_("A change to an event you joined:\n\n{{1}}\n\nPress the button to see your events."),
        N_("My events"),
        "cmd:myevents",
        N_("The cluster meeting has moved to Saturday at 11 am."),
    ),
    "survey": Template(
        "clusterbot_survey",
        N_("A survey is waiting for your answers:\n\n{{1}}\n\nPress the button to start."),
        N_("Answer now"),
        "cmd:survey",
        N_("Cluster diagnostic survey, about 4 minutes."),
    ),
    # One reminder about a survey left half-done (bot/jobs/survey_reminders.py).
    "survey_reminder": Template(
        "clusterbot_survey_reminder",
        N_(
            "You have not finished a survey:\n\n{{1}}\n\n"
            "Press the button to continue where you stopped."
        ),
        N_("Continue"),
        "cmd:survey",
        N_("You have not finished “Cluster diagnostic” yet. Your answers are kept."),
    ),
    # A CDA's answer to what the person sent (issue 15, handlers/inbox/desk.py).
    "inbox_reply": Template(
        "clusterbot_inbox_reply",
        N_("You have a reply from your CDA:\n\n{{1}}\n\nPress the button to read it."),
        N_("Read it"),
        "cmd:mine",
        N_("Reply to your question #12: the next training starts on Monday."),
    ),
    # An invitation to join a network (issue 19, handlers/networks/screens.py).
    "network_invitation": Template(
        "clusterbot_network_invitation",
        N_("You are invited to join a network:\n\n{{1}}\n\nPress the button to answer."),
        N_("My networks"),
        "cmd:mynetworks",
        N_("Bagru women printers' SHG, a group of Bagru hand-block printers."),
    ),
    # The CDA's summary of new items (bot/jobs/inbox_digest.py).
    "inbox_digest": Template(
        "clusterbot_inbox_digest",
        N_("New messages for the CDA:\n\n{{1}}\n\nPress the button to open the inbox."),
        N_("Open inbox"),
        "cmd:inbox",
        N_("3 new messages in Bagru hand-block printers: 2 questions, 1 suggestion."),
    ),
}


def language_code(language: str) -> str:
    return LANGUAGE_CODES.get(language, language)


def parameter(text: str, body: str) -> str:
    """The message as a template parameter: WhatsApp refuses new lines, tabs and runs of
    spaces in parameters, and the filled-in body must stay within 1024 characters."""
    flat = " ".join(text.split())
    room = TEMPLATE_BODY_MAX - (wa_len(body) - len(PARAM_MARK))
    if wa_len(flat) <= room:
        return flat or "…"
    return shorten(flat, room)


def message(kind: str, language: str, text: str) -> dict[str, Any]:
    """The POST /messages body (without recipient) for an outbox message sent as a template."""
    template = TEMPLATES.get(kind, TEMPLATES["broadcast"])
    _ = translator(language)
    return {
        "type": "template",
        "template": {
            "name": template.name,
            "language": {"code": language_code(language)},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": parameter(text, _(template.body))}],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": template.payload}],
                },
            ],
        },
    }


def definitions() -> list[dict[str, Any]]:
    """Every template in every shipped language, in the Graph API's create-template shape
    (POST /{whatsapp-business-account-id}/message_templates)."""
    out = []
    for template in dict.fromkeys(TEMPLATES.values()):
        for language in SHIPPED_LANGUAGES:
            _ = translator(language)
            out.append(
                {
                    "name": template.name,
                    "language": language_code(language),
                    "category": template.category,
                    "components": [
                        {
                            "type": "BODY",
                            "text": _(template.body),
                            "example": {"body_text": [[_(template.example)]]},
                        },
                        {
                            "type": "BUTTONS",
                            "buttons": [{"type": "QUICK_REPLY", "text": _(template.button)}],
                        },
                    ],
                }
            )
    return out
