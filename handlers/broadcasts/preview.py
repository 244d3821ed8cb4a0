"""/broadcast, second half: the preview (exact text, recipients, who is left out), language
versions, a photo or document added late, now or later, and the confirmation that queues
it (see handlers/broadcasts/compose.py for the first half)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.engine import Context
from bot.i18n import SHIPPED_LANGUAGES, native_name
from bot.jobs import broadcasts as broadcasting
from bot.messages import Choice, InboundKind
from bot.storage import broadcasts
from bot.storage.clusters import Cluster
from handlers import when as when_
from handlers import wizard as wz
from handlers.broadcasts.draft import (
    FLOW,
    ask_message,
    cluster,
    data,
    describe_audience,
    fits,
    media_from_inbound,
    media_of,
)
from handlers.common import picked, use_buttons


def _here(ctx: Context) -> Cluster:
    found = cluster(ctx)
    assert found is not None  # on_input checked it
    return found


def _versions(ctx: Context) -> list[str]:
    """Languages with a text, the default first."""
    d = data(ctx)
    return [d["lang"], *sorted(lang for lang in d["texts"] if lang != d["lang"])]


# --- preview ------------------------------------------------------------------------------


def _preview_choices(ctx: Context) -> list[Choice]:
    _ = ctx._
    texts = data(ctx)["texts"]
    choices = [Choice("bc:now", _("Send now")), Choice("bc:later", _("Send later"))]
    choices += [
        Choice(f"bc:add:{lang}", _("Add {language} text").format(language=native_name(lang)))
        for lang in SHIPPED_LANGUAGES
        if lang not in texts
    ]
    return [*choices, Choice("bc:change", _("Change a field")), Choice("bc:cancel", _("Cancel"))]


def _change_choices(ctx: Context) -> list[Choice]:
    return [
        Choice("bc:chg:audience", ctx._("Who receives it")),
        Choice("bc:edit", ctx._("Message")),
        Choice("bc:back", ctx._("Back")),
    ]


def take_change(ctx: Context, ask_audience: Callable[[Context], None]) -> None:
    """Change a field: the audience (then straight back to this preview), the message (the
    language versions go with it: they translate the old text), or back."""
    choice = picked(ctx, _change_choices(ctx))
    if choice is None:
        use_buttons(ctx, _change_choices(ctx))
    elif choice.id == "bc:chg:audience":
        ctx.go(FLOW, f"{FLOW}.audience", roles=[])
        ask_audience(ctx)
    elif choice.id == "bc:edit":
        ctx.go(FLOW, f"{FLOW}.message", texts={}, media=None)
        ask_message(ctx)
    else:
        ctx.go(FLOW, f"{FLOW}.preview")
        show(ctx)


def show(ctx: Context) -> None:
    """Every version exactly as recipients will see it, then the numbers and the buttons."""
    _ = ctx._
    d = data(ctx)
    media = media_of(d)
    for lang in _versions(ctx):
        ctx.reply(d["texts"][lang], media=media)
    count = broadcasts.audience_count(ctx.conn, _here(ctx).id, d.get("audience", {}))
    lines = [
        _("Above is exactly what people will receive."),
        "",
        _("Cluster: {cluster}").format(cluster=_here(ctx).name),
        _("Audience: {audience}").format(audience=describe_audience(ctx, d.get("audience", {}))),
        _("Recipients: {count}").format(count=_.number(count.recipients)),
    ]
    if len(d["texts"]) > 1:
        lines.append(
            _(
                "People get the text in their own language if there is one, "
                "else the {language} one."
            ).format(language=native_name(d["lang"]))
        )
    if count.opted_out:
        lines.append(
            _("Left out: {count} who stopped updates with /stop.").format(
                count=_.number(count.opted_out)
            )
        )
    if count.unreachable:
        lines.append(
            _("Left out: {count} who blocked the bot.").format(count=_.number(count.unreachable))
        )
    ctx.reply("\n".join(lines), _preview_choices(ctx), columns=2)


def _attach(ctx: Context) -> None:
    """A photo or document sent at the preview: attach it if every text fits a caption."""
    media = media_from_inbound(ctx)
    if media is None:
        return
    texts = data(ctx)["texts"]
    if all(fits(ctx, texts[lang], caption=True, language=lang) for lang in _versions(ctx)):
        ctx.go(FLOW, f"{FLOW}.preview", media=media)
    show(ctx)


def take_preview(ctx: Context) -> None:
    if ctx.inbound.kind in (InboundKind.PHOTO, InboundKind.DOCUMENT):
        _attach(ctx)
        return
    choice = picked(ctx, _preview_choices(ctx))
    if choice is None:
        use_buttons(ctx, _preview_choices(ctx))
        return
    if choice.id == "bc:now":
        ctx.go(FLOW, f"{FLOW}.confirm", when=None)
        ask_confirm(ctx)
    elif choice.id == "bc:later":
        ctx.go(FLOW, f"{FLOW}.when")
        ask_when(ctx)
    elif choice.id.startswith("bc:add:"):
        ctx.go(FLOW, f"{FLOW}.version", adding=choice.id.removeprefix("bc:add:"))
        ask_version(ctx)
    elif choice.id == "bc:change":
        ctx.go(FLOW, f"{FLOW}.change")
        ctx.reply(ctx._("Which one do you want to change?"), _change_choices(ctx))
    else:
        ctx.end()
        ctx.reply(ctx._("Cancelled. Nothing was sent."))


# --- a version in another language -------------------------------------------------------


def _back(ctx: Context) -> Choice:
    return Choice("bc:back", ctx._("Back"))


def ask_version(ctx: Context) -> None:
    language = native_name(data(ctx)["adding"])
    ctx.reply(
        ctx._("Type the {language} text. People who chose {language} will get it.").format(
            language=language
        ),
        [_back(ctx)],
    )


def take_version(ctx: Context) -> None:
    d = data(ctx)
    if picked(ctx, [_back(ctx)]):
        ctx.go(FLOW, f"{FLOW}.preview", adding=None)
        show(ctx)
        return
    if ctx.inbound.kind is not InboundKind.TEXT or not ctx.inbound.text.strip():
        if ctx.inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ask_version(ctx)
        return
    text, language = ctx.inbound.text.strip(), d["adding"]
    if not fits(ctx, text, caption=bool(d.get("media")), language=language):
        return
    ctx.go(FLOW, f"{FLOW}.preview", texts={**d["texts"], language: text}, adding=None)
    show(ctx)


# --- when ---------------------------------------------------------------------------------


def _when_choices(ctx: Context) -> list[Choice]:
    # The hour as the reader's locale writes it (कल सुबह 9:00, not "9 AM").
    nine = ctx._.time(time(9, 0))
    label = ctx._.pgettext("button", "Tomorrow {time}").format(time=nine)
    return [Choice("bc:when:tomorrow9", label), _back(ctx)]


def ask_when(ctx: Context) -> None:
    here = _here(ctx)
    tz = ZoneInfo(here.timezone)
    ctx.reply(
        ctx._(
            "When should it go out? Type the date and time ({timezone} time), for example {example}"
        ).format(timezone=here.timezone, example=when_.example(tz, ctx.now)),
        _when_choices(ctx),
    )


def take_when(ctx: Context) -> None:
    tz = ZoneInfo(_here(ctx).timezone)
    choice = picked(ctx, _when_choices(ctx))
    if choice is not None and choice.id == "bc:back":
        ctx.go(FLOW, f"{FLOW}.preview")
        show(ctx)
        return
    if choice is not None:
        when: datetime | None = when_.tomorrow_at(tz, ctx.now, 9)
    elif ctx.inbound.kind is InboundKind.TEXT:
        when = wz.read_when(ctx)
    else:
        use_buttons(ctx, _when_choices(ctx))
        return
    if when is None:
        return
    ctx.go(FLOW, f"{FLOW}.confirm", when=iso(when))
    ask_confirm(ctx)


# --- confirm ------------------------------------------------------------------------------


def _confirm_choices(ctx: Context) -> list[Choice]:
    later = bool(data(ctx).get("when"))
    yes = ctx._("Yes, schedule it") if later else ctx._("Yes, send it")
    return [Choice("bc:yes", yes), Choice("bc:no", ctx._("No, go back"))]


def ask_confirm(ctx: Context) -> None:
    _ = ctx._
    d, here = data(ctx), _here(ctx)
    count = _.number(broadcasts.audience_count(ctx.conn, here.id, d["audience"]).recipients)
    if d.get("when"):
        at = when_.show(_, parse_iso(d["when"]), ZoneInfo(here.timezone))
        question = _("Send this update on {when} ({timezone})? Recipients today: {count}").format(
            when=at, timezone=here.timezone, count=count
        )
    else:
        question = _("Send this update now? Recipients: {count}").format(count=count)
    ctx.reply(question, _confirm_choices(ctx), columns=2)


def take_confirm(ctx: Context) -> None:
    choice = picked(ctx, _confirm_choices(ctx))
    if choice is None:
        use_buttons(ctx, _confirm_choices(ctx))
        return
    if choice.id == "bc:no":
        ctx.go(FLOW, f"{FLOW}.preview", when=None)
        show(ctx)
        return
    d, here = data(ctx), _here(ctx)
    when = parse_iso(d["when"]) if d.get("when") else None
    if when is not None and when <= ctx.now:
        ctx.reply(ctx._("That time has passed meanwhile. Please choose the time again."))
        ctx.go(FLOW, f"{FLOW}.when", when=None)
        ask_when(ctx)
        return
    media = d.get("media") or {}
    b = broadcasts.create(
        ctx.conn,
        cluster_id=here.id,
        author=ctx.contact.ref,
        audience=d["audience"],
        texts=d["texts"],
        default_language=d["lang"],
        media_kind=media.get("kind"),
        media_path=media.get("path"),
        media_name=media.get("name"),
        scheduled_at=iso(when) if when else None,
        status="scheduled" if when else "draft",
        now=ctx.now_iso,
    )
    detail = {
        "cluster": here.code,
        "audience": d["audience"],
        "languages": sorted(d["texts"]),
        "media": media.get("kind"),
    }
    ctx.end()
    if when is not None:
        broadcasting.schedule_release(ctx.conn, b, ctx.now)
        ctx.audit(
            "broadcast.schedule", subject=f"broadcast:{b.id}", scheduled_at=b.scheduled_at, **detail
        )
        ctx.reply(
            ctx._(
                "Scheduled for {when} ({timezone}). It goes into /updates when it is sent. "
                "To see it or cancel it, send /deliveries."
            ).format(when=when_.show(ctx._, when, ZoneInfo(here.timezone)), timezone=here.timezone)
        )
        return
    counts = broadcasting.release(ctx.conn, b, ctx.now)
    ctx.audit("broadcast.send", subject=f"broadcast:{b.id}", **detail, **counts)
    ctx.reply(
        ctx._(
            "Done. Recipients: {count}; they get it in the next few minutes. It is also in "
            "the cluster's /updates. To see who got it, send /deliveries."
        ).format(count=ctx._.number(counts["queued"]))
    )
