"""Exactly-once outbox delivery across dispatchers, on a real SQLite file and a real PostgreSQL.

Two dispatchers (each on its own engine, as two replicas would be) and a scheduler tick run at
once on one outbox while more messages are queued: every message goes out once, and each
recipient's messages arrive in queue order. A recipient's rows are claimed all together or
not at all (PostgreSQL: a row another transaction holds keeps the whole
recipient back). The lease tests (renewal, takeover, fencing) are in test_outbox_fencing_leases.py.

Application time is a FixedClock (messages are due); leases run on the database's clock, so
the lease tests wait fractions of a second for real.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text

from handlers.contract.messages import Address, Message
from handlers.contract.ports import FixedClock
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.jobs import run_due
from storage.models import Outbox, Person
from storage.states import OutboxStatus
from tests.support import (
    BERLIN,
    Database,
    FakeChat,
    actor,
    commit,
    enqueue,
    get_or_create_person,
    migrate,
    utc,
)

MONDAY_MORNING = utc(2026, 11, 23, 7, 0)  # 08:00 in Berlin
AT = utc(2026, 11, 23, 15, 31)  # a minute after the default 16:30 Berlin check-in


@dataclass
class LoggingChat(FakeChat):
    """A FakeChat that also writes each delivery to a log shared by several dispatchers, takes
    `delay` seconds per send (a network call) or, with a `gate`, waits until it is set (a send
    that hangs), records which sends `started`, and names its references after itself."""

    name: str = "chat"
    log: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    gate: asyncio.Event | None = None
    started: list[str] = field(default_factory=list)

    async def send(self, to: Address, message: Message) -> str:
        self.started.append(message.plain_text)
        await asyncio.sleep(self.delay)
        if self.gate is not None:
            await self.gate.wait()
        ref = await super().send(to, message)
        self.log.append((to.user_id, message.plain_text))
        return f"{self.name}-{ref}"


async def person(db: Database, user: str) -> Person:
    async with db.sessions() as s, s.begin():
        found, _ = await get_or_create_person(s, Address("test", "T1", user), user, BERLIN, AT)
        return found


async def queue(db: Database, who: Person, *texts: str, at: datetime = AT) -> list[int]:
    """Queue each text in its own transaction, in order; returns the row ids."""
    ids = []
    for text_ in texts:
        async with db.sessions() as s, s.begin():
            row = await enqueue(s, who, Message.text(text_), at, not_before=at)
            assert row is not None
            ids.append(row.id)
    return ids


async def rows(db: Database) -> list[Outbox]:
    return await db.all(Outbox, order_by=Outbox.id)


async def _drain_until(stop: asyncio.Event, dispatcher: Dispatcher) -> DispatchReport:
    total = DispatchReport()
    while not stop.is_set():
        total += await dispatcher.dispatch_once()
        await asyncio.sleep(0.005)
    return total


async def _queue_over_time(db: Database, people: list[Person], rounds: int) -> None:
    for k in range(rounds):
        for who in people:
            await queue(db, who, f"late-{who.user_id}-{k}")
        await asyncio.sleep(0.01)


async def test_two_dispatchers_and_a_tick_send_each_message_once_in_order(database_url: str) -> None:
    await migrate(database_url)
    replicas = [Database(database_url) for _ in range(4)]
    setup, one, two, ticker = replicas
    try:
        reps = [actor(i) for i in range(1, 9)]
        for rep in reps:  # each gets a check-in from the tick
            assert "Logged #1" in await commit(setup.sessions, rep, "20 calls every weekday", MONDAY_MORNING)
        for rep in reps:  # already waiting before the tick: they go before the check-in
            await queue(setup, await person(setup, rep.address.user_id), *(f"early-{rep.address.user_id}-{k}" for k in range(3)))
        others = [await person(setup, f"Q{i}") for i in range(6)]  # queued while the dispatchers run

        log: list[tuple[str, str]] = []
        chats = [LoggingChat(name="one", log=log, delay=0.002), LoggingChat(name="two", log=log, delay=0.002)]
        lease = timedelta(seconds=3)
        dispatchers = [Dispatcher(r.store, {"test": c}, FixedClock(AT), concurrency=4, lease=lease) for r, c in zip((one, two), chats)]
        stop = asyncio.Event()
        sending = [asyncio.create_task(_drain_until(stop, d)) for d in dispatchers]
        tick, _ = await asyncio.gather(run_due(ticker.store, AT), _queue_over_time(setup, others, rounds=5))
        assert tick.prompts == len(reps)
        for _ in range(400):  # until everything has gone (at most ~20 s)
            if not await setup.count(Outbox, Outbox.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])):
                break
            await asyncio.sleep(0.05)
        stop.set()
        reports = await asyncio.gather(*sending)
    finally:
        for r in replicas:
            await r.engine.dispose()

    async with Database(database_url) as db:
        queued = await rows(db)
        people = {p.id: p.user_id for p in await db.all(Person)}
    assert len(queued) == len(reps) * 4 + len(others) * 5
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in queued)
    texts = [Message.from_json(r.message_json).plain_text for r in queued]
    assert len(set(texts)) == len(texts)
    delivered = Counter(text_ for _, text_ in log)
    assert delivered == Counter(texts), "every message exactly once"
    assert sum(r.lost for r in reports) == 0 and sum(r.sent for r in reports) == len(queued)
    for user in set(people.values()):
        in_queue_order = [t for r, t in zip(queued, texts) if people[r.recipient_id] == user]
        assert [t for u, t in log if u == user] == in_queue_order, user


async def test_postgresql_claims_a_recipient_whole_or_not_at_all(pg_database_url: str) -> None:
    """A row of Mona's is locked by another transaction (say a holder recording its outcome): the
    claim skips all of Mona's rows, not just that one, and takes Nils's."""
    await migrate(pg_database_url)
    async with Database(pg_database_url) as db:
        mona, nils = await person(db, "U1"), await person(db, "U2")
        m1, m2 = await queue(db, mona, "m1", "m2")
        (n1,) = await queue(db, nils, "n1")
        async with db.engine.connect() as other:
            await other.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": m2})
            claimed = await db.store.outbox.claim(["test"], AT, 10)
            assert [r.id for r in claimed] == [n1]
            await other.rollback()
        claimed = await db.store.outbox.claim(["test"], AT, 10)
        assert [r.id for r in claimed] == [m1, m2]
        assert len({r.claim_token for r in claimed}) == 1
        assert (await db.all(Outbox, Outbox.id == m1))[0].lease_until is not None
        async with db.sessions() as s:
            assert await s.scalar(select(Outbox.status).where(Outbox.id == n1)) == OutboxStatus.SENDING
