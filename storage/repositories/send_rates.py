"""The remembered send rate of each workspace/tenant (`send_rate`): read when a dispatcher
starts, written when the pace it discovered changes. Each call is its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.pacing_models import SendRate


@dataclass(frozen=True)
class RememberedRate:
    platform: str
    workspace_id: str
    rate_per_second: float
    refused_per_second: float | None


class SendRates:
    """Send rates by (platform, workspace or tenant)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def all(self) -> list[RememberedRate]:
        async with self._sessions() as s:
            rows = await s.scalars(select(SendRate))
            return [RememberedRate(r.platform, r.workspace_id, r.rate_per_second, r.refused_per_second) for r in rows]

    async def save(self, rate: RememberedRate, now: datetime) -> None:
        """Insert or replace the rate of `rate.platform`/`rate.workspace_id`."""
        for _ in range(2):  # a concurrent first insert (another replica): the second try updates it
            try:
                async with self._sessions() as s, s.begin():
                    row = await s.scalar(
                        select(SendRate).where(SendRate.platform == rate.platform, SendRate.workspace_id == rate.workspace_id)
                    )
                    if row is None:
                        row = SendRate(platform=rate.platform, workspace_id=rate.workspace_id)
                        s.add(row)
                    row.rate_per_second = rate.rate_per_second
                    row.refused_per_second = rate.refused_per_second
                    row.updated_at = now
                return
            except IntegrityError:
                continue
