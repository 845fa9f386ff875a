"""A rep's terms as the rules see them (the latest stored version, or the defaults), and the
conversion between the rules' `TermsSpec` and a stored `Terms` row, both ways."""

from __future__ import annotations

from datetime import time

from handlers.rules.due_times import format_days, parse_days
from handlers.rules.terms_text import DEFAULT_TERMS, TermsSpec
from storage.models import Person, Terms
from storage.store import Tx


def spec_of(row: Terms | None) -> TermsSpec:
    if row is None:
        return DEFAULT_TERMS
    hour, minute = (int(p) for p in row.checkin_time.split(":"))
    return TermsSpec(
        checkin_days=parse_days(row.checkin_days),
        checkin_time=time(hour, minute),
        tone=row.tone,
        reflect_on_miss=row.reflect_on_miss,
        nudge_later=row.nudge_later,
        escalate_after=row.escalate_after,
        no_answer_is_miss=row.no_answer_is_miss,
        share_streak_every=row.share_streak_every,
        share_oneoff_wins=row.share_oneoff_wins,
        support_words=row.support_words,
        followup_words=row.followup_words,
        reflection=row.reflection,
        share_reflections=row.share_reflections,
        kudos_channel=row.kudos_channel,
    )


async def current_spec(tx: Tx, person: Person) -> tuple[TermsSpec, bool]:
    """The rep's terms and whether they chose them (False: the defaults apply)."""
    row = await tx.terms.latest(person.id)
    return spec_of(row), row is not None


def columns_of(spec: TermsSpec) -> dict[str, object]:
    """The `Terms` row's columns for `spec` (all but the person, version and time)."""
    return {
        "checkin_days": format_days(spec.checkin_days),
        "checkin_time": f"{spec.checkin_time:%H:%M}",
        "tone": spec.tone,
        "reflect_on_miss": spec.reflect_on_miss,
        "nudge_later": spec.nudge_later,
        "escalate_after": spec.escalate_after,
        "no_answer_is_miss": spec.no_answer_is_miss,
        "share_streak_every": spec.share_streak_every,
        "share_oneoff_wins": spec.share_oneoff_wins,
        "support_words": spec.support_words,
        "followup_words": spec.followup_words,
        "reflection": spec.reflection,
        "share_reflections": spec.share_reflections,
        "kudos_channel": spec.kudos_channel,
    }
