"""The two questions asked step by step: the draft of answers so far, what the rep's own words
add to it, saying back what was understood, and the terms the finished draft makes."""

from __future__ import annotations

from datetime import time
from typing import Any

from handlers.rules.due_times import describe_days
from handlers.rules.reflections import (
    DEFAULT_REFLECTION,
    read_reflection,
    reflection_of,
)
from handlers.rules.terms_text import (
    DEFAULT_TERMS,
    TONES,
    TermsSpec,
    describe_escalation,
    describe_followup,
    read_kudos_channel,
    read_sharing,
)


def read_extras(text: str, draft: dict[str, Any]) -> None:
    """The reflection question, sharing and kudos channel, where the rep's own words name them."""
    if (reflection := read_reflection(text)) is not None:
        draft["reflection"] = reflection
    if (share := read_sharing(text)) is not None:
        draft["share"] = share
    if (channel := read_kudos_channel(text)) is not None:
        draft["kudos_channel"] = channel


def spec_of(draft: dict[str, Any]) -> TermsSpec:
    """The terms a finished draft makes."""
    h, m = (int(p) for p in draft["time"].split(":"))
    return TermsSpec(
        checkin_days=frozenset(draft["days"]),
        checkin_time=time(h, m),
        tone=draft["tone"],
        reflect_on_miss=draft["reflect"],
        nudge_later=draft["nudge"],
        escalate_after=draft["escalate_after"],
        no_answer_is_miss=draft["no_answer_is_miss"],
        share_streak_every=draft["streak"],
        share_oneoff_wins=draft["oneoff"],
        support_words=draft.get("support_words"),
        followup_words=draft.get("followup_words"),
        reflection=draft.get("reflection"),
        share_reflections=draft.get("share", True),
        kudos_channel=draft.get("kudos_channel"),
    )


def acknowledge(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """Say back what was read from the rep's own words, so they can see it was understood."""
    heard = []
    if "days" in after and "days" not in before:
        heard.append(describe_days(frozenset(after["days"])))
    if "time" in after and "time" not in before:
        heard.append(f"at {after['time']}")
    if "tone" in after and "tone" not in before:
        heard.append(TONES[after["tone"]])
    if "reflect" in after and "reflect" not in before:
        spec = DEFAULT_TERMS.with_changes(
            reflect_on_miss=after["reflect"], nudge_later=after["nudge"], reflection=after.get("reflection")
        )
        heard.append(f"after a No, {describe_followup(spec)}")
    elif after.get("reflection", DEFAULT_REFLECTION) != before.get("reflection", DEFAULT_REFLECTION):
        heard.append(f"after a No, I ask {reflection_of(after['reflection']).label}")
    if "escalate_after" in after and "escalate_after" not in before:
        spec = DEFAULT_TERMS.with_changes(escalate_after=after["escalate_after"])
        heard.append(describe_escalation(spec))
    if "share" in after and "share" not in before:
        heard.append("your manager may see your answers" if after["share"] else "your answers stay between us")
    if "kudos_channel" in after and "kudos_channel" not in before:
        heard.append(f"kudos also posted in {after['kudos_channel']}")
    return "Got it: " + ", ".join(heard) + "." if heard else None
