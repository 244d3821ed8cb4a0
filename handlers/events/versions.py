"""Language versions of an event already sent (issue 17): from /events, the CDA's "Add a
language" adds, retypes or removes the version of its title and place (a visit: destination
and purpose) in one language, as the wizard's preview does before Send.

    evm:<event>:lang -> language -> (Type it again | Remove it | Back) -> field 1 -> ... -> saved

Steps of the eventedit flow (handlers/events/edit.py): vlang, vhas, v.<field>. Nobody is
notified: a version says what the original says. Saved and audited in the turn.
"""

from __future__ import annotations

from typing import Any

from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, native_name
from bot.messages import Choice
from bot.storage import events as ev
from bot.storage import versions as vs
from bot.storage.events import Event
from handlers import wizard as wz
from handlers.common import picked, use_buttons
from handlers.events import draft as d

FLOW = "eventedit"
# (event field, label, limit) in the order asked; a visit's destination is title and place.
FIELDS = {
    "meeting": (("title", N_("Title"), d.MAX_TITLE), ("place", N_("Place"), d.MAX_PLACE)),
    "visit": (
        ("title", N_("Destination"), d.MAX_TITLE),
        ("purpose", N_("Purpose"), d.MAX_PLACE),
    ),
}


def _data(ctx: Context) -> dict[str, Any]:
    return d.data(ctx)


def _others(event: Event) -> list[str]:
    return [lang for lang in SHIPPED_LANGUAGES if lang != event.language]


def _back_choice(ctx: Context) -> Choice:
    return Choice("evv:back", ctx._("Back"))


def _language_choices(ctx: Context, event: Event) -> list[Choice]:
    langs = [Choice(f"evv:{lang}", native_name(lang)) for lang in _others(event)]
    return [*langs, _back_choice(ctx)]


def start(ctx: Context, event: Event) -> None:
    ctx.go(FLOW, f"{FLOW}.vlang", event=event.id, cluster=event.cluster_id, vlang=None, vtexts={})
    ctx.reply(
        ctx._(
            "In which language? People who chose it get your text in it; everyone else gets "
            "the original. A tick marks a language that has a version already."
        ),
        _language_choices(ctx, event),
        columns=2,
        selected=frozenset(f"evv:{lang}" for lang in event.versions),
    )


def _version_choices(ctx: Context) -> list[Choice]:
    return [
        Choice("evv:again", ctx._("Type it again")),
        Choice("evv:remove", ctx._("Remove it")),
        _back_choice(ctx),
    ]


def _leave(ctx: Context, message: str) -> None:
    ctx.end()
    ctx.reply(message)


def take(ctx: Context, event: Event, step: str) -> None:
    if picked(ctx, [_back_choice(ctx)]) is not None:
        _leave(ctx, ctx._("Nothing was changed."))
        return
    if step == "vlang":
        options = _language_choices(ctx, event)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return
        lang = choice.id.removeprefix("evv:")
        ctx.go(FLOW, f"{FLOW}.vhas", vlang=lang, vtexts={})
        existing = event.versions.get(lang)
        if existing:
            labels = {name: label for name, label, _limit in FIELDS[event.kind]}
            lines = [f"{ctx._(labels[k])}: {v}" for k, v in existing.items() if k in labels]
            ctx.reply("\n".join([native_name(lang) + ":", *lines]), _version_choices(ctx))
            return
        _ask_next(ctx, event, None)
    elif step == "vhas":
        options = _version_choices(ctx)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
        elif choice.id == "evv:remove":
            lang = str(_data(ctx)["vlang"])
            vs.drop(ctx.conn, "event", event.id, language=lang)
            ctx.audit("event.versions", subject=f"event:{event.id}", removed=[lang])
            _leave(
                ctx,
                ctx._("The {language} version is removed.").format(language=native_name(lang)),
            )
        else:
            _ask_next(ctx, event, None)
    else:
        _take_field(ctx, event, step.removeprefix("v."))


def _skip(ctx: Context) -> Choice:
    return Choice("evv:skip", ctx._("Skip"))


def _ask_next(ctx: Context, event: Event, after: str | None) -> None:
    fields = [f for f in FIELDS[event.kind] if getattr(event, f[0])]
    names = [f[0] for f in fields]
    rest = fields[names.index(after) + 1 :] if after in names else fields
    if not rest:
        _save(ctx, event)
        return
    name, label, _limit = rest[0]
    ctx.go(FLOW, f"{FLOW}.v.{name}")
    ctx.reply(
        ctx._(
            "Type the {field} in {language}. To keep the original for this one, press “Skip”.\n"
            "Original: {text}"
        ).format(
            field=ctx._(label),
            language=native_name(str(_data(ctx)["vlang"])),
            text=getattr(event, name),
        ),
        [_skip(ctx), _back_choice(ctx)],
    )


def _take_field(ctx: Context, event: Event, name: str) -> None:
    found = next((f for f in FIELDS[event.kind] if f[0] == name), None)
    if found is None:
        _leave(ctx, ctx._("Nothing was changed."))
        return
    texts = dict(_data(ctx).get("vtexts") or {})
    if picked(ctx, [_skip(ctx)]) is not None:
        texts.pop(name, None)
    else:
        text = wz.read_text(ctx, found[2], [_skip(ctx), _back_choice(ctx)])
        if text is None:
            return
        texts[name] = text
    ctx.go(FLOW, f"{FLOW}.v.{name}", vtexts=texts)
    _ask_next(ctx, event, name)


def _save(ctx: Context, event: Event) -> None:
    lang, texts = str(_data(ctx)["vlang"]), dict(_data(ctx).get("vtexts") or {})
    if event.kind == "visit" and "title" in texts:
        texts["place"] = texts["title"]  # the destination is both
    if not texts:
        _leave(ctx, ctx._("Nothing was changed."))
        return
    vs.drop(ctx.conn, "event", event.id, language=lang)
    vs.put(ctx.conn, "event", event.id, lang, texts)
    ctx.audit("event.versions", subject=f"event:{event.id}", language=lang, **texts)
    saved = ev.get(ctx.conn, event.id) or event
    _leave(
        ctx,
        ctx._("Saved. People who chose {language} now see: {title}").format(
            language=native_name(lang), title=saved.read(lang).title
        ),
    )
