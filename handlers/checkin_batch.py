"""Opening the due check-ins of a batch of reps in one transaction, with a handful of
set-based queries whatever the batch's size: claim every rep's slot in one conditional
UPDATE, read what their slots already have, insert the prompts and check-ins in batched
statements, and queue one message per rep.

A rep is claimed by moving their next check-in from the instant the batch saw to the next
slot (`WHERE next_checkin_at = :seen`): a rep another tick (or the rep's own request) moved
first is left alone, so overlapping ticks open each slot once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers import checkin_message, reschedule
from handlers.current_terms import spec_of
from handlers.days_off import days_off
from handlers.delivery import prompt_key
from handlers.rules.due_times import (
    cadence_days,
    end_of_local_day,
    latest_slot_at_or_before,
    local_date_of,
    next_slot_after,
    period_for,
    slot_is_waiting,
)
from handlers.rules.terms_text import TermsSpec
from storage.models import CheckIn, Commitment, Person, Prompt, Terms
from storage.states import CheckInStatus
from storage.store import Tx


@dataclass(frozen=True)
class _Plan:
    """What one due rep's pass does: move their next check-in, and ask about `slot` (if any)."""

    person: Person
    spec: TermsSpec
    tz: ZoneInfo
    seen: datetime
    next_at: datetime | None
    slot: datetime | None


@dataclass(frozen=True)
class _Ask:
    """A claimed rep whose slot has no prompt yet."""

    plan: _Plan
    slot: datetime
    slot_date: date


def _plan(person: Person, terms: Terms | None, now: datetime) -> _Plan:
    """The rep's next slot after `now`, and the slot to ask about now: the one that came, or,
    when its day is over (downtime) or off, today's slot if one has come; never an ended day."""
    assert person.next_checkin_at is not None
    seen = person.next_checkin_at
    spec = spec_of(terms)
    tz = reschedule.zone(person)
    off = days_off(person)
    next_at = next_slot_after(now, tz, spec.checkin_days, spec.checkin_time, person.paused_until, off)
    slot: datetime | None = seen
    if not slot_is_waiting(seen, now, tz, person.paused_until, off):
        slot = latest_slot_at_or_before(now, tz, spec.checkin_days, spec.checkin_time, person.paused_until, off)
    if slot is None or slot < seen or end_of_local_day(local_date_of(slot, tz), tz) <= now:
        slot = None
    return _Plan(person, spec, tz, seen, next_at, slot)


async def open_batch(tx: Tx, due: Sequence[tuple[Person, Terms | None]], now: datetime) -> int:
    """Claim these due reps (each with their latest terms) and open their slots' check-ins, in
    `tx`. Returns how many check-in messages were queued."""
    plans = [_plan(person, terms, now) for person, terms in due]
    claimed = await tx.people.move_next_checkins([(p.person.id, p.seen, p.next_at) for p in plans])
    waiting = [
        _Ask(p, p.slot, local_date_of(p.slot, p.tz)) for p in plans if p.person.id in claimed and p.slot is not None
    ]
    prompted = await tx.prompts.taken_slots([(a.plan.person.id, a.slot) for a in waiting])
    owed = await _owed(tx, [a for a in waiting if (a.plan.person.id, a.slot) not in prompted])
    asking = [a for a in waiting if owed.get(a.plan.person.id)]
    if not asking:
        return 0
    prompts = [
        Prompt(person_id=a.plan.person.id, slot_at=a.slot, local_date=a.slot_date, created_at=now) for a in asking
    ]
    await tx.prompts.add_many(prompts)
    asked: list[list[tuple[CheckIn, Commitment]]] = []
    for ask, prompt in zip(asking, prompts):
        closes = end_of_local_day(ask.slot_date, ask.plan.tz)
        asked.append([
            (CheckIn(
                commitment_id=c.id, prompt_id=prompt.id, period=period, due_at=ask.slot, closes_at=closes,
                status=CheckInStatus.PENDING,
            ), c)
            for c, period in owed[ask.plan.person.id]
        ])
    await tx.checkins.add_many([checkin for rows in asked for checkin, _ in rows])
    sends: list[tuple[Person, str, str | None, str]] = []
    for ask, prompt, rows in zip(asking, prompts, asked):
        message = checkin_message.compose(ask.plan.person, prompt, ask.plan.spec, rows)
        sends.append((ask.plan.person, message.to_json(), prompt_key(prompt.id), prompt_key(prompt.id)))
    await tx.outbox.enqueue_sends(sends, now)
    return len(prompts)


async def _owed(tx: Tx, asking: Sequence[_Ask]) -> dict[int, list[tuple[Commitment, str]]]:
    """Person id -> the (commitment, period) pairs their slot asks about, by commitment number:
    active commitments that existed at the slot, due in the slot's period, not yet asked."""
    if not asking:
        return {}
    by_person = {a.plan.person.id: a for a in asking}
    candidates: list[tuple[Commitment, str]] = []
    for c in await tx.checkins.commitments_to_ask(list(by_person), max(a.slot for a in asking)):
        ask = by_person[c.person_id]
        if c.created_at > ask.slot:
            continue
        period = period_for(
            cadence_days=cadence_days(c.cadence), weekly=c.cadence == "weekly", due_date=c.due_date,
            slot_date=ask.slot_date, checkin_days=ask.plan.spec.checkin_days,
        )
        if period is not None:
            candidates.append((c, period))
    asked = await tx.checkins.taken_periods([(c.id, period) for c, period in candidates])
    owed: dict[int, list[tuple[Commitment, str]]] = {}
    for c, period in candidates:
        if (c.id, period) not in asked:
            owed.setdefault(c.person_id, []).append((c, period))
    return owed
