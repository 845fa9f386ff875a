"""Commitments, numbered per person (`seq`), with their states."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Commitment
from storage.repositories.people import People
from storage.states import CommitmentStatus


class Commitments:
    def __init__(self, session: AsyncSession, people: People) -> None:
        self._s = session
        self._people = people

    async def get(self, commitment_id: int) -> Commitment | None:
        return await self._s.get(Commitment, commitment_id)

    async def get_locked(self, commitment_id: int) -> Commitment | None:
        """The commitment, its row locked to the end of the transaction (PostgreSQL: FOR UPDATE)."""
        return await self._s.scalar(select(Commitment).where(Commitment.id == commitment_id).with_for_update())

    async def by_number(self, person_id: int, seq: int) -> Commitment | None:
        return await self._s.scalar(select(Commitment).where(Commitment.person_id == person_id, Commitment.seq == seq))

    async def of_person(self, person_id: int, statuses: Iterable[CommitmentStatus]) -> list[Commitment]:
        rows = await self._s.scalars(
            select(Commitment)
            .where(Commitment.person_id == person_id, Commitment.status.in_(list(statuses)))
            .order_by(Commitment.seq)
        )
        return list(rows)

    async def active_of(self, person_ids: Collection[int]) -> dict[int, list[Commitment]]:
        """The active commitments of several people at once (one query): person id -> their
        commitments by number; people with none are absent."""
        found: dict[int, list[Commitment]] = {}
        if not person_ids:
            return found
        rows = await self._s.scalars(
            select(Commitment)
            .where(Commitment.person_id.in_(list(person_ids)), Commitment.status == CommitmentStatus.ACTIVE)
            .order_by(Commitment.person_id, Commitment.seq)
        )
        for commitment in rows:
            found.setdefault(commitment.person_id, []).append(commitment)
        return found

    async def active_created_by(self, person_id: int, at: datetime) -> list[Commitment]:
        """The person's active commitments that existed at `at`, by number."""
        rows = await self._s.scalars(
            select(Commitment)
            .where(
                Commitment.person_id == person_id,
                Commitment.status == CommitmentStatus.ACTIVE,
                Commitment.created_at <= at,
            )
            .order_by(Commitment.seq)
        )
        return list(rows)

    async def count(self, person_id: int, statuses: Iterable[CommitmentStatus]) -> int:
        found = await self._s.scalar(
            select(func.count()).select_from(Commitment)
            .where(Commitment.person_id == person_id, Commitment.status.in_(list(statuses)))
        )
        return int(found or 0)

    async def has_active(self, person_id: int) -> bool:
        found = await self._s.scalar(
            select(Commitment.id)
            .where(Commitment.person_id == person_id, Commitment.status == CommitmentStatus.ACTIVE)
            .limit(1)
        )
        return found is not None

    async def add(self, commitment: Commitment) -> Commitment:
        """Store a new commitment with the person's next number. Their row stays locked to the end
        of the transaction, so two commitments logged at once get different numbers."""
        await self._people.lock(commitment.person_id)
        current = await self._s.scalar(select(func.max(Commitment.seq)).where(Commitment.person_id == commitment.person_id))
        commitment.seq = (current or 0) + 1
        self._s.add(commitment)
        await self._s.flush()
        return commitment
