"""The dispatcher's side of the outbox: claims (leases), renewals and fenced outcomes, each
call its own short transaction. The rules (which rows may be claimed, which clock) are in
storage/repositories/outbox.py."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from storage.group_commit import GroupCommit
from storage.models import ConversationRef, Outbox, Person
from storage.repositories.outbox import (
    CLAIM_LOCK,
    OutboxRows,
    _claimable,
    _db_time,
    _eligible,
)
from storage.repositories.outbox_fence import (
    NotAllHeld,
    fenced_parameters,
    fenced_update,
    held,
    lease_parameters,
    renewed_for_sending,
)
from storage.states import OutboxOperation, OutboxStatus

_PEOPLE = select(Person).where(Person.id.in_(bindparam("ids", expanding=True)))
_REACHES = select(Person.id, ConversationRef.reference_json).join(ConversationRef, and_(
    ConversationRef.platform == Person.platform, ConversationRef.workspace_id == Person.workspace_id,
    ConversationRef.user_id == Person.user_id,
)).where(Person.id.in_(bindparam("ids", expanding=True)))
"""The saved conversation references of the people a batch of sends goes to."""


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


@dataclass(frozen=True)
class SendTarget:
    """Whom a held row goes to, and for an edit, where the original message lives."""

    person: Person | None
    ref: str | None
    reach: str | None = None
    """The person's saved conversation reference (`ConversationRef.reference_json`), if they have one."""


class OutboxClaims:
    """The dispatcher's side of the outbox: each call is its own short transaction. `lease` is
    how long a claim holds a row unless the caller says otherwise."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lease: timedelta) -> None:
        self._sessions = sessions
        self.lease = lease
        bind = sessions.kw.get("bind")
        self._one_writer = asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        self._counts_executemany = bind is not None and bool(bind.dialect.supports_sane_multi_rowcount)
        self._beginning = GroupCommit(self._begin_sends)
        self._finishing = GroupCommit(self._finish_many)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction. SQLite takes one writer at a time: this process's writers queue
        here, in order, instead of in SQLite's busy handler (which sleeps and polls)."""
        async with self._one_writer or nullcontext(), self._sessions() as s, s.begin():
            yield s

    async def claim(
        self, platforms: Sequence[str], now: datetime, limit: int, *, lease: timedelta | None = None,
        skip: Collection[tuple[str, str]] = (),
    ) -> list[Outbox]:
        """Lease the due rows of up to `limit` recipients, all of a recipient's or none, under
        one new claim token, leaving out the (platform, workspace) pairs in `skip`; returns
        them in queue order."""
        token = uuid.uuid4().hex
        async with self._writing() as s:
            db_now = _db_time(s)
            o, r = aliased(Outbox), aliased(Outbox)
            skipped = [(r.platform == platform) & (r.workspace_id == workspace) for platform, workspace in skip]
            recipients = (
                select(r.recipient_id).where(_eligible(r, list(platforms), now, db_now), ~or_(false(), *skipped))
                .group_by(r.recipient_id).order_by(func.min(r.id)).limit(limit)
            )
            wanted = select(o.id, o.recipient_id).where(_eligible(o, list(platforms), now, db_now), o.recipient_id.in_(recipients))
            ids: Select[int] | list[int] = wanted.with_only_columns(o.id)
            if s.get_bind().dialect.name != "sqlite":
                ids = await self._lock_whole_recipients(s, wanted, now)
            lease_until = _db_time(s, lease or self.lease)
            await s.execute(
                update(Outbox).where(Outbox.id.in_(ids))
                .values(status=OutboxStatus.SENDING, claim_token=token, claimed_at=db_now, lease_until=lease_until)
                .execution_options(synchronize_session=False)
            )
            return list(await s.scalars(select(Outbox).where(Outbox.claim_token == token).order_by(Outbox.id)))

    async def _lock_whole_recipients(self, s: AsyncSession, wanted: Select[int, int], now: datetime) -> list[int]:
        """PostgreSQL: under the claim lock, lock the wanted rows (skipping rows another
        transaction holds) and keep the recipients whose rows were all locked. The claim's joins
        are hashed, never nested loops: right after a fan-out is queued the table's statistics
        don't know it yet, and a nested loop then checks every queued row against every other
        one (0.5 s a claim with 10,000 queued, against 5 ms)."""
        await s.execute(text("SET LOCAL enable_nestloop = off"))
        await s.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        by_recipient: dict[int, set[int]] = defaultdict(set)
        for row_id, recipient_id in (await s.execute(wanted)).all():
            by_recipient[recipient_id].add(row_id)
        if not by_recipient:
            return []
        o = aliased(Outbox)
        locked = set(
            await s.scalars(
                select(o.id)
                .where(o.id.in_([i for rows in by_recipient.values() for i in rows]), _claimable(o, now, _db_time(s)))
                .with_for_update(of=o, skip_locked=True)
            )
        )
        return sorted(i for rows in by_recipient.values() if rows <= locked for i in rows)

    async def renew(self, token: str, lease: timedelta | None = None) -> int:
        """Extend the lease on every row still held under `token`; returns how many that is."""
        async with self._writing() as s:
            held = select(Outbox.id).where(Outbox.claim_token == token, Outbox.status == OutboxStatus.SENDING)
            if s.get_bind().dialect.name != "sqlite":  # lock in id order, as every batch does: no deadlock
                held = held.order_by(Outbox.id).with_for_update()
            ids = list(await s.scalars(held))
            if not ids:
                return 0
            result = await s.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids), Outbox.claim_token == token, Outbox.status == OutboxStatus.SENDING)
                .values(lease_until=_db_time(s, lease or self.lease))
            )
            return _rowcount(result)

    async def begin_send(self, row: Outbox, lease: timedelta | None = None) -> SendTarget | None:
        """Just before sending: renew the row's lease and say where it goes; None if the lease
        was lost (another dispatcher has the row now: don't send it). Concurrent calls share a
        transaction (group commit), each row fenced on its own."""
        return await self._beginning((row, lease or self.lease))

    async def _begin_sends(self, rows: list[tuple[Outbox, timedelta]]) -> list[SendTarget | None]:
        async with self._writing() as s:
            by_claim: dict[tuple[str, timedelta], list[int]] = defaultdict(list)
            for row, lease in rows:
                by_claim[(row.claim_token or "", lease)].append(row.id)
            held_ids: set[int] = set()
            dialect = s.get_bind().dialect.name
            for (token, lease), ids in by_claim.items():
                parameters = {"ids": sorted(ids), "token": token, **lease_parameters(dialect, lease)}
                held_ids.update(await s.scalars(renewed_for_sending(dialect), parameters))
            held = [row.id in held_ids for row, _ in rows]
            wanted = {row.recipient_id for (row, _), ok in zip(rows, held, strict=True) if ok}
            people = {p.id: p for p in await s.scalars(_PEOPLE, {"ids": sorted(wanted)})} if wanted else {}
            reaches = {person_id: raw for person_id, raw in await s.execute(_REACHES, {"ids": sorted(wanted)})} if wanted else {}
            targets: list[SendTarget | None] = []
            for (row, _), ok in zip(rows, held, strict=True):
                ref = None
                if ok and row.operation == OutboxOperation.UPDATE and row.message_key:
                    ref = await OutboxRows(s).sent_ref(row.message_key)
                target = SendTarget(people.get(row.recipient_id), ref, reaches.get(row.recipient_id))
                targets.append(target if ok else None)
            return targets

    async def release(self, row: Outbox) -> bool:
        """Give a held row back untouched (an earlier message to the same person must go first)."""
        return await self._set(row, status=OutboxStatus.PENDING, claim_token=None, claimed_at=None, lease_until=None)

    async def retry_later(self, row: Outbox, *, attempts: int, not_before: datetime, error: str) -> bool:
        return await self._set(
            row, status=OutboxStatus.PENDING, attempts=attempts, last_error=error[:2000],
            not_before=not_before, claim_token=None, claimed_at=None, lease_until=None,
        )

    async def finish(
        self, row: Outbox, status: OutboxStatus, *, now: datetime, error: str | None = None,
        platform_ref: str | None = None, attempts: int | None = None,
    ) -> bool:
        values: dict[str, object] = {"status": status, "claim_token": None, "lease_until": None}
        if status == OutboxStatus.SENT:
            values.update(sent_at=now, platform_ref=platform_ref, attempts=row.attempts + 1)
        if error is not None:
            values["last_error"] = error[:2000]
        if attempts is not None:
            values["attempts"] = attempts
        return await self._finishing((row, values))

    async def _finish_many(self, outcomes: list[tuple[Outbox, dict[str, object]]]) -> list[bool]:
        """Outcomes of many rows in one transaction (group commit), each fenced on its own: one
        statement per shape of outcome, built once, run with each row's values. Where the driver
        counts the rows an executemany changed (SQLite) each shape is one executemany; if any row
        of it was no longer held, that transaction is undone and each row is written on its own."""
        for row, _ in outcomes:
            if row.claim_token is None:
                raise ValueError(f"outbox row {row.id} was not claimed")
        if len(outcomes) > 1 and self._counts_executemany:
            try:
                return await self._finish_together(outcomes)
            except NotAllHeld:
                pass
        return await self._finish_each(outcomes)

    async def _finish_together(self, outcomes: list[tuple[Outbox, dict[str, object]]]) -> list[bool]:
        async with self._writing() as s:
            shapes: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
            for row, values in sorted(outcomes, key=lambda item: item[0].id):  # rows locked in id order
                shapes[tuple(sorted(values))].append(fenced_parameters(row, values))
            for columns, parameters in shapes.items():
                if _rowcount(await s.execute(fenced_update(columns), parameters)) != len(parameters):
                    raise NotAllHeld  # rolls the whole batch back: each row is then written on its own
            return [True] * len(outcomes)

    async def _finish_each(self, outcomes: list[tuple[Outbox, dict[str, object]]]) -> list[bool]:
        async with self._writing() as s:
            held_ids = set()
            for row, values in sorted(outcomes, key=lambda item: item[0].id):  # rows locked in id order
                result = await s.execute(fenced_update(tuple(sorted(values))), fenced_parameters(row, values))
                if _rowcount(result) == 1:
                    held_ids.add(row.id)
            return [row.id in held_ids for row, _ in outcomes]

    async def give_up_on_recipient(self, row: Outbox, error: str, now: datetime) -> bool:
        """The recipient can't be reached: if the row is still held, mark the person so, the row
        dead, and queue its fallback message (once) if it has one, all in one transaction."""
        async with self._writing() as s:
            result = await s.execute(
                update(Outbox).where(held(row))
                .values(status=OutboxStatus.DEAD, claim_token=None, lease_until=None, last_error=error[:2000])
            )
            if _rowcount(result) != 1:
                return False
            await s.execute(update(Person).where(Person.id == row.recipient_id).values(reachable=False))
            if row.fallback_recipient_id is None or row.fallback_message_json is None:
                return True
            fallback = await s.get(Person, row.fallback_recipient_id)
            if fallback is not None:
                await OutboxRows(s).enqueue(fallback, row.fallback_message_json, now, dedupe_key=f"fallback:{row.id}")
            return True

    async def soonest_pending(self, platforms: Sequence[str]) -> datetime | None:
        async with self._sessions() as s:
            return await s.scalar(
                select(Outbox.not_before)
                .where(Outbox.status == OutboxStatus.PENDING, Outbox.platform.in_(list(platforms)))
                .order_by(Outbox.not_before)
                .limit(1)
            )

    async def _set(self, row: Outbox, **values: object) -> bool:
        """Record an outcome for a held row; False (and nothing changed) if the lease was lost."""
        async with self._writing() as s:
            return _rowcount(await s.execute(update(Outbox).where(held(row)).values(**values))) == 1
