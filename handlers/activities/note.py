"""/activity, a progress note on one activity (see handlers/activities/plan.py for the menu):

    note text -> save only | publish to /updates and send to the whole cluster
              | add a language -> language -> the note in it (or Remove it) -> back here

Publishing is a broadcast like /broadcast's "send now": `broadcasts.create` +
`broadcasting.release` (outbox fan-out and the /updates entry), so deliveries show in
/deliveries and opted-out or blocked people are left out the same way. The note keeps
the id of the /updates entry (activity_notes.update_id). A note may have a version per
language (issue 17): readers of that language get it, in /activity and in the update.
"""

from __future__ import annotations

from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, native_name, translator
from bot.jobs import broadcasts as broadcasting
from bot.messages import Choice, InboundKind
from bot.storage import activities, broadcasts
from bot.storage.activities import Activity
from handlers.activities import view
from handlers.broadcasts.draft import fits, text_length
from handlers.common import picked, use_buttons

P = view.P
# The first line of a published note, in each reader's language; the note follows as typed.
HEADING = N_("Action plan: {title}")


def _activity(ctx: Context) -> Activity:
    found = view.mine(ctx, int(view.data(ctx).get("activity", 0)))
    assert found is not None  # on_input checked it
    return found


def published_texts(
    a: Activity, note: str, versions: dict[str, str] | None = None
) -> dict[str, str]:
    """The update in every shipped language: a translated heading with the title in that
    language, then the note's version in it (`versions`: language -> text), else the note."""
    return {
        language: translator(language)(HEADING).format(title=a.read(language).title)
        + "\n"
        + (versions or {}).get(language, note)
        for language in SHIPPED_LANGUAGES
    }


def _versions(ctx: Context) -> dict[str, str]:
    return dict(view.data(ctx).get("note_versions") or {})


def _others(ctx: Context) -> list[str]:
    original = view.data(ctx).get("note_lang") or ctx.language
    return [lang for lang in SHIPPED_LANGUAGES if lang != original]


def start(ctx: Context) -> None:
    view.step(ctx, "note", note=None, note_lang=ctx.language, note_versions={})
    ctx.reply(
        ctx._("Type the progress note for “{title}”. Send /cancel to stop.").format(
            title=_activity(ctx).read(ctx.language).title
        )
    )


def take_note(ctx: Context) -> None:
    text = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
    if not text or text.startswith("/"):
        if ctx.inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ctx.reply(ctx._("Please type the note as text."))
        return
    a = _activity(ctx)
    # Checked as the published update would be: the longest language version, heading included.
    longest = max(published_texts(a, text).values(), key=text_length)
    if not fits(ctx, longest, caption=False):
        return
    view.step(ctx, "publish", note=text, note_versions={})
    ask_publish(ctx)


def _publish_choices(ctx: Context) -> list[Choice]:
    more = [Choice(f"{P}:pub:lang", ctx._("Add a language"))] if _others(ctx) else []
    return [
        Choice(f"{P}:pub:yes", ctx._("Save and send")),
        Choice(f"{P}:pub:no", ctx._("Only save")),
        *more,
        Choice(f"{P}:pub:drop", ctx._("Cancel")),
    ]


def ask_publish(ctx: Context) -> None:
    _ = ctx._
    a, note = _activity(ctx), view.data(ctx)["note"]
    count = broadcasts.audience_count(ctx.conn, a.cluster_id, {}).recipients
    texts = published_texts(a, note, _versions(ctx))
    ctx.reply(texts[ctx.language])
    for language in sorted(_versions(ctx)):
        heading = _("In {language}, for those who chose it:").format(language=native_name(language))
        ctx.reply(f"{heading}\n{texts.get(language, _versions(ctx)[language])}")
    ctx.reply(
        _(
            "Save this note? “Save and send” also puts it in the cluster's /updates and sends "
            "it, as above, to the whole cluster. Recipients: {count}"
        ).format(count=_.number(count)),
        _publish_choices(ctx),
    )


def take_publish(ctx: Context) -> None:
    choice = picked_publish(ctx)
    if choice is None:
        return
    a, note = _activity(ctx), view.data(ctx)["note"]
    if choice == "drop":
        view.show_activity(ctx, a, lead=ctx._("Cancelled. Nothing was saved."))
        return
    if choice == "lang":
        ask_language(ctx)
        return
    versions = {lang: {"text": text} for lang, text in _versions(ctx).items()}
    update_id: int | None = None
    counts: dict[str, int] = {}
    if choice == "yes":
        update_id, counts = _publish(ctx, a, note)
    saved = activities.add_note(
        ctx.conn, a.id, note, by=ctx.contact.ref, now=ctx.now_iso, update_id=update_id,
        language=view.data(ctx).get("note_lang"), versions=versions,
    )  # fmt: skip
    ctx.audit(
        "activity.note",
        subject=f"activity:{a.id}",
        note=saved.id,
        published=update_id is not None,
        **({"versions": sorted(versions)} if versions else {}),
        **counts,
    )
    lead = (
        ctx._("Note saved and sent. Recipients: {count}. It is also in /updates.").format(
            count=ctx._.number(counts.get("queued", 0))
        )
        if update_id is not None
        else ctx._("Note saved.")
    )
    view.show_activity(ctx, activities.get(ctx.conn, a.id) or a, lead=lead)


def picked_publish(ctx: Context) -> str | None:
    choice = picked(ctx, _publish_choices(ctx))
    if choice is None:
        use_buttons(ctx, _publish_choices(ctx))
        return None
    return choice.id.removeprefix(f"{P}:pub:")


def _publish(ctx: Context, a: Activity, note: str) -> tuple[int | None, dict[str, int]]:
    """Send the note to the whole cluster now, the /broadcast way; the /updates id."""
    texts = published_texts(a, note, _versions(ctx))
    b = broadcasts.create(
        ctx.conn,
        cluster_id=a.cluster_id,
        author=ctx.contact.ref,
        audience={},
        texts=texts,
        default_language=ctx.language,
        media_kind=None,
        media_path=None,
        media_name=None,
        scheduled_at=None,
        status="draft",
        now=ctx.now_iso,
    )
    counts = broadcasting.release(ctx.conn, b, ctx.now)
    ctx.audit(
        "broadcast.send",
        subject=f"broadcast:{b.id}",
        cluster=view.here(ctx).code,
        audience={},
        languages=sorted(texts),
        media=None,
        activity=a.id,
        **counts,
    )
    return activities.update_of_broadcast(ctx.conn, b.id), counts


# --- a version in another language (issue 17) ----------------------------------------------


def _back(ctx: Context) -> Choice:
    return Choice(f"{P}:nv:back", ctx._("Back"))


def _language_choices(ctx: Context) -> list[Choice]:
    langs = [Choice(f"{P}:nv:{lang}", native_name(lang)) for lang in _others(ctx)]
    return [*langs, _back(ctx)]


def ask_language(ctx: Context) -> None:
    view.step(ctx, "notelang", adding=None)
    ctx.reply(
        ctx._(
            "In which language? People who chose it get your text in it; everyone else gets "
            "the original. A tick marks a language that has a version already."
        ),
        _language_choices(ctx),
        columns=2,
        selected=frozenset(f"{P}:nv:{lang}" for lang in _versions(ctx)),
    )


def take_language(ctx: Context) -> None:
    options = _language_choices(ctx)
    choice = picked(ctx, options)
    if choice is None:
        use_buttons(ctx, options)
        return
    if choice.id == _back(ctx).id:
        view.step(ctx, "publish")
        ask_publish(ctx)
        return
    view.step(ctx, "notever", adding=choice.id.rsplit(":", 1)[1])
    ask_version(ctx)


def _version_choices(ctx: Context) -> list[Choice]:
    remove = [Choice(f"{P}:nv:del", ctx._("Remove it"))]
    return [*(remove if view.data(ctx).get("adding") in _versions(ctx) else []), _back(ctx)]


def ask_version(ctx: Context) -> None:
    language = str(view.data(ctx)["adding"])
    lines = [
        ctx._("Type the note in {language}. People who chose {language} will get it.").format(
            language=native_name(language)
        )
    ]
    if language in _versions(ctx):
        lines += ["", _versions(ctx)[language]]
    ctx.reply("\n".join(lines), _version_choices(ctx))


def take_version(ctx: Context) -> None:
    language, versions = str(view.data(ctx)["adding"]), _versions(ctx)
    choice = picked(ctx, _version_choices(ctx))
    if choice is not None:
        if choice.id == f"{P}:nv:del":
            versions.pop(language, None)
            ctx.reply(
                ctx._("The {language} version is removed.").format(language=native_name(language))
            )
        view.step(ctx, "publish", adding=None, note_versions=versions)
        ask_publish(ctx)
        return
    text = ctx.inbound.text.strip() if ctx.inbound.kind is InboundKind.TEXT else ""
    if not text or text.startswith("/"):
        if ctx.inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ask_version(ctx)
        return
    a = _activity(ctx)
    published = published_texts(a, view.data(ctx)["note"], {**versions, language: text})
    if not fits(ctx, published[language], caption=False, language=language):
        return
    view.step(ctx, "publish", adding=None, note_versions={**versions, language: text})
    ask_publish(ctx)
