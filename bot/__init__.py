"""clusterbot runtime: everything that is not a conversation."""

import os

# python-telegram-bot 22.x warns on RetryAfter.retry_after unless this is set; under
# `-W error` that warning would turn a 429 into a crash. Set before telegram is imported.
os.environ.setdefault("PTB_TIMEDELTA", "true")

__version__ = "0.1.0"
