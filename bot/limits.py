"""Platform limits, named once. Renderers and tests check every message against these."""

TELEGRAM_MAX_TEXT = 4096
TELEGRAM_MAX_CAPTION = 1024
TELEGRAM_MAX_CALLBACK_DATA = 64  # bytes
TELEGRAM_MAX_BUTTON_TEXT = 64  # not documented hard limit; long labels wrap badly on phones

WHATSAPP_MAX_TEXT = 4096
WHATSAPP_MAX_BUTTONS = 3
WHATSAPP_MAX_BUTTON_TITLE = 20
WHATSAPP_MAX_LIST_ROWS = 10
WHATSAPP_MAX_ROW_TITLE = 24
WHATSAPP_MAX_ROW_DESCRIPTION = 72
WHATSAPP_MAX_LIST_BUTTON = 20
# The rest of WhatsApp's documented interactive-message limits (Cloud API reference).
# Reply-button bodies are documented at 1024; list bodies allow 4096, but we keep every
# interactive body at 1024 so one rule covers both and a longer text is sent before it.
WHATSAPP_MAX_INTERACTIVE_BODY = 1024
WHATSAPP_MAX_HEADER = 60
WHATSAPP_MAX_FOOTER = 60
WHATSAPP_MAX_CAPTION = 1024
WHATSAPP_MAX_BUTTON_ID = 256
WHATSAPP_MAX_ROW_ID = 200
WHATSAPP_MAX_SECTION_TITLE = 24
WHATSAPP_MAX_SECTIONS = 10

# Our own limits on what people type.
MAX_NAME_LENGTH = 80
MAX_PLACE_LENGTH = 80
MAX_INPUT_LENGTH = 2000

# Durable WhatsApp webhook intake (issue 12): payloads stored but not yet handled. Over
# this many the webhook answers 503 and Meta retries later, so memory and the database
# stay bounded when handling falls behind.
WHATSAPP_INTAKE_MAX_PENDING = 10_000
WHATSAPP_INTAKE_MAX_ATTEMPTS = 10  # then the payload is set aside (status "failed") and logged

# Photos, voice notes and documents people send (issue 12). A file is fetched only when
# the person's current step asks for that kind (bot/media_gate.py), and only up to these
# sizes, as the platform reports them before the download (and counted while it runs).
MEDIA_MAX_BYTES = {
    "photo": 10 * 1024 * 1024,
    "audio": 16 * 1024 * 1024,  # voice notes and audio files
    "document": 20 * 1024 * 1024,  # also Telegram's own limit for a bot's download
    "video": 20 * 1024 * 1024,  # WhatsApp sends at most 16 MB; Telegram lets a bot fetch 20
}
# Per person, over the last 24 hours: files beyond either limit are refused, not fetched.
MEDIA_MAX_FILES_PER_DAY = 30
MEDIA_MAX_BYTES_PER_DAY = 200 * 1024 * 1024
