"""The figures of the leader report, counted by the database: one row per manager with the
team's and the manager's counts for a period and for the period of the same length before it
(grouped aggregates, CASE, and a window function for the trend). It serves numbers and decides
nothing: rates, labels and formatting are the core's (`handlers/report.py`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import CoachingSession, FollowUp, Kudos, PracticeRequest
from storage.models import CheckIn, Commitment, ManagerLink, Notice, Person
from storage.states import (
    CheckInStatus,
    CommitmentStatus,
    FollowUpVerdict,
    LinkStatus,
    NoticeKind,
)

SETTLED = (CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER)


@dataclass(frozen=True)
class ManagerCounts:
    """Whole numbers for one manager and their current team, over [since, until)."""

    manager_id: int
    name: str
    user_id: str
    reps: int
    kept: int
    settled: int
    prev_kept: int
    prev_settled: int
    escalations: int
    followed_in_time: int
    missed: int
    verdicts: int
    as_asked: int
    sessions: int
    reps_with_session: int
    actions: int
    actions_kept: int
    actions_settled: int
    practice_requests: int
    practice_answered: int
    feedback_given: int
    feedback_seconds: int
    kudos: int


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class Report:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def managers_matching(self, who: str) -> list[int]:
        """Managers (someone's active partner) whose display name or user id is `who` (case-insensitive)."""
        rows = await self._s.scalars(
            select(Person.id)
            .where(
                or_(func.lower(Person.display_name) == who.strip().lower(), func.lower(Person.user_id) == who.strip().lower()),
                select(ManagerLink.id)
                .where(ManagerLink.manager_id == Person.id, ManagerLink.status == LinkStatus.ACTIVE)
                .exists(),
            )
            .order_by(Person.id)
        )
        return list(rows)

    async def counts(self, since: datetime, until: datetime, manager_ids: list[int] | None = None) -> list[ManagerCounts]:
        """One row per manager with an active team (or just `manager_ids`), by name."""
        before = since - (until - since)
        team = select(ManagerLink.manager_id, ManagerLink.rep_id).where(ManagerLink.status == LinkStatus.ACTIVE)
        if manager_ids is not None:
            team = team.where(ManagerLink.manager_id.in_(manager_ids))
        team_sq = team.subquery("team")
        managers = (
            select(team_sq.c.manager_id, func.count().label("reps")).group_by(team_sq.c.manager_id).subquery("managers")
        )
        trend = self._trend(team_sq, managers, before, since, until)
        parts = [
            self._follow_ups(since, until),
            self._sessions(team_sq, since, until),
            self._actions(since, until),
            self._practice(since, until),
            self._simple(Kudos.manager_id, Kudos.created_at, since, until, "kudos"),
            self._simple(Notice.manager_id, Notice.created_at, since, until, "escalations", Notice.kind == NoticeKind.ESCALATION),
        ]
        query = select(
            managers.c.manager_id, Person.display_name.label("name"), Person.user_id, managers.c.reps,
            trend.c.kept, trend.c.settled, trend.c.prev_kept, trend.c.prev_settled,
        ).select_from(managers).join(Person, Person.id == managers.c.manager_id).join(
            trend, and_(trend.c.manager_id == managers.c.manager_id, trend.c.p == 1)
        )
        for part in parts:
            query = query.outerjoin(part, part.c.manager_id == managers.c.manager_id)
            query = query.add_columns(*(func.coalesce(c, 0).label(c.name) for c in part.c if c.name != "manager_id"))
        rows = (await self._s.execute(query.order_by(Person.display_name, managers.c.manager_id))).mappings().all()
        numbers = [f.name for f in fields(ManagerCounts) if f.name not in ("name", "user_id")]
        return [
            ManagerCounts(name=str(row["name"]), user_id=str(row["user_id"]), **{name: int(row[name]) for name in numbers})
            for row in rows
        ]

    def _trend(self, team: Any, managers: Any, before: datetime, since: datetime, until: datetime) -> Any:
        """Kept and settled check-ins of the team in the period (p = 1) and the one before (p = 0),
        and the earlier period's beside the later one by LAG over each manager's two periods."""
        dated = (
            select(team.c.manager_id, CheckIn.status, case((CheckIn.due_at >= since, 1), else_=0).label("p"))
            .select_from(CheckIn)
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .join(team, team.c.rep_id == Commitment.person_id)
            .where(CheckIn.due_at >= before, CheckIn.due_at < until, CheckIn.status.in_(SETTLED))
            .subquery("dated")
        )
        per_period = (
            select(dated.c.manager_id, dated.c.p, _count_if(dated.c.status == CheckInStatus.YES).label("kept"), func.count().label("settled"))
            .group_by(dated.c.manager_id, dated.c.p)
            .subquery("per_period")
        )
        periods = union_all(select(literal(0, Integer).label("p")), select(literal(1, Integer).label("p"))).subquery("periods")
        kept = func.coalesce(per_period.c.kept, 0)
        settled = func.coalesce(per_period.c.settled, 0)
        window = {"partition_by": managers.c.manager_id, "order_by": periods.c.p}
        return (
            select(
                managers.c.manager_id, periods.c.p, kept.label("kept"), settled.label("settled"),
                func.coalesce(func.lag(kept).over(**window), 0).label("prev_kept"),
                func.coalesce(func.lag(settled).over(**window), 0).label("prev_settled"),
            )
            .select_from(managers.join(periods, true()))
            .outerjoin(per_period, and_(per_period.c.manager_id == managers.c.manager_id, per_period.c.p == periods.c.p))
            .subquery("trend")
        )

    def _follow_ups(self, since: datetime, until: datetime) -> Any:
        in_time = and_(FollowUp.action.is_not(None), FollowUp.acted_at <= FollowUp.due_at)
        missed = and_(FollowUp.due_at <= until, or_(FollowUp.action.is_(None), FollowUp.acted_at > FollowUp.due_at))
        return (
            select(
                FollowUp.manager_id,
                _count_if(in_time).label("followed_in_time"),
                _count_if(missed).label("missed"),
                func.count(FollowUp.verdict).label("verdicts"),
                _count_if(FollowUp.verdict == FollowUpVerdict.AS_ASKED).label("as_asked"),
            )
            .where(FollowUp.created_at >= since, FollowUp.created_at < until)
            .group_by(FollowUp.manager_id)
            .subquery("follow_ups")
        )

    def _sessions(self, team: Any, since: datetime, until: datetime) -> Any:
        return (
            select(
                CoachingSession.manager_id,
                func.count(CoachingSession.id).label("sessions"),
                func.count(team.c.rep_id.distinct()).label("reps_with_session"),
            )
            .outerjoin(team, and_(team.c.manager_id == CoachingSession.manager_id, team.c.rep_id == CoachingSession.rep_id))
            .where(CoachingSession.created_at >= since, CoachingSession.created_at < until)
            .group_by(CoachingSession.manager_id)
            .subquery("sessions")
        )

    def _actions(self, since: datetime, until: datetime) -> Any:
        """Commitments agreed in the period's sessions (accepted by the rep: not still proposed, not
        declined), and how their check-ins went."""
        checkins = (
            select(
                CheckIn.commitment_id,
                _count_if(CheckIn.status == CheckInStatus.YES).label("kept"),
                _count_if(CheckIn.status.in_(SETTLED)).label("settled"),
            )
            .where(CheckIn.due_at < until)
            .group_by(CheckIn.commitment_id)
            .subquery("action_checkins")
        )
        return (
            select(
                CoachingSession.manager_id,
                func.count(Commitment.id).label("actions"),
                func.coalesce(func.sum(checkins.c.kept), 0).label("actions_kept"),
                func.coalesce(func.sum(checkins.c.settled), 0).label("actions_settled"),
            )
            .select_from(Commitment)
            .join(CoachingSession, CoachingSession.id == Commitment.session_id)
            .outerjoin(checkins, checkins.c.commitment_id == Commitment.id)
            .where(
                CoachingSession.created_at >= since, CoachingSession.created_at < until,
                Commitment.status != CommitmentStatus.PROPOSED,
                # declined by the rep: dropped before any check-in (one dropped later was agreed)
                or_(Commitment.status != CommitmentStatus.DROPPED, checkins.c.commitment_id.is_not(None)),
            )
            .group_by(CoachingSession.manager_id)
            .subquery("actions")
        )

    def _practice(self, since: datetime, until: datetime) -> Any:
        answered_and_reviewed = and_(PracticeRequest.responded_at.is_not(None), PracticeRequest.feedback_at.is_not(None))
        return (
            select(
                PracticeRequest.manager_id,
                func.count(PracticeRequest.id).label("practice_requests"),
                func.count(PracticeRequest.responded_at).label("practice_answered"),
                _count_if(answered_and_reviewed).label("feedback_given"),
                func.coalesce(
                    func.sum(case((answered_and_reviewed, self._seconds(PracticeRequest.responded_at, PracticeRequest.feedback_at)), else_=0)), 0
                ).label("feedback_seconds"),
            )
            .where(PracticeRequest.created_at >= since, PracticeRequest.created_at < until)
            .group_by(PracticeRequest.manager_id)
            .subquery("practice")
        )

    def _seconds(self, start: Any, end: Any) -> ColumnElement[Any]:
        """Whole seconds from `start` to `end`, in each database's own date arithmetic."""
        if self._s.get_bind().dialect.name == "sqlite":
            return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400), BigInteger)
        return cast(func.round(func.extract("epoch", end - start)), BigInteger)

    def _simple(
        self, manager: Any, created: Any, since: datetime, until: datetime, label: str, *where: ColumnElement[bool]
    ) -> Any:
        query: Select[Any] = (
            select(manager.label("manager_id"), func.count().label(label))
            .where(created >= since, created < until, *where)
            .group_by(manager)
        )
        return query.subquery(label)
