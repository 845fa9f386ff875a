"""The outbox dispatcher: leases queued messages and sends them, paced and retried.

Each pass leases the due rows of whole recipients (storage/repositories/outbox.py: the lease
is measured on the database's clock, `not_before` on ours). While the pass sends, a renewal
task extends the lease of every row the pass still holds, every third of the lease, and each
row's lease is renewed once more just before its send; the task is cancelled when the sends
end. Every outcome is recorded only if the lease is still held (fenced by the claim token): a
pass whose lease ran out and was taken over by another dispatcher changes nothing, logs it and
sends nothing more to that recipient. A dispatcher that dies mid-send stops renewing; after its
lease runs out another one takes the rows over, so what it had in flight may go out twice,
and nothing else.

Sends to one recipient go in order; different recipients go concurrently, bounded by a
semaphore, a per-conversation pace and a per-workspace pace that finds the platform's limit
(scheduler/pacing.py). A 429 pauses the workspace for exactly its Retry-After and puts the row
back until then (not an attempt); 5xx and connection errors back off exponentially with
jitter; an unreachable person is marked so and not retried, and the row's fallback message
(if it has one: "tell this person this instead") is queued. scheduler/pump.py keeps passes
overlapping while there is work.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from handlers.contract.messages import Address, Message
from handlers.contract.ports import (
    ChatAdapter,
    Clock,
    RateLimited,
    Rejected,
    TransientError,
    Unreachable,
)
from scheduler.pacing import Pacing
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
    LOST = "lost"
    """The lease ran out and another dispatcher took the row over: its outcome is theirs."""


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    lost: int = 0
    rows: list[int] = field(default_factory=list)

    def __iadd__(self, other: DispatchReport) -> DispatchReport:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.unreachable += other.unreachable
        self.lost += other.lost
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
            case SendOutcome.LOST:
                self.lost += 1


def backoff(attempt: int) -> timedelta:
    """Exponential backoff with full jitter: up to 2, 4, 8 ... seconds, capped at 10 minutes."""
    return timedelta(seconds=random.uniform(1, min(600, 2 ** attempt)))


class Dispatcher:
    """Drains the outbox through the platform adapters it is given. `lease` is how long a pass
    holds its rows between renewals (default: the store's)."""

    def __init__(
        self, store: Store, adapters: dict[str, ChatAdapter], clock: Clock, concurrency: int = 8,
        *, lease: timedelta | None = None,
    ) -> None:
        self._outbox = store.outbox
        self._lease = lease if lease is not None else store.outbox.lease
        self._adapters = adapters
        self._clock = clock
        self._semaphore = asyncio.Semaphore(concurrency)
        self.pacing = Pacing(adapters, store.send_rates, clock)
        self._background: set[asyncio.Task[None]] = set()

    async def claim(self, skip: Collection[tuple[str, str]] = ()) -> list[Outbox]:
        """Lease the next batch of due rows (whole recipients), leaving out the workspaces in
        `skip` ((platform, workspace) pairs that have enough in flight)."""
        await self.pacing.load()
        return await self._outbox.claim(list(self._adapters), self._clock.now(), BATCH, lease=self._lease, skip=skip)

    async def dispatch_once(self) -> DispatchReport:
        """Send everything due now; returns what happened."""
        return await self.send_claimed(await self.claim())

    async def send_claimed(self, rows: list[Outbox], done: Callable[[Outbox], None] | None = None) -> DispatchReport:
        """Send rows this dispatcher claimed (one claim), renewing their lease meanwhile;
        `done(row)` runs as each row is settled."""
        if not rows:
            return DispatchReport()
        by_recipient: dict[int, list[Outbox]] = defaultdict(list)
        for row in rows:
            by_recipient[row.recipient_id].append(row)
        renewal = asyncio.create_task(self._renew(rows[0].claim_token or ""))
        try:
            reports = await asyncio.gather(*(self._send_in_order(group, done) for group in by_recipient.values()))
        finally:
            renewal.cancel()
            await asyncio.wait([renewal])
            await self.pacing.save_changed(self._clock.now())
        total = DispatchReport()
        for report in reports:
            total += report
        return total

    async def _renew(self, token: str) -> None:
        """Keep the pass's lease alive, every third of the lease (a steady beat, however long
        each renewal takes), until cancelled."""
        loop = asyncio.get_running_loop()
        beat = loop.time()
        while True:
            beat += self._lease.total_seconds() / 3
            await asyncio.sleep(max(0.0, beat - loop.time()))
            try:
                await self._outbox.renew(token, self._lease)
            except Exception:  # the database blinked: try again next time (the lease has 2/3 left)
                log.exception("renewing the outbox lease %s failed", token)

    async def _send_in_order(self, rows: list[Outbox], done: Callable[[Outbox], None] | None) -> DispatchReport:
        report = DispatchReport()
        blocked = False
        for row in rows:
            try:
                if blocked:
                    await self._outbox.release(row)
                    continue
                rate = self._adapters[row.platform].conversation_rate_per_second()
                await self.pacing.conversation((row.platform, row.workspace_id, row.channel_id or row.recipient_id), rate)
                outcome = await self._send_one(row)
                report.rows.append(row.id)
                report.count(outcome)
                # A retry, an unreachable person or a lost lease holds back the rest, to keep their
                # messages in order (a lost lease: the new holder has them; releasing them does nothing).
                blocked = outcome in (SendOutcome.RETRY, SendOutcome.UNREACHABLE, SendOutcome.LOST)
            finally:
                if done is not None:
                    done(row)
        return report

    async def _send_one(self, row: Outbox) -> SendOutcome:
        adapter = self._adapters[row.platform]
        pace = self.pacing.pace(row.platform, row.workspace_id)
        await pace.acquire()  # before the lease check, so that it is checked just before the send
        target = await self._outbox.begin_send(row, self._lease)
        if target is None:
            return self._lost(row, "the send (not made)")
        person, ref = target.person, target.ref
        if person is None:
            return await self._finish(row, OutboxStatus.FAILED, error="recipient no longer exists")
        if not person.reachable:
            return await self._give_up(row, "recipient is unreachable (app removed or blocked)")
        to = Address(person.platform, person.workspace_id, person.user_id, channel_id=row.channel_id, saved_reference=target.reach)
        message = Message.from_json(row.message_json)
        try:
            async with self._semaphore:
                if row.operation == OutboxOperation.UPDATE:
                    if ref is None:
                        return await self._finish(row, OutboxStatus.FAILED, error="original message was never sent")
                    await adapter.update(to, ref, message)
                    platform_ref = ref
                else:
                    platform_ref = await adapter.send(to, message)
        except RateLimited as error:
            if error.of_messages and pace.throttled(error.retry_after):
                task = asyncio.create_task(self.pacing.save_changed(self._clock.now()))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            return await self._retry(row, timedelta(seconds=max(error.retry_after, 0.0)), str(error), count=False)
        except TransientError as error:
            return await self._retry(row, backoff(row.attempts + 1), str(error), count=True)
        except Unreachable as error:
            return await self._give_up(row, str(error))
        except Rejected as error:
            log.warning("outbox row %s rejected by %s: %s", row.id, row.platform, error)
            return await self._finish(row, OutboxStatus.FAILED, error=str(error))
        except Exception as error:  # an adapter bug must not wedge the outbox: record it and back off
            log.exception("unexpected error sending outbox row %s", row.id)
            return await self._retry(row, backoff(row.attempts + 1), repr(error), count=True)
        pace.succeeded()
        return await self._finish(row, OutboxStatus.SENT, platform_ref=platform_ref)

    async def _retry(self, row: Outbox, delay: timedelta, error: str, *, count: bool) -> SendOutcome:
        """Put the row back until `delay` from now; `count`: the attempt counts towards giving
        up (a 429 never does: the platform asked for patience, it did not fail)."""
        attempts = row.attempts + 1 if count else row.attempts
        if count and attempts >= MAX_ATTEMPTS:
            return await self._finish(row, OutboxStatus.FAILED, error=error, attempts=attempts)
        if not await self._outbox.retry_later(row, attempts=attempts, not_before=self._clock.now() + delay, error=error):
            return self._lost(row, "the retry")
        return SendOutcome.RETRY

    async def _give_up(self, row: Outbox, error: str) -> SendOutcome:
        if not await self._outbox.give_up_on_recipient(row, error, self._clock.now()):
            return self._lost(row, "giving up on the recipient")
        return SendOutcome.UNREACHABLE

    async def _finish(
        self, row: Outbox, status: OutboxStatus, *, error: str | None = None, platform_ref: str | None = None,
        attempts: int | None = None,
    ) -> SendOutcome:
        if not await self._outbox.finish(
            row, status, now=self._clock.now(), error=error, platform_ref=platform_ref, attempts=attempts
        ):
            return self._lost(row, f"the outcome {status.value!r}")
        return SendOutcome.SENT if status == OutboxStatus.SENT else SendOutcome.FAILED

    def _lost(self, row: Outbox, what: str) -> SendOutcome:
        """The row's lease ran out and another dispatcher holds it now: its outcome is theirs."""
        log.warning("outbox row %s: lease %s was lost to another dispatcher; %s not recorded", row.id, row.claim_token, what)
        return SendOutcome.LOST

    async def drain(self, max_wait: float = 120.0, real_sleep: bool = True) -> DispatchReport:
        """Dispatch until nothing is due, waiting out retries due within `max_wait` seconds."""
        total = DispatchReport()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            report = await self.dispatch_once()
            total += report
            soonest = await self._outbox.soonest_pending(list(self._adapters))
            if soonest is None:
                return total
            wait = (soonest - self._clock.now()).total_seconds()
            if not real_sleep or loop.time() + max(wait, 0) > deadline:
                return total
            if wait > 0:
                await asyncio.sleep(wait)
            elif not report.rows:  # due rows, but held by another dispatcher or behind a retry
                await asyncio.sleep(min(1.0, self._lease.total_seconds() / 3))
