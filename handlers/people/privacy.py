"""/stop, /subscribe and /forget (SPEC §5, §8; what is erased: bot/erasure.py).

/forget --> forget.confirm --yes--> personal data erased everywhere, audited
                           --no---> nothing changes
"""

from __future__ import annotations

from bot import erasure
from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from bot.storage import contacts
from handlers.common import picked, use_buttons

FLOW = "forget"


@command("stop", N_("Stop receiving updates"), Audience.MEMBER)
def stop_updates(ctx: Context) -> None:
    ctx.update_contact(opted_out=1)
    ctx.reply(
        ctx._(
            "You will not receive cluster updates any more. Reminders for events you "
            "joined will still come. Send /subscribe to receive updates again."
        )
    )


@command("subscribe", N_("Receive updates again"), Audience.MEMBER)
def subscribe(ctx: Context) -> None:
    ctx.update_contact(opted_out=0)
    ctx.reply(ctx._("You will receive cluster updates again. Send /stop to stop them."))


def _choices(ctx: Context) -> list[Choice]:
    return [
        Choice("forget:yes", ctx._("Yes, erase my data")),
        Choice("forget:no", ctx._("No, keep it")),
    ]


@command("forget", N_("Erase my data"), Audience.EVERYONE)
def ask_forget(ctx: Context) -> None:
    ctx.go(FLOW, f"{FLOW}.confirm")
    ctx.reply(
        ctx._(
            "This erases your name, phone number, village and chat account from the bot, "
            "with your written answers, photos, voice notes and locations, and your places "
            "at meetings and visits still to come. Your choices and numbers in surveys "
            "stay without your name and count only in totals. This cannot be undone. "
            "Erase your data?"
        ),
        _choices(ctx),
    )


@flow(FLOW)
def on_input(ctx: Context) -> None:
    choice = picked(ctx, _choices(ctx))
    if choice is None:
        use_buttons(ctx, _choices(ctx))
        return
    ctx.end()
    if choice.id == "forget:no":
        ctx.reply(ctx._("Nothing was erased."))
        return
    goodbye = ctx._(
        "Your data has been erased. Thank you for taking part. Send /start to register again."
    )
    erasure.erase(
        ctx.conn,
        ctx.contact.id,
        now=ctx.now,
        actor="self",
        media_root=ctx.settings.media_root,
        default_language=ctx.settings.default_language,
        timezone=ctx.settings.timezone,
    )
    ctx.erased = True
    ctx.contact = contacts.by_id(ctx.conn, ctx.contact.id) or ctx.contact
    ctx.reply(goodbye, remove_keyboard=True)
