"""Practice requests (microcoaching): asked by a manager, answered by the rep, rated."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import PracticeRequest
from storage.states import PracticeStatus


class Practice:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, request: PracticeRequest) -> PracticeRequest:
        self._s.add(request)
        await self._s.flush()
        return request

    async def get(self, practice_id: int) -> PracticeRequest | None:
        return await self._s.get(PracticeRequest, practice_id)

    async def get_locked(self, practice_id: int) -> PracticeRequest | None:
        """The request, its row locked to the end of the transaction (PostgreSQL: FOR UPDATE)."""
        return await self._s.scalar(select(PracticeRequest).where(PracticeRequest.id == practice_id).with_for_update())

    async def latest_open(self, rep_id: int) -> PracticeRequest | None:
        """The rep's newest request still waiting for their answer."""
        return await self._s.scalar(
            select(PracticeRequest)
            .where(PracticeRequest.rep_id == rep_id, PracticeRequest.status == PracticeStatus.REQUESTED)
            .order_by(PracticeRequest.created_at.desc(), PracticeRequest.id.desc())
            .limit(1)
        )

    async def of_rep(self, rep_id: int, limit: int = 10) -> list[PracticeRequest]:
        """The rep's requests, newest first."""
        rows = await self._s.scalars(
            select(PracticeRequest)
            .where(PracticeRequest.rep_id == rep_id)
            .order_by(PracticeRequest.created_at.desc(), PracticeRequest.id.desc())
            .limit(limit)
        )
        return list(rows)
