"""Check-ins (one per commitment and period) and the prompts (messages) that ask for them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckIn, Commitment, Prompt
from storage.states import CheckInStatus, CommitmentStatus


class CheckIns:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, checkin_id: int) -> CheckIn | None:
        return await self._s.get(CheckIn, checkin_id)

    async def get_locked(self, checkin_id: int) -> CheckIn | None:
        return await self._s.scalar(select(CheckIn).where(CheckIn.id == checkin_id).with_for_update())

    async def exists(self, commitment_id: int, period: str) -> bool:
        found = await self._s.scalar(
            select(CheckIn.id).where(CheckIn.commitment_id == commitment_id, CheckIn.period == period)
        )
        return found is not None

    def add(self, checkin: CheckIn) -> None:
        self._s.add(checkin)

    async def add_many(self, checkins: Sequence[CheckIn]) -> None:
        """Insert several new check-ins in one batched statement and set their ids; they stay
        outside the session (read them back to change them)."""
        if not checkins:
            return
        inserted = await self._s.execute(
            insert(CheckIn).returning(CheckIn.id, CheckIn.commitment_id, CheckIn.period), _values(checkins)
        )
        # Rows come back in any order (SQLite batches an INSERT only unordered): match by the unique key.
        ids = {(commitment_id, period): checkin_id for checkin_id, commitment_id, period in inserted.all()}
        for checkin in checkins:
            checkin.id = ids[(checkin.commitment_id, checkin.period)]

    async def taken_periods(self, wanted: Collection[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of these (commitment id, period) pairs already have a check-in, in one query."""
        if not wanted:
            return set()
        rows = await self._s.execute(
            select(CheckIn.commitment_id, CheckIn.period).where(
                CheckIn.commitment_id.in_(list({commitment_id for commitment_id, _ in wanted})),
                CheckIn.period.in_(list({period for _, period in wanted})),
            )
        )
        return {(commitment_id, period) for commitment_id, period in rows.all()} & set(wanted)

    async def commitments_to_ask(self, person_ids: Collection[int], created_by: datetime) -> list[Commitment]:
        """The active commitments of several people that existed at `created_by`, in one query,
        by person and number (the candidates of a check-in pass)."""
        if not person_ids:
            return []
        rows = await self._s.scalars(
            select(Commitment)
            .where(
                Commitment.person_id.in_(list(person_ids)),
                Commitment.status == CommitmentStatus.ACTIVE,
                Commitment.created_at <= created_by,
            )
            .order_by(Commitment.person_id, Commitment.seq)
        )
        return list(rows)

    async def of_prompt(self, prompt_id: int) -> list[tuple[CheckIn, Commitment]]:
        """The check-ins one prompt asks about, with their commitments, by commitment number."""
        rows = await self._s.execute(
            select(CheckIn, Commitment)
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(CheckIn.prompt_id == prompt_id)
            .order_by(Commitment.seq)
        )
        return [(checkin, commitment) for checkin, commitment in rows.all()]

    async def settle_status(self, checkin: CheckIn, status: CheckInStatus, answered_at: datetime | None) -> bool:
        """Move a pending check-in to `status` atomically: of two racing writers exactly one
        wins (True); `checkin` is reloaded either way, so the loser sees the winner's answer."""
        changed = await self._s.execute(
            update(CheckIn)
            .where(CheckIn.id == checkin.id, CheckIn.status == CheckInStatus.PENDING)
            .values(status=status, answered_at=answered_at)
            .execution_options(synchronize_session=False)
        )
        await self._s.refresh(checkin)
        return bool(changed.rowcount == 1)  # type: ignore[attr-defined]

    async def latest_settled(
        self, commitment_id: int, limit: int, statuses: Collection[CheckInStatus] = tuple(CheckInStatus)
    ) -> list[CheckIn]:
        """The commitment's last `limit` settled check-ins with one of `statuses`, newest first."""
        return list(
            await self._s.scalars(
                select(CheckIn)
                .where(
                    CheckIn.commitment_id == commitment_id, CheckIn.settled_at.is_not(None),
                    CheckIn.status.in_(list(statuses)),
                )
                .order_by(CheckIn.due_at.desc())
                .limit(limit)
            )
        )

    async def latest_note(self, commitment_id: int) -> str | None:
        return await self._s.scalar(
            select(CheckIn.note)
            .where(CheckIn.commitment_id == commitment_id, CheckIn.note.is_not(None))
            .order_by(CheckIn.due_at.desc())
            .limit(1)
        )

    async def settled_statuses(self, person_id: int, start: datetime, end: datetime) -> list[CheckInStatus]:
        """The statuses of a rep's settled check-ins that fell due in [start, end)."""
        rows = await self._s.scalars(
            select(CheckIn.status)
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(
                Commitment.person_id == person_id, CheckIn.settled_at.is_not(None),
                CheckIn.due_at >= start, CheckIn.due_at < end,
            )
        )
        return list(rows)

    async def latest_notes(self, commitment_ids: Collection[int]) -> dict[int, str]:
        """The latest note of each of several commitments, in one query: commitment id -> the
        note of its latest check-in that has one (as `latest_note`); commitments with none are absent."""
        if not commitment_ids:
            return {}
        ranked = (
            select(
                CheckIn.commitment_id,
                CheckIn.note,
                func.row_number()
                .over(partition_by=CheckIn.commitment_id, order_by=(CheckIn.due_at.desc(), CheckIn.id.desc()))
                .label("rank"),
            )
            .where(CheckIn.commitment_id.in_(list(commitment_ids)), CheckIn.note.is_not(None))
            .subquery()
        )
        rows = await self._s.execute(select(ranked.c.commitment_id, ranked.c.note).where(ranked.c.rank == 1))
        return {commitment_id: note for commitment_id, note in rows.all() if note is not None}

    async def settled_counts_for(
        self, person_ids: Collection[int], windows: Sequence[tuple[datetime, datetime]]
    ) -> list[dict[int, dict[CheckInStatus, int]]]:
        """How many settled check-ins of each status several people's commitments had in each
        window [start, end) of their due time, in one query. `windows` must not overlap. The
        result has one entry per window: person id -> status -> count (absent: none)."""
        found: list[dict[int, dict[CheckInStatus, int]]] = [{} for _ in windows]
        if not person_ids or not windows:
            return found
        bucket = case(
            *((and_(CheckIn.due_at >= start, CheckIn.due_at < end), index) for index, (start, end) in enumerate(windows)),
            else_=None,
        )
        settled = (
            select(Commitment.person_id.label("person_id"), bucket.label("bucket"), CheckIn.status.label("status"))
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(
                Commitment.person_id.in_(list(person_ids)), CheckIn.settled_at.is_not(None),
                CheckIn.due_at >= min(start for start, _ in windows), CheckIn.due_at < max(end for _, end in windows),
            )
            .subquery()
        )
        rows = await self._s.execute(
            select(settled.c.person_id, settled.c.bucket, settled.c.status, func.count())
            .where(settled.c.bucket.is_not(None))
            .group_by(settled.c.person_id, settled.c.bucket, settled.c.status)
        )
        for person_id, index, status, count in rows.all():
            found[index].setdefault(person_id, {})[CheckInStatus(status)] = int(count)
        return found

    async def recent_answered(self, person_id: int, limit: int) -> list[tuple[CheckIn, Commitment]]:
        """The rep's latest check-ins that have an answer (or were closed without one), newest first."""
        rows = await self._s.execute(
            select(CheckIn, Commitment)
            .join(Commitment, CheckIn.commitment_id == Commitment.id)
            .where(Commitment.person_id == person_id, CheckIn.status != CheckInStatus.PENDING)
            .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
            .limit(limit)
        )
        return [(checkin, commitment) for checkin, commitment in rows.all()]

    async def pending_of_person(self, person_id: int) -> list[tuple[CheckIn, Commitment]]:
        """The rep's check-ins still waiting for an answer, with their commitments."""
        rows = await self._s.execute(
            select(CheckIn, Commitment)
            .join(Commitment, CheckIn.commitment_id == Commitment.id)
            .where(
                Commitment.person_id == person_id, CheckIn.status == CheckInStatus.PENDING,
                CheckIn.settled_at.is_(None),
            )
            .order_by(CheckIn.due_at, CheckIn.id)
        )
        return [(checkin, commitment) for checkin, commitment in rows.all()]

    async def closing_by(self, now: datetime, limit: int) -> list[tuple[int, int | None]]:
        """(id, prompt id) of unsettled check-ins whose day has ended by `now`, oldest first."""
        rows = await self._s.execute(
            select(CheckIn.id, CheckIn.prompt_id)
            .where(CheckIn.settled_at.is_(None), CheckIn.closes_at <= now)
            .order_by(CheckIn.due_at, CheckIn.id)
            .limit(limit)
        )
        return [(checkin_id, prompt_id) for checkin_id, prompt_id in rows.all()]

    async def earliest_close_after(self, after: datetime) -> datetime | None:
        return await self._s.scalar(
            select(func.min(CheckIn.closes_at)).where(CheckIn.settled_at.is_(None), CheckIn.closes_at > after)
        )


class Prompts:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, prompt_id: int) -> Prompt | None:
        return await self._s.get(Prompt, prompt_id)

    async def exists(self, person_id: int, slot_at: datetime) -> bool:
        found = await self._s.scalar(select(Prompt.id).where(Prompt.person_id == person_id, Prompt.slot_at == slot_at))
        return found is not None

    async def add(self, prompt: Prompt) -> Prompt:
        self._s.add(prompt)
        await self._s.flush()
        return prompt

    async def add_many(self, prompts: Sequence[Prompt]) -> None:
        """Insert several new prompts in one batched statement and set their ids; they stay
        outside the session (read them back to change them)."""
        if not prompts:
            return
        inserted = await self._s.execute(
            insert(Prompt).returning(Prompt.id, Prompt.person_id, Prompt.slot_at), _values(prompts)
        )
        # Rows come back in any order (SQLite batches an INSERT only unordered): match by the unique key.
        ids = {(person_id, slot): prompt_id for prompt_id, person_id, slot in inserted.all()}
        for prompt in prompts:
            prompt.id = ids[(prompt.person_id, prompt.slot_at)]

    async def taken_slots(self, wanted: Collection[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
        """Which of these (person id, slot) pairs already have a prompt, in one query."""
        if not wanted:
            return set()
        rows = await self._s.execute(
            select(Prompt.person_id, Prompt.slot_at).where(
                Prompt.person_id.in_(list({person_id for person_id, _ in wanted})),
                Prompt.slot_at.in_(list({slot for _, slot in wanted})),
            )
        )
        return {(person_id, slot) for person_id, slot in rows.all()} & set(wanted)



def _values(rows: Sequence[CheckIn | Prompt]) -> list[dict[str, object]]:
    """The attributes transient rows were built with, as INSERT parameters."""
    return [{key: value for key, value in vars(row).items() if not key.startswith("_")} for row in rows]
