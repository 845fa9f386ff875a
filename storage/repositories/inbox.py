"""The durable inbox inside one transaction: add acknowledged requests, claim the next ones
(each sender's oldest waiting row only, so one person's requests run one at a time and in
order), and take a row back out when its work is done or retry it later.

Claims are safe with several processes on one database: a claimed row carries a claim token and
a lease (database time), and a row whose lease ran out (its holder crashed) is claimable again.
On PostgreSQL the candidate rows are locked `FOR UPDATE SKIP LOCKED`, so concurrent claims take
different rows; on SQLite the claim is one UPDATE statement (one writer at a time)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.inbox_models import InboxEntry
from storage.repositories.outbox import _db_time


class InboxRows:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows (InboxEntry's columns as keys) in one statement; their ids, in order."""
        if not rows:
            return []
        table = cast(Table, InboxEntry.__table__)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)  # Core: no ORM bulk bookkeeping
        return list(await self._s.scalars(statement, [{"attempts": 0, **row} for row in rows]))

    async def claim(self, platform: str, limit: int, lease: timedelta) -> list[InboxEntry]:
        """Lease up to `limit` rows, each the oldest waiting row of its sender, oldest first.
        A sender whose oldest row is held, or waits out a retry, gets nothing this time."""
        token = uuid.uuid4().hex
        db_now = _db_time(self._s)
        heads = (
            select(func.min(InboxEntry.id)).where(InboxEntry.platform == platform)
            .group_by(InboxEntry.workspace_id, InboxEntry.user_id)
        )
        free = or_(InboxEntry.claim_token.is_(None), InboxEntry.lease_until < db_now)
        due = or_(InboxEntry.not_before.is_(None), InboxEntry.not_before <= db_now)
        wanted = select(InboxEntry.id).where(InboxEntry.id.in_(heads), free, due).order_by(InboxEntry.id).limit(limit)
        ids: Any = wanted
        if self._s.get_bind().dialect.name != "sqlite":
            ids = list(await self._s.scalars(wanted.with_for_update(skip_locked=True)))
            if not ids:
                return []
        await self._s.execute(
            update(InboxEntry).where(InboxEntry.id.in_(ids), free)
            .values(claim_token=token, lease_until=_db_time(self._s, lease))
            .execution_options(synchronize_session=False)
        )
        return list(await self._s.scalars(select(InboxEntry).where(InboxEntry.claim_token == token).order_by(InboxEntry.id)))

    async def remove(self, row_id: int) -> None:
        """The row's work is done (or given up): take it out."""
        await self._s.execute(delete(InboxEntry).where(InboxEntry.id == row_id))

    async def retry_later(self, row_id: int, token: str, attempts: int, delay: timedelta) -> bool:
        """Give a held row back to be tried again after `delay`; False if the claim was lost."""
        result = await self._s.execute(
            update(InboxEntry).where(_held(row_id, token))
            .values(attempts=attempts, not_before=_db_time(self._s, delay), claim_token=None, lease_until=None)
        )
        return bool(cast(CursorResult[Any], result).rowcount == 1)

    async def count(self, platform: str) -> int:
        return int(await self._s.scalar(select(func.count()).select_from(InboxEntry).where(InboxEntry.platform == platform)) or 0)


def _held(row_id: int, token: str) -> ColumnElement[bool]:
    return (InboxEntry.id == row_id) & (InboxEntry.claim_token == token)
