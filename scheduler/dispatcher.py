"""The outbox dispatcher: claims queued messages atomically and sends them, paced and retried.

Claiming is a compare-and-set per row (`status pending -> sending`), so two replicas on
one database never send the same message. Sends to one recipient go in order; different
recipients go concurrently, bounded by a semaphore and a per-workspace rate limit. A 429
waits for its Retry-After; 5xx and connection errors back off exponentially with jitter;
an unreachable person is marked so and not retried. When the person who could not be reached
was just named as someone's accountability partner, that rep is told so.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiolimiter import AsyncLimiter
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from handlers.contract.messages import Message
from handlers.contract.ports import (
    ChatAdapter,
    Clock,
    RateLimited,
    Rejected,
    TransientError,
    Unreachable,
)
from storage.models import ManagerLink, Outbox, Person
from storage.repositories import address_of, enqueue, sent_ref

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 200
PARTNER_UNREACHABLE = (
    "I couldn't reach {name}, so they don't know you named them as your accountability partner. "
    "They must install Follow-Through first (in Teams: add the app); then name them again with "
    "`/accountability manager @name`."
)


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    rows: list[int] = field(default_factory=list)

    def __iadd__(self, other: DispatchReport) -> DispatchReport:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.unreachable += other.unreachable
        self.rows += other.rows
        return self


def backoff(attempt: int) -> timedelta:
    """Exponential backoff with full jitter: up to 2, 4, 8 ... seconds, capped at 10 minutes."""
    return timedelta(seconds=random.uniform(1, min(600, 2 ** attempt)))


class Dispatcher:
    """Drains the outbox through the platform adapters it is given."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        adapters: dict[str, ChatAdapter],
        clock: Clock,
        concurrency: int = 8,
    ) -> None:
        self._sessions = sessions
        self._adapters = adapters
        self._clock = clock
        self._semaphore = asyncio.Semaphore(concurrency)
        self._limiters: dict[tuple[str, str], AsyncLimiter] = {}

    def _limiter(self, platform: str, workspace_id: str) -> AsyncLimiter:
        key = (platform, workspace_id)
        if key not in self._limiters:
            rate = max(self._adapters[platform].rate_per_second(workspace_id), 0.001)
            self._limiters[key] = AsyncLimiter(rate, 1) if rate >= 1 else AsyncLimiter(1, 1 / rate)
        return self._limiters[key]

    async def _claim(self, now: datetime) -> list[Outbox]:
        """Claim due rows. A row waits while an earlier row to the same person is in flight or
        waiting out a retry, so one person's messages arrive in the order they were queued."""
        token = uuid.uuid4().hex
        earlier = aliased(Outbox)
        async with self._sessions() as s:
            candidates = list(
                await s.scalars(
                    select(Outbox.id)
                    .where(
                        Outbox.platform.in_(list(self._adapters)),
                        or_(
                            (Outbox.status == "pending") & (Outbox.not_before <= now),
                            (Outbox.status == "sending") & (Outbox.claimed_at < now - STALE_CLAIM),
                        ),
                        ~exists().where(
                            earlier.recipient_id == Outbox.recipient_id,
                            earlier.id < Outbox.id,
                            or_(
                                earlier.status == "sending",
                                (earlier.status == "pending") & (earlier.attempts > 0) & (earlier.not_before > now),
                            ),
                        ),
                    )
                    .order_by(Outbox.id)
                    .limit(BATCH)
                )
            )
        claimed: list[Outbox] = []
        for row_id in candidates:
            async with self._sessions() as s, s.begin():
                result = await s.execute(
                    update(Outbox)
                    .where(
                        Outbox.id == row_id,
                        or_(
                            (Outbox.status == "pending") & (Outbox.not_before <= now),
                            (Outbox.status == "sending") & (Outbox.claimed_at < now - STALE_CLAIM),
                        ),
                    )
                    .values(status="sending", claim_token=token, claimed_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row = await s.get(Outbox, row_id)
                    assert row is not None
                    claimed.append(row)
        return claimed

    async def dispatch_once(self) -> DispatchReport:
        """Send everything due now; returns what happened."""
        now = self._clock.now()
        rows = await self._claim(now)
        by_recipient: dict[int, list[Outbox]] = defaultdict(list)
        for row in rows:
            by_recipient[row.recipient_id].append(row)
        reports = await asyncio.gather(*(self._send_in_order(group) for group in by_recipient.values()))
        total = DispatchReport()
        for report in reports:
            total += report
        return total

    async def _send_in_order(self, rows: list[Outbox]) -> DispatchReport:
        report = DispatchReport()
        blocked = False
        loop = asyncio.get_running_loop()
        last_send: float | None = None
        for row in rows:
            if blocked:
                await self._release(row)
                continue
            rate = self._adapters[row.platform].conversation_rate_per_second()
            if last_send is not None and rate > 0:
                await asyncio.sleep(max(0.0, last_send + 1 / rate - loop.time()))
            last_send = loop.time()
            outcome = await self._send_one(row)
            report.rows.append(row.id)
            if outcome == "sent":
                report.sent += 1
            elif outcome == "retry":
                report.retried += 1
                blocked = True  # keep this recipient's messages in order
            elif outcome == "unreachable":
                report.unreachable += 1
                blocked = True
            else:
                report.failed += 1
        return report

    async def _release(self, row: Outbox) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(
                update(Outbox).where(Outbox.id == row.id).values(status="pending", claim_token=None, claimed_at=None)
            )

    async def _send_one(self, row: Outbox) -> str:
        adapter = self._adapters[row.platform]
        async with self._sessions() as s:
            person = await s.get(Person, row.recipient_id)
            ref = await sent_ref(s, row.message_key) if row.operation == "update" and row.message_key else None
        if person is None:
            return await self._finish(row, status="failed", error="recipient no longer exists")
        if not person.reachable:
            await self._finish(row, status="dead", error="recipient is unreachable (app removed or blocked)")
            await self._tell_rep_if_partner_notice(row)
            return "unreachable"
        message = Message.from_json(row.message_json)
        try:
            async with self._limiter(row.platform, row.workspace_id), self._semaphore:
                if row.operation == "update":
                    if ref is None:
                        return await self._finish(row, status="failed", error="original message was never sent")
                    await adapter.update(address_of(person), ref, message)
                    platform_ref = ref
                else:
                    platform_ref = await adapter.send(address_of(person), message)
        except RateLimited as error:
            return await self._retry(row, timedelta(seconds=max(error.retry_after, 0.0)), str(error), count=False)
        except TransientError as error:
            return await self._retry(row, backoff(row.attempts + 1), str(error), count=True)
        except Unreachable as error:
            async with self._sessions() as s, s.begin():
                await s.execute(update(Person).where(Person.id == row.recipient_id).values(reachable=False))
            await self._finish(row, status="dead", error=str(error))
            await self._tell_rep_if_partner_notice(row)
            return "unreachable"
        except Rejected as error:
            log.warning("outbox row %s rejected by %s: %s", row.id, row.platform, error)
            return await self._finish(row, status="failed", error=str(error))
        except Exception as error:  # an adapter bug must not wedge the outbox: record it and back off
            log.exception("unexpected error sending outbox row %s", row.id)
            return await self._retry(row, backoff(row.attempts + 1), repr(error), count=True)
        return await self._finish(row, status="sent", platform_ref=platform_ref)

    async def _tell_rep_if_partner_notice(self, row: Outbox) -> None:
        """A "you were named as accountability partner" notice (`link:<id>`) that can't be delivered:
        the rep who named them hears it, once."""
        raw_id = (row.message_key or "").removeprefix("link:")
        if not (row.message_key or "").startswith("link:") or not raw_id.isdigit():
            return
        async with self._sessions() as s, s.begin():
            link = await s.get(ManagerLink, int(raw_id))
            rep = await s.get(Person, link.rep_id) if link is not None else None
            manager = await s.get(Person, link.manager_id) if link is not None else None
            if rep is None or manager is None:
                return
            now = self._clock.now()
            message = Message.text(PARTNER_UNREACHABLE.format(name=manager.display_name))
            await enqueue(s, rep, message, now, dedupe_key=f"link-unreachable:{raw_id}")

    async def _retry(self, row: Outbox, delay: timedelta, error: str, *, count: bool) -> str:
        attempts = row.attempts + 1
        if count and attempts >= MAX_ATTEMPTS:
            await self._finish(row, status="failed", error=error, attempts=attempts)
            return "failed"
        async with self._sessions() as s, s.begin():
            await s.execute(
                update(Outbox)
                .where(Outbox.id == row.id)
                .values(
                    status="pending",
                    attempts=attempts,
                    last_error=error[:2000],
                    not_before=self._clock.now() + delay,
                    claim_token=None,
                    claimed_at=None,
                )
            )
        return "retry"

    async def _finish(
        self, row: Outbox, *, status: str, error: str | None = None, platform_ref: str | None = None, attempts: int | None = None
    ) -> str:
        values: dict[str, object] = {"status": status, "claim_token": None}
        if status == "sent":
            values.update(sent_at=self._clock.now(), platform_ref=platform_ref, attempts=row.attempts + 1)
        if error is not None:
            values["last_error"] = error[:2000]
        if attempts is not None:
            values["attempts"] = attempts
        async with self._sessions() as s, s.begin():
            await s.execute(update(Outbox).where(Outbox.id == row.id).values(**values))
        return status

    async def drain(self, max_wait: float = 120.0, real_sleep: bool = True) -> DispatchReport:
        """Dispatch until nothing is due, waiting out retries due within `max_wait` seconds."""
        total = DispatchReport()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            total += await self.dispatch_once()
            async with self._sessions() as s:
                soonest = await s.scalar(
                    select(Outbox.not_before)
                    .where(Outbox.status == "pending", Outbox.platform.in_(list(self._adapters)))
                    .order_by(Outbox.not_before)
                    .limit(1)
                )
            if soonest is None:
                return total
            wait = (soonest - self._clock.now()).total_seconds()
            if not real_sleep or loop.time() + max(wait, 0) > deadline:
                return total
            if wait > 0:
                await asyncio.sleep(wait)
