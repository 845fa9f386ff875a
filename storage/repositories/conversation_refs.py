"""Where each person can be reached proactively (Teams: a saved conversation reference, kept
as the platform's own JSON), one row per person, refreshed on every inbound activity."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.group_commit import GroupCommit
from storage.models import ConversationRef

_FIND_JSON = select(ConversationRef.user_id, ConversationRef.reference_json).where(
    ConversationRef.platform == bindparam("platform"),
    ConversationRef.workspace_id == bindparam("workspace_id"),
    ConversationRef.user_id.in_(bindparam("user_ids", expanding=True)),
)
"""Built once: building the statement cost more than running it."""

Key = tuple[str, str, str]
"""(platform, workspace or tenant, user)."""


class ConversationRefs:
    """Saved references by (platform, workspace or tenant, user); each call is its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._finding: GroupCommit[Key, str | None] = GroupCommit(self._find_many)

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
        """The person's saved reference JSON, if any. Look-ups asked for while one is running
        are read together by the next (`GroupCommit`). (The outbox's sends get theirs with the
        send batch: `OutboxClaims.begin_send`.)"""
        return await self._finding((platform, workspace_id, user_id))

    async def _find_many(self, keys: list[Key]) -> list[str | None]:
        wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
        for platform, workspace_id, user_id in keys:
            wanted[(platform, workspace_id)].add(user_id)
        found: dict[Key, str] = {}
        async with self._sessions() as s:
            for (platform, workspace_id), users in wanted.items():
                rows = await s.execute(
                    _FIND_JSON, {"platform": platform, "workspace_id": workspace_id, "user_ids": sorted(users)}
                )
                found.update({(platform, workspace_id, user): raw for user, raw in rows})
        return [found.get(key) for key in keys]

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
