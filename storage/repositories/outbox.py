"""The outbox: messages queued in the transaction that caused them, and the dispatcher's
atomic claims on them (compare-and-set per row, so two replicas never send one message)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from storage.models import Outbox, Person
from storage.states import OutboxOperation, OutboxStatus


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
    ) -> Outbox | None:
        """Queue a message. With a `dedupe_key` already queued, nothing is added and None is
        returned. `fallback` is (person, message JSON) to queue instead if the recipient turns
        out to be unreachable."""
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


def _claimable(now: datetime, stale_claim: timedelta) -> ColumnElement[bool]:
    """Due and unclaimed, or claimed so long ago that the claimer must have died."""
    return or_(
        (Outbox.status == OutboxStatus.PENDING) & (Outbox.not_before <= now),
        (Outbox.status == OutboxStatus.SENDING) & (Outbox.claimed_at < now - stale_claim),
    )


class OutboxClaims:
    """The dispatcher's side of the outbox: each call is its own short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], stale_claim: timedelta) -> None:
        self._sessions = sessions
        self._stale_claim = stale_claim

    async def claim(self, platforms: Sequence[str], now: datetime, limit: int) -> list[Outbox]:
        """Claim due rows. A row waits while an earlier row to the same person is in flight or
        waiting out a retry, so one person's messages arrive in the order they were queued."""
        token = uuid.uuid4().hex
        earlier = aliased(Outbox)
        async with self._sessions() as s:
            candidates = list(
                await s.scalars(
                    select(Outbox.id)
                    .where(
                        Outbox.platform.in_(list(platforms)),
                        _claimable(now, self._stale_claim),
                        ~exists().where(
                            earlier.recipient_id == Outbox.recipient_id,
                            earlier.id < Outbox.id,
                            or_(
                                earlier.status == OutboxStatus.SENDING,
                                (earlier.status == OutboxStatus.PENDING) & (earlier.attempts > 0) & (earlier.not_before > now),
                            ),
                        ),
                    )
                    .order_by(Outbox.id)
                    .limit(limit)
                )
            )
        claimed: list[Outbox] = []
        for row_id in candidates:
            async with self._sessions() as s, s.begin():
                result = await s.execute(
                    update(Outbox)
                    .where(Outbox.id == row_id, _claimable(now, self._stale_claim))
                    .values(status=OutboxStatus.SENDING, claim_token=token, claimed_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row = await s.get(Outbox, row_id)
                    if row is not None:
                        claimed.append(row)
        return claimed

    async def recipient_and_ref(self, row: Outbox) -> tuple[Person | None, str | None]:
        """The row's recipient, and for an edit, where the original message lives."""
        async with self._sessions() as s:
            person = await s.get(Person, row.recipient_id)
            ref = None
            if row.operation == OutboxOperation.UPDATE and row.message_key:
                ref = await OutboxRows(s).sent_ref(row.message_key)
            return person, ref

    async def release(self, row: Outbox) -> None:
        """Give a claimed row back untouched (an earlier message to the same person must go first)."""
        await self._set(row, status=OutboxStatus.PENDING, claim_token=None, claimed_at=None)

    async def retry_later(self, row: Outbox, *, attempts: int, not_before: datetime, error: str) -> None:
        await self._set(
            row, status=OutboxStatus.PENDING, attempts=attempts, last_error=error[:2000],
            not_before=not_before, claim_token=None, claimed_at=None,
        )

    async def finish(
        self, row: Outbox, status: OutboxStatus, *, now: datetime, error: str | None = None,
        platform_ref: str | None = None, attempts: int | None = None,
    ) -> None:
        values: dict[str, object] = {"status": status, "claim_token": None}
        if status == OutboxStatus.SENT:
            values.update(sent_at=now, platform_ref=platform_ref, attempts=row.attempts + 1)
        if error is not None:
            values["last_error"] = error[:2000]
        if attempts is not None:
            values["attempts"] = attempts
        await self._set(row, **values)

    async def give_up_on_recipient(self, row: Outbox, error: str, now: datetime) -> None:
        """The recipient can't be reached: mark them so, mark the row dead, and queue the row's
        fallback message (once) if it has one, all in one transaction."""
        async with self._sessions() as s, s.begin():
            await s.execute(update(Person).where(Person.id == row.recipient_id).values(reachable=False))
            await s.execute(
                update(Outbox).where(Outbox.id == row.id)
                .values(status=OutboxStatus.DEAD, claim_token=None, last_error=error[:2000])
            )
            if row.fallback_recipient_id is None or row.fallback_message_json is None:
                return
            fallback = await s.get(Person, row.fallback_recipient_id)
            if fallback is not None:
                await OutboxRows(s).enqueue(fallback, row.fallback_message_json, now, dedupe_key=f"fallback:{row.id}")

    async def soonest_pending(self, platforms: Sequence[str]) -> datetime | None:
        async with self._sessions() as s:
            return await s.scalar(
                select(Outbox.not_before)
                .where(Outbox.status == OutboxStatus.PENDING, Outbox.platform.in_(list(platforms)))
                .order_by(Outbox.not_before)
                .limit(1)
            )

    async def _set(self, row: Outbox, **values: object) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(Outbox).where(Outbox.id == row.id).values(**values))
