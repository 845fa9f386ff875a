"""Follow-ups owed on escalations: the rows, the notice each one answers, and the indexed
"who needs a reminder" query (on `(action, due_at)`), with a claim that lets one reminder
through however many ticks overlap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import FollowUp
from storage.models import Notice, Outbox
from storage.states import OutboxStatus


class FollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def queued(self, dedupe_key: str) -> bool:
        """A message with this dedupe key is in the outbox already (queued, sent or given up)."""
        return await self._s.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key).limit(1)) is not None

    async def add_notice(self, notice: Notice) -> Notice:
        """Store a notice now, so that its id can go into the buttons of the message it belongs to."""
        self._s.add(notice)
        await self._s.flush()
        return notice

    async def discard_notice(self, notice: Notice) -> None:
        """Take back a notice whose message turned out to be queued already (its follow-up goes with it)."""
        await self._s.delete(notice)
        await self._s.flush()

    async def notice(self, notice_id: int) -> Notice | None:
        return await self._s.get(Notice, notice_id)

    async def add(self, follow_up: FollowUp) -> FollowUp:
        self._s.add(follow_up)
        await self._s.flush()
        return follow_up

    async def get(self, follow_up_id: int) -> FollowUp | None:
        return await self._s.get(FollowUp, follow_up_id)

    async def for_notice(self, notice_id: int) -> FollowUp | None:
        return await self._s.scalar(select(FollowUp).where(FollowUp.notice_id == notice_id))

    async def oldest_open(self, rep_id: int, manager_id: int) -> FollowUp | None:
        """The rep's oldest follow-up with this manager on which the manager has not acted yet."""
        return await self._s.scalar(
            select(FollowUp)
            .where(FollowUp.rep_id == rep_id, FollowUp.manager_id == manager_id, FollowUp.action.is_(None))
            .order_by(FollowUp.created_at, FollowUp.id)
            .limit(1)
        )

    async def due_for_reminder(self, now: datetime, limit: int) -> list[int]:
        """Follow-ups past due with no action and no reminder yet, oldest due first (index (action, due_at))."""
        rows = await self._s.scalars(
            select(FollowUp.id)
            .where(FollowUp.action.is_(None), FollowUp.due_at <= now, FollowUp.reminded_at.is_(None))
            .order_by(FollowUp.due_at, FollowUp.id)
            .limit(limit)
        )
        return list(rows)

    async def claim_reminder(self, follow_up_id: int, now: datetime) -> bool:
        """Mark the reminder as sent if nobody did yet and the manager still has not acted; False otherwise."""
        result = await self._s.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.reminded_at.is_(None), FollowUp.action.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def earliest_due_after(self, after: datetime) -> datetime | None:
        return await self._s.scalar(
            select(FollowUp.due_at)
            .where(FollowUp.action.is_(None), FollowUp.due_at > after, FollowUp.reminded_at.is_(None))
            .order_by(FollowUp.due_at)
            .limit(1)
        )

    async def bring_forward(self, dedupe_key: str, not_before: datetime) -> None:
        """A queued message that has not gone out yet goes out no later than `not_before`."""
        await self._s.execute(
            update(Outbox)
            .where(Outbox.dedupe_key == dedupe_key, Outbox.status == OutboxStatus.PENDING, Outbox.not_before > not_before)
            .values(not_before=not_before)
            .execution_options(synchronize_session=False)
        )
