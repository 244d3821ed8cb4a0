"""/activity, a progress note on one activity (see handlers/activities/plan.py for the menu):

    note text -> save only | publish to /updates and send to the whole cluster

Publishing is a broadcast like /broadcast's "send now": `broadcasts.create` +
`broadcasting.release` (outbox fan-out and the /updates entry), so deliveries show in
/deliveries and opted-out or blocked people are left out the same way. The note keeps
the id of the /updates entry (activity_notes.update_id).
"""

from __future__ import annotations

from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, translator
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


def published_texts(a: Activity, note: str) -> dict[str, str]:
    """The update in every shipped language: a translated heading, then the note."""
    return {
        language: translator(language)(HEADING).format(title=a.title) + "\n" + note
        for language in SHIPPED_LANGUAGES
    }


def start(ctx: Context) -> None:
    view.step(ctx, "note", note=None)
    ctx.reply(
        ctx._("Type the progress note for “{title}”. Send /cancel to stop.").format(
            title=_activity(ctx).title
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
    view.step(ctx, "publish", note=text)
    ask_publish(ctx)


def _publish_choices(ctx: Context) -> list[Choice]:
    return [
        Choice(f"{P}:pub:yes", ctx._("Save and send")),
        Choice(f"{P}:pub:no", ctx._("Only save")),
        Choice(f"{P}:pub:drop", ctx._("Cancel")),
    ]


def ask_publish(ctx: Context) -> None:
    _ = ctx._
    a, note = _activity(ctx), view.data(ctx)["note"]
    count = broadcasts.audience_count(ctx.conn, a.cluster_id, {}).recipients
    ctx.reply(published_texts(a, note)[ctx.language])
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
    update_id: int | None = None
    counts: dict[str, int] = {}
    if choice == "yes":
        update_id, counts = _publish(ctx, a, note)
    saved = activities.add_note(
        ctx.conn, a.id, note, by=ctx.contact.ref, now=ctx.now_iso, update_id=update_id
    )
    ctx.audit(
        "activity.note",
        subject=f"activity:{a.id}",
        note=saved.id,
        published=update_id is not None,
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
    texts = published_texts(a, note)
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
