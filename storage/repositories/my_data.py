"""Everything stored about one person, read in one go (for their export), and deleted in one go
(when they ask to be forgotten). It serves and decides nothing: what goes in the export, and
who is told what, is the core's (handlers/my_data.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, column, delete, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching_models import (
    CoachingSession,
    FollowUp,
    Kudos,
    PracticeRequest,
    SelfCoachingOffer,
)
from storage.models import (
    CheckIn,
    Commitment,
    ConversationRef,
    ManagerLink,
    Notice,
    Outbox,
    Person,
    Terms,
)
from storage.states import OutboxStatus

T = TypeVar("T")

SLACK_INSTALLATIONS = table(
    "slack_installations", column("team_id"), column("user_id"), column("user_token"), column("user_scopes"),
    column("user_refresh_token"), column("user_token_expires_at"),
)
"""The columns of slack-sdk's installations table (storage/slack_tables.py) that name the person
who installed the app, without importing slack-sdk into the core."""


@dataclass(frozen=True)
class PersonData:
    """A person's rows, each list oldest first; `names` has the display name of everyone else
    those rows mention (managers, reps), by person id."""

    person: Person
    terms: Sequence[Terms]
    commitments: Sequence[Commitment]
    checkins: Sequence[CheckIn]
    notices: Sequence[Notice]
    links_as_rep: Sequence[ManagerLink]
    links_as_manager: Sequence[ManagerLink]
    kudos: Sequence[Kudos]
    sessions: Sequence[CoachingSession]
    practice: Sequence[PracticeRequest]
    follow_ups: Sequence[FollowUp]
    self_coaching: Sequence[SelfCoachingOffer]
    names: dict[int, str]


class MyData:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def gather(self, person: Person) -> PersonData:
        """Every row about `person`: as a rep (terms, commitments and their check-ins, what their
        manager was told, kudos, coaching, practice, follow-ups, self-coaching offers) and the
        links that name them on either side."""
        pid = person.id
        commitments = await self._all(select(Commitment).where(Commitment.person_id == pid).order_by(Commitment.seq))
        links = await self._all(
            select(ManagerLink).where(or_(ManagerLink.rep_id == pid, ManagerLink.manager_id == pid)).order_by(ManagerLink.id)
        )
        data = PersonData(
            person=person,
            terms=await self._all(select(Terms).where(Terms.person_id == pid).order_by(Terms.version)),
            commitments=commitments,
            checkins=await self._all(
                select(CheckIn).join(Commitment, Commitment.id == CheckIn.commitment_id)
                .where(Commitment.person_id == pid).order_by(CheckIn.due_at, CheckIn.id)
            ),
            notices=await self._all(select(Notice).where(Notice.rep_id == pid).order_by(Notice.id)),
            links_as_rep=[link for link in links if link.rep_id == pid],
            links_as_manager=[link for link in links if link.manager_id == pid],
            kudos=await self._all(select(Kudos).where(Kudos.rep_id == pid).order_by(Kudos.id)),
            sessions=await self._all(select(CoachingSession).where(CoachingSession.rep_id == pid).order_by(CoachingSession.id)),
            practice=await self._all(select(PracticeRequest).where(PracticeRequest.rep_id == pid).order_by(PracticeRequest.id)),
            follow_ups=await self._all(select(FollowUp).where(FollowUp.rep_id == pid).order_by(FollowUp.id)),
            self_coaching=await self._all(
                select(SelfCoachingOffer).where(SelfCoachingOffer.person_id == pid).order_by(SelfCoachingOffer.id)
            ),
            names={},
        )
        others = {link.manager_id for link in data.links_as_rep} | {link.rep_id for link in data.links_as_manager}
        for rows in (data.notices, data.kudos, data.sessions, data.practice, data.follow_ups):
            others |= {row.manager_id for row in rows}
        others.discard(pid)
        if others:
            found = await self._s.execute(select(Person.id, Person.display_name).where(Person.id.in_(sorted(others))))
            data.names.update({other_id: name for other_id, name in found.all()})
        return data

    async def forget(self, person: Person) -> None:
        """Delete `person` and everything stored about them, inside the caller's transaction.
        The person row goes, and with it every row that refers to it (ON DELETE CASCADE; the
        few references that are only "proposed by" or "tell instead" become NULL). What refers to
        them by platform address rather than by id goes here too: where to reach them
        (conversation references), and, if they installed the Slack app, their user token (the
        workspace's bot token stays, so the rest of the team keeps the bot). Messages still
        waiting to go to others that were to come back to them if undeliverable are withdrawn."""
        await self._s.flush()
        await self._s.execute(
            delete(Outbox).where(Outbox.fallback_recipient_id == person.id, Outbox.status == OutboxStatus.PENDING)
        )
        await self._s.execute(
            delete(ConversationRef).where(
                ConversationRef.platform == person.platform,
                ConversationRef.workspace_id == person.workspace_id,
                ConversationRef.user_id == person.user_id,
            )
        )
        if person.platform == "slack":
            await self._s.execute(
                update(SLACK_INSTALLATIONS)
                .where(SLACK_INSTALLATIONS.c.team_id == person.workspace_id, SLACK_INSTALLATIONS.c.user_id == person.user_id)
                .values(user_id="", user_token=None, user_scopes=None, user_refresh_token=None, user_token_expires_at=None)
            )
        await self._s.execute(delete(Person).where(Person.id == person.id))
        self._s.expunge_all()  # every change was flushed above; nothing loaded may write the rows back

    async def _all(self, query: Select[T]) -> list[T]:
        return list(await self._s.scalars(query))
