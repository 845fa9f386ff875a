"""The outbox: messages queued in the transaction that caused them, and the rules by which a
dispatcher may lease them (the leases themselves: storage/repositories/outbox_leases.py).

**Leases, fenced by the claim token.** A claim turns rows `pending -> sending` under a fresh
`claim_token` and a `lease_until`, which the holder renews while it sends (`renew`,
`begin_send`). Whatever it records afterwards (`finish`, `retry_later`, `release`,
`give_up_on_recipient`) updates only `WHERE id = :id AND claim_token = :token` and returns
whether the lease was still held. A lease that ran out may be taken over by another dispatcher
(a new token); the old holder's writes then change nothing.

**Which clock.** Leases use the *database's* clock, so replicas whose clocks disagree, and a
FixedClock driving the console or the tests, agree on when a lease ran out. `not_before` (when
a message is due) stays on the application's clock (the caller's `now`), which the tests and
the console move. The database's time is `_db_time`: on PostgreSQL `statement_timestamp()`, a
timestamptz like the column (`now()` stands still from the start of the transaction, and a
claim may wait for the claim lock); on SQLite `strftime('%Y-%m-%d %H:%M:%f000', 'now')`: UTC
in exactly the text UTCDateTime stores ('YYYY-MM-DD HH:MM:SS.ffffff'), so comparing the strings
compares the instants (`CURRENT_TIMESTAMP` has whole seconds and a shorter text).

**A recipient at a time.** A claim takes every claimable row of a recipient or none, and
nothing of a recipient while another holder's lease on one of their rows is live, so one
person's messages leave one dispatcher in queue order; a row also waits while an earlier row to
the same person waits out a retry. Claims run one at a time: on SQLite as one UPDATE statement
(one writer), on PostgreSQL under a transaction-level advisory lock, picking rows `FOR UPDATE
SKIP LOCKED` and leaving for the next pass a recipient with a row another transaction holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Outbox, Person
from storage.states import OutboxOperation, OutboxStatus

CLAIM_LOCK = 0x0F7B_0C1A
"""PostgreSQL advisory lock key held by a claim transaction: claims run one at a time."""
SQLITE_NOW = "%Y-%m-%d %H:%M:%f000"


class OutboxRows:
    """The outbox inside one transaction: queue a message, find where a sent one lives."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def enqueue(
        self,
        recipient: Person,
        message_json: str,
        now: datetime,
        *,
        message_key: str | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
        operation: OutboxOperation = OutboxOperation.SEND,
        fallback: tuple[Person, str] | None = None,
        channel_id: str | None = None,
    ) -> Outbox | None:
        """Queue a message. With a `dedupe_key` already queued, nothing is added and None is
        returned. `fallback` is (person, message JSON) to queue instead if the recipient turns
        out to be unreachable; `channel_id` posts in that channel of the recipient's workspace
        instead of their direct message."""
        if dedupe_key is not None:
            existing = await self._s.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key))
            if existing is not None:
                return None
        row = Outbox(
            recipient_id=recipient.id, platform=recipient.platform, workspace_id=recipient.workspace_id,
            operation=operation, message_json=message_json, message_key=message_key, dedupe_key=dedupe_key,
            status=OutboxStatus.PENDING, not_before=not_before or now, attempts=0, created_at=now,
            fallback_recipient_id=fallback[0].id if fallback else None,
            fallback_message_json=fallback[1] if fallback else None,
            channel_id=channel_id,
        )
        self._s.add(row)
        await self._s.flush()
        return row

    async def enqueue_sends(
        self, sends: Sequence[tuple[Person, str, str | None, str]], now: datetime
    ) -> int:
        """Queue several plain sends at once, each (recipient, message JSON, message key, dedupe
        key), due `now`, as `enqueue` would one by one: a dedupe key already queued adds nothing.
        One query and one batched insert; returns how many were added."""
        keys = [dedupe for _, _, _, dedupe in sends]
        queued = set(await self._s.scalars(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(keys)))) if keys else set()
        rows = [
            dict(
                recipient_id=to.id, platform=to.platform, workspace_id=to.workspace_id,
                operation=OutboxOperation.SEND, message_json=message_json, message_key=message_key,
                dedupe_key=dedupe, status=OutboxStatus.PENDING, not_before=now, attempts=0, created_at=now,
            )
            for to, message_json, message_key, dedupe in sends
            if dedupe not in queued
        ]
        if rows:
            await self._s.execute(insert(Outbox), rows)
        return len(rows)

    async def sent_ref(self, message_key: str) -> str | None:
        """The platform's reference for the message sent under `message_key` (to edit it in place)."""
        return await self._s.scalar(
            select(Outbox.platform_ref)
            .where(
                Outbox.message_key == message_key,
                Outbox.operation == OutboxOperation.SEND,
                Outbox.status == OutboxStatus.SENT,
            )
            .order_by(Outbox.id.desc())
            .limit(1)
        )

    async def earliest_due_after(self, after: datetime) -> datetime | None:
        return await self._s.scalar(
            select(Outbox.not_before)
            .where(Outbox.status == OutboxStatus.PENDING, Outbox.not_before > after)
            .order_by(Outbox.not_before)
            .limit(1)
        )


def _db_time(session: AsyncSession, plus: timedelta = timedelta(0)) -> ColumnElement[Any]:
    """The database's current time, plus `plus`, comparable with (and storable in) a UTCDateTime."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime(SQLITE_NOW, "now", f"{plus.total_seconds():+.3f} seconds")
    now = func.statement_timestamp(type_=DateTime(timezone=True))
    return now + plus if plus else now


def _claimable(o: type[Outbox], now: datetime, db_now: ColumnElement[Any]) -> ColumnElement[bool]:
    """Due and unclaimed (application clock), or claimed under a lease that ran out (database clock)."""
    return or_(
        (o.status == OutboxStatus.PENDING) & (o.not_before <= now),
        (o.status == OutboxStatus.SENDING) & or_(o.lease_until.is_(None), o.lease_until < db_now),
    )


def _eligible(o: type[Outbox], platforms: list[str], now: datetime, db_now: ColumnElement[Any]) -> ColumnElement[bool]:
    """`o` may be claimed now: claimable, its recipient not held by a live lease, and no earlier
    row to the same person waiting out a retry (one that was tried: it has attempts or an
    error; a 429 leaves the attempts alone)."""
    other = aliased(Outbox)
    return and_(
        o.platform.in_(platforms),
        _claimable(o, now, db_now),
        ~exists().where(
            other.recipient_id == o.recipient_id,
            or_(
                (other.status == OutboxStatus.SENDING) & (other.lease_until >= db_now),
                (other.id < o.id) & (other.status == OutboxStatus.PENDING) & (other.not_before > now)
                & ((other.attempts > 0) | other.last_error.is_not(None)),
            ),
        ),
    )


