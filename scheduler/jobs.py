"""The scheduler's jobs as plain async functions of `now`: safe to run twice, or at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import checkin_tick, digest, follow_up_reminders
from storage.store import Store

DELIVERY_MEMORY = timedelta(days=2)
"""How long inbound delivery ids are kept to drop platform retries (Slack retries within an hour)."""


@dataclass(frozen=True)
class TickReport:
    closed: int
    prompts: int
    digests: int
    reminders: int = 0


async def run_due(store: Store, now: datetime) -> TickReport:
    """Close ended days, open due check-ins and queue due digests, as of `now`."""
    closed = await checkin_tick.close_days(store, now)
    prompts = await checkin_tick.open_due(store, now)
    reminders = await follow_up_reminders.remind_due(store, now)
    digests = await digest.send_due(store, now)
    async with store.transaction() as tx:
        await tx.deliveries.forget_before(now - DELIVERY_MEMORY)
    return TickReport(closed=closed, prompts=prompts, digests=digests, reminders=reminders)


async def next_wakeup_after(store: Store, after: datetime) -> datetime | None:
    """The earliest instant strictly after `after` at which some job has work (the console clock uses it)."""
    async with store.reading() as tx:
        candidates = [
            await tx.people.earliest_checkin_after(after),
            await tx.people.earliest_digest_after(after),
            await tx.checkins.earliest_close_after(after),
            await tx.outbox.earliest_due_after(after),
            await tx.follow_ups.earliest_due_after(after),
        ]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
