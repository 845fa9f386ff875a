"""Teams conversation references (where to reach each person proactively), kept through the
core's `ReferenceBook` port as botbuilder's own JSON, refreshed on every inbound activity."""

from __future__ import annotations

import json
from datetime import datetime

from botbuilder.schema import ConversationReference

from bot.teams.wire import Json, saved_reference
from handlers.contract.messages import Address
from handlers.contract.ports import ReferenceBook

PLATFORM = "teams"


def dump(reference: ConversationReference) -> str:
    return json.dumps(reference.serialize(), sort_keys=True)


def load(raw: str) -> ConversationReference:
    reference: ConversationReference = ConversationReference.deserialize(json.loads(raw))
    return reference


class References:
    """Saved Teams conversation references, by person."""

    def __init__(self, book: ReferenceBook) -> None:
        self._book = book

    async def save(self, address: Address, reference: ConversationReference, now: datetime) -> None:
        await self._book.save(
            PLATFORM, address.workspace_id, address.user_id,
            conversation_id=str(reference.conversation.id), service_url=str(reference.service_url or ""),
            reference_json=dump(reference), now=now,
        )

    async def find(self, address: Address) -> ConversationReference | None:
        raw = await self._book.find(PLATFORM, address.workspace_id, address.user_id)
        return load(raw) if raw is not None else None

    async def find_json(self, address: Address) -> Json | None:
        """The person's reference as its saved JSON (`bot.teams.wire.saved_reference`): what a
        send through the connector's REST API needs, without building botbuilder's objects."""
        raw = await self._book.find(PLATFORM, address.workspace_id, address.user_id)
        return saved_reference(raw) if raw is not None else None

    async def any_in_tenant(self, tenant_id: str) -> ConversationReference | None:
        """The most recent reference of anyone in the tenant: its service url and bot account
        are what a new conversation in that tenant needs."""
        raw = await self._book.latest_in_workspace(PLATFORM, tenant_id)
        return load(raw) if raw is not None else None
