"""The privacy notice (Digital Personal Data Protection Act, 2023): shown before consent
and by /privacy at any time, to anyone (SPEC §9).

It says who collects the data (CLUSTERBOT_ORGANISATION), what is kept (naming the
sensitive items), why, who sees it, how long (CLUSTERBOT_RETENTION_DAYS), the person's
rights, whom to complain to (CLUSTERBOT_GRIEVANCE_CONTACT, else their CDA) and the right
to complain to the Data Protection Board of India. One message within Telegram's 4,096
characters in every language (tests/handlers/people/test_privacy.py).
"""

from __future__ import annotations

from bot.commands import Audience, command
from bot.config import Settings
from bot.engine import Context
from bot.i18n import N_, Translator

PARAGRAPHS = (
    N_("Who collects your data: {organisation}, through this bot."),
    N_(
        "What is kept: your name, role, cluster and gender; if you give them, your village "
        "and phone number; your survey answers, which may include photos, voice notes, your "
        "location and answers about money and income; your replies to meetings and visits; "
        "and what you write to the CDA with /ask."
    ),
    N_(
        "Why: so that the cluster team can plan activities with you and report how many "
        "people take part."
    ),
    N_(
        "Who sees it: the cluster development agent (CDA) of your cluster. Funding agencies "
        "and observers see only totals, never names. If your cluster has a public web page, it "
        "shows totals only, never a group of fewer than 5 people. Telegram or WhatsApp carry "
        "the messages between you and the bot."
    ),
    N_(
        "How long: until {period} after your last message; then it is erased. You can have "
        "it erased earlier at any time."
    ),
    N_(
        "Your rights: see and correct your data with /profile. Erase it and withdraw your "
        "consent with /forget. Complain to {grievance}. If your complaint is not resolved, "
        "you may complain to the Data Protection Board of India."
    ),
)


def period(_: Translator, days: int) -> str:
    """The retention period in words: whole years when it is whole years."""
    if days % 365 == 0 and days >= 730:
        return _("{count} years").format(count=_.number(days // 365))
    return _("{count} days").format(count=_.number(days))


def notice(_: Translator, settings: Settings) -> str:
    """The notice's paragraphs, filled in with this deployment's settings."""
    grievance = settings.grievance_contact or _("your CDA")
    values = {
        "organisation": settings.organisation,
        "period": period(_, settings.retention_days),
        "grievance": grievance,
    }
    return "\n\n".join(_(paragraph).format(**values) for paragraph in PARAGRAPHS)


@command("privacy", N_("How my data is used"), Audience.EVERYONE)
def show_privacy(ctx: Context) -> None:
    """/privacy: the notice, any time; the conversation stays where it was."""
    _ = ctx._
    ctx.reply(_("How your data is used") + "\n\n" + notice(_, ctx.settings))
