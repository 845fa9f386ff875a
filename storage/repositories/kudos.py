"""Kudos managers sent their reps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import Kudos
from storage.models import Notice


class KudosRows:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, kudos: Kudos) -> Kudos:
        self._s.add(kudos)
        await self._s.flush()
        return kudos

    async def for_notice(self, notice_id: int) -> Kudos | None:
        """The kudos that answered a win notice, if any was sent."""
        return await self._s.scalar(select(Kudos).where(Kudos.notice_id == notice_id).order_by(Kudos.id).limit(1))

    async def for_rep(self, rep_id: int, limit: int = 20) -> list[Kudos]:
        """A rep's latest kudos, newest first."""
        return list(await self._s.scalars(select(Kudos).where(Kudos.rep_id == rep_id).order_by(Kudos.id.desc()).limit(limit)))

    async def notice(self, notice_id: int) -> Notice | None:
        """The notice (a win) a kudos button answers."""
        return await self._s.get(Notice, notice_id)
