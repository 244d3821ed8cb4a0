"""Change per enterprise as text, in the reader's language: for `/results` in the chat and
`clusterbot survey change` (bot/surveys/change.py computes the figures)."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.storage import rounds
from bot.storage.rounds import Round
from bot.surveys.change import IndicatorChange
from bot.surveys.model import Question, localized

BASELINE = N_("Baseline")  # the first round of every survey, in the reader's words


def round_label(_: Translator, found: Round) -> str:
    """A round's name for a reader: the first round's stored name is translated."""
    return _(BASELINE) if found.name == rounds.BASELINE else found.name


GROUPS = {
    ("gender", "female"): N_("women"),
    ("gender", "male"): N_("men"),
}


def _signed(_: Translator, value: float) -> str:
    text = _.number(abs(value))
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)


def label(_: Translator, found: IndicatorChange) -> str:
    if found.question is None:
        return found.name
    return localized(found.question.labels, _.language, "en") or found.name


def choice_label(_: Translator, found: IndicatorChange, name: str) -> str:
    choices = found.question.choices if isinstance(found.question, Question) else ()
    choice = next((c for c in choices if c.name == name), None)
    return (localized(choice.labels, _.language, "en") or name) if choice else name


def lines(_: Translator, found: IndicatorChange) -> list[str]:
    """One indicator: its paired figures, then its groups (a too-small group says so)."""
    out = [
        _("{question}: {count} people answered both rounds").format(
            question=label(_, found), count=found.pairs
        )
    ]
    if found.too_few:
        out.append("  " + _("too few to say (fewer than 5 people answered both rounds)"))
        return out
    if found.number is not None:
        n = found.number
        typical = _(
            "typical answer {before} → {after}; change per person {change} "
            "(middle half {low} to {high})"
        )
        out.append("  " + typical.format(
            before=_.number(n.before_median or 0), after=_.number(n.after_median or 0),
            change=_signed(_, n.median_change), low=_signed(_, n.q1), high=_signed(_, n.q3),
        ))  # fmt: skip
        counts = _("rose {rose} · same {same} · fell {fell}")
        out.append("  " + counts.format(rose=n.rose, same=n.same, fell=n.fell))
    moved = _("{choice}: {before} → {after}; {started} started, {stopped} stopped")
    for row in found.choices:
        out.append("  " + moved.format(
            choice=choice_label(_, found, row.choice), before=row.before, after=row.after,
            started=row.started, stopped=row.stopped,
        ))  # fmt: skip
    groups = []
    for (by, value), group in found.groups.items():
        if by != "gender" or (by, value) not in GROUPS:
            continue
        name = _(GROUPS[(by, value)])
        if group.too_few:
            groups.append(_("{group}: too few to say").format(group=name))
        elif group.number is not None:
            groups.append(_("{group}: change {change}, rose {rose} of {count}").format(
                group=name, change=_signed(_, group.number.median_change),
                rose=group.number.rose, count=group.pairs))  # fmt: skip
        else:
            groups.append(_("{group}: {count} people").format(group=name, count=group.pairs))
    if groups:
        out.append("  " + " · ".join(groups))
    return out


def report(_: Translator, title: str, before: str, after: str,
           found: list[IndicatorChange]) -> str:  # fmt: skip
    head = _("Change in “{title}” from {before} to {after}, per enterprise:").format(
        title=title, before=before, after=after
    )
    body = [line for indicator in found for line in lines(_, indicator)]
    return "\n".join([head, *body])
