"""Saved Teams conversation references (`ConversationRef` rows): where to reach each person
proactively, refreshed on every inbound activity, and which inbound deliveries were already handled."""

from __future__ import annotations

import json
from datetime import datetime

from botbuilder.schema import ConversationReference
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.contract.messages import Address
from storage.models import ConversationRef, ProcessedEvent

PLATFORM = "teams"


def dump(reference: ConversationReference) -> str:
    return json.dumps(reference.serialize(), sort_keys=True)


def load(raw: str) -> ConversationReference:
    reference: ConversationReference = ConversationReference.deserialize(json.loads(raw))
    return reference


async def save(
    sessions: async_sessionmaker[AsyncSession], address: Address, reference: ConversationReference, now: datetime
) -> None:
    """Insert or refresh the person's reference (one row per person)."""
    values = {
        "conversation_id": str(reference.conversation.id),
        "service_url": str(reference.service_url or ""),
        "reference_json": dump(reference),
        "updated_at": now,
    }
    for _ in range(2):  # a concurrent first insert for the same person: the second try updates it
        try:
            async with sessions() as s, s.begin():
                row = await _find(s, address)
                if row is None:
                    s.add(ConversationRef(platform=PLATFORM, workspace_id=address.workspace_id, user_id=address.user_id, **values))
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
            return
        except IntegrityError:
            continue


async def _find(s: AsyncSession, address: Address) -> ConversationRef | None:
    return await s.scalar(
        select(ConversationRef).where(
            ConversationRef.platform == PLATFORM,
            ConversationRef.workspace_id == address.workspace_id,
            ConversationRef.user_id == address.user_id,
        )
    )


async def find(sessions: async_sessionmaker[AsyncSession], address: Address) -> ConversationReference | None:
    async with sessions() as s:
        row = await _find(s, address)
        return load(row.reference_json) if row is not None else None


async def any_in_tenant(sessions: async_sessionmaker[AsyncSession], tenant_id: str) -> ConversationReference | None:
    """The most recent reference of anyone in the tenant: its service url and bot account
    are what a new conversation in that tenant needs."""
    async with sessions() as s:
        row = await s.scalar(
            select(ConversationRef)
            .where(ConversationRef.platform == PLATFORM, ConversationRef.workspace_id == tenant_id, ConversationRef.service_url != "")
            .order_by(ConversationRef.updated_at.desc(), ConversationRef.id.desc())
            .limit(1)
        )
        return load(row.reference_json) if row is not None else None


async def first_delivery(sessions: async_sessionmaker[AsyncSession], activity_id: str, now: datetime) -> bool:
    """Record an inbound activity id; False if it was handled before (a retried delivery)."""
    try:
        async with sessions() as s, s.begin():
            s.add(ProcessedEvent(platform=PLATFORM, event_id=activity_id[:200], received_at=now))
        return True
    except IntegrityError:
        return False
