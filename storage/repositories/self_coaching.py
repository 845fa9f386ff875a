"""The self-coaching prompts offered to reps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import SelfCoachingOffer


class SelfCoachingOffers:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def add(self, offer: SelfCoachingOffer) -> None:
        self._s.add(offer)

    async def keys_since(self, person_id: int, since: datetime) -> frozenset[str]:
        """The prompts offered to a person at or after `since`."""
        rows = await self._s.scalars(
            select(SelfCoachingOffer.prompt_key).where(
                SelfCoachingOffer.person_id == person_id, SelfCoachingOffer.offered_at >= since
            )
        )
        return frozenset(rows)

    async def latest_for_commitment(self, commitment_id: int) -> SelfCoachingOffer | None:
        return await self._s.scalar(
            select(SelfCoachingOffer)
            .where(SelfCoachingOffer.commitment_id == commitment_id)
            .order_by(SelfCoachingOffer.offered_at.desc(), SelfCoachingOffer.id.desc())
            .limit(1)
        )
