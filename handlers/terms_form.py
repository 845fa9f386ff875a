"""The two questions as one form, for platforms that can show forms (Slack modals, Adaptive Cards).

The form asks the same things as the step-by-step conversation in `handlers.terms_chat`, is
pre-filled with the rep's current terms, and is checked field by field: a bad field gets
its own error and nothing is saved, so the rep never loses what they typed.
"""

from __future__ import annotations

from datetime import datetime, time

from handlers import terms
from handlers.contract.messages import Field, Form, FormValue, Option
from handlers.contract.outcomes import FormErrors, OpenForm, Result
from handlers.current_terms import current_spec
from handlers.rules.due_times import FULL_DAY_NAMES
from handlers.rules.reflections import DEFAULT_REFLECTION, REFLECTIONS
from handlers.rules.terms_text import (
    QUESTION_1,
    QUESTION_2,
    TONES,
    TermsSpec,
    read_channel,
    read_time,
)
from storage.models import Person
from storage.store import Tx

FORM_ID = "terms"
_TONE_LABELS = {"encouraging": "Encouraging", "straight": "Straight talk", "facts": "Just the facts"}
_STREAKS = ("3", "5", "10")

TERMS_FORM = Form(
    form_id=FORM_ID,
    title="Accountability terms",
    intro="Two questions. Your answers decide when I check in, how, and when your manager hears anything.",
    submit_label="Save my terms",
    fields=(
        Field("support_words", f"1. {QUESTION_1}", "text", optional=True, multiline=True,
              hint="In your own words. Your manager sees this."),
        Field("days", "Check in with me on", "multi",
              options=tuple(Option(str(i), name) for i, name in enumerate(FULL_DAY_NAMES))),
        Field("time", "At (your local time)", "time", hint="Late enough to ask about the day, e.g. 16:30."),
        Field("tone", "In the tone of", "choice", options=tuple(Option(k, v) for k, v in _TONE_LABELS.items())),
        Field("followup_words", f"2. {QUESTION_2}", "text", optional=True, multiline=True,
              hint="In your own words. Your manager sees this."),
        Field("after_miss", "When I answer No", "multi", optional=True, options=(
            Option("reflect", "Ask me what got in the way"),
            Option("nudge", "Nudge me again later that day"),
        )),
        Field("reflection", "The question to ask me after a No", "choice", optional=True,
              options=tuple(Option(r.key, r.question) for r in REFLECTIONS.values())),
        Field("share_reflections", "My answers to it", "choice", optional=True, options=(
            Option("share", "My manager may see them quoted"), Option("private", "Keep them between us"),
        )),
        Field("threshold", "Tell my manager after this many misses in a row", "choice",
              options=tuple(Option(str(n), str(n)) for n in range(1, 6)) + (Option("never", "Never"),)),
        Field("no_answer", "If I don't answer by the end of my day", "choice", options=(
            Option("miss", "Count it as a miss"), Option("ignore", "Don't count it"),
        )),
        Field("streak", "Tell my manager about streaks of", "choice",
              options=tuple(Option(n, f"{n} kept check-ins") for n in _STREAKS) + (Option("never", "Keep streaks to myself"),)),
        Field("oneoff", "One-off promises", "multi", optional=True, options=(
            Option("share", "Tell my manager when I keep a one-off promise"),
        )),
        Field("kudos_channel", "Also post kudos from my manager in this team channel", "channel", optional=True, max_length=300,
              hint="Leave it empty to get kudos only in your direct messages. In Teams, paste the channel's link."),
    ),
)


def values_of(spec: TermsSpec) -> dict[str, FormValue]:
    """The form's fields filled in from a rep's terms."""
    streak = str(spec.share_streak_every) if spec.share_streak_every else "never"
    values: dict[str, FormValue] = {
        "support_words": spec.support_words or "",
        "days": tuple(str(d) for d in sorted(spec.checkin_days)),
        "time": f"{spec.checkin_time:%H:%M}",
        "tone": spec.tone,
        "followup_words": spec.followup_words or "",
        "after_miss": tuple(k for k, on in (("reflect", spec.reflect_on_miss), ("nudge", spec.nudge_later)) if on),
        "threshold": str(spec.escalate_after) if spec.escalate_after else "never",
        "no_answer": "miss" if spec.no_answer_is_miss else "ignore",
        "streak": streak if streak in _STREAKS or streak == "never" else "5",
        "oneoff": ("share",) if spec.share_oneoff_wins else (),
        "reflection": spec.reflection if spec.reflection in REFLECTIONS else DEFAULT_REFLECTION,
        "share_reflections": "share" if spec.share_reflections else "private",
        "kudos_channel": spec.kudos_channel or "",
    }
    return values


async def open_form(tx: Tx, person: Person) -> OpenForm:
    spec, _ = await current_spec(tx, person)
    return OpenForm(TERMS_FORM, values_of(spec))


def _single_value(values: dict[str, FormValue], name: str) -> str:
    raw = values.get(name, "")
    return (raw[0] if raw else "") if isinstance(raw, tuple) else raw.strip()


def _chosen_values(values: dict[str, FormValue], name: str) -> tuple[str, ...]:
    raw = values.get(name, ())
    return tuple(v for v in ((raw,) if isinstance(raw, str) else raw) if v)


def read(values: dict[str, FormValue]) -> TermsSpec | FormErrors:
    """Check a submitted form; every problem is reported against its own field."""
    errors: dict[str, str] = {}
    day_values = _chosen_values(values, "days")
    days = frozenset(int(d) for d in day_values if d.isascii() and d.isdigit() and 0 <= int(d) <= 6)
    if not days:
        errors["days"] = "Pick at least one day, so I know when to check in."
    at = read_time(_single_value(values, "time"))
    if at is None:
        errors["time"] = "Give a time like 16:30 or 5pm."
        at = time(0, 0)  # reported above; never saved
    tone = _single_value(values, "tone")
    if tone not in TONES:
        errors["tone"] = "Pick a tone."
    threshold = _single_value(values, "threshold")
    if threshold != "never" and threshold not in {"1", "2", "3", "4", "5"}:
        errors["threshold"] = "Pick 1 to 5, or never."
    no_answer = _single_value(values, "no_answer")
    if no_answer not in ("miss", "ignore"):
        errors["no_answer"] = "Pick whether a missing answer counts as a miss."
    streak = _single_value(values, "streak")
    if streak != "never" and streak not in _STREAKS:
        errors["streak"] = "Pick a streak length, or keep streaks to yourself."
    reflection = _single_value(values, "reflection") or DEFAULT_REFLECTION
    if reflection not in REFLECTIONS:
        errors["reflection"] = "Pick one of the questions."
    sharing = _single_value(values, "share_reflections") or "share"
    if sharing not in ("share", "private"):
        errors["share_reflections"] = "Pick whether your manager may see your answers."
    typed_channel = _single_value(values, "kudos_channel")
    channel = read_channel(typed_channel)
    if typed_channel and channel is None:
        errors["kudos_channel"] = "Give a channel like #wins (or its link), or leave it empty."
    words = {}
    for name in ("support_words", "followup_words"):
        text = _single_value(values, name)
        if len(text) > 500:
            errors[name] = f"Please keep this under 500 characters (it is {len(text)})."
        words[name] = text or None
    if errors:
        return FormErrors(errors)
    after_miss = _chosen_values(values, "after_miss")
    return TermsSpec(
        checkin_days=days,
        checkin_time=at,
        tone=tone,
        reflect_on_miss="reflect" in after_miss,
        nudge_later="nudge" in after_miss,
        escalate_after=None if threshold == "never" else int(threshold),
        no_answer_is_miss=no_answer == "miss",
        share_streak_every=None if streak == "never" else int(streak),
        share_oneoff_wins="share" in _chosen_values(values, "oneoff"),
        support_words=words["support_words"],
        followup_words=words["followup_words"],
        reflection=reflection,
        share_reflections=sharing == "share",
        kudos_channel=channel,
    )


async def submit(tx: Tx, person: Person, values: dict[str, FormValue], now: datetime) -> Result:
    spec = read(values)
    if isinstance(spec, FormErrors):
        return Result().add(spec)
    return Result().reply(await terms.save(tx, person, spec, now))
