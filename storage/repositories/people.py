"""People: found by platform address, created on first contact, locked so their requests take
turns, and the indexed "who is due" queries for check-ins and digests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import ManagerLink, Person, Terms
from storage.states import LinkStatus


class People:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, person_id: int) -> Person | None:
        return await self._s.get(Person, person_id)

    async def find(self, platform: str, workspace_id: str, user_id: str) -> Person | None:
        return await self._s.scalar(
            select(Person).where(
                Person.platform == platform, Person.workspace_id == workspace_id, Person.user_id == user_id
            )
        )

    async def get_or_create(
        self, platform: str, workspace_id: str, user_id: str, display_name: str, tz: str | None, now: datetime
    ) -> tuple[Person, bool]:
        """The person at this address, created on first contact; returns (person, created)."""
        person = await self.find(platform, workspace_id, user_id)
        if person is not None:
            return person, False
        person = Person(
            platform=platform, workspace_id=workspace_id, user_id=user_id, display_name=display_name,
            tz=tz or "UTC", created_at=now, reachable=True, greeted=False,
            digest_weekday=0, digest_time="08:00", digest_enabled=True,
        )
        self._s.add(person)
        await self._s.flush()
        return person, True

    async def lock(self, person_id: int) -> None:
        """Hold this person's row until the transaction ends, so that their concurrent requests
        take turns. A no-op UPDATE takes the lock on both databases (SQLite: the write lock)."""
        await self._s.execute(
            update(Person).where(Person.id == person_id).values(id=Person.id).execution_options(synchronize_session=False)
        )

    async def lock_fresh(self, person: Person) -> None:
        """Lock the person's row (as `lock`) and reload it, so what is read next is current."""
        await self.lock(person.id)
        await self._s.refresh(person)

    async def mark_unreachable(self, person_id: int) -> None:
        await self._s.execute(update(Person).where(Person.id == person_id).values(reachable=False))

    async def reps_of(self, manager_id: int) -> list[Person]:
        """The people who named `manager_id` as their accountability partner, by name."""
        rows = await self._s.scalars(
            select(Person)
            .join(ManagerLink, ManagerLink.rep_id == Person.id)
            .where(ManagerLink.manager_id == manager_id, ManagerLink.status == LinkStatus.ACTIVE)
            .order_by(Person.display_name)
        )
        return list(rows)

    async def teams_of(self, manager_ids: Collection[int]) -> dict[int, list[tuple[Person, Terms | None]]]:
        """The reps who named each of `manager_ids` as their accountability partner, by name, each
        with their latest terms version (None: they never chose terms), in one query for all the
        managers: manager id -> their team; managers nobody names are absent."""
        found: dict[int, list[tuple[Person, Terms | None]]] = {}
        if not manager_ids:
            return found
        newer = aliased(Terms)
        latest_version = (
            select(func.max(newer.version)).where(newer.person_id == Person.id).correlate(Person).scalar_subquery()
        )
        rows = await self._s.execute(
            select(ManagerLink.manager_id, Person, Terms)
            .join(Person, ManagerLink.rep_id == Person.id)
            .outerjoin(Terms, and_(Terms.person_id == Person.id, Terms.version == latest_version))
            .where(ManagerLink.manager_id.in_(list(manager_ids)), ManagerLink.status == LinkStatus.ACTIVE)
            .order_by(ManagerLink.manager_id, Person.display_name, Person.id)
        )
        for manager_id, person, terms in rows.all():
            found.setdefault(manager_id, []).append((person, terms))
        return found

    async def due_for_checkin(self, now: datetime, limit: int) -> list[tuple[int, datetime]]:
        """(person id, next check-in) of everyone whose next check-in is at or before `now`, soonest first."""
        rows = await self._s.execute(
            select(Person.id, Person.next_checkin_at)
            .where(Person.next_checkin_at.is_not(None), Person.next_checkin_at <= now)
            .order_by(Person.next_checkin_at)
            .limit(limit)
        )
        return [(person_id, at) for person_id, at in rows if at is not None]

    async def lock_due_for_checkin(
        self, now: datetime, limit: int, *, among: Collection[int] | None = None, skip: Collection[int] = ()
    ) -> list[tuple[Person, Terms | None]]:
        """Up to `limit` people whose next check-in is at or before `now` (soonest first; only
        `among` these ids when given; never `skip`), each with their latest terms (None: never
        chosen), in one indexed query. On PostgreSQL their rows stay locked until the transaction
        ends and rows another transaction holds are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has
        one writer, and `move_next_checkins` claims there."""
        newer = aliased(Terms)
        latest_version = (
            select(func.max(newer.version)).where(newer.person_id == Person.id).correlate(Person).scalar_subquery()
        )
        query = (
            select(Person, Terms)
            .outerjoin(Terms, and_(Terms.person_id == Person.id, Terms.version == latest_version))
            .where(Person.next_checkin_at.is_not(None), Person.next_checkin_at <= now)
        )
        if among is not None:
            query = query.where(Person.id.in_(list(among)))
        if skip:
            query = query.where(Person.id.not_in(list(skip)))
        rows = await self._s.execute(
            query.order_by(Person.next_checkin_at, Person.id).limit(limit).with_for_update(of=Person, skip_locked=True)
        )
        return [(person, terms) for person, terms in rows.all()]

    async def move_next_checkins(self, moves: Sequence[tuple[int, datetime, datetime | None]]) -> set[int]:
        """Atomically move several people's next check-in, each (id, expected, new) from `expected`
        to `new`; returns the ids moved (absent: someone else moved it first). One statement per
        distinct (expected, new) pair: people due together mostly share one."""
        groups: dict[tuple[datetime, datetime | None], list[int]] = {}
        for person_id, expected, new in moves:
            groups.setdefault((expected, new), []).append(person_id)
        moved: set[int] = set()
        for (expected, new), ids in groups.items():
            moved.update(
                await self._s.scalars(
                    update(Person)
                    .where(Person.id.in_(ids), Person.next_checkin_at == expected)
                    .values(next_checkin_at=new)
                    .returning(Person.id)
                    .execution_options(synchronize_session=False)
                )
            )
        return moved

    async def due_for_digest(self, now: datetime, limit: int) -> list[tuple[int, datetime]]:
        rows = await self._s.execute(
            select(Person.id, Person.digest_next_at)
            .where(Person.digest_next_at.is_not(None), Person.digest_next_at <= now)
            .limit(limit)
        )
        return [(person_id, at) for person_id, at in rows if at is not None]

    async def move_next_checkin(self, person_id: int, expected: datetime, new: datetime | None) -> bool:
        """Atomically move a rep's next check-in from `expected` to `new`; False if someone else did."""
        result = await self._s.execute(
            update(Person)
            .where(Person.id == person_id, Person.next_checkin_at == expected)
            .values(next_checkin_at=new)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def move_next_digest(self, person_id: int, expected: datetime, new: datetime | None) -> bool:
        """Atomically move a manager's next digest from `expected` to `new`; False if someone else did."""
        result = await self._s.execute(
            update(Person)
            .where(Person.id == person_id, Person.digest_next_at == expected)
            .values(digest_next_at=new)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def earliest_checkin_after(self, after: datetime) -> datetime | None:
        return await self._s.scalar(select(func.min(Person.next_checkin_at)).where(Person.next_checkin_at > after))

    async def earliest_digest_after(self, after: datetime) -> datetime | None:
        return await self._s.scalar(select(func.min(Person.digest_next_at)).where(Person.digest_next_at > after))
