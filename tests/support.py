"""Shared helpers for the storage, tick and dispatcher tests.

* `Database`: an engine and session factory on a migrated database, disposed on exit.
* `FakeChat`: a *platform* adapter (our `handlers.contract.ports.ChatAdapter` protocol) standing in for
  Slack/Teams. It records every message it is asked to deliver and can be told to fail
  the next sends to someone with `RateLimited`, `TransientError` or `Unreachable`.
* `rep` / `commit`: people and commitments made through the real handlers.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.context import Context
from handlers.contract.incoming import Actor, Command
from handlers.contract.messages import Address, Message
from handlers.contract.ports import FixedClock
from handlers.router import handle
from scheduler.dispatcher import Dispatcher
from scheduler.pump import Pump
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Outbox, Person
from storage.repositories.outbox import OutboxRows
from storage.repositories.people import People
from storage.states import OutboxStatus
from storage.store import Store

PLATFORM = "test"
BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def migrate(url: str) -> None:
    """Alembic drives its own event loop for async drivers: run it in a thread."""
    await asyncio.to_thread(upgrade, url)


class Database:
    """`async with Database(url) as db:` gives `db.engine`, `db.sessions` and `db.store`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = make_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self.store = Store(self.sessions)

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.dispose()

    async def count(self, model: Any, *where: Any) -> int:
        async with self.sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    async def all(self, model: Any, *where: Any, order_by: Any = None) -> list[Any]:
        async with self.sessions() as s:
            query = select(model).where(*where)
            if order_by is not None:
                query = query.order_by(order_by)
            return list(await s.scalars(query))


def actor(n: int = 1, *, platform: str = PLATFORM, workspace: str = "T1", tz: str = BERLIN) -> Actor:
    if n == 1 and platform == PLATFORM and workspace == "T1":
        return Actor(Address(platform, workspace, "U1"), "Mona", tz)
    return Actor(Address(platform, workspace, f"U{n}"), f"Rep{n}", tz)


async def commit(
    sessions: async_sessionmaker[AsyncSession], who: Actor, text: str, at: datetime
) -> str:
    """`/commit TEXT` as `who` at instant `at`, through the real router; returns the reply text."""
    result = await handle(Context(store=Store(sessions), clock=FixedClock(at)), Command(who, "commit", text))
    return "\n".join(item.message.plain_text for item in result.items)


@dataclass
class Delivery:
    to: Address
    message: Message
    ref: str


@dataclass
class FakeChat:
    """A recording platform adapter. `fail(user_id, error, ...)` makes the next sends to that
    user raise those errors, one per send attempt, in order (None in the list: that attempt
    succeeds). `rates` overrides the per-second rate for some workspaces."""

    platform: str = PLATFORM
    rate: float = 1000.0
    rates: dict[str, float] = field(default_factory=dict)
    yield_on_send: bool = True
    sent: list[Delivery] = field(default_factory=list)
    updated: list[Delivery] = field(default_factory=list)
    attempts: list[Address] = field(default_factory=list)
    rate_asked: list[str] = field(default_factory=list)
    send_times: list[float] = field(default_factory=list)
    _failures: dict[str, list[Exception | None]] = field(default_factory=lambda: defaultdict(list))

    def fail(self, user_id: str, *errors: Exception | None) -> None:
        self._failures[user_id].extend(errors)

    async def send(self, to: Address, message: Message) -> str:
        self.attempts.append(to)
        if self.yield_on_send:
            await asyncio.sleep(0)  # let concurrent senders interleave, as a network call would
        pending = self._failures.get(to.user_id)
        if pending:
            error = pending.pop(0)
            if error is not None:
                raise error
        ref = f"ref-{len(self.sent) + 1}"
        self.sent.append(Delivery(to, message, ref))
        self.send_times.append(asyncio.get_running_loop().time())
        return ref

    async def update(self, to: Address, ref: str, message: Message) -> None:
        self.updated.append(Delivery(to, message, ref))

    def rate_per_second(self, workspace_id: str) -> float:
        self.rate_asked.append(workspace_id)
        return self.rates.get(workspace_id, self.rate)

    def conversation_rate_per_second(self) -> float:
        return 0.0

    def texts_to(self, user_id: str) -> list[str]:
        return [d.message.plain_text for d in self.sent if d.to.user_id == user_id]


# The repositories, called the way the tests' own transactions (`async with db.sessions() as s`) need.


async def get_or_create_person(
    s: AsyncSession, address: Address, display_name: str, tz: str | None, now: datetime
) -> tuple[Person, bool]:
    return await People(s).get_or_create(address.platform, address.workspace_id, address.user_id, display_name, tz, now)


async def find_person(s: AsyncSession, address: Address) -> Person | None:
    return await People(s).find(address.platform, address.workspace_id, address.user_id)


async def enqueue(s: AsyncSession, recipient: Person, message: Message, now: datetime, **options: Any) -> Outbox | None:
    return await OutboxRows(s).enqueue(recipient, message.to_json(), now, **options)


async def drain_outbox(dispatcher: Dispatcher, db: Database, timeout: float = 30.0, pause: float = 0.1) -> None:
    """Run the dispatcher's pump as the runner does (restarted after it goes idle) until every
    outbox row is sent; fails after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await db.count(Outbox, Outbox.status != OutboxStatus.SENT):
        assert loop.time() < deadline, "the fan-out did not finish"
        await Pump(dispatcher).run()
        await asyncio.sleep(pause)
