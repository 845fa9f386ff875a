"""The reads behind managers' digests, each one query for every rep of every team in a batch:
check-in counts per commitment in two windows per rep, each rep's latest settled statuses,
the notes of ongoing runs, and the notices (wins, escalations with their follow-ups)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.coaching_models import FollowUp
from storage.models import CheckIn, Commitment, Notice, Person
from storage.states import CheckInStatus, NoticeKind

Window = tuple[datetime, datetime]
Counts = dict[tuple[int, int], dict[CheckInStatus, int]]
"""(person id, commitment id) -> status -> count."""


class DigestFacts:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def counts_by_commitment(self, windows: Mapping[int, tuple[Window, Window]]) -> tuple[Counts, Counts]:
        """How many settled check-ins of each status each rep's commitments had in the rep's own
        two windows [start, end) of due time (this period, the one before; they must not overlap),
        in one query: one `Counts` per window."""
        found: tuple[Counts, Counts] = ({}, {})
        if not windows:
            return found
        by_pair: dict[tuple[Window, Window], list[int]] = {}
        for person_id, pair in windows.items():
            by_pair.setdefault(pair, []).append(person_id)
        whens = []
        for pair, people in by_pair.items():
            for index, (start, end) in enumerate(pair):
                whens.append((and_(Commitment.person_id.in_(people), CheckIn.due_at >= start, CheckIn.due_at < end), index))
        starts = [start for pair in by_pair for start, _ in pair]
        ends = [end for pair in by_pair for _, end in pair]
        settled = (
            select(
                Commitment.person_id.label("person_id"), CheckIn.commitment_id.label("commitment_id"),
                case(*whens, else_=None).label("bucket"), CheckIn.status.label("status"),
            )
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(
                Commitment.person_id.in_(list(windows)), CheckIn.settled_at.is_not(None),
                CheckIn.due_at >= min(starts), CheckIn.due_at < max(ends),
            )
            .subquery()
        )
        rows = await self._s.execute(
            select(settled.c.person_id, settled.c.commitment_id, settled.c.bucket, settled.c.status, func.count())
            .where(settled.c.bucket.is_not(None))
            .group_by(settled.c.person_id, settled.c.commitment_id, settled.c.bucket, settled.c.status)
        )
        for person_id, commitment_id, index, status, count in rows.all():
            found[int(index)].setdefault((person_id, commitment_id), {})[CheckInStatus(status)] = int(count)
        return found

    async def latest_statuses(self, person_ids: Collection[int], limit: int) -> dict[int, list[CheckInStatus]]:
        """Each rep's last `limit` settled check-ins' statuses (void ones left out), newest first."""
        if not person_ids:
            return {}
        ranked = (
            select(
                Commitment.person_id.label("person_id"), CheckIn.status.label("status"),
                func.row_number()
                .over(partition_by=Commitment.person_id, order_by=(CheckIn.due_at.desc(), CheckIn.id.desc()))
                .label("rank"),
            )
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(
                Commitment.person_id.in_(list(person_ids)), CheckIn.settled_at.is_not(None),
                CheckIn.status.not_in([CheckInStatus.VOID, CheckInStatus.PENDING]),
            )
            .subquery()
        )
        rows = await self._s.execute(
            select(ranked.c.person_id, ranked.c.status).where(ranked.c.rank <= limit)
            .order_by(ranked.c.person_id, ranked.c.rank)
        )
        found: dict[int, list[CheckInStatus]] = {}
        for person_id, status in rows.all():
            found.setdefault(person_id, []).append(CheckInStatus(status))
        return found

    async def run_notes(self, commitment_ids: Collection[int]) -> dict[int, str]:
        """The latest note of each commitment's ongoing run: from a check-in due after its last
        Yes (any check-in if it never had one); commitments with none are absent."""
        if not commitment_ids:
            return {}
        earlier = aliased(CheckIn)
        last_yes = (
            select(func.max(earlier.due_at))
            .where(earlier.commitment_id == CheckIn.commitment_id, earlier.status == CheckInStatus.YES)
            .correlate(CheckIn)
            .scalar_subquery()
        )
        ranked = (
            select(
                CheckIn.commitment_id, CheckIn.note,
                func.row_number()
                .over(partition_by=CheckIn.commitment_id, order_by=(CheckIn.due_at.desc(), CheckIn.id.desc()))
                .label("rank"),
            )
            .where(
                CheckIn.commitment_id.in_(list(commitment_ids)), CheckIn.note.is_not(None),
                or_(last_yes.is_(None), CheckIn.due_at > last_yes),
            )
            .subquery()
        )
        rows = await self._s.execute(select(ranked.c.commitment_id, ranked.c.note).where(ranked.c.rank == 1))
        return {commitment_id: note for commitment_id, note in rows.all() if note is not None}

    async def notices(
        self, manager_ids: Collection[int], wins_since: datetime, escalated: Collection[int]
    ) -> list[tuple[Notice, FollowUp | None]]:
        """The managers' win notices created since `wins_since`, and their escalation notices about
        the commitments `escalated`, each with the follow-up owed on it (None: none recorded);
        oldest first."""
        if not manager_ids:
            return []
        wins = and_(Notice.kind == NoticeKind.WIN, Notice.created_at >= wins_since)
        escalations = and_(Notice.kind == NoticeKind.ESCALATION, Notice.commitment_id.in_(list(escalated)))
        rows = await self._s.execute(
            select(Notice, FollowUp)
            .outerjoin(FollowUp, FollowUp.notice_id == Notice.id)
            .where(Notice.manager_id.in_(list(manager_ids)), or_(wins, escalations) if escalated else wins)
            .order_by(Notice.created_at, Notice.id)
        )
        return [(notice, follow_up) for notice, follow_up in rows.all()]

    async def people(self, person_ids: Collection[int]) -> dict[int, Person]:
        """Several people by id, in one query (absent: no such person)."""
        if not person_ids:
            return {}
        rows = await self._s.scalars(select(Person).where(Person.id.in_(list(person_ids))))
        return {person.id: person for person in rows.all()}
