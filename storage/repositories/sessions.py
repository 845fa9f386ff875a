"""Coaching sessions: the record a manager logs with a rep, and the actions (commitments with
`session_id`) agreed in each."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import CoachingSession
from storage.models import Commitment, Notice


class Sessions:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, record: CoachingSession) -> CoachingSession:
        self._s.add(record)
        await self._s.flush()
        return record

    async def get(self, session_id: int) -> CoachingSession | None:
        return await self._s.get(CoachingSession, session_id)

    async def notice(self, notice_id: int) -> Notice | None:
        """The manager's notice (an escalation) a session may follow up."""
        return await self._s.get(Notice, notice_id)

    async def of_rep(self, rep_id: int, limit: int = 10) -> list[CoachingSession]:
        """The rep's sessions, newest first."""
        rows = await self._s.scalars(
            select(CoachingSession)
            .where(CoachingSession.rep_id == rep_id)
            .order_by(CoachingSession.created_at.desc(), CoachingSession.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def actions_of(self, session_ids: Collection[int]) -> dict[int, list[Commitment]]:
        """The commitments agreed in each session (one query): session id -> its actions by
        number; sessions with none are absent."""
        found: dict[int, list[Commitment]] = {}
        if not session_ids:
            return found
        rows = await self._s.scalars(
            select(Commitment).where(Commitment.session_id.in_(list(session_ids))).order_by(Commitment.seq)
        )
        for commitment in rows:
            if commitment.session_id is not None:
                found.setdefault(commitment.session_id, []).append(commitment)
        return found
