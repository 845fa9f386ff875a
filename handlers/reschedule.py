"""Keeping each person's next check-in and next digest instant current after any change."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.rules.due_times import local_instant, next_slot_after
from handlers.rules.terms_text import TermsSpec
from storage.models import Commitment, Person


def zone(person: Person) -> ZoneInfo:
    return ZoneInfo(person.tz)


async def has_live_commitments(s: AsyncSession, person_id: int) -> bool:
    found = await s.scalar(
        select(Commitment.id).where(Commitment.person_id == person_id, Commitment.status == "active").limit(1)
    )
    return found is not None


async def reschedule_checkins(s: AsyncSession, person: Person, spec: TermsSpec, now: datetime) -> None:
    """Set the rep's next check-in from their terms, pause and commitments (None if nothing to ask)."""
    if not await has_live_commitments(s, person.id):
        person.next_checkin_at = None
        return
    person.next_checkin_at = next_slot_after(
        now, zone(person), spec.checkin_days, spec.checkin_time, person.paused_until
    )


def next_digest_after(person: Person, after: datetime) -> datetime | None:
    if not person.digest_enabled:
        return None
    hour, minute = (int(part) for part in person.digest_time.split(":"))
    return next_slot_after(after, zone(person), frozenset({person.digest_weekday}), time(hour, minute))


def describe_instant(instant: datetime, person: Person) -> str:
    local = instant.astimezone(zone(person))
    return f"{local:%a %-d %b at %H:%M}"


def local_noon(person: Person, now: datetime) -> datetime:
    local = now.astimezone(zone(person)).date()
    return local_instant(local, time(12, 0), zone(person))
