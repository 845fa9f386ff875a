"""The scheduler's jobs as plain async functions of `now`: safe to run twice, or at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import checkins, digest
from storage.models import CheckIn, Outbox, Person, ProcessedEvent

DELIVERY_MEMORY = timedelta(days=2)
"""How long inbound delivery ids are kept to drop platform retries (Slack retries within an hour)."""


@dataclass(frozen=True)
class TickReport:
    closed: int
    prompts: int
    digests: int


async def run_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> TickReport:
    """Close ended days, open due check-ins and queue due digests, as of `now`."""
    closed = await checkins.close_days(sessions, now)
    prompts = await checkins.create_due(sessions, now)
    digests = await digest.send_due(sessions, now)
    async with sessions() as s, s.begin():
        await s.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - DELIVERY_MEMORY))
    return TickReport(closed=closed, prompts=prompts, digests=digests)


async def next_wakeup_after(sessions: async_sessionmaker[AsyncSession], after: datetime) -> datetime | None:
    """The earliest instant strictly after `after` at which some job has work (used by the console clock)."""
    async with sessions() as s:
        candidates = [
            await s.scalar(select(func.min(Person.next_checkin_at)).where(Person.next_checkin_at > after)),
            await s.scalar(select(func.min(Person.digest_next_at)).where(Person.digest_next_at > after)),
            await s.scalar(
                select(func.min(CheckIn.closes_at)).where(CheckIn.settled_at.is_(None), CheckIn.closes_at > after)
            ),
            await s.scalar(
                select(func.min(Outbox.not_before)).where(Outbox.status == "pending", Outbox.not_before > after)
            ),
        ]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
