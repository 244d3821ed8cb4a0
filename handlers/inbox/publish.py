"""/inbox, publish an answer (issue 15): the question and the CDA's answer become a public
update, the asker never named.

    Publish answer (ib:p:<id>) -> the update as it will read -> Edit question / Edit answer
    (typed again) -> Publish (to /updates) | Publish and send (to /updates and to the whole
    cluster, the /broadcast way: one fan-out, one ledger) | Cancel

The question starts as the sender's own words, which may name someone: the preview says
so, and the CDA may retype it. Who sent it is never part of the update.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, translator
from bot.jobs import broadcasts as broadcasting
from bot.messages import Choice, InboundKind
from bot.storage import activities, broadcasts, inbox, updates
from bot.storage.inbox import MAX_TEXT, Item
from handlers.broadcasts.draft import fits, text_length

FLOW = "inbox"
PUBLISH, PUB_Q, PUB_A = f"{FLOW}.publish", f"{FLOW}.pub_q", f"{FLOW}.pub_a"
PRESSES = ("ib:pq", "ib:pa", "ib:ps", "ib:pb", "ib:pc")
HEADING = N_("Question and answer")
QUESTION = N_("Question: {text}")
ANSWER = N_("Answer: {text}")
QUESTION_FIRST = N_("There is no question to publish yet. Type it as it should read in public.")
ANSWER_FIRST = N_("There is no answer to publish yet. Type it as it should read in public.")
ShowItem = Callable[..., None]


def public_texts(question: str, answer: str) -> dict[str, str]:
    """The update in every shipped language: translated labels, the words as typed."""
    texts = {}
    for language in SHIPPED_LANGUAGES:
        _ = translator(language)
        texts[language] = "\n\n".join(
            (f"❓ {_(HEADING)}", _(QUESTION).format(text=question), _(ANSWER).format(text=answer))
        )
    return texts


def _choices(ctx: Context) -> list[Choice]:
    _ = ctx._
    return [
        Choice("ib:ps", _("Publish")),
        Choice("ib:pb", _("Publish and send")),
        Choice("ib:pq", _("Edit question")),
        Choice("ib:pa", _("Edit answer")),
        Choice("ib:pc", _("Cancel")),
    ]


def start(ctx: Context, item: Item) -> None:
    answer = inbox.last_answer(ctx.conn, item.id)
    ctx.go(FLOW, PUBLISH, item=item.id, cluster=item.cluster_id, question=item.text,
           answer=answer.text if answer else "")  # fmt: skip
    preview(ctx)


def preview(ctx: Context) -> None:
    _ = ctx._
    data = ctx.conv.data if ctx.conv else {}
    ctx.reply(public_texts(str(data["question"]), str(data["answer"]))[ctx.language])
    count = broadcasts.audience_count(ctx.conn, int(data["cluster"]), {}).recipients
    ctx.reply(
        _(
            "This is how it will read in /updates; the sender is not named. Check that the "
            "question names nobody, and edit it if it does. “Publish and send” also sends it "
            "to the whole cluster. Recipients: {count}"
        ).format(count=_.number(count)),
        _choices(ctx),
    )


def _typed(ctx: Context) -> str | None:
    inbound = ctx.inbound
    text = inbound.text.strip() if inbound.kind is InboundKind.TEXT else ""
    if not text or text.startswith("/"):
        ctx.reply(ctx._("Please type the text, or send /cancel."))
        return None
    if text_length(text) > MAX_TEXT:
        ctx.reply(
            ctx._("That has {length} characters; at most {max} fit. Please send a shorter one.")
            .format(length=ctx._.number(text_length(text)), max=ctx._.number(MAX_TEXT))
        )  # fmt: skip
        return None
    return text


def on_input(ctx: Context, item: Item, show_item: ShowItem) -> None:
    """A press or typed text at a publishing step; `item` was checked by the caller."""
    _ = ctx._
    step = ctx.conv.step if ctx.conv else ""
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    if step in (PUB_Q, PUB_A) and not choice:
        text = _typed(ctx)
        if text is not None:
            ctx.go(FLOW, PUBLISH, **{"question" if step == PUB_Q else "answer": text})
            preview(ctx)
        return
    if choice == "ib:pq":
        ctx.go(FLOW, PUB_Q)
        ctx.reply(_("Type the question as it should read in public."))
    elif choice == "ib:pa":
        ctx.go(FLOW, PUB_A)
        ctx.reply(_("Type the answer as it should read in public."))
    elif choice == "ib:pc":
        show_item(ctx, item, lead=_("Not published."))
    elif choice in ("ib:ps", "ib:pb") and step == PUBLISH:
        if item.update_id:
            show_item(ctx, item, lead=_("It is published already."))
            return
        _publish(ctx, item, send=choice == "ib:pb", show_item=show_item)
    else:
        ctx.reply(_("That button belongs to an earlier question."))
        preview(ctx)


def _publish(ctx: Context, item: Item, *, send: bool, show_item: ShowItem) -> None:
    _ = ctx._
    data = ctx.conv.data if ctx.conv else {}
    for key, step, ask in (("question", PUB_Q, QUESTION_FIRST), ("answer", PUB_A, ANSWER_FIRST)):
        if not str(data.get(key, "")).strip():  # e.g. the sender erased their words
            ctx.go(FLOW, step)
            ctx.reply(_(ask))
            return
    texts = public_texts(str(data["question"]), str(data["answer"]))
    if not fits(ctx, max(texts.values(), key=text_length), caption=False):
        preview(ctx)
        return
    counts: dict[str, int] = {}
    if send:
        b = broadcasts.create(
            ctx.conn,
            cluster_id=item.cluster_id,
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
        ctx.audit("broadcast.send", subject=f"broadcast:{b.id}", audience={},
                  languages=sorted(texts), media=None, inbox=item.id, **counts)  # fmt: skip
        found = activities.update_of_broadcast(ctx.conn, b.id)
        assert found is not None  # release() publishes it
        update_id = found
    else:
        update_id = updates.publish(
            ctx.conn,
            cluster_id=item.cluster_id,
            broadcast_id=None,
            texts=texts,
            default_language=ctx.language,
            now=ctx.now_iso,
        )
    inbox.published(ctx.conn, item, ctx.contact.id, update_id, ctx.now_iso)
    ctx.audit("inbox.publish", subject=f"inbox:{item.id}", update=update_id,
              to_cluster=send, queued=counts.get("queued", 0))  # fmt: skip
    if send:
        lead = _("Published in /updates and sent to the cluster. Recipients: {count}.").format(
            count=_.number(counts.get("queued", 0))
        )
    else:
        lead = _("Published in /updates.")
    show_item(ctx, inbox.get(ctx.conn, item.id) or item, lead=lead)
