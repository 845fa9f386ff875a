"""Answering check-ins: Yes / No on the check-in message, the follow-up the rep chose after a
No (the reflection question they picked, a later nudge), the nudge's "Done it now" / "Not today",
and a self-coaching prompt when a No makes a run of misses (`handlers.self_coaching`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import checkin_message, conversation_state, escalation, self_coaching
from handlers.buttons import Answer, CheckInAnswer, NudgeAnswer, button
from handlers.checkin_message import describe_answer
from handlers.contract.messages import Message
from handlers.contract.outcomes import Result, Update
from handlers.conversation_state import (
    AwaitingNotes,
    awaiting_notes,
    stop_awaiting_note,
)
from handlers.current_terms import current_spec
from handlers.delivery import nudge_key, prompt_key, queue
from handlers.rules import reflections, tone
from handlers.rules.terms_text import TermsSpec
from storage.models import CheckIn, Commitment, Person
from storage.states import CheckInStatus
from storage.store import Tx

NUDGE_DELAY = timedelta(hours=3)
NUDGE_MARGIN = timedelta(hours=1)
"""The nudge comes 3 hours after a No, and at least an hour before the day closes (or not at all)."""


async def _find_own(tx: Tx, person: Person, checkin_id: int, what: str) -> tuple[CheckIn, Commitment] | str:
    """The person's own check-in and its commitment, or what to tell them when it isn't theirs."""
    checkin = await tx.checkins.get(checkin_id)
    commitment = await tx.commitments.get(checkin.commitment_id) if checkin else None
    if checkin is None or commitment is None:
        return "I couldn't find that check-in any more. Nothing changed."
    if commitment.person_id != person.id:
        return f"That {what} belongs to someone else; only they can answer it. Nothing changed."
    return checkin, commitment


async def on_answer(tx: Tx, person: Person, clicked: CheckInAnswer, now: datetime) -> Result:
    """A Yes / No click on a check-in message."""
    result = Result()
    found = await _find_own(tx, person, clicked.checkin_id, "check-in")
    if isinstance(found, str):
        return result.reply(found)
    checkin, commitment = found
    if checkin.status != CheckInStatus.PENDING:
        return result.reply(f"Already recorded for “{commitment.title}”: {describe_answer(checkin)}. Nothing changed.")
    if checkin.closes_at <= now:
        return result.reply(f"That check-in closed at the end of its day; “{commitment.title}” is recorded as no answer.")
    status = CheckInStatus.YES if clicked.answer == Answer.YES else CheckInStatus.NO
    if not await tx.checkins.settle_status(checkin, status, now):
        return result.reply(f"Already recorded for “{commitment.title}”: {describe_answer(checkin)}. Nothing changed.")
    spec, _ = await current_spec(tx, person)
    if status == CheckInStatus.YES:
        result.reply(tone.say(spec.tone, "yes", title=commitment.title))
        await escalation.settle(tx, checkin, now, spec)
    else:
        result.reply(tone.say(spec.tone, "no", title=commitment.title))
        await _follow_up(tx, person, checkin, commitment, spec, now, result)
    await _refresh_prompt(tx, person, checkin, spec, result)
    return result


async def _follow_up(
    tx: Tx, person: Person, checkin: CheckIn, commitment: Commitment, spec: TermsSpec, now: datetime, result: Result
) -> None:
    """After a No: ask what got in the way and/or queue a later nudge, as the rep chose. The
    check-in settles when those are done (or when the day closes), so the manager sees the rep's words."""
    nudge_at = min(now + NUDGE_DELAY, checkin.closes_at - NUDGE_MARGIN)
    if spec.nudge_later and nudge_at > now:
        checkin.awaiting_nudge = True
        await queue(
            tx, person,
            Message.text(
                tone.say(spec.tone, "nudge", title=commitment.title),
                button("Done it now", NudgeAnswer(checkin.id, Answer.YES), "primary"),
                button("Not today", NudgeAnswer(checkin.id, Answer.NO)),
            ),
            now, not_before=nudge_at, key=nudge_key(checkin.id), once=nudge_key(checkin.id),
        )
    if spec.reflect_on_miss:
        checkin.awaiting_note = True
        pending = awaiting_notes(person)
        conversation_state.write(person, pending.adding(checkin.id) if pending else AwaitingNotes((checkin.id,)))
        if pending is None or pending.current == checkin.id:
            result.reply(reflections.ask(spec.reflection, spec.tone, commitment.title))
        # otherwise this No's question comes once the rep has answered the ones before it
    if not checkin.awaiting_note and not checkin.awaiting_nudge:
        await escalation.settle(tx, checkin, now, spec)
        await self_coaching.after_miss(tx, person, commitment.id, spec, now, result)


def awaiting_note(person: Person) -> bool:
    """Is the rep's next plain message their answer to "what got in the way?"."""
    return awaiting_notes(person) is not None


async def on_note(tx: Tx, person: Person, text: str, now: datetime) -> Result:
    """The rep's answer to "what got in the way?" for the oldest No still waiting for one; then
    the question for the next, if more are waiting."""
    result = Result()
    pending = awaiting_notes(person)
    if pending is None:
        return result
    rest = pending.without(pending.current)
    conversation_state.write(person, rest)
    checkin = await tx.checkins.get(pending.current)
    spec, _ = await current_spec(tx, person)
    if checkin is not None:
        checkin.note = text.strip()[:2000]
        checkin.awaiting_note = False
        result.reply(tone.say(spec.tone, "note_thanks"))
        if not checkin.awaiting_nudge and checkin.settled_at is None:
            await escalation.settle(tx, checkin, now, spec)
            await self_coaching.after_miss(tx, person, checkin.commitment_id, spec, now, result)
    if rest is not None:
        await _ask_next_note(tx, person, rest, spec, result)
    return result


async def _ask_next_note(tx: Tx, person: Person, pending: AwaitingNotes, spec: TermsSpec, result: Result) -> None:
    nxt = await tx.checkins.get(pending.current)
    commitment = await tx.commitments.get(nxt.commitment_id) if nxt is not None else None
    if commitment is None:
        conversation_state.write(person, pending.without(pending.current))
        return
    result.reply(reflections.ask(spec.reflection, spec.tone, commitment.title))


async def on_nudge(tx: Tx, person: Person, clicked: NudgeAnswer, now: datetime) -> Result:
    """"Done it now" / "Not today" on the later nudge."""
    result = Result()
    found = await _find_own(tx, person, clicked.checkin_id, "nudge")
    if isinstance(found, str):
        return result.reply(found)
    checkin, commitment = found
    if not checkin.awaiting_nudge or checkin.settled_at is not None:
        return result.reply(f"“{commitment.title}” is already settled for that day: {describe_answer(checkin)}.")
    spec, _ = await current_spec(tx, person)
    checkin.awaiting_nudge = False
    if clicked.answer == Answer.YES:
        checkin.status = CheckInStatus.YES
        checkin.recovered = True
        checkin.answered_at = now
        result.reply(tone.say(spec.tone, "yes", title=commitment.title))
        if checkin.awaiting_note:
            stop_awaiting_note(person, checkin.id)
        await escalation.settle(tx, checkin, now, spec)
    else:
        result.reply("OK, recorded as not today.")
        if not checkin.awaiting_note:
            await escalation.settle(tx, checkin, now, spec)
            await self_coaching.after_miss(tx, person, commitment.id, spec, now, result)
    result.add(Update(nudge_key(checkin.id), Message.text(f"“{commitment.title}”: {describe_answer(checkin)}")))
    await _refresh_prompt(tx, person, checkin, spec, result)
    return result


async def _refresh_prompt(tx: Tx, person: Person, checkin: CheckIn, spec: TermsSpec, result: Result) -> None:
    prompt = await tx.prompts.get(checkin.prompt_id) if checkin.prompt_id is not None else None
    if prompt is not None:
        result.add(Update(prompt_key(prompt.id), await checkin_message.render(tx, person, prompt, spec)))
