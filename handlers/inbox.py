"""The durable inbox, as the platforms use it: a request is written here when it is
acknowledged, claimed by a worker, and taken out when its work is done, so what the platform
was told we took survives a crash, and a burst waits on disk instead of in memory.

Writes that arrive while one is in flight go together in one transaction (group commit), so a
burst costs one INSERT of many rows, not one transaction per request. Each sender's requests
are claimed one at a time, in arrival order (storage/repositories/inbox.py).

Usage (in a platform)::

    inbox = Inbox(ctx.store, ctx.clock, "slack", lease=timedelta(seconds=60))
    row_id = await inbox.put("command", team, user, {"body": body}, response_url)  # InboxUnavailable if the database is down
    for item in await inbox.claim(4):
        ...                                  # the work, with delivery id `item.delivery_id`
        await inbox.done(item)               # or: await inbox.retry_later(item, delay)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.contract.ports import Clock
from storage.group_commit import GroupCommit
from storage.inbox_models import InboxEntry
from storage.store import Store, StoreUnavailable


class InboxUnavailable(Exception):
    """The database could not be reached: nothing was written, claimed or taken out."""


@dataclass(frozen=True)
class InboxItem:
    """One claimed request: what the platform sent, and the claim that holds it."""

    id: int
    kind: str
    workspace_id: str
    user_id: str
    payload: dict[str, Any]
    response_url: str | None
    attempts: int
    token: str
    received_at: datetime

    @property
    def delivery_id(self) -> str:
        """The platform's own delivery id if it gave one (`payload["delivery_id"]`: its retries
        share it), else the row's (ids are never reused): a replay after a crash is dropped."""
        given = self.payload.get("delivery_id")
        return given if isinstance(given, str) and given else f"inbox:{self.id}"


class Inbox:
    """One platform's side of the `inbox` table; every call is its own short transaction."""

    def __init__(self, store: Store, clock: Clock, platform: str, lease: timedelta) -> None:
        self._store = store
        self._clock = clock
        self.platform = platform
        self.lease = lease
        self._writing: GroupCommit[dict[str, Any], int] = GroupCommit(self._write)

    async def put(self, kind: str, workspace_id: str, user_id: str, payload: dict[str, Any], response_url: str | None) -> int:
        """Write one request; its row id once committed. `InboxUnavailable` if it could not be."""
        row = {
            "platform": self.platform, "kind": kind, "workspace_id": workspace_id, "user_id": user_id,
            "payload_json": json.dumps(payload, separators=(",", ":")), "response_url": response_url,
            "received_at": self._clock.now(),
        }
        return await self._writing(row)

    async def _write(self, rows: list[dict[str, Any]]) -> list[int]:
        try:
            async with self._store.transaction() as tx:
                return await tx.inbox.add_many(rows)
        except StoreUnavailable as error:
            raise InboxUnavailable(str(error)) from error

    async def claim(self, limit: int) -> list[InboxItem]:
        """Up to `limit` requests, each its sender's oldest waiting one, held for `lease`."""
        try:
            async with self._store.transaction() as tx:
                return [_item(row) for row in await tx.inbox.claim(self.platform, limit, self.lease)]
        except StoreUnavailable as error:
            raise InboxUnavailable(str(error)) from error

    async def done(self, item: InboxItem) -> None:
        """The request's work is done (or given up on): take it out."""
        await self.withdraw(item.id)

    async def withdraw(self, row_id: int) -> None:
        try:
            async with self._store.transaction() as tx:
                await tx.inbox.remove(row_id)
        except StoreUnavailable as error:
            raise InboxUnavailable(str(error)) from error

    async def retry_later(self, item: InboxItem, delay: timedelta) -> bool:
        """Try the request again after `delay` (its sender's later requests wait for it)."""
        try:
            async with self._store.transaction() as tx:
                return await tx.inbox.retry_later(item.id, item.token, item.attempts + 1, delay)
        except StoreUnavailable as error:
            raise InboxUnavailable(str(error)) from error

    async def depth(self) -> int:
        """Requests waiting or being worked on, for the operator."""
        try:
            async with self._store.reading() as tx:
                return await tx.inbox.count(self.platform)
        except StoreUnavailable as error:
            raise InboxUnavailable(str(error)) from error


def _item(row: InboxEntry) -> InboxItem:
    payload = json.loads(row.payload_json)
    return InboxItem(
        id=row.id, kind=row.kind, workspace_id=row.workspace_id, user_id=row.user_id,
        payload=payload if isinstance(payload, dict) else {}, response_url=row.response_url,
        attempts=row.attempts, token=row.claim_token or "", received_at=row.received_at,
    )
