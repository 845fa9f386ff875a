"""The outbox: messages queued in the transaction that caused them, and the dispatcher's
leases on them.

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

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Result,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
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
    row to the same person waiting out a retry."""
    other = aliased(Outbox)
    return and_(
        o.platform.in_(platforms),
        _claimable(o, now, db_now),
        ~exists().where(
            other.recipient_id == o.recipient_id,
            or_(
                (other.status == OutboxStatus.SENDING) & (other.lease_until >= db_now),
                (other.id < o.id) & (other.status == OutboxStatus.PENDING) & (other.attempts > 0) & (other.not_before > now),
            ),
        ),
    )


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


@dataclass(frozen=True)
class SendTarget:
    """Whom a held row goes to, and for an edit, where the original message lives."""

    person: Person | None
    ref: str | None


class OutboxClaims:
    """The dispatcher's side of the outbox: each call is its own short transaction. `lease` is
    how long a claim holds a row unless the caller says otherwise."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lease: timedelta) -> None:
        self._sessions = sessions
        self.lease = lease

    async def claim(
        self, platforms: Sequence[str], now: datetime, limit: int, *, lease: timedelta | None = None
    ) -> list[Outbox]:
        """Lease the due rows of up to `limit` recipients, all of a recipient's or none, under
        one new claim token; returns them in queue order."""
        token = uuid.uuid4().hex
        async with self._sessions() as s, s.begin():
            db_now = _db_time(s)
            o, r = aliased(Outbox), aliased(Outbox)
            recipients = (
                select(r.recipient_id).where(_eligible(r, list(platforms), now, db_now))
                .group_by(r.recipient_id).order_by(func.min(r.id)).limit(limit)
            )
            wanted = select(o.id, o.recipient_id).where(_eligible(o, list(platforms), now, db_now), o.recipient_id.in_(recipients))
            ids: Select[int] | list[int] = wanted.with_only_columns(o.id)
            if s.get_bind().dialect.name != "sqlite":
                ids = await self._lock_whole_recipients(s, wanted, now)
            lease_until = _db_time(s, lease or self.lease)
            await s.execute(
                update(Outbox).where(Outbox.id.in_(ids))
                .values(status=OutboxStatus.SENDING, claim_token=token, claimed_at=db_now, lease_until=lease_until)
                .execution_options(synchronize_session=False)
            )
            return list(await s.scalars(select(Outbox).where(Outbox.claim_token == token).order_by(Outbox.id)))

    async def _lock_whole_recipients(self, s: AsyncSession, wanted: Select[int, int], now: datetime) -> list[int]:
        """PostgreSQL: under the claim lock, lock the wanted rows (skipping rows another
        transaction holds) and keep the recipients whose rows were all locked."""
        await s.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        by_recipient: dict[int, set[int]] = defaultdict(set)
        for row_id, recipient_id in (await s.execute(wanted)).all():
            by_recipient[recipient_id].add(row_id)
        if not by_recipient:
            return []
        o = aliased(Outbox)
        locked = set(
            await s.scalars(
                select(o.id)
                .where(o.id.in_([i for rows in by_recipient.values() for i in rows]), _claimable(o, now, _db_time(s)))
                .with_for_update(of=o, skip_locked=True)
            )
        )
        return sorted(i for rows in by_recipient.values() if rows <= locked for i in rows)

    async def renew(self, token: str, lease: timedelta | None = None) -> int:
        """Extend the lease on every row still held under `token`; returns how many that is."""
        async with self._sessions() as s, s.begin():
            result = await s.execute(
                update(Outbox)
                .where(Outbox.claim_token == token, Outbox.status == OutboxStatus.SENDING)
                .values(lease_until=_db_time(s, lease or self.lease))
            )
            return _rowcount(result)

    async def begin_send(self, row: Outbox, lease: timedelta | None = None) -> SendTarget | None:
        """Just before sending: renew the row's lease and say where it goes; None if the lease
        was lost (another dispatcher has the row now: don't send it)."""
        async with self._sessions() as s, s.begin():
            result = await s.execute(update(Outbox).where(_held(row)).values(lease_until=_db_time(s, lease or self.lease)))
            if _rowcount(result) != 1:
                return None
            person = await s.get(Person, row.recipient_id)
            ref = None
            if row.operation == OutboxOperation.UPDATE and row.message_key:
                ref = await OutboxRows(s).sent_ref(row.message_key)
            return SendTarget(person, ref)

    async def release(self, row: Outbox) -> bool:
        """Give a held row back untouched (an earlier message to the same person must go first)."""
        return await self._set(row, status=OutboxStatus.PENDING, claim_token=None, claimed_at=None, lease_until=None)

    async def retry_later(self, row: Outbox, *, attempts: int, not_before: datetime, error: str) -> bool:
        return await self._set(
            row, status=OutboxStatus.PENDING, attempts=attempts, last_error=error[:2000],
            not_before=not_before, claim_token=None, claimed_at=None, lease_until=None,
        )

    async def finish(
        self, row: Outbox, status: OutboxStatus, *, now: datetime, error: str | None = None,
        platform_ref: str | None = None, attempts: int | None = None,
    ) -> bool:
        values: dict[str, object] = {"status": status, "claim_token": None, "lease_until": None}
        if status == OutboxStatus.SENT:
            values.update(sent_at=now, platform_ref=platform_ref, attempts=row.attempts + 1)
        if error is not None:
            values["last_error"] = error[:2000]
        if attempts is not None:
            values["attempts"] = attempts
        return await self._set(row, **values)

    async def give_up_on_recipient(self, row: Outbox, error: str, now: datetime) -> bool:
        """The recipient can't be reached: if the row is still held, mark the person so, the row
        dead, and queue its fallback message (once) if it has one, all in one transaction."""
        async with self._sessions() as s, s.begin():
            result = await s.execute(
                update(Outbox).where(_held(row))
                .values(status=OutboxStatus.DEAD, claim_token=None, lease_until=None, last_error=error[:2000])
            )
            if _rowcount(result) != 1:
                return False
            await s.execute(update(Person).where(Person.id == row.recipient_id).values(reachable=False))
            if row.fallback_recipient_id is None or row.fallback_message_json is None:
                return True
            fallback = await s.get(Person, row.fallback_recipient_id)
            if fallback is not None:
                await OutboxRows(s).enqueue(fallback, row.fallback_message_json, now, dedupe_key=f"fallback:{row.id}")
            return True

    async def soonest_pending(self, platforms: Sequence[str]) -> datetime | None:
        async with self._sessions() as s:
            return await s.scalar(
                select(Outbox.not_before)
                .where(Outbox.status == OutboxStatus.PENDING, Outbox.platform.in_(list(platforms)))
                .order_by(Outbox.not_before)
                .limit(1)
            )

    async def _set(self, row: Outbox, **values: object) -> bool:
        """Record an outcome for a held row; False (and nothing changed) if the lease was lost."""
        async with self._sessions() as s, s.begin():
            return _rowcount(await s.execute(update(Outbox).where(_held(row)).values(**values))) == 1


def _held(row: Outbox) -> ColumnElement[bool]:
    """The fence: this row, still under the claim it was handed out with."""
    if row.claim_token is None:
        raise ValueError(f"outbox row {row.id} was not claimed")
    return and_(Outbox.id == row.id, Outbox.claim_token == row.claim_token, Outbox.status == OutboxStatus.SENDING)
