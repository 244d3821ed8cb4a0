"""A CDA opens a new round of a survey from the chat (issue 18), as `clusterbot survey round
open` does: the round and the invitations to everyone who answered before are written in
the same turn (one transaction) and audited.

    /results KEY ──[New round] svn:new:KEY──> survey_round.name: the name, typed
        ──> survey_round.confirm: how many will be asked, [Open] svn:ok:KEY / [Cancel] svn:no:KEY
        ──> opened: the invitations wait in the outbox (handlers never send)

A closed survey gets no round: new answers could not join it.
"""

from __future__ import annotations

from bot.commands import flow
from bot.engine import Context
from bot.messages import Choice
from bot.storage import rounds
from bot.storage.surveys import Survey
from bot.surveys import round_invites
from handlers.people import menu
from handlers.surveys import results

FLOW = results.ROUNDS_FLOW
NAME, CONFIRM = f"{FLOW}.name", f"{FLOW}.confirm"
P = results.NEW_ROUND.split(":")[0]  # svn:<new|ok|no>:<survey key>


def _survey(ctx: Context, key: str) -> Survey | None:
    """The survey, if this CDA may open its rounds (checked at every press: rights change)."""
    return next(
        (s for s in results.managed(ctx) if s.key == key and results.opens_rounds(ctx, s)), None
    )


def _again(ctx: Context) -> None:
    ctx.end()
    ctx.reply(ctx._("Please send /results or /export again."))


@flow(FLOW)
def on_input(ctx: Context) -> None:
    choice = ctx.inbound.choice
    if choice.startswith(f"{results.P}:"):  # a /results button pressed while naming
        results.on_results_press(ctx)
        return
    if choice.startswith(results.NEW_ROUND):
        ask_name(ctx, choice.removeprefix(results.NEW_ROUND))
        return
    key = str(ctx.conv.data.get("key", "")) if ctx.conv else ""
    survey = _survey(ctx, key)
    step = ctx.conv.step if ctx.conv else ""
    if survey is None:
        _again(ctx)
    elif not survey.open:
        _closed(ctx, survey)
    elif step == NAME:
        _take_name(ctx, survey)
    elif step == CONFIRM:
        _take_confirm(ctx, survey, choice)
    else:
        _again(ctx)


def ask_name(ctx: Context, key: str) -> None:
    survey = _survey(ctx, key)
    if survey is None:
        _again(ctx)
        return
    if not survey.open:
        _closed(ctx, survey)
        return
    ctx.go(FLOW, NAME, key=survey.key)
    taken = rounds.of_key(ctx.conn, survey.key)
    names = ", ".join(f"“{results.round_name(ctx._, r)}”" for r in taken)
    text = ctx._("Type the name of the new round of “{title}”, for example “Midline 2027” "
                 "(at most {count} characters). Send /cancel to stop.").format(
        title=_title(ctx, survey), count=ctx._.number(rounds.MAX_NAME))  # fmt: skip
    if names:
        text += "\n" + ctx._("Rounds so far: {names}.").format(names=names)
    ctx.reply(text)


def _title(ctx: Context, survey: Survey) -> str:
    return results.title_of(survey, ctx.language, ctx.conn)


def _closed(ctx: Context, survey: Survey) -> None:
    ctx.end()
    ctx.reply(ctx._("“{title}” is closed, so it cannot have a new round. Open it first "
                    "(clusterbot survey open {key}), then start the round.").format(
        title=_title(ctx, survey), key=survey.key))  # fmt: skip


def _refusal(ctx: Context, survey: Survey, name: str) -> str | None:
    """Why this name cannot be a new round, in the CDA's words; None when it can."""
    if not name:
        return ctx._("Please type a name for the round, for example “Midline 2027”.")
    if len(name) > rounds.MAX_NAME:
        return ctx._("A round's name can have at most {count} characters; this one has "
                     "{length}. Please type a shorter name.").format(
            count=ctx._.number(rounds.MAX_NAME), length=ctx._.number(len(name)))  # fmt: skip
    taken = rounds.by_name(ctx.conn, survey.key, name)
    if taken is not None or name.casefold() == ctx._(rounds.BASELINE).casefold():
        return ctx._("“{title}” already has a round called “{name}”. Please type another "
                     "name.").format(title=_title(ctx, survey), name=name)  # fmt: skip
    return None


def _take_name(ctx: Context, survey: Survey) -> None:
    if ctx.inbound.choice:
        ctx.reply(ctx._("Please type the name of the round, or send /cancel to stop."))
        return
    name = " ".join((ctx.inbound.text or "").split())  # as rounds.open_round stores it
    refusal = _refusal(ctx, survey, name)
    if refusal is not None:
        ctx.reply(refusal)
        return
    asked = len(round_invites.recipients(ctx.conn, survey))
    ctx.go(FLOW, CONFIRM, key=survey.key, name=name)
    text = ctx._.ngettext(
        "Open “{round}” and ask {count} person to answer again?",
        "Open “{round}” and ask {count} people to answer again?",
        asked,
    ).format(round=name, count=ctx._.number(asked))
    ctx.reply(text, _confirm_choices(ctx, survey), columns=2)


def _confirm_choices(ctx: Context, survey: Survey) -> list[Choice]:
    return [Choice(f"{P}:ok:{survey.key}", ctx._("Open")),
            Choice(f"{P}:no:{survey.key}", ctx._("Cancel"))]  # fmt: skip


def _take_confirm(ctx: Context, survey: Survey, choice: str) -> None:
    assert ctx.conv is not None
    name = str(ctx.conv.data.get("name", ""))
    if choice == f"{P}:no:{survey.key}":
        ctx.end()
        ctx.reply(ctx._("Cancelled: no new round."))
        menu.main_menu(ctx)
        return
    if choice != f"{P}:ok:{survey.key}":
        ctx.reply(ctx._("Please press “Open” or “Cancel”."), _confirm_choices(ctx, survey),
                  columns=2)  # fmt: skip
        return
    refusal = _refusal(ctx, survey, name)  # someone else may have opened it meanwhile
    if refusal is not None:
        ctx.go(FLOW, NAME, key=survey.key)
        ctx.reply(refusal)
        return
    try:
        opened = rounds.open_round(ctx.conn, survey.key, name, ctx.now_iso)
    except rounds.RoundError:
        _again(ctx)
        return
    asked = round_invites.invite(ctx.conn, ctx.settings, survey, opened, ctx.now)
    ctx.audit("survey.round_open", subject=survey.key, round=opened.name, asked=asked)
    ctx.go(results.FLOW, results.STEP)  # so its button and typed "1" open the results
    ctx.reply(
        ctx._.ngettext(
            "“{round}” of “{title}” is open. {count} person who answered before is asked to "
            "answer again; new answers count in this round.",
            "“{round}” of “{title}” is open. {count} people who answered before are asked to "
            "answer again; new answers count in this round.",
            asked,
        ).format(round=opened.name, title=_title(ctx, survey), count=ctx._.number(asked)),
        [Choice(f"{results.P}:s:a:{survey.key}", ctx._("Summary"))],
    )
