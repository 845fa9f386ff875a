"""The one way into the database for the core: `Store.transaction()` gives a `Tx`, one
transaction with a repository per aggregate, and turns database failures into two plain
errors the core can answer: `StoreUnavailable` and `WriteConflict`.

Usage::

    async with store.transaction() as tx:
        person = await tx.people.find("slack", "T1", "U1")
        ...                        # committed when the block ends, rolled back on any error
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories.checkins import CheckIns, Prompts
from storage.repositories.commitments import Commitments
from storage.repositories.conversation_refs import ConversationRefs
from storage.repositories.dashboard import DashboardReads, SignInLinks
from storage.repositories.deliveries import Deliveries
from storage.repositories.digest_facts import DigestFacts
from storage.repositories.follow_ups import FollowUps
from storage.repositories.inbox import InboxRows
from storage.repositories.kudos import KudosRows
from storage.repositories.my_data import MyData
from storage.repositories.outbox import OutboxRows
from storage.repositories.outbox_leases import OutboxClaims
from storage.repositories.people import People
from storage.repositories.practice import Practice
from storage.repositories.report import Report
from storage.repositories.self_coaching import SelfCoachingOffers
from storage.repositories.send_rates import SendRates
from storage.repositories.sessions import Sessions
from storage.repositories.terms import Links, Notices, TermsVersions


class StoreUnavailable(Exception):
    """The database could not be reached or failed mid-transaction; nothing was saved."""


class WriteConflict(Exception):
    """The transaction collided with a concurrent one (a unique key) and was rolled back whole;
    running it again may succeed."""


class Tx:
    """One transaction and the repositories that work inside it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.people = People(session)
        self.terms = TermsVersions(session)
        self.links = Links(session)
        self.notices = Notices(session)
        self.commitments = Commitments(session, self.people)
        self.checkins = CheckIns(session)
        self.prompts = Prompts(session)
        self.outbox = OutboxRows(session)
        self.deliveries = Deliveries(session)
        self.digest_facts = DigestFacts(session)
        self.kudos = KudosRows(session)
        self.self_coaching = SelfCoachingOffers(session)
        self.my_data = MyData(session)
        self.sessions = Sessions(session)
        self.practice = Practice(session)
        self.follow_ups = FollowUps(session)
        self.report = Report(session)
        self.dashboard, self.sign_in_links = DashboardReads(session), SignInLinks(session)
        self.inbox = InboxRows(session)

    async def flush(self) -> None:
        """Write pending changes now (inside the transaction), e.g. before reading them back."""
        await self._session.flush()


class Store:
    """Transactions, plus the stores that run their own short transactions (the outbox's claims,
    saved conversation references)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lease: timedelta = timedelta(minutes=1)) -> None:
        """`lease`: how long an outbox claim holds without renewal (renewed every third of it
        while a send is in flight); after a crash, the rows it held wait this long."""
        self.sessions = sessions
        self.outbox = OutboxClaims(sessions, lease)
        self.conversation_refs = ConversationRefs(sessions)
        self.send_rates = SendRates(sessions)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        try:
            async with self.sessions() as session, session.begin():
                yield Tx(session)
        except IntegrityError as error:
            raise WriteConflict(str(error.orig)) from error
        except (OperationalError, DBAPIError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        """A read-only look (no transaction is begun explicitly; nothing is committed)."""
        try:
            async with self.sessions() as session:
                yield Tx(session)
        except (OperationalError, DBAPIError, OSError) as error:
            raise StoreUnavailable(str(error)) from error
