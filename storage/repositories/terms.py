"""Versions of a rep's terms (every change is a new row) and their accountability partners."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ManagerLink, Notice, Terms
from storage.states import LinkStatus


class TermsVersions:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def latest(self, person_id: int) -> Terms | None:
        return await self._s.scalar(
            select(Terms).where(Terms.person_id == person_id).order_by(Terms.version.desc()).limit(1)
        )

    async def add(self, row: Terms) -> Terms:
        """Store `row` as the next version of its person's terms (its `version` is set here)."""
        current = await self._s.scalar(select(func.max(Terms.version)).where(Terms.person_id == row.person_id))
        row.version = (current or 0) + 1
        self._s.add(row)
        await self._s.flush()
        return row


class Links:
    """Who named whom as accountability partner."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, link_id: int) -> ManagerLink | None:
        return await self._s.get(ManagerLink, link_id)

    async def active_for_rep(self, rep_id: int) -> ManagerLink | None:
        return await self._s.scalar(
            select(ManagerLink)
            .where(ManagerLink.rep_id == rep_id, ManagerLink.status == LinkStatus.ACTIVE)
            .order_by(ManagerLink.id.desc())
            .limit(1)
        )

    async def add(self, link: ManagerLink) -> ManagerLink:
        self._s.add(link)
        await self._s.flush()
        return link


class Notices:
    """What managers were told about reps."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def add(self, notice: Notice) -> None:
        self._s.add(notice)

    async def for_rep(self, rep_id: int, limit: int) -> list[Notice]:
        """The latest notices about a rep, newest first."""
        return list(
            await self._s.scalars(select(Notice).where(Notice.rep_id == rep_id).order_by(Notice.id.desc()).limit(limit))
        )
