"""Check-ins that stopped mattering settle as *void*: the rep finished, dropped or paused the
commitment, paused themselves, or made that day a holiday, before answering. A void check-in is shown to the rep, is
never a miss and never part of a run, and its message is edited to say so."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import checkin_message
from handlers.conversation_state import stop_awaiting_note
from handlers.current_terms import current_spec
from handlers.days_off import days_off
from handlers.delivery import prompt_key, queue
from handlers.rules.due_times import is_day_off, local_date_of
from storage.models import CheckIn, Commitment, Person
from storage.states import CheckInStatus, CommitmentStatus
from storage.store import Tx


def is_moot(checkin: CheckIn, commitment: Commitment, person: Person) -> bool:
    """Nothing is owed for this check-in any more: its commitment isn't active, or the rep is
    paused on its day."""
    if commitment.status != CommitmentStatus.ACTIVE:
        return True
    return is_day_off(local_date_of(checkin.due_at, ZoneInfo(person.tz)), person.paused_until, days_off(person))


async def void_moot(tx: Tx, person: Person, now: datetime) -> int:
    """Settle the rep's unanswered check-ins that no longer matter as void; returns how many."""
    voided: list[CheckIn] = []
    for checkin, commitment in await tx.checkins.pending_of_person(person.id):
        if not is_moot(checkin, commitment, person):
            continue
        if await tx.checkins.settle_status(checkin, CheckInStatus.VOID, None):
            checkin.settled_at = now
            checkin.awaiting_note = checkin.awaiting_nudge = False
            stop_awaiting_note(person, checkin.id)
            voided.append(checkin)
    if voided:
        await tx.flush()
        spec, _ = await current_spec(tx, person)
        for prompt_id in dict.fromkeys(c.prompt_id for c in voided if c.prompt_id is not None):
            prompt = await tx.prompts.get(prompt_id)
            if prompt is not None:
                message = await checkin_message.render(tx, person, prompt, spec)
                await queue(tx, person, message, now, key=prompt_key(prompt_id), edit=True)
    return len(voided)
