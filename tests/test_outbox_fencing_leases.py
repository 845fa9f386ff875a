"""Outbox leases through the real Dispatcher and repositories, on SQLite and PostgreSQL: a send
slower than the lease keeps it (renewed); a dispatcher killed mid-send loses it, and another
one sends its rows after it runs out; a stale holder's outcome after a takeover changes nothing.

Leases are fractions of a second and run on the database's clock, so these tests wait for real,
briefly; the application clock (when messages are due) is a FixedClock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update

from handlers.contract.ports import FixedClock
from scheduler.dispatcher import Dispatcher
from storage.models import Outbox, Person
from storage.states import OutboxStatus
from tests.support import Database, FakeChat, migrate, utc
from tests.test_outbox_fencing import AT, LoggingChat, person, queue, rows

LEASE = timedelta(seconds=0.5)
SLOW_SEND_LEASE = timedelta(seconds=3)
"""For the renewal test: renewals (every third of the lease) must land while another dispatcher
(a second store, as a second process would be) claims on the same SQLite file all along, and
SQLite's busy handler sleeps and polls: on a loaded machine renewals were once held up for more
than 0.5 s, and once for more than 1 s."""
KILLED_LEASE = timedelta(seconds=4)
"""For the takeover test: the heir's first claim must come while the lease still holds; on a
loaded machine more than 0.5 s once passed between the doomed claim and the heir's, and on
PostgreSQL during a whole-suite run more than 1.5 s did (twice in a few dozen runs)."""


def blocking(name: str) -> LoggingChat:
    """A chat whose sends hang until its `gate` is set (never, for a dispatcher killed mid-send)."""
    return LoggingChat(name=name, gate=asyncio.Event())


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (briefly, polling) until `condition()` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.005)


async def test_a_send_slower_than_the_lease_keeps_it_and_goes_once(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as first_db, Database(database_url) as second_db:
        mona, nils = await person(first_db, "U1"), await person(first_db, "U2")
        m1, m2 = await queue(first_db, mona, "m1", "m2")
        await queue(first_db, nils, "n1")
        slow = blocking("slow")
        other = FakeChat()
        first = Dispatcher(first_db.store, {"test": slow}, FixedClock(AT), lease=SLOW_SEND_LEASE)
        second = Dispatcher(second_db.store, {"test": other}, FixedClock(AT), lease=SLOW_SEND_LEASE)

        sending = asyncio.create_task(first.dispatch_once())
        await until(lambda: "m1" in slow.started)
        (held,) = await first_db.all(Outbox, Outbox.id == m1)
        leases = [held.lease_until]
        loop = asyncio.get_running_loop()
        slow_until = loop.time() + SLOW_SEND_LEASE.total_seconds() * 2.5  # m1's send outlasts its lease
        while loop.time() < slow_until:  # the other dispatcher tries all along and gets nothing
            assert (await second.dispatch_once()).rows == []
            (waiting,) = await first_db.all(Outbox, Outbox.id == m2)  # m2 waits behind m1, held
            assert (waiting.status, waiting.claim_token) == (OutboxStatus.SENDING, held.claim_token)
            leases.append(waiting.lease_until)
            await asyncio.sleep(0.05)
        assert not sending.done() and slow.gate is not None
        slow.gate.set()
        report = await sending

        assert (report.sent, report.lost) == (3, 0)
        assert slow.texts_to("U1") == ["m1", "m2"] and slow.texts_to("U2") == ["n1"]
        assert other.attempts == []
        assert leases[0] is not None and max(d for d in leases if d) > leases[0] + SLOW_SEND_LEASE, "the lease was renewed"
        assert all(r.status == OutboxStatus.SENT and r.attempts == 1 and r.lease_until is None for r in await rows(first_db))


async def test_a_dispatcher_killed_mid_send_is_taken_over_after_its_lease(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as first_db, Database(database_url) as second_db:
        mona, nils = await person(first_db, "U1"), await person(first_db, "U2")
        await queue(first_db, mona, "m1", "m2", "m3")
        await queue(first_db, nils, "n1")
        doomed, heir = blocking("doomed"), LoggingChat(name="heir")
        first = Dispatcher(first_db.store, {"test": doomed}, FixedClock(AT), lease=KILLED_LEASE)
        second = Dispatcher(second_db.store, {"test": heir}, FixedClock(AT), lease=KILLED_LEASE)

        killed = asyncio.create_task(first.dispatch_once())
        await until(lambda: sorted(doomed.started) == ["m1", "n1"])  # both recipients in flight
        killed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await killed
        in_flight = set(doomed.started)

        assert (await second.dispatch_once()).rows == []  # its lease still holds
        await asyncio.sleep(KILLED_LEASE.total_seconds() * 1.5)  # nobody renews it: it runs out
        report = await second.dispatch_once()

        assert (report.sent, report.lost) == (4, 0)
        assert heir.texts_to("U1") == ["m1", "m2", "m3"] and heir.texts_to("U2") == ["n1"]
        # duplicates at most what was in flight when it died: here the killed sends never
        # completed, so nothing went out twice; m2 and m3 were never tried by the dead one
        assert doomed.sent == [] and in_flight == {"m1", "n1"}
        for row in await rows(first_db):
            assert (row.status, row.attempts, (row.platform_ref or "").split("-")[0]) == (OutboxStatus.SENT, 1, "heir")


async def test_a_stale_holders_outcome_after_a_takeover_changes_nothing(database_url: str) -> None:
    """A dispatcher pauses mid-send (its lease runs out: here the test expires it), another one
    takes the rows over and sends them; when the first one wakes, its send completes but its
    finish, its release of the next row and its renewals change nothing."""
    await migrate(database_url)
    async with Database(database_url) as first_db, Database(database_url) as second_db:
        mona = await person(first_db, "U1")
        await queue(first_db, mona, "m1", "m2")
        paused, heir = blocking("paused"), LoggingChat(name="heir")
        first = Dispatcher(first_db.store, {"test": paused}, FixedClock(AT), lease=timedelta(seconds=3))  # never waited for
        second = Dispatcher(second_db.store, {"test": heir}, FixedClock(AT), lease=LEASE)

        sending = asyncio.create_task(first.dispatch_once())
        await until(lambda: paused.started == ["m1"])
        async with second_db.sessions() as s, s.begin():  # the pause outlasted the lease
            await s.execute(update(Outbox).values(lease_until=utc(2000, 1, 1)))
        taken = await second.dispatch_once()
        assert (taken.sent, heir.texts_to("U1")) == (2, ["m1", "m2"])
        after_takeover = [(r.id, r.status, r.platform_ref, r.sent_at, r.attempts) for r in await rows(first_db)]

        assert paused.gate is not None
        paused.gate.set()
        stale = await sending
        assert (stale.sent, stale.lost) == (0, 1)
        assert paused.texts_to("U1") == ["m1"]  # it did go out twice: it was in flight
        assert [(r.id, r.status, r.platform_ref, r.sent_at, r.attempts) for r in await rows(first_db)] == after_takeover
        assert [r.platform_ref for r in await rows(first_db)] == ["heir-ref-1", "heir-ref-2"]


async def test_every_outcome_of_a_lost_lease_is_refused(database_url: str) -> None:
    """Through the repository: a holder whose lease ran out and was taken over can neither
    renew, send, finish, retry, release nor give up on the recipient."""
    await migrate(database_url)
    async with Database(database_url) as db:
        mona = await person(db, "U1")
        await queue(db, mona, "m1")
        (stale,) = await db.store.outbox.claim(["test"], AT, 10, lease=timedelta(seconds=0.1))
        await asyncio.sleep(0.2)
        (taken,) = await db.store.outbox.claim(["test"], AT, 10, lease=timedelta(seconds=30))
        assert taken.id == stale.id and taken.claim_token != stale.claim_token
        outbox = db.store.outbox

        assert await outbox.renew(stale.claim_token or "") == 0
        assert await outbox.begin_send(stale) is None
        assert not await outbox.finish(stale, OutboxStatus.SENT, now=AT, platform_ref="stale-ref")
        assert not await outbox.finish(stale, OutboxStatus.FAILED, now=AT, error="stale")
        assert not await outbox.retry_later(stale, attempts=1, not_before=AT + timedelta(hours=1), error="stale")
        assert not await outbox.release(stale)
        assert not await outbox.give_up_on_recipient(stale, "stale", AT)

        (row,) = await rows(db)
        assert (row.status, row.claim_token, row.lease_until) == (OutboxStatus.SENDING, taken.claim_token, taken.lease_until)
        assert (row.attempts, row.last_error, row.platform_ref, row.not_before) == (0, None, None, AT)
        (still,) = await db.all(Person, Person.id == mona.id)
        assert still.reachable is True
        assert await outbox.finish(taken, OutboxStatus.SENT, now=AT, platform_ref="ref")
        assert (await rows(db))[0].status == OutboxStatus.SENT


async def test_outcomes_written_together_are_each_fenced_when_one_lease_was_lost(database_url: str) -> None:
    """Outcomes that arrive together are written in one transaction (on SQLite one statement for
    all of them); when one row's lease was lost meanwhile, only the rows still held are recorded
    and the lost one is left to its new holder."""
    await migrate(database_url)
    async with Database(database_url) as db:
        people = [await person(db, f"U{n}") for n in range(4)]
        for who in people:
            await queue(db, who, f"m-{who.user_id}")
        held = await db.store.outbox.claim(["test"], AT, 10, lease=timedelta(seconds=30))
        assert len(held) == 4
        lost = held[1]
        async with db.sessions() as s, s.begin():  # its lease ran out, and another holder took it
            await s.execute(update(Outbox).where(Outbox.id == lost.id).values(claim_token="someone-else"))
        outbox = db.store.outbox

        answers = await asyncio.gather(*(
            outbox.finish(row, OutboxStatus.SENT, now=AT, platform_ref=f"ref-{row.id}") for row in held
        ))
        assert answers == [row.id != lost.id for row in held]
        after = {r.id: r for r in await rows(db)}
        for row in held:
            if row.id == lost.id:
                assert (after[row.id].status, after[row.id].claim_token, after[row.id].platform_ref) == (
                    OutboxStatus.SENDING, "someone-else", None)
            else:
                assert (after[row.id].status, after[row.id].platform_ref) == (OutboxStatus.SENT, f"ref-{row.id}")

        again = [r for r in held if r.id != lost.id]
        assert await asyncio.gather(*(outbox.finish(r, OutboxStatus.FAILED, now=AT, error="late") for r in again)) == [False] * 3
        assert all(r.status == OutboxStatus.SENT for r in await rows(db) if r.id != lost.id)
