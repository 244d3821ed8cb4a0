"""/inbox: the CDA's desk for what stakeholders sent (issue 15).

    /inbox -> (several clusters: which one) -> the waiting items, overdue first, then the
    oldest -> one item (ib:o:<id>): text, photo or voice note, who sent it (never for an
    anonymous item), who has it -> Take it / Reply / Close / Publish answer / Block sender

Every press names an item id only, never a person, and every press checks at this turn
that the item's cluster is one the CDA manages: a refusal reads the same whether or not
the item exists. A reply goes through the outbox (kind 'inbox_reply', ref: the message
id), so it has a ledger row, retries, the rate limits and, on WhatsApp outside the 24-hour
window, the template `clusterbot_inbox_reply`. Blocking works on the item, so a CDA can
block the sender of an anonymous item without learning who it is.
"""

from __future__ import annotations

from pathlib import Path

from bot.clock import parse_iso
from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_, translator
from bot.messages import Choice, InboundKind, Media, Outbound
from bot.outbox.queue import Payload, enqueue
from bot.storage import clusters, contacts, inbox, outbox
from bot.storage.inbox import MAX_TEXT, Item
from handlers import when as when_
from handlers.broadcasts.draft import text_length
from handlers.broadcasts.ledger import STATUS, counts_line, reason
from handlers.common import role_label
from handlers.inbox import publish, words
from handlers.inbox.words import reference
from handlers.people import menu

FLOW = "inbox"
REPLY = f"{FLOW}.reply"
PUBLISH, PUB_Q, PUB_A = publish.PUBLISH, publish.PUB_Q, publish.PUB_A
RECENT_REPLIES = 10
LISTED = 9  # items with a button; one row stays for "Answered" (WhatsApp lists hold 10)
REPLY_HEADING = N_("Reply from your CDA to your message {ref}:")
MEDIA = {"photo": ("photo", ".jpg"), "audio": ("audio", ".ogg")}


def _leave_typing(ctx: Context) -> None:
    """The screens are no flow: their buttons work from anywhere (`on_input`, routed for
    every `ib:` press). Only typing a reply or an edit is; showing a screen ends it, so a
    later text is never taken as a reply to an item no longer on screen."""
    if ctx.conv is not None and ctx.conv.flow == FLOW:
        ctx.end()


def refuse_item(ctx: Context) -> None:
    """One answer for an item that does not exist and one of another cluster."""
    ctx.reply(ctx._("That message is not in the inbox of your clusters."))


def _managed(ctx: Context) -> list[clusters.Cluster]:
    return [c for c in clusters.all_clusters(ctx.conn) if ctx.access.may_manage(c.id)]


def visible(ctx: Context, ref: str) -> Item | None:
    item = inbox.get(ctx.conn, int(ref)) if ref.isdigit() else None
    return item if item is not None and ctx.access.may_manage(item.cluster_id) else None


@command("inbox", N_("Messages from people"), Audience.CDA)
def show_inbox(ctx: Context) -> None:
    managed = _managed(ctx)
    if len(managed) == 1:
        show_list(ctx, managed[0].id)
    elif not managed:
        ctx.reply(ctx._("You are not the CDA of any cluster yet."))
    else:
        _leave_typing(ctx)
        ctx.reply(
            ctx._("Which cluster's inbox?"),
            [Choice(f"ib:c:{c.id}", c.name[:40]) for c in managed],
        )


def _taker(ctx: Context, item: Item) -> str:
    if item.taken_by is None:
        return ""
    if item.taken_by == ctx.contact.id:
        return ctx._("you")
    cda = contacts.by_id(ctx.conn, item.taken_by)
    return (cda.name if cda and cda.name else "") or ctx._("another CDA")


def _flags(ctx: Context, item: Item) -> str:
    marks = "⏰ " if words.is_overdue(item, ctx.now, ctx.settings.answer_days) else ""
    return marks + ("🆕 " if item.status == "new" else "")


def show_list(ctx: Context, cluster_id: int, lead: str = "") -> None:
    _ = ctx._
    here = clusters.by_id(ctx.conn, cluster_id)
    assert here is not None
    zone = words.zone_of(ctx.conn, cluster_id, ctx.settings.timezone)
    items = inbox.waiting(
        ctx.conn, cluster_id, words.overdue_before(ctx.now, ctx.settings.answer_days)
    )
    answered = inbox.answered_count(ctx.conn, cluster_id)
    overdue = sum(words.is_overdue(i, ctx.now, ctx.settings.answer_days) for i in items)
    lines = [lead] if lead else []
    if not items:
        lines.append(_("No messages are waiting in {cluster}.").format(cluster=here.name))
    else:
        lines.append(
            _("Inbox of {cluster}: {count} waiting, {overdue} overdue (⏰, not answered in "
              "{days} days). Overdue first, then the oldest.").format(
                cluster=here.name, count=_.number(len(items)), overdue=_.number(overdue),
                days=_.number(ctx.settings.answer_days),
            )
        )  # fmt: skip
        for item in items[:LISTED]:
            head = f"{_flags(ctx, item)}{reference(item.id)} · {words.kind_label(_, item.kind)}"
            head += f" · {words.sent_on(_, item, zone)}"
            taker = _taker(ctx, item)
            if taker:
                head += " · " + _("taken by {name}").format(name=taker)
            lines.append(head + "\n“" + words.quote(item.text or "📎") + "”")
        if len(items) > LISTED:
            lines.append(
                _("… and {count} more: answer or close these first.").format(
                    count=_.number(len(items) - LISTED)
                )
            )
    choices = [
        Choice(f"ib:o:{i.id}", f"{_flags(ctx, i)}{reference(i.id)} {words.kind_label(_, i.kind)}")
        for i in items[:LISTED]
    ]
    if answered:
        choices.append(Choice(f"ib:a:{cluster_id}", _("Answered ({count})").format(
            count=_.number(answered))))  # fmt: skip
    _leave_typing(ctx)
    ctx.reply("\n\n".join(lines), choices)


def show_answered(ctx: Context, cluster_id: int) -> None:
    _ = ctx._
    items = inbox.answered(ctx.conn, cluster_id)
    lines = [_("Answered and not closed, newest first: publish the good answers, close the rest.")]
    lines += [
        f"{reference(i.id)} · {words.kind_label(_, i.kind)}"
        + (" · 📢" if i.update_id else "")
        + "\n“" + words.quote(i.text or "📎") + "”"
        for i in items
    ]  # fmt: skip
    choices = [Choice(f"ib:o:{i.id}", f"{reference(i.id)} {words.kind_label(_, i.kind)}")
               for i in items[:LISTED]]  # fmt: skip
    choices.append(Choice(f"ib:l:{cluster_id}", _("Back to inbox")))
    _leave_typing(ctx)
    ctx.reply("\n\n".join(lines), choices)


def _sender_line(ctx: Context, item: Item) -> str:
    _ = ctx._
    if item.anonymous:
        return _("From: anonymous (the bot does not show who sent it)")
    person = contacts.by_id(ctx.conn, item.contact_id) if item.contact_id else None
    if person is None or person.status == "erased" or not person.name:
        return _("From: someone who has erased their data")
    return _("From: {name} ({role})").format(name=person.name, role=role_label(ctx, person.role))


def _blocked(ctx: Context, item: Item) -> bool:
    return item.contact_id is not None and inbox.is_blocked(ctx.conn, item.cluster_id,
                                                             item.contact_id)  # fmt: skip


def _reply_lines(ctx: Context, item: Item) -> list[str]:
    _ = ctx._
    zone = words.zone_of(ctx.conn, item.cluster_id, ctx.settings.timezone)
    answers = [m for m in inbox.messages(ctx.conn, item.id) if m.direction == "out"]
    if not answers:
        return []
    counts = outbox.counts(ctx.conn, "inbox_reply", [str(m.id) for m in answers])
    lines = [_("Replies:")]
    for m in answers:
        delivery = counts_line(ctx, counts[str(m.id)])
        lines.append(f"{when_.show(_, parse_iso(m.at), zone)} ({delivery}): {m.text}")
    return lines


def show_item(ctx: Context, item: Item, lead: str = "") -> None:
    _ = ctx._
    inbox.mark_open(ctx.conn, item, ctx.contact.id, ctx.now_iso)
    item = inbox.get(ctx.conn, item.id) or item
    zone = words.zone_of(ctx.conn, item.cluster_id, ctx.settings.timezone)
    lines = [lead] if lead else []
    lines.append(
        f"{reference(item.id)} · {words.kind_label(_, item.kind)} · {words.sent_on(_, item, zone)}"
        f" · {_(words.STATUS_LABELS[item.status])}"
    )
    if words.is_overdue(item, ctx.now, ctx.settings.answer_days):
        lines.append(_("⏰ Overdue: not answered in {days} days.").format(
            days=_.number(ctx.settings.answer_days)))  # fmt: skip
    lines.append(_sender_line(ctx, item))
    taker = _taker(ctx, item)
    if taker:
        lines.append(_("Taken by {name}.").format(name=taker))
    if item.kind == "privacy":
        lines.append(_("A complaint about their data: answer it, and it is counted apart."))
    if _blocked(ctx, item):
        lines.append(_("The sender is blocked: they cannot send new messages here."))
    if item.update_id:
        lines.append(_("Published in /updates."))
    body = "\n".join(lines) + "\n\n" + ("“" + item.text + "”" if item.text else "📎")
    replies = _reply_lines(ctx, item)
    if replies:
        body += "\n\n" + "\n".join(replies)
    if text_length(body) > 4000:
        body = body[:3990] + "…"
    choices: list[Choice] = []
    if item.waiting and item.taken_by != ctx.contact.id:
        choices.append(Choice(f"ib:t:{item.id}", _("Take it")))
    if item.status != "closed" and item.contact_id is not None:
        choices.append(Choice(f"ib:r:{item.id}", _("Reply")))
    if item.first_answer_at is not None and not item.update_id:  # closed ones too
        choices.append(Choice(f"ib:p:{item.id}", _("Publish answer")))
    if item.status != "closed":
        choices.append(Choice(f"ib:x:{item.id}", _("Close")))
    if item.contact_id is not None:
        if _blocked(ctx, item):
            choices.append(Choice(f"ib:u:{item.id}", _("Unblock sender")))
        else:
            choices.append(Choice(f"ib:b:{item.id}", _("Block sender")))
    choices.append(Choice(f"ib:l:{item.cluster_id}", _("Back to inbox")))
    _leave_typing(ctx)
    ctx.reply(body, choices)
    if item.media_kind in MEDIA and item.media_path:
        _attach(ctx, item)


def _attach(ctx: Context, item: Item) -> None:
    """The photo or voice note, read after the turn (a file read must not hold the writer)."""
    kind, suffix = MEDIA[item.media_kind or "photo"]
    path = Path(item.media_path or "")
    name = f"inbox-{item.id}{suffix}"
    fallback = ctx._("The photo or voice note of {ref} could not be read.").format(
        ref=reference(item.id)
    )
    ctx.reply_later(lambda _conn: [Outbound("", media=Media(kind, name, path.read_bytes()))],
                    fallback)  # fmt: skip


def _deliver(ctx: Context, item: Item, message_id: int, text: str) -> bool:
    """Queue the reply to the sender, in their language; False: nobody to deliver it to."""
    person = contacts.by_id(ctx.conn, item.contact_id) if item.contact_id else None
    if person is None or person.status == "erased" or not person.chat_id:
        return False
    _ = translator(person.language or ctx.settings.default_language)
    heading = _(REPLY_HEADING).format(ref=reference(item.id))
    payload = Payload(
        text=f"{heading}\n\n{text}",
        choices=(Choice("cmd:mine", _("My messages")),),
    )
    enqueue(
        ctx.conn,
        channel=person.channel,
        contact_id=person.id,
        chat_id=person.chat_id,
        kind="inbox_reply",
        ref=str(message_id),
        payload=payload,
        now=ctx.now,
    )
    return True


def deliveries(ctx: Context) -> None:
    """/deliveries, replies to people: what became of the latest replies, by item (the
    ledger's words), never to whom they went."""
    _ = ctx._
    found = inbox.recent_replies(ctx.conn, ctx.access.managed, RECENT_REPLIES)
    if not found:
        ctx.reply(_("No replies yet."))
        return
    lines = [_("Latest replies to messages:")]
    for r in found:
        item = inbox.get(ctx.conn, r.item_id)
        zone = words.zone_of(ctx.conn, item.cluster_id if item else 0, ctx.settings.timezone)
        sent = when_.show(_, parse_iso(r.at), zone)
        state = _("nobody to deliver to") if r.status == "none" else reason_or_sent(ctx, r)
        lines.append(f"{reference(r.item_id)} · {sent} · {state}")
    ctx.reply("\n".join(lines))


def reason_or_sent(ctx: Context, r: inbox.ReplyDelivery) -> str:
    if r.status == "sent":
        return ctx._(STATUS["sent"])
    return reason(ctx, "queued" if r.status == "in_flight" else r.status, r.error)


def take_reply(ctx: Context, item: Item) -> None:
    _ = ctx._
    inbound = ctx.inbound
    text = inbound.text.strip() if inbound.kind is InboundKind.TEXT else ""
    if not text or text.startswith("/"):
        if inbound.kind is InboundKind.CHOICE:
            ctx.reply(_("That button belongs to an earlier question."))
        ctx.reply(_("Please type the reply as text, or send /cancel."))
        return
    if text_length(text) > MAX_TEXT:
        ctx.reply(
            _("The reply has {length} characters; at most {max} fit. Please send a shorter one.")
            .format(length=_.number(text_length(text)), max=_.number(MAX_TEXT))
        )  # fmt: skip
        return
    if item.status == "closed":
        show_item(ctx, item, lead=_("{ref} is closed already.").format(ref=reference(item.id)))
        return
    message_id = inbox.answer(ctx.conn, item, ctx.contact.id, text, ctx.now_iso)
    queued = _deliver(ctx, item, message_id, text)
    ctx.audit("inbox.reply", subject=f"inbox:{item.id}", message=message_id, queued=queued)
    if queued:
        lead = _("Reply to {ref} is on its way; /deliveries and this message show when it "
                 "arrives.").format(ref=reference(item.id))  # fmt: skip
    else:
        lead = _("The reply to {ref} is saved, but the sender has erased their data: it "
                 "cannot be delivered.").format(ref=reference(item.id))  # fmt: skip
    show_item(ctx, inbox.get(ctx.conn, item.id) or item, lead=lead)


def _press(ctx: Context, action: str, item: Item) -> None:
    _ = ctx._
    ref = reference(item.id)
    if action == "o":
        show_item(ctx, item)
    elif action == "t":
        inbox.take(ctx.conn, item, ctx.contact.id, ctx.now_iso)
        ctx.audit("inbox.take", subject=f"inbox:{item.id}")
        show_item(ctx, item, lead=_("You have {ref} now; the other CDAs see it.").format(ref=ref))
    elif action == "r" and item.status != "closed" and item.contact_id is not None:
        ctx.go(FLOW, REPLY, item=item.id, cluster=item.cluster_id)
        ctx.reply(_("Type your reply to {ref}. It reaches the sender on their own channel. "
                    "Send /cancel to stop.").format(ref=ref))  # fmt: skip
    elif action == "x" and item.status != "closed":
        inbox.close(ctx.conn, item, ctx.contact.id, ctx.now_iso)
        ctx.audit("inbox.close", subject=f"inbox:{item.id}",
                  answered=item.first_answer_at is not None)  # fmt: skip
        show_list(ctx, item.cluster_id, lead=_("{ref} is closed.").format(ref=ref))
    elif action in ("b", "u") and item.contact_id is not None:
        if action == "b":
            inbox.block(ctx.conn, item.cluster_id, item.contact_id, ctx.contact.id, ctx.now_iso)
            lead = _(
                "The sender of {ref} is blocked: they can no longer send messages to the "
                "CDA here. You can unblock them from this message."
            ).format(ref=ref)
        else:
            inbox.unblock(ctx.conn, item.cluster_id, item.contact_id)
            lead = _("The sender of {ref} is unblocked.").format(ref=ref)
        # The subject is the item, never the person: the log must not undo anonymity.
        ctx.audit("inbox.block" if action == "b" else "inbox.unblock", subject=f"inbox:{item.id}")
        show_item(ctx, item, lead=lead)
    elif action == "p" and item.first_answer_at is not None and not item.update_id:
        publish.start(ctx, item)
    else:
        show_item(ctx, item, lead=_("That button belongs to an earlier question."))


def is_press(choice: str) -> bool:
    """An inbox button: routed here from any state (handlers/__init__.py)."""
    return choice.startswith("ib:")


@flow(FLOW)
def on_input(ctx: Context) -> None:
    data = ctx.conv.data if ctx.conv else {}
    step = ctx.conv.step if ctx.conv else ""
    choice = ctx.inbound.choice if ctx.inbound.kind is InboundKind.CHOICE else ""
    if (step == REPLY and not choice) or (
        step in (PUB_Q, PUB_A, PUBLISH) and (not choice or choice in publish.PRESSES)
    ):
        # Checked again at every turn: the CDA may have lost the cluster since.
        found = visible(ctx, str(data.get("item", "")))
        if found is None:
            refuse_item(ctx)
        elif step == REPLY:
            take_reply(ctx, found)
        else:
            publish.on_input(ctx, found, show_item)
        return
    parts = choice.split(":")
    if len(parts) != 3 or parts[0] != "ib":
        menu.leave_flow(ctx)
        return
    if step in (REPLY, PUB_Q, PUB_A, PUBLISH):
        ctx.end()  # another button: whatever was being typed is dropped
    action, ref = parts[1], parts[2]
    if action in ("c", "l", "a"):
        cluster_id = int(ref) if ref.isdigit() else 0
        if not ctx.access.may_manage(cluster_id) or clusters.by_id(ctx.conn, cluster_id) is None:
            refuse_item(ctx)
        elif action == "a":
            show_answered(ctx, cluster_id)
        else:
            show_list(ctx, cluster_id)
        return
    found = visible(ctx, ref)
    if found is None:
        refuse_item(ctx)
        return
    _press(ctx, action, found)
