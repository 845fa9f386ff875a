"""The dashboard's reads (set-based: a query per kind of row, whatever the team's size) and
its single-use sign-in links. Nothing here decides who may see what: that is the core's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.coaching_models import CoachingSession, FollowUp, Kudos, PracticeRequest
from storage.models import CheckIn, Commitment, ManagerLink, Notice, Person, Terms
from storage.states import CheckInStatus, CommitmentStatus, LinkStatus, NoticeKind
from storage.web_models import SignInLink


@dataclass(frozen=True)
class CheckInFact:
    person_id: int
    commitment_id: int
    due_at: datetime
    status: CheckInStatus


class SignInLinks:
    """The links sent in the chat; each works once."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, person_id: int, nonce: str, now: datetime) -> None:
        self._s.add(SignInLink(person_id=person_id, nonce=nonce, created_at=now))
        await self._s.flush()

    async def find(self, nonce: str) -> SignInLink | None:
        return await self._s.scalar(select(SignInLink).where(SignInLink.nonce == nonce))

    async def use(self, nonce: str, now: datetime) -> bool:
        """Mark the link used; of two racing uses exactly one gets True."""
        changed = await self._s.execute(
            update(SignInLink)
            .where(SignInLink.nonce == nonce, SignInLink.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


class DashboardReads:
    """Read-only queries for the dashboard's pages."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def person(self, person_id: int) -> Person | None:
        return await self._s.get(Person, person_id)

    async def people(self, person_ids: Collection[int]) -> dict[int, Person]:
        if not person_ids:
            return {}
        rows = await self._s.scalars(select(Person).where(Person.id.in_(list(person_ids))))
        return {p.id: p for p in rows}

    async def chain(self, person_id: int) -> list[tuple[int, int]]:
        """Active links one and two steps below `person_id`, as (rep id, partner id): the people
        who named them, and the people who named those (one query)."""
        first = aliased(ManagerLink)
        second = aliased(ManagerLink)
        direct = await self._s.execute(
            select(first.rep_id, first.manager_id).where(first.manager_id == person_id, first.status == LinkStatus.ACTIVE)
        )
        below = await self._s.execute(
            select(second.rep_id, second.manager_id)
            .join(first, first.rep_id == second.manager_id)
            .where(first.manager_id == person_id, first.status == LinkStatus.ACTIVE, second.status == LinkStatus.ACTIVE)
        )
        return [(int(r), int(m)) for r, m in direct.all()] + [(int(r), int(m)) for r, m in below.all()]

    async def terms_versions(self, person_id: int) -> list[Terms]:
        """Every version of the rep's terms, newest first."""
        rows = await self._s.scalars(select(Terms).where(Terms.person_id == person_id).order_by(Terms.version.desc()))
        return list(rows)

    async def commitments(self, person_ids: Collection[int]) -> list[Commitment]:
        """The commitments of several people that were ever agreed (not still proposed), by number."""
        if not person_ids:
            return []
        rows = await self._s.scalars(
            select(Commitment)
            .where(Commitment.person_id.in_(list(person_ids)), Commitment.status != CommitmentStatus.PROPOSED)
            .order_by(Commitment.person_id, Commitment.seq)
        )
        return list(rows)

    async def checkins(self, person_ids: Collection[int], start: datetime, end: datetime) -> list[CheckInFact]:
        """The check-ins of several people's commitments that fell due in [start, end), oldest first."""
        if not person_ids:
            return []
        rows = await self._s.execute(
            select(Commitment.person_id, CheckIn.commitment_id, CheckIn.due_at, CheckIn.status)
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(Commitment.person_id.in_(list(person_ids)), CheckIn.due_at >= start, CheckIn.due_at < end)
            .order_by(CheckIn.due_at, CheckIn.id)
        )
        return [CheckInFact(int(p), int(c), d, CheckInStatus(s)) for p, c, d, s in rows.all()]

    async def notices_about(self, rep_id: int, limit: int) -> list[Notice]:
        """Everything any partner was told about the rep, newest first."""
        rows = await self._s.scalars(
            select(Notice).where(Notice.rep_id == rep_id).order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)
        )
        return list(rows)

    async def sessions(self, rep_ids: Collection[int], since: datetime, manager_id: int | None = None) -> list[CoachingSession]:
        """Coaching sessions with these reps since `since` (only this manager's, if named), newest first."""
        if not rep_ids:
            return []
        query = select(CoachingSession).where(CoachingSession.rep_id.in_(list(rep_ids)), CoachingSession.created_at >= since)
        if manager_id is not None:
            query = query.where(CoachingSession.manager_id == manager_id)
        rows = await self._s.scalars(query.order_by(CoachingSession.created_at.desc(), CoachingSession.id.desc()))
        return list(rows)

    async def actions(self, session_ids: Collection[int]) -> list[Commitment]:
        """The commitments agreed in these sessions, by number."""
        if not session_ids:
            return []
        rows = await self._s.scalars(
            select(Commitment).where(Commitment.session_id.in_(list(session_ids))).order_by(Commitment.seq)
        )
        return list(rows)

    async def practice(self, rep_id: int, limit: int) -> list[PracticeRequest]:
        rows = await self._s.scalars(
            select(PracticeRequest)
            .where(PracticeRequest.rep_id == rep_id)
            .order_by(PracticeRequest.created_at.desc(), PracticeRequest.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def escalations(self, manager_id: int, since: datetime) -> list[tuple[Notice, FollowUp | None]]:
        """The escalations sent to the manager since `since`, each with the follow-up it owes, newest first."""
        rows = await self._s.execute(
            select(Notice, FollowUp)
            .outerjoin(FollowUp, FollowUp.notice_id == Notice.id)
            .where(Notice.manager_id == manager_id, Notice.kind == NoticeKind.ESCALATION, Notice.created_at >= since)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
        )
        return [(notice, follow_up) for notice, follow_up in rows.all()]

    async def kudos_sent(self, manager_id: int, since: datetime) -> list[Kudos]:
        rows = await self._s.scalars(
            select(Kudos).where(Kudos.manager_id == manager_id, Kudos.created_at >= since).order_by(Kudos.created_at.desc())
        )
        return list(rows)
