"""Onboarding: /start [CLUSTER] (SPEC §5).

    language -> consent -> name -> role -> cluster* -> gender -> place? -> phone? -> menu
    (* skipped when the deep link names the cluster or only one exists; ? = skippable)

Each step is stored as `onboarding.<step>` so a restart resumes at the same question.
Nothing personal is written before the consent step is accepted (consent_at is set).
The `ask_*`/`take_*` pairs are reused by /profile to correct one answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot import erasure
from bot.commands import flow
from bot.engine import Context
from bot.i18n import N_, SHIPPED_LANGUAGES, translator
from bot.limits import MAX_NAME_LENGTH, MAX_PLACE_LENGTH
from bot.messages import Choice, InboundKind, Request
from bot.parse.digits import has_words
from bot.storage import clusters
from handlers.common import (
    GENDERS,
    ROLE_GROUPS,
    ROLES,
    language_choices,
    picked,
    role_button,
    use_buttons,
)
from handlers.people import privacy_notice
from handlers.people.main_menu import main_menu

FLOW = "onboarding"


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[Context], None]
    take: Callable[[Context], bool]  # True when the answer was accepted and stored
    applies: Callable[[Context], bool] = lambda ctx: True


# --- language ---------------------------------------------------------------------------


CHOOSE_LANGUAGE = N_("Choose your language")


def ask_language(ctx: Context) -> None:
    # Every shipped language asks in its own words: the person cannot read ours yet.
    ctx.reply(
        " · ".join(translator(code)(CHOOSE_LANGUAGE) for code in SHIPPED_LANGUAGES),
        language_choices(),
        columns=3,
    )


def take_language(ctx: Context) -> bool:
    choice = picked(ctx, language_choices())
    if choice is None:
        use_buttons(ctx, language_choices())
        return False
    ctx.update_contact(language=choice.id.removeprefix("lang:"))
    return True


# --- consent ----------------------------------------------------------------------------


def _consent_choices(ctx: Context) -> list[Choice]:
    return [Choice("consent:yes", ctx._("I agree")), Choice("consent:no", ctx._("No, thanks"))]


def ask_consent(ctx: Context) -> None:
    _ = ctx._
    ctx.reply(
        _("Before you register, please read this.")
        + "\n\n"
        + privacy_notice.notice(_, ctx.settings)
        + "\n\n"
        + _("Send /privacy to read this again at any time. Do you agree?"),
        _consent_choices(ctx),
        columns=2,
    )


def take_consent(ctx: Context) -> bool:
    choice = picked(ctx, _consent_choices(ctx))
    if choice is None:
        use_buttons(ctx, _consent_choices(ctx))
        return False
    if choice.id == "consent:no":
        refuse(ctx)
        return False
    ctx.update_contact(consent_at=ctx.now_iso)
    return True


def refuse(ctx: Context) -> None:
    """No consent: keep only what answering in the person's language needs, and say so.

    On WhatsApp the only key we have is the phone number (or a user id that replies go to
    a phone number with): the row is deleted, so not even the language is kept. Elsewhere
    the chat account number and the language stay, and nothing else.
    """
    ctx.end()
    if ctx.contact.channel == "whatsapp":
        erasure.forget_unregistered(ctx.conn, ctx.contact.id, ctx.now_iso)
        ctx.contact = replace(ctx.contact, status="erased")
        ctx.erased = True  # the number is still in the WAL's old pages
        ctx.reply(
            ctx._(
                "All right. Nothing about you has been kept, not even your phone number or "
                "your language. If you change your mind, send /start."
            )
        )
        return
    ctx.reply(
        ctx._(
            "All right. Only your language is kept, with your chat account number so that "
            "I can answer you in your language. Nothing else about you is stored. If you "
            "change your mind, send /start."
        )
    )


# --- name -------------------------------------------------------------------------------


def _profile_name(ctx: Context) -> str:
    name = " ".join(ctx.inbound.profile_name.split())
    return name if valid_name(name) else ""


def ask_name(ctx: Context) -> None:
    offer = _profile_name(ctx)
    choices = [Choice("name:profile", offer[:40])] if offer else []
    # Only mention a button when there is one: the console and a WhatsApp profile
    # without a usable name offer none.
    ask = (
        ctx._("What is your name? Type it, or press the button.")
        if offer
        else ctx._("What is your name? Please type it.")
    )
    ctx.reply(ask, choices)
    if offer:
        ctx.go(ctx.conv.flow if ctx.conv else FLOW, ctx.conv.step if ctx.conv else "", offer=offer)


def valid_name(text: str) -> bool:
    """At least one letter (any script), no control characters, not too long."""
    if not text or len(text) > MAX_NAME_LENGTH or text.startswith("/"):
        return False
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        return False
    return has_words(text, digits=False)


def take_name(ctx: Context) -> bool:
    inbound = ctx.inbound
    offer = ctx.conv.data.get("offer", "") if ctx.conv else ""
    if inbound.kind is InboundKind.CHOICE and inbound.choice == "name:profile" and offer:
        name = offer
    elif inbound.kind is InboundKind.TEXT:
        name = " ".join(inbound.text.split())
    else:
        if inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ctx.reply(ctx._("Please type your name."))
        return False
    if len(name) > MAX_NAME_LENGTH:
        ctx.reply(
            ctx._("That is too long for a name. Please use at most {max} characters.").format(
                max=MAX_NAME_LENGTH
            )
        )
        return False
    if not valid_name(name):
        ctx.reply(ctx._("Please type your name in letters."))
        return False
    ctx.update_contact(name=name)
    return True


# --- role -------------------------------------------------------------------------------


def _role_choices(ctx: Context) -> list[Choice]:
    """Every role: a role is taken whichever group is on screen (typed, or an older list)."""
    return [Choice(f"role:{key}", role_button(ctx, key)) for key in ROLES]


def _group_choices(ctx: Context) -> list[Choice]:
    return [
        Choice(f"rgrp:{key}", ctx._.pgettext("button", label))
        for key, (label, _) in ROLE_GROUPS.items()
    ]


def _full_labels(ctx: Context) -> list[Choice]:
    """The roles by their full names, so that a typed "Supplier / related enterprise" counts."""
    return [Choice(f"role:{key}", ctx._(label)) for key, label in ROLES.items()]


def ask_role(ctx: Context) -> None:
    group = ctx.conv.data.get("role_group") if ctx.conv else None
    if group not in ROLE_GROUPS:
        ctx.reply(ctx._("What is your role in the cluster?"), _group_choices(ctx), columns=2)
        return
    choices = [Choice(f"role:{key}", role_button(ctx, key)) for key in ROLE_GROUPS[group][1]]
    ctx.reply(ctx._("Which of these is your role?"), [*choices, _back_to_groups(ctx)], columns=2)


def _back_to_groups(ctx: Context) -> Choice:
    return Choice("rgrp:back", ctx._.pgettext("button", "Other roles"))


def _stay(ctx: Context, group: str | None) -> None:
    ctx.go(ctx.conv.flow if ctx.conv else FLOW, ctx.conv.step if ctx.conv else "", role_group=group)
    ask_role(ctx)


def take_role(ctx: Context) -> bool:
    group = picked(ctx, [*_group_choices(ctx), _back_to_groups(ctx)])
    if group is not None:
        key = group.id.removeprefix("rgrp:")
        _stay(ctx, key if key in ROLE_GROUPS else None)
        return False
    choice = picked(ctx, _role_choices(ctx)) or picked(ctx, _full_labels(ctx))
    if choice is None:
        use_buttons(ctx, _role_choices(ctx))
        return False
    ctx.update_contact(role=choice.id.removeprefix("role:"))
    if ctx.conv is not None:
        ctx.go(ctx.conv.flow, ctx.conv.step, role_group=None)
    return True


# --- cluster ----------------------------------------------------------------------------


def _cluster_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"cluster:{c.code}", c.name) for c in clusters.all_clusters(ctx.conn)]


def cluster_needed(ctx: Context) -> bool:
    """Ask only when the deep link did not settle it and there is more than one cluster."""
    if ctx.contact.cluster_id is not None:
        return False
    linked = ctx.conv.data.get("cluster") if ctx.conv else None
    chosen = clusters.by_code(ctx.conn, linked) if linked else None
    if chosen is not None:
        ctx.update_contact(cluster_id=chosen.id)
        return False
    found = clusters.all_clusters(ctx.conn)
    if len(found) == 1:
        ctx.update_contact(cluster_id=found[0].id)
        return False
    return True


def ask_cluster(ctx: Context) -> None:
    choices = _cluster_choices(ctx)
    if not choices:
        ctx.reply(
            ctx._("No cluster has been set up here yet. Please ask your CDA, then send /start.")
        )
        return
    ctx.reply(ctx._("Which cluster are you part of?"), choices)


def take_cluster(ctx: Context) -> bool:
    choices = _cluster_choices(ctx)
    choice = picked(ctx, choices)
    if choice is None:
        if choices:
            use_buttons(ctx, choices)
        else:
            ask_cluster(ctx)
        return False
    found = clusters.by_code(ctx.conn, choice.id.removeprefix("cluster:"))
    assert found is not None
    ctx.update_contact(cluster_id=found.id)
    return True


# --- gender -----------------------------------------------------------------------------


def _gender_choices(ctx: Context) -> list[Choice]:
    return [Choice(f"gender:{key}", ctx._(label)) for key, label in GENDERS.items()]


def ask_gender(ctx: Context) -> None:
    ctx.reply(
        ctx._("Are you a woman or a man? (This helps us count how many women take part.)"),
        _gender_choices(ctx),
        columns=2,
    )


def take_gender(ctx: Context) -> bool:
    choice = picked(ctx, _gender_choices(ctx))
    if choice is None:
        use_buttons(ctx, _gender_choices(ctx))
        return False
    ctx.update_contact(gender=choice.id.removeprefix("gender:"))
    return True


# --- place ------------------------------------------------------------------------------


def _skip(ctx: Context, step: str) -> Choice:
    return Choice(f"skip:{step}", ctx._("Skip"))


def ask_place(ctx: Context) -> None:
    ctx.reply(ctx._("Which village or town do you live in?"), [_skip(ctx, "place")])


def take_place(ctx: Context) -> bool:
    if picked(ctx, [_skip(ctx, "place")]) or ctx.inbound.command == "skip":
        ctx.update_contact(place=None)
        return True
    if ctx.inbound.kind is not InboundKind.TEXT or ctx.inbound.command:
        if ctx.inbound.kind is InboundKind.CHOICE:
            use_buttons(ctx, [_skip(ctx, "place")])
        else:
            ctx.reply(ctx._("Please type the name of your village or town, or press “Skip”."))
        return False
    place = " ".join(ctx.inbound.text.split())
    if len(place) > MAX_PLACE_LENGTH or not valid_name(place):
        ctx.reply(
            ctx._(
                "Please type the name of your village or town (at most {max} characters)."
            ).format(max=MAX_PLACE_LENGTH)
        )
        return False
    ctx.update_contact(place=place)
    return True


# --- phone ------------------------------------------------------------------------------

PHONE = re.compile(r"^\+?[0-9][0-9 -]{8,18}[0-9]$")


def normalise_phone(text: str) -> str | None:
    text = text.strip()
    if not PHONE.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    return ("+" + digits) if text.startswith("+") or len(digits) > 10 else digits


def ask_phone(ctx: Context) -> None:
    ctx.reply(
        ctx._(
            "Share your phone number so the CDA can call you about activities. "
            "Press the button below, or type the number, or press “Skip”."
        ),
        request=Request.CONTACT,
        request_label=ctx._("Share my phone number"),
        skip_label=ctx._("Skip"),
    )


def take_phone(ctx: Context) -> bool:
    inbound = ctx.inbound
    skip_words = {ctx._("Skip").casefold(), "skip"}
    if inbound.kind is InboundKind.CONTACT and inbound.phone:
        phone = normalise_phone(inbound.phone) or inbound.phone[:20]
    elif (
        (inbound.kind is InboundKind.TEXT and inbound.text.strip().casefold() in skip_words)
        or (inbound.kind is InboundKind.CHOICE and inbound.choice == "skip:phone")
        or inbound.command == "skip"
    ):
        phone = None
    elif inbound.kind is InboundKind.TEXT and normalise_phone(inbound.text):
        phone = normalise_phone(inbound.text)
    else:
        if inbound.kind is InboundKind.CHOICE:
            ctx.reply(ctx._("That button belongs to an earlier question."))
        ctx.reply(
            ctx._("That is not a phone number. Press the button to share yours, or press “Skip”."),
            request=Request.CONTACT,
            request_label=ctx._("Share my phone number"),
            skip_label=ctx._("Skip"),
        )
        return False
    ctx.update_contact(phone=phone)
    return True


STEPS: tuple[Step, ...] = (
    Step("language", ask_language, take_language),
    Step("consent", ask_consent, take_consent),
    Step("name", ask_name, take_name),
    Step("role", ask_role, take_role),
    Step("cluster", ask_cluster, take_cluster, cluster_needed),
    Step("gender", ask_gender, take_gender),
    Step("place", ask_place, take_place),
    Step("phone", ask_phone, take_phone),
)
BY_NAME = {step.name: step for step in STEPS}


def start(ctx: Context) -> None:
    """/start [CLUSTER], or any first message from someone not registered."""
    code = ctx.inbound.command_args if ctx.inbound.command == "start" else ""
    found = clusters.by_code(ctx.conn, code) if code else None
    in_progress = ctx.conv is not None and ctx.conv.flow == FLOW
    if in_progress:
        if found:
            ctx.go(FLOW, ctx.conv.step if ctx.conv else "", cluster=found.code)
        resume(ctx)
        return
    ctx.go(FLOW, f"{FLOW}.language", **({"cluster": found.code} if found else {}))
    if ctx.contact.language:
        # They chose a language before (declined consent, or came back): keep it.
        _enter(ctx, "consent")
    else:
        ask_language(ctx)


def resume(ctx: Context) -> None:
    """Ask the current question again (after a restart, /start, or an interrupting command)."""
    name = current_step(ctx)
    BY_NAME[name].ask(ctx)


def current_step(ctx: Context) -> str:
    if ctx.conv and ctx.conv.flow == FLOW:
        return ctx.conv.step.removeprefix(f"{FLOW}.") or "language"
    return "language"


# /skip skips the optional onboarding questions (typed "skip" on WhatsApp is /skip).
@flow(FLOW, own_commands=frozenset({"skip"}))
def on_input(ctx: Context) -> None:
    """A message while in onboarding: hand it to the current step, then move on."""
    name = current_step(ctx)
    step = BY_NAME.get(name, STEPS[0])
    if step.take(ctx):
        _advance(ctx, after=step.name)


def _enter(ctx: Context, name: str) -> None:
    ctx.go(FLOW, f"{FLOW}.{name}")
    BY_NAME[name].ask(ctx)


def _advance(ctx: Context, after: str) -> None:
    names = [s.name for s in STEPS]
    for step in STEPS[names.index(after) + 1 :]:
        if step.applies(ctx):
            _enter(ctx, step.name)
            return
    _finish(ctx)


def _finish(ctx: Context) -> None:
    ctx.update_contact(status="registered", registered_at=ctx.now_iso)
    ctx.end()
    ctx.reply(
        ctx._("Thank you, {name}! You are registered.").format(name=ctx.contact.name or ""),
        remove_keyboard=True,
    )
    main_menu(ctx)
