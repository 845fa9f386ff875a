"""The outbox dispatcher: claims queued messages atomically and sends them, paced and retried.

Claiming is a compare-and-set per row (`pending -> sending`), so two replicas on one
database never send the same message. Sends to one recipient go in order; different
recipients go concurrently, bounded by a semaphore and a per-workspace rate limit. A 429
waits for its Retry-After; 5xx and connection errors back off exponentially with jitter;
an unreachable person is marked so and not retried, and the row's fallback message (if it
has one: "tell this person this instead") is queued.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from aiolimiter import AsyncLimiter

from handlers.contract.messages import Address, Message
from handlers.contract.ports import (
    ChatAdapter,
    Clock,
    RateLimited,
    Rejected,
    TransientError,
    Unreachable,
)
from storage.models import Outbox
from storage.states import OutboxOperation, OutboxStatus
from storage.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 200


class SendOutcome(StrEnum):
    """What one attempt at one outbox row came to."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


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

    def count(self, outcome: SendOutcome) -> None:
        match outcome:
            case SendOutcome.SENT:
                self.sent += 1
            case SendOutcome.RETRY:
                self.retried += 1
            case SendOutcome.FAILED:
                self.failed += 1
            case SendOutcome.UNREACHABLE:
                self.unreachable += 1


def backoff(attempt: int) -> timedelta:
    """Exponential backoff with full jitter: up to 2, 4, 8 ... seconds, capped at 10 minutes."""
    return timedelta(seconds=random.uniform(1, min(600, 2 ** attempt)))


class Dispatcher:
    """Drains the outbox through the platform adapters it is given."""

    def __init__(self, store: Store, adapters: dict[str, ChatAdapter], clock: Clock, concurrency: int = 8) -> None:
        self._outbox = store.outbox
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

    async def dispatch_once(self) -> DispatchReport:
        """Send everything due now; returns what happened."""
        rows = await self._outbox.claim(list(self._adapters), self._clock.now(), BATCH)
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
                await self._outbox.release(row)
                continue
            rate = self._adapters[row.platform].conversation_rate_per_second()
            if last_send is not None and rate > 0:
                await asyncio.sleep(max(0.0, last_send + 1 / rate - loop.time()))
            last_send = loop.time()
            outcome = await self._send_one(row)
            report.rows.append(row.id)
            report.count(outcome)
            # A retry or an unreachable person holds back the rest, to keep their messages in order.
            blocked = outcome in (SendOutcome.RETRY, SendOutcome.UNREACHABLE)
        return report

    async def _send_one(self, row: Outbox) -> SendOutcome:
        adapter = self._adapters[row.platform]
        person, ref = await self._outbox.recipient_and_ref(row)
        if person is None:
            return await self._finish(row, OutboxStatus.FAILED, error="recipient no longer exists")
        if not person.reachable:
            await self._outbox.give_up_on_recipient(row, "recipient is unreachable (app removed or blocked)", self._clock.now())
            return SendOutcome.UNREACHABLE
        to = Address(person.platform, person.workspace_id, person.user_id)
        message = Message.from_json(row.message_json)
        try:
            async with self._limiter(row.platform, row.workspace_id), self._semaphore:
                if row.operation == OutboxOperation.UPDATE:
                    if ref is None:
                        return await self._finish(row, OutboxStatus.FAILED, error="original message was never sent")
                    await adapter.update(to, ref, message)
                    platform_ref = ref
                else:
                    platform_ref = await adapter.send(to, message)
        except RateLimited as error:
            return await self._retry(row, timedelta(seconds=max(error.retry_after, 0.0)), str(error), count=False)
        except TransientError as error:
            return await self._retry(row, backoff(row.attempts + 1), str(error), count=True)
        except Unreachable as error:
            await self._outbox.give_up_on_recipient(row, str(error), self._clock.now())
            return SendOutcome.UNREACHABLE
        except Rejected as error:
            log.warning("outbox row %s rejected by %s: %s", row.id, row.platform, error)
            return await self._finish(row, OutboxStatus.FAILED, error=str(error))
        except Exception as error:  # an adapter bug must not wedge the outbox: record it and back off
            log.exception("unexpected error sending outbox row %s", row.id)
            return await self._retry(row, backoff(row.attempts + 1), repr(error), count=True)
        return await self._finish(row, OutboxStatus.SENT, platform_ref=platform_ref)

    async def _retry(self, row: Outbox, delay: timedelta, error: str, *, count: bool) -> SendOutcome:
        attempts = row.attempts + 1
        if count and attempts >= MAX_ATTEMPTS:
            return await self._finish(row, OutboxStatus.FAILED, error=error, attempts=attempts)
        await self._outbox.retry_later(row, attempts=attempts, not_before=self._clock.now() + delay, error=error)
        return SendOutcome.RETRY

    async def _finish(
        self, row: Outbox, status: OutboxStatus, *, error: str | None = None, platform_ref: str | None = None,
        attempts: int | None = None,
    ) -> SendOutcome:
        await self._outbox.finish(row, status, now=self._clock.now(), error=error, platform_ref=platform_ref, attempts=attempts)
        return SendOutcome.SENT if status == OutboxStatus.SENT else SendOutcome.FAILED

    async def drain(self, max_wait: float = 120.0, real_sleep: bool = True) -> DispatchReport:
        """Dispatch until nothing is due, waiting out retries due within `max_wait` seconds."""
        total = DispatchReport()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            total += await self.dispatch_once()
            soonest = await self._outbox.soonest_pending(list(self._adapters))
            if soonest is None:
                return total
            wait = (soonest - self._clock.now()).total_seconds()
            if not real_sleep or loop.time() + max(wait, 0) > deadline:
                return total
            if wait > 0:
                await asyncio.sleep(wait)
