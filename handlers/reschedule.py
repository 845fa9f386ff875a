"""Keeping each person's next check-in and next digest instant current after any change, and
saying instants in the person's own zone.

`reschedule` is the one entry point after anything that changes what a rep owes or when
(a commitment logged, done, dropped, paused or edited; new terms; a pause; a new zone): it
voids check-ins that stopped mattering and moves the next check-in, but never past a slot
that has come and not yet been opened by the tick (that slot would be lost)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.current_terms import current_spec
from handlers.days_off import days_off
from handlers.digest_schedule import next_digest_at
from handlers.rules.due_times import next_slot_after, slot_is_waiting
from handlers.void_checkins import void_moot
from storage.models import Person
from storage.store import Tx


def zone(person: Person) -> ZoneInfo:
    return ZoneInfo(person.tz)


async def reschedule(tx: Tx, person: Person, now: datetime) -> None:
    """Set the rep's next check-in from their terms, pause and commitments (None if nothing to ask).
    Call it after anything that changes one of those."""
    await void_moot(tx, person, now)
    if not await tx.commitments.has_active(person.id):
        person.next_checkin_at = None
        return
    off = days_off(person)
    if slot_is_waiting(person.next_checkin_at, now, zone(person), person.paused_until, off):
        return
    spec, _ = await current_spec(tx, person)
    person.next_checkin_at = next_slot_after(
        now, zone(person), spec.checkin_days, spec.checkin_time, person.paused_until, off
    )


def next_digest_after(person: Person, after: datetime) -> datetime | None:
    """The manager's next digest after `after`, by their cadence (see `digest_schedule`)."""
    return next_digest_at(person, after)


def describe_instant(instant: datetime, person: Person) -> str:
    local = instant.astimezone(zone(person))
    return f"{local:%a %-d %b at %H:%M}"
