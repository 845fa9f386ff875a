"""The two questions (Rosen) asked step by step, for platforms without forms (the console)
and for anyone who types: each answer can be a button or their own words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers import conversation_state, terms, terms_draft
from handlers.buttons import TermsStep, button
from handlers.contract.outcomes import Result
from handlers.conversation_state import TermsInterview
from handlers.rules.reflections import (
    REFLECTIONS,
)
from handlers.rules.terms_text import (
    DEFAULT_TERMS,
    QUESTION_1,
    QUESTION_2,
    describe,
    read_days,
    read_followup,
    read_threshold,
    read_time,
    read_tone,
)
from storage.models import Person
from storage.store import Tx

STEPS = ("q1", "days", "time", "tone", "q2", "followup", "reflection", "sharing", "threshold", "no_answer", "wins")
_CHOSEN_ONLY = ("reflection", "sharing")
"""Asked only after "Ask me a different question"; otherwise the defaults (or the rep's own words) hold."""

_DAY_CHOICES = {"weekdays": frozenset(range(5)), "everyday": frozenset(range(7)), "mwf": frozenset({0, 2, 4}), "fri": frozenset({4})}
_TIME_CHOICES = ("09:00", "12:00", "16:30", "18:00")
_FOLLOWUP_CHOICES = {
    "reflect": (True, False), "nudge": (False, True), "both": (True, True), "neither": (False, False), "other": (True, False),
}
_WIN_CHOICES = {
    "s3o": (3, True),
    "s5o": (5, True),
    "s5": (5, False),
    "o": (None, True),
    "none": (None, False),
}


def start(person: Person, result: Result, intro: str | None = None) -> Result:
    conversation_state.write(person, TermsInterview({}))
    if intro:
        result.reply(intro)
    return _ask({}, result)


def in_progress(person: Person) -> bool:
    return isinstance(conversation_state.read(person), TermsInterview)


def _draft(person: Person) -> dict[str, Any]:
    state = conversation_state.read(person)
    return dict(state.draft) if isinstance(state, TermsInterview) else {}


def _next_step(draft: dict[str, Any]) -> str | None:
    done = draft.get("answered", [])
    for step in STEPS:
        if step not in done and (step not in _CHOSEN_ONLY or draft.get("pick_reflection")):
            return step
    return None


def _answered(draft: dict[str, Any], *steps: str) -> None:
    done = draft.setdefault("answered", [])
    for step in steps:
        if step not in done:
            done.append(step)


def _ask(draft: dict[str, Any], result: Result) -> Result:
    step = _next_step(draft)
    if step is None:
        return result
    b = lambda label, choice, style="default": button(label, TermsStep(step, choice), style)  # noqa: E731
    if step == "q1":
        return result.reply(
            f"Question 1 of 2: {QUESTION_1}\nTell me in your own words: which days, what time, what tone "
            "(and a team channel for kudos, like #wins, if you want them posted there). "
            "(Type `skip` to go straight to the choices.)",
            b("Keep the defaults for now", "defaults"),
        )
    if step == "days":
        return result.reply(
            "Which days should I check in? (Or type days, like `Mon Wed Fri`.)",
            b("Weekdays", "weekdays"), b("Every day", "everyday"), b("Mon, Wed, Fri", "mwf"), b("Fridays", "fri"),
        )
    if step == "time":
        return result.reply(
            "At what time, your time? Late enough to ask about the day. (Or type a time, like `17:15` or `5pm`.)",
            *(b(t, t) for t in _TIME_CHOICES),
        )
    if step == "tone":
        return result.reply(
            "In what tone?", b("Encouraging", "encouraging"), b("Straight talk", "straight"), b("Just the facts", "facts")
        )
    if step == "q2":
        return result.reply(
            f"Question 2 of 2: {QUESTION_2}\nIn your own words. (Or `skip`.)"
        )
    if step == "followup":
        return result.reply(
            "When you answer No, what should I do?",
            b("Ask me what got in the way", "reflect"), b("Nudge me again later that day", "nudge"),
            b("Both", "both"), b("Neither", "neither"), b("Ask me a different question", "other"),
        )
    if step == "reflection":
        return result.reply("Which question should I ask after a No?", *(b(r.question, r.key) for r in REFLECTIONS.values()))
    if step == "sharing":
        return result.reply(
            "May your manager see your answers, quoted when they hear about a miss or a win?",
            b("Yes, they may see them", "share"), b("Keep them between us", "private"),
        )
    if step == "threshold":
        return result.reply(
            "When should your manager hear about misses? After how many misses in a row on the same commitment?",
            *(b(str(n), str(n)) for n in range(1, 6)), b("Never", "never"),
        )
    if step == "no_answer":
        return result.reply(
            "If you don't answer a check-in by the end of your day:",
            b("Count it as a miss", "miss"), b("Don't count it", "ignore"),
        )
    return result.reply(
        "Which wins should your manager hear about?",
        b("Streaks of 3 + promises kept", "s3o"), b("Streaks of 5 + promises kept", "s5o"),
        b("Streaks of 5 only", "s5"), b("Promises kept only", "o"), b("Keep my wins to myself", "none"),
    )


def _apply(step: str, choice: str, draft: dict[str, Any]) -> str | None:
    """Put a button choice into the draft; returns an error text if the choice is unknown."""
    if step == "days" and choice in _DAY_CHOICES:
        draft["days"] = sorted(_DAY_CHOICES[choice])
    elif step == "time" and choice in _TIME_CHOICES:
        draft["time"] = choice
    elif step == "tone" and choice in ("encouraging", "straight", "facts"):
        draft["tone"] = choice
    elif step == "followup" and choice in _FOLLOWUP_CHOICES:
        draft["reflect"], draft["nudge"] = _FOLLOWUP_CHOICES[choice]
        draft["pick_reflection"] = choice == "other"
    elif step == "reflection" and choice in REFLECTIONS:
        draft["reflection"] = choice
    elif step == "sharing" and choice in ("share", "private"):
        draft["share"] = choice == "share"
    elif step == "threshold" and (choice == "never" or choice in {"1", "2", "3", "4", "5"}):
        draft["escalate_after"] = None if choice == "never" else int(choice)
    elif step == "no_answer" and choice in ("miss", "ignore"):
        draft["no_answer_is_miss"] = choice == "miss"
    elif step == "wins" and choice in _WIN_CHOICES:
        draft["streak"], draft["oneoff"] = _WIN_CHOICES[choice]
    else:
        return "I didn't recognise that choice."
    _answered(draft, step)
    return None


def _read_free_text(step: str, text: str, draft: dict[str, Any]) -> str | None:
    """Read a typed answer for `step` into the draft; returns an error text if it can't be read."""
    skip = text.strip().lower() in ("skip", "-", "no comment", "nothing")
    if step == "q1":
        _answered(draft, "q1")
        draft["support_words"] = None if skip else text.strip()
        if not skip:
            if (days := read_days(text)) is not None:
                draft["days"] = sorted(days)
            if (at := read_time(text)) is not None:
                draft["time"] = f"{at:%H:%M}"
            if (tone := read_tone(text)) is not None:
                draft["tone"] = tone
            terms_draft.read_extras(text, draft)
        _mark_answered(draft)
        return None
    if step == "q2":
        _answered(draft, "q2")
        draft["followup_words"] = None if skip else text.strip()
        if not skip:
            if (follow := read_followup(text)) is not None:
                draft["reflect"], draft["nudge"] = follow
                _answered(draft, "followup")
            terms_draft.read_extras(text, draft)
            found, n = read_threshold(text)
            if found:
                draft["escalate_after"] = n
                _answered(draft, "threshold")
        return None
    if step == "days":
        days = read_days(text)
        if days is None:
            return "I didn't catch any days in that. Pick one of the buttons, or type days like `Mon Wed Fri`."
        draft["days"] = sorted(days)
        _mark_answered(draft)
        return None
    if step == "time":
        at = read_time(text)
        if at is None:
            return "I didn't catch a time in that. Type it like `17:15` or `5pm`, or pick a button."
        draft["time"] = f"{at:%H:%M}"
        _mark_answered(draft)
        return None
    if step == "tone":
        tone = read_tone(text)
        if tone is None:
            return "Pick a tone with the buttons: encouraging, straight talk or just the facts."
        draft["tone"] = tone
        _mark_answered(draft)
        return None
    if step == "threshold":
        low = text.strip().lower()
        if low in {"1", "2", "3", "4", "5", "never"}:
            return _apply("threshold", low, draft)
        return "Type a number from 1 to 5, or `never`, or pick a button."
    return "Please pick one of the buttons (or type its number in the console)."


def _mark_answered(draft: dict[str, Any]) -> None:
    """Steps whose value is already in the draft count as answered, so they are not asked again."""
    for key in ("days", "time", "tone"):
        if key in draft:
            _answered(draft, key)


async def on_text(tx: Tx, person: Person, text: str, now: datetime) -> Result:
    draft = _draft(person)
    step = _next_step(draft)
    result = Result()
    if step is None:
        conversation_state.write(person, None)
        return result
    before = dict(draft)
    error = _read_free_text(step, text, draft)
    if error:
        result.reply(error)
    elif ack := terms_draft.acknowledge(before, draft):
        result.reply(ack)
    return await _advance(tx, person, draft, now, result)


async def on_click(tx: Tx, person: Person, clicked: TermsStep, now: datetime) -> Result:
    result = Result()
    step, choice = clicked.step, clicked.choice
    if not in_progress(person):
        return result.reply("Those questions are already answered. To change your terms, use `/accountability terms`.")
    draft = _draft(person)
    current = _next_step(draft)
    if step == "q1" and choice == "defaults" and current == "q1":
        conversation_state.write(person, None)
        return result.reply(
            "OK, the defaults apply for now:\n" + describe(DEFAULT_TERMS)
            + "\nAnswer the two questions any time with `/accountability terms`."
        )
    if step != current:
        result.reply("That question is already answered; here is where we are.")
        return _ask(draft, result)
    error = _apply(step, choice, draft)
    if error:
        result.reply(error)
    return await _advance(tx, person, draft, now, result)


async def _advance(tx: Tx, person: Person, draft: dict[str, Any], now: datetime, result: Result) -> Result:
    if _next_step(draft) is not None:
        conversation_state.write(person, TermsInterview(draft))
        return _ask(draft, result)
    return result.reply(await terms.save(tx, person, terms_draft.spec_of(draft), now))
