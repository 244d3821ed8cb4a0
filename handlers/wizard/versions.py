"""Language versions in a wizard (issue 17): from the preview, "Add a language" lets the CDA
type the wizard's translatable text fields (a meeting's title and place, a visit's
destination and purpose, an activity's title) in another shipped language, as /broadcast
does for its text.

    preview -> Add a language -> language -> field 1 -> ... -> field n -> preview
                                    |  (a language that has a version already)
                                    +-> Type it again | Remove it | Back

A field may be skipped (readers of that language get the original of it). Each version is
checked at once against the platform limits, as its readers will get it (`Wizard.shown_in`).
The draft keeps `lang` (the originals' language, never offered) and `versions`
({language: {field: text}}); `_vlang` and `_vtexts` are the version being typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, native_name
from bot.limits import TELEGRAM_MAX_TEXT
from bot.messages import Choice
from handlers.broadcasts.draft import fits
from handlers.common import picked, use_buttons
from handlers.wizard.fields import Draft, Field, Text
from handlers.wizard.reading import read_text


class Wizard(Protocol):
    """What the version steps need of their wizard (handlers/wizard/walker.py), named
    here so that the walker imports this module and not the other way round."""

    @property
    def prefix(self) -> str: ...
    @property
    def fields(self) -> tuple[Field, ...]: ...
    @property
    def translatable(self) -> tuple[str, ...]: ...
    @property
    def shown_in(self) -> Callable[[Context, Draft, str], str] | None: ...

    def go(self, ctx: Context, step: str, **data: Any) -> None: ...
    def field(self, name: str) -> Field | None: ...
    def skip(self, ctx: Context) -> Choice: ...
    def skipped(self, ctx: Context) -> bool: ...
    def show_preview(self, ctx: Context, draft: Draft) -> None: ...


ADD = N_("Add a language")
STALE = N_(
    "You changed the {field}, so its {languages} version no longer matches and has been "
    "removed. Press “Add a language” to type it again."
)


def original_language(ctx: Context, draft: Draft) -> str:
    return str(draft.get("lang") or ctx.language)


def of(draft: Draft) -> dict[str, dict[str, str]]:
    return {lang: dict(texts) for lang, texts in (draft.get("versions") or {}).items()}


def others(ctx: Context, draft: Draft) -> list[str]:
    """The shipped languages a version may be added in."""
    return [lang for lang in SHIPPED_LANGUAGES if lang != original_language(ctx, draft)]


def fields_of(w: Wizard, draft: Draft) -> list[Field]:
    """The translatable fields this draft has an original text for."""
    return [
        f for f in w.fields if f.name in w.translatable and f.applies(draft) and draft.get(f.name)
    ]


def add_choice(ctx: Context, w: Wizard, draft: Draft) -> list[Choice]:
    if not w.translatable or not others(ctx, draft):
        return []
    return [Choice(f"{w.prefix}:ver", ctx._(ADD))]


# --- the preview's part ---------------------------------------------------------------------


def preview_messages(ctx: Context, w: Wizard, draft: Draft) -> list[str]:
    """Each version as its readers will get it, headed by the language's name."""
    shown = []
    for lang, texts in sorted(of(draft).items()):
        if w.shown_in is not None:
            body = w.shown_in(ctx, draft, lang)
        else:
            body = "\n".join(
                f"{ctx._(f.label)}: {texts[f.name]}" for f in w.fields if f.name in texts
            )
        heading = ctx._("In {language}, for those who chose it:").format(language=native_name(lang))
        shown.append(f"{heading}\n{body}")
    return shown


def drop_stale(ctx: Context, field: Field, before: Draft, after: Draft) -> Draft:
    """A retyped original makes that field's versions wrong: remove them and say so."""
    if before.get(field.name) == after.get(field.name):
        return after
    versions = of(after)
    stale = sorted(lang for lang, texts in versions.items() if field.name in texts)
    if not stale:
        return after
    for lang in stale:
        del versions[lang][field.name]
        if not versions[lang]:
            del versions[lang]
    ctx.reply(
        ctx._(STALE).format(
            field=ctx._(field.label), languages=", ".join(native_name(lang) for lang in stale)
        )
    )
    return {**after, "versions": versions}


# --- steps ----------------------------------------------------------------------------------


def _back(ctx: Context, w: Wizard) -> Choice:
    return Choice(f"{w.prefix}:vback", ctx._("Back"))


def _language_choices(ctx: Context, w: Wizard, draft: Draft) -> list[Choice]:
    langs = [Choice(f"{w.prefix}:vl:{lang}", native_name(lang)) for lang in others(ctx, draft)]
    return [*langs, _back(ctx, w)]


def ask_language(ctx: Context, w: Wizard, draft: Draft) -> None:
    w.go(ctx, "ver", draft=draft)
    has = of(draft)
    ctx.reply(
        ctx._(
            "In which language? People who chose it get your text in it; everyone else gets "
            "the original. A tick marks a language that has a version already."
        ),
        _language_choices(ctx, w, draft),
        columns=2,
        selected=frozenset(f"{w.prefix}:vl:{lang}" for lang in has),
    )


def _version_choices(ctx: Context, w: Wizard) -> list[Choice]:
    return [
        Choice(f"{w.prefix}:vre", ctx._("Type it again")),
        Choice(f"{w.prefix}:vdel", ctx._("Remove it")),
        _back(ctx, w),
    ]


def take(ctx: Context, w: Wizard, step: str, draft: Draft) -> None:
    """`step`: ver (the language), ver.has (a language with a version), ver.<field>."""
    if picked(ctx, [_back(ctx, w)]) is not None:
        w.show_preview(ctx, _clean(draft))
        return
    if step == "ver":
        _take_language(ctx, w, draft)
    elif step == "ver.has":
        _take_has(ctx, w, draft)
    else:
        _take_field(ctx, w, step.removeprefix("ver."), draft)


def _clean(draft: Draft) -> Draft:
    return {k: v for k, v in draft.items() if k not in ("_vlang", "_vtexts")}


def _take_language(ctx: Context, w: Wizard, draft: Draft) -> None:
    options = _language_choices(ctx, w, draft)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    lang = choice.id.rsplit(":", 1)[1]
    draft = {**draft, "_vlang": lang, "_vtexts": {}}
    existing = of(draft).get(lang)
    if existing:
        w.go(ctx, "ver.has", draft=draft)
        lines = [f"{ctx._(f.label)}: {existing[f.name]}" for f in w.fields if f.name in existing]
        ctx.reply("\n".join([native_name(lang) + ":", *lines]), _version_choices(ctx, w), columns=3)
        return
    _ask_next(ctx, w, draft, after=None)


def _take_has(ctx: Context, w: Wizard, draft: Draft) -> None:
    options = _version_choices(ctx, w)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    lang = str(draft.get("_vlang"))
    if choice.id == f"{w.prefix}:vdel":
        versions = of(draft)
        versions.pop(lang, None)
        ctx.reply(ctx._("The {language} version is removed.").format(language=native_name(lang)))
        w.show_preview(ctx, _clean({**draft, "versions": versions}))
        return
    _ask_next(ctx, w, draft, after=None)


def _ask_next(ctx: Context, w: Wizard, draft: Draft, after: str | None) -> None:
    """The next field to type in the version's language, or the version is done."""
    names = [f.name for f in fields_of(w, draft)]
    rest = names[names.index(after) + 1 :] if after in names else names
    if not rest:
        _done(ctx, w, draft)
        return
    field = w.field(rest[0])
    assert field is not None
    w.go(ctx, f"ver.{field.name}", draft=draft)
    ctx.reply(
        ctx._(
            "Type the {field} in {language}. To keep the original for this one, press “Skip”.\n"
            "Original: {text}"
        ).format(
            field=ctx._(field.label),
            language=native_name(str(draft["_vlang"])),
            text=draft[field.name],
        ),
        [w.skip(ctx), _back(ctx, w)],
    )


def _take_field(ctx: Context, w: Wizard, name: str, draft: Draft) -> None:
    field = w.field(name)
    if field is None or not draft.get("_vlang"):
        w.show_preview(ctx, _clean(draft))
        return
    texts: dict[str, Any] = dict(draft.get("_vtexts") or {})
    if w.skipped(ctx):
        texts.pop(name, None)
    else:
        limit = field.limit if isinstance(field, Text) else TELEGRAM_MAX_TEXT
        text = read_text(ctx, limit, [w.skip(ctx), _back(ctx, w)])
        if text is None:
            return
        texts[name] = text
    _ask_next(ctx, w, {**draft, "_vtexts": texts}, after=name)


def _done(ctx: Context, w: Wizard, draft: Draft) -> None:
    lang, texts = str(draft["_vlang"]), dict(draft.get("_vtexts") or {})
    versions = of(draft)
    if not texts:
        versions.pop(lang, None)
        ctx.reply(
            ctx._("Nothing was typed, so there is no {language} version.").format(
                language=native_name(lang)
            )
        )
        w.show_preview(ctx, _clean({**draft, "versions": versions}))
        return
    candidate = _clean({**draft, "versions": {**versions, lang: texts}})
    if w.shown_in is not None and not fits(
        ctx, w.shown_in(ctx, candidate, lang), caption=False, language=lang
    ):
        _ask_next(ctx, w, {**draft, "_vtexts": {}}, after=None)
        return
    ctx.reply(ctx._("The {language} version is added.").format(language=native_name(lang)))
    w.show_preview(ctx, candidate)
