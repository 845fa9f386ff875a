"""Inbound deliveries already handled (a Slack `event_id`, a Teams activity id), so that a
platform's retry of the same delivery is dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedEvent


class Deliveries:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def first_time(self, platform: str, delivery_id: str, now: datetime) -> bool:
        """Record the delivery; False if it was recorded before."""
        values = {"platform": platform, "event_id": delivery_id[:200], "received_at": now}
        dialect = self._s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(ProcessedEvent).values(**values).on_conflict_do_nothing(index_elements=["platform", "event_id"])
        result = await self._s.execute(statement)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def forget_before(self, cutoff: datetime) -> None:
        await self._s.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
