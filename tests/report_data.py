"""A small coaching history whose report figures were worked out by hand, written straight
into a migrated database (the report only reads). Three managers: Ada coaches formally, Bea
informally, Cyd not at all (random). The period is 1-29 Nov 2026 (28 days), the previous one
4 Oct-1 Nov.

Expected (worked out by hand):
- Ada, reps Rita and Sam (Uma's link to her ended: Uma's check-ins don't count):
  check-ins in the period: Rita 4 of 5 on calls + 2 of 3 on the session's action, Sam 3 of 5
  (two unanswered) -> 9 of 13 = 69.2 %; before: Rita 2 of 4 = 50.0 % -> trend +19.2.
  2 escalations, both followed up in time (one "I'll follow up", one session), 0 missed;
  verdicts: one as asked of two = 50.0 %. Sessions: 2 (one with each rep; one more in October
  doesn't count) -> 2 / 2 reps / (28/30) = 1.07 per rep per month. Actions agreed: 1 (a proposed
  one is not agreed yet, a declined one never was) with 2 of 3 kept = 66.7 %. Practice: 3 requests, 2 answered, 2 with
  feedback after 6 h and 24 h -> 15.0 h. Kudos: 2 (one in October doesn't count). Formal.
- Bea, reps Tom and Vic: Tom 1 of 2 = 50.0 %, nothing before -> no trend. 1 escalation, not
  followed up and past due -> 0.0 %, 1 missed. 1 session (with Tom only) -> 0.54. Informal.
- Cyd, rep Wes: nothing in the period; 1 of 1 before (100.0 %). No sessions: random.
- All teams: 5 reps, 10 of 15 = 66.7 % (before 3 of 5 = 60.0 %, +6.7); 3 escalations, 2 in
  time = 66.7 %, 1 missed; 3 sessions -> 0.64; the rest as Ada's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import CoachingSession, FollowUp, Kudos, PracticeRequest
from storage.models import CheckIn, Commitment, ManagerLink, Notice, Person
from storage.states import (
    CheckInStatus,
    CommitmentStatus,
    FollowUpAction,
    FollowUpVerdict,
    LinkStatus,
    NoticeKind,
    PracticeStatus,
)

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 29, tzinfo=UTC)
YES, NO, NO_ANSWER = CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


class Seeder:
    def __init__(self, s: AsyncSession) -> None:
        self.s = s
        self.seq = 0

    async def person(self, name: str) -> Person:
        row = Person(platform="test", workspace_id="T1", user_id=f"U{name.upper()}", display_name=name, tz="Europe/Berlin", created_at=at(9, 1))
        self.s.add(row)
        await self.s.flush()
        return row

    async def link(self, manager: Person, rep: Person, status: LinkStatus = LinkStatus.ACTIVE) -> None:
        self.s.add(ManagerLink(rep_id=rep.id, manager_id=manager.id, status=status, created_at=at(9, 1)))

    async def commitment(self, rep: Person, title: str, session: CoachingSession | None = None,
                         status: CommitmentStatus = CommitmentStatus.ACTIVE) -> Commitment:
        self.seq += 1
        row = Commitment(person_id=rep.id, seq=self.seq, text=title, title=title, cadence="days:0,1,2,3,4", status=status,
                         created_at=at(9, 1), updated_at=at(9, 1), session_id=session.id if session else None)
        self.s.add(row)
        await self.s.flush()
        return row

    def checkins(self, commitment: Commitment, month: int, first_day: int, *statuses: CheckInStatus) -> None:
        for offset, status in enumerate(statuses):
            due = at(month, first_day) + timedelta(days=offset)
            self.s.add(CheckIn(commitment_id=commitment.id, period=due.date().isoformat(), due_at=due,
                               closes_at=due + timedelta(hours=12), status=status))

    async def escalation(self, manager: Person, rep: Person, when: datetime, action: FollowUpAction | None,
                         acted: datetime | None, verdict: FollowUpVerdict | None) -> None:
        notice = Notice(rep_id=rep.id, manager_id=manager.id, kind=NoticeKind.ESCALATION, commitment_id=None, text="missed", created_at=when)
        self.s.add(notice)
        await self.s.flush()
        self.s.add(FollowUp(notice_id=notice.id, rep_id=rep.id, manager_id=manager.id, created_at=when,
                            due_at=when + timedelta(days=3), action=action, acted_at=acted, verdict=verdict,
                            verdict_at=acted + timedelta(days=1) if verdict and acted else None))

    async def session(self, manager: Person, rep: Person, when: datetime) -> CoachingSession:
        row = CoachingSession(rep_id=rep.id, manager_id=manager.id, topic="pipeline", created_at=when)
        self.s.add(row)
        await self.s.flush()
        return row


async def seed(s: AsyncSession) -> None:
    """The hand-computed history (see the module's docstring)."""
    x = Seeder(s)
    ada, bea, cyd = await x.person("Ada"), await x.person("Bea"), await x.person("Cyd")
    rita, sam, uma, tom, vic, wes = [await x.person(n) for n in ("Rita", "Sam", "Uma", "Tom", "Vic", "Wes")]
    for manager, rep in ((ada, rita), (ada, sam), (bea, tom), (bea, vic), (cyd, wes)):
        await x.link(manager, rep)
    await x.link(ada, uma, LinkStatus.ENDED)

    calls = await x.commitment(rita, "20 calls")
    x.checkins(calls, 10, 20, YES, NO, YES, NO)  # before the period: 2 of 4
    x.checkins(calls, 11, 2, YES, YES, NO, YES, YES, CheckInStatus.VOID, CheckInStatus.PENDING)
    x.checkins(await x.commitment(sam, "update CRM"), 11, 9, YES, NO_ANSWER, YES, NO_ANSWER, YES)
    x.checkins(await x.commitment(uma, "demos"), 11, 9, NO, NO, NO)
    early = await x.session(ada, rita, at(10, 15))
    first = await x.session(ada, rita, at(11, 5))
    await x.session(ada, sam, at(11, 10))
    x.checkins(await x.commitment(rita, "ask for referrals", first), 11, 16, YES, NO, YES)
    await x.commitment(sam, "record a demo", first, CommitmentStatus.PROPOSED)
    await x.commitment(sam, "send a recap", first, CommitmentStatus.DROPPED)  # declined
    await x.commitment(rita, "old action", early)
    await x.escalation(ada, rita, at(11, 3), FollowUpAction.PROMISED, at(11, 4), FollowUpVerdict.AS_ASKED)
    await x.escalation(ada, sam, at(11, 12), FollowUpAction.SESSION, at(11, 14), FollowUpVerdict.NOT_AS_ASKED)
    s.add(Notice(rep_id=rita.id, manager_id=ada.id, kind=NoticeKind.WIN, commitment_id=None, text="win", created_at=at(11, 6)))
    s.add(PracticeRequest(rep_id=rita.id, manager_id=ada.id, skill="opening", status=PracticeStatus.REVIEWED, created_at=at(11, 3),
                          responded_at=at(11, 4, 10), feedback_at=at(11, 4, 16), rating=4))
    s.add(PracticeRequest(rep_id=sam.id, manager_id=ada.id, skill="objections", status=PracticeStatus.REVIEWED, created_at=at(11, 6),
                          responded_at=at(11, 7, 9), feedback_at=at(11, 8, 9), rating=5))
    s.add(PracticeRequest(rep_id=sam.id, manager_id=ada.id, skill="closing", created_at=at(11, 20)))
    for when in (at(10, 20), at(11, 6), at(11, 21)):
        s.add(Kudos(rep_id=rita.id, manager_id=ada.id, created_at=when))

    x.checkins(await x.commitment(tom, "10 calls"), 11, 16, YES, NO)
    await x.escalation(bea, tom, at(11, 17), None, None, None)
    await x.session(bea, tom, at(11, 18))

    x.checkins(await x.commitment(wes, "5 demos"), 10, 26, YES)
