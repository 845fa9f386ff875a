"""The scheduler's side of check-ins: open each rep's due slot (create its check-ins and
queue the message), and close days that have ended (`no answer`). Each rep and each
check-in is claimed atomically, so overlapping ticks never double up."""

from __future__ import annotations

from datetime import datetime

from handlers import checkin_message, escalation, reschedule
from handlers.conversation_state import stop_awaiting_note
from handlers.current_terms import current_spec
from handlers.days_off import days_off
from handlers.delivery import prompt_key, queue
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
from storage.models import CheckIn, Commitment, Person, Prompt
from storage.states import CheckInStatus
from storage.store import Store, Tx

BATCH = 500


async def open_due(store: Store, now: datetime) -> int:
    """For every rep whose next check-in is at or before `now`, create that slot's check-ins and
    queue its message. Returns how many check-in messages were queued."""
    queued = 0
    async with store.reading() as tx:
        due = await tx.people.due_for_checkin(now, BATCH)
    for person_id, expected in due:
        async with store.transaction() as tx:
            person = await tx.people.get(person_id)
            if person is None:
                continue
            spec, _ = await current_spec(tx, person)
            tz = reschedule.zone(person)
            off = days_off(person)
            new_next = next_slot_after(now, tz, spec.checkin_days, spec.checkin_time, person.paused_until, off)
            if not await tx.people.move_next_checkin(person_id, expected, new_next):
                continue
            slot: datetime | None = expected
            if not slot_is_waiting(expected, now, tz, person.paused_until, off):
                # Its day is over (downtime) or off: ask about today's slot if one has come, never an ended day.
                slot = latest_slot_at_or_before(now, tz, spec.checkin_days, spec.checkin_time, person.paused_until, off)
            if slot is None or slot < expected or end_of_local_day(local_date_of(slot, tz), tz) <= now:
                continue
            if await _open_slot(tx, person, spec, slot, now):
                queued += 1
    return queued


async def _open_slot(tx: Tx, person: Person, spec: TermsSpec, slot: datetime, now: datetime) -> bool:
    tz = reschedule.zone(person)
    slot_date = local_date_of(slot, tz)
    if await tx.prompts.exists(person.id, slot):
        return False
    due: list[tuple[Commitment, str]] = []
    for c in await tx.commitments.active_created_by(person.id, slot):
        period = period_for(
            cadence_days=cadence_days(c.cadence), weekly=c.cadence == "weekly", due_date=c.due_date,
            slot_date=slot_date, checkin_days=spec.checkin_days,
        )
        if period is not None and not await tx.checkins.exists(c.id, period):
            due.append((c, period))
    if not due:
        return False
    prompt = await tx.prompts.add(Prompt(person_id=person.id, slot_at=slot, local_date=slot_date, created_at=now))
    closes = end_of_local_day(slot_date, tz)
    for c, period in due:
        tx.checkins.add(CheckIn(
            commitment_id=c.id, prompt_id=prompt.id, period=period, due_at=slot, closes_at=closes,
            status=CheckInStatus.PENDING,
        ))
    await tx.flush()
    message = await checkin_message.render(tx, person, prompt, spec)
    await queue(tx, person, message, now, key=prompt_key(prompt.id), once=prompt_key(prompt.id))
    return True


async def close_days(store: Store, now: datetime) -> int:
    """Settle every check-in whose day has ended: unanswered ones become `no answer`. The check-ins
    of one message close together, and the message is edited once to show them closed."""
    async with store.reading() as tx:
        found = await tx.checkins.closing_by(now, BATCH)
    by_message: dict[int | None, list[int]] = {}
    for checkin_id, prompt_id in found:
        by_message.setdefault(prompt_id, []).append(checkin_id)
    groups = [ids for prompt_id, ids in by_message.items() if prompt_id is not None]
    groups += [[checkin_id] for checkin_id in by_message.get(None, [])]
    closed = 0
    for ids in groups:
        async with store.transaction() as tx:
            closed += await _close(tx, ids, now)
    return closed


async def _close(tx: Tx, checkin_ids: list[int], now: datetime) -> int:
    """Close these check-ins (all of one message) in one transaction; edit their message once."""
    closed = 0
    unanswered: CheckIn | None = None
    person: Person | None = None
    for checkin_id in checkin_ids:
        checkin = await tx.checkins.get_locked(checkin_id)
        if checkin is None or checkin.settled_at is not None:
            continue
        commitment = await tx.commitments.get(checkin.commitment_id)
        person = await tx.people.get(commitment.person_id) if commitment else None
        if person is None:
            continue
        if checkin.status == CheckInStatus.PENDING:
            if await tx.checkins.settle_status(checkin, CheckInStatus.NO_ANSWER, None):
                unanswered = checkin
            elif checkin.settled_at is not None:
                continue
        if checkin.awaiting_note:
            stop_awaiting_note(person, checkin.id)
        spec, _ = await current_spec(tx, person)
        await escalation.settle(tx, checkin, now, spec)
        closed += 1
    if unanswered is not None and person is not None:
        await _show_closed(tx, person, unanswered, now)
    return closed


async def _show_closed(tx: Tx, person: Person, checkin: CheckIn, now: datetime) -> None:
    """Queue one in-place edit of the check-in message so its closed buttons show `no answer`."""
    prompt = await tx.prompts.get(checkin.prompt_id) if checkin.prompt_id is not None else None
    if prompt is None:
        return
    await tx.flush()
    spec, _ = await current_spec(tx, person)
    message = await checkin_message.render(tx, person, prompt, spec)
    await queue(tx, person, message, now, key=prompt_key(prompt.id), once=f"closed:{prompt.id}", edit=True)
