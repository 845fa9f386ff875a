"""Where each person can be reached proactively (Teams: a saved conversation reference, kept
as the platform's own JSON), one row per person, refreshed on every inbound activity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ConversationRef

_FIND_JSON = select(ConversationRef.reference_json).where(
    ConversationRef.platform == bindparam("platform"),
    ConversationRef.workspace_id == bindparam("workspace_id"),
    ConversationRef.user_id == bindparam("user_id"),
)
"""Built once: every proactive Teams send reads one reference, and building the statement cost more than running it."""


class ConversationRefs:
    """Saved references by (platform, workspace or tenant, user); each call is its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def save(
        self, platform: str, workspace_id: str, user_id: str, *,
        conversation_id: str, service_url: str, reference_json: str, now: datetime,
    ) -> None:
        """Insert or refresh the person's reference."""
        values = {
            "conversation_id": conversation_id, "service_url": service_url,
            "reference_json": reference_json, "updated_at": now,
        }
        for _ in range(2):  # a concurrent first insert for the same person: the second try updates it
            try:
                async with self._sessions() as s, s.begin():
                    row = await self._find(s, platform, workspace_id, user_id)
                    if row is None:
                        s.add(ConversationRef(platform=platform, workspace_id=workspace_id, user_id=user_id, **values))
                    else:
                        for key, value in values.items():
                            setattr(row, key, value)
                return
            except IntegrityError:
                continue

    async def find(self, platform: str, workspace_id: str, user_id: str) -> str | None:
        """The person's saved reference JSON, if any."""
        async with self._sessions() as s:
            found: str | None = await s.scalar(
                _FIND_JSON, {"platform": platform, "workspace_id": workspace_id, "user_id": user_id}
            )
            return found

    async def latest_in_workspace(self, platform: str, workspace_id: str) -> str | None:
        """The most recently refreshed reference of anyone in the workspace or tenant that has a
        service URL (what starting a new conversation there needs)."""
        async with self._sessions() as s:
            return await s.scalar(
                select(ConversationRef.reference_json)
                .where(
                    ConversationRef.platform == platform, ConversationRef.workspace_id == workspace_id,
                    ConversationRef.service_url != "",
                )
                .order_by(ConversationRef.updated_at.desc(), ConversationRef.id.desc())
                .limit(1)
            )

    @staticmethod
    async def _find(s: AsyncSession, platform: str, workspace_id: str, user_id: str) -> ConversationRef | None:
        return await s.scalar(
            select(ConversationRef).where(
                ConversationRef.platform == platform,
                ConversationRef.workspace_id == workspace_id,
                ConversationRef.user_id == user_id,
            )
        )
