"""The outbox dispatcher against a recording fake platform: Retry-After, backoff, giving up,
unreachable people, per-recipient order and per-workspace rate limits.

Messages are queued with the real repository (`enqueue`) for people made with the real
repository; the clock is a FixedClock, so nothing sleeps except where a rate limit is
the thing under test.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from handlers.contract.messages import Address, Message
from handlers.contract.ports import FixedClock, RateLimited, TransientError, Unreachable
from scheduler.dispatcher import MAX_ATTEMPTS, Dispatcher
from storage.models import Outbox, Person
from tests.support import (
    BERLIN,
    Database,
    FakeChat,
    enqueue,
    get_or_create_person,
    migrate,
    utc,
)

T0 = utc(2026, 11, 23, 15, 31)


async def _person(db: Database, user: str, workspace: str = "T1") -> int:
    async with db.sessions() as s, s.begin():
        person, _ = await get_or_create_person(s, Address("test", workspace, user), user, BERLIN, T0)
        return person.id


async def _queue(db: Database, person_id: int, *texts: str, at: datetime = T0) -> list[int]:
    ids = []
    for i, text in enumerate(texts):
        async with db.sessions() as s, s.begin():
            person = await s.get(Person, person_id)
            assert person is not None
            row = await enqueue(s, person, Message.text(text), at + timedelta(milliseconds=i), not_before=at)
            assert row is not None
            ids.append(row.id)
    return ids


async def _row(db: Database, row_id: int) -> Outbox:
    async with db.sessions() as s:
        row = await s.get(Outbox, row_id)
        assert row is not None
        return row


# --------------------------------------------------------------------------
# 429 Retry-After


async def test_rate_limited_row_waits_for_retry_after_then_is_sent_once(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        mona = await _person(db, "U1")
        (row_id,) = await _queue(db, mona, "check-in")
        chat = FakeChat()
        chat.fail("U1", RateLimited(30))
        clock = FixedClock(T0)
        dispatcher = Dispatcher(db.store, {"test": chat}, clock)

        report = await dispatcher.dispatch_once()
        assert (report.sent, report.retried) == (0, 1)
        row = await _row(db, row_id)
        assert row.status == "pending"
        assert row.not_before == T0 + timedelta(seconds=30)
        assert chat.sent == []

        clock.set(T0 + timedelta(seconds=29))
        assert (await dispatcher.dispatch_once()).sent == 0
        assert len(chat.attempts) == 1  # not even tried before Retry-After

        clock.set(T0 + timedelta(seconds=30))
        assert (await dispatcher.dispatch_once()).sent == 1
        clock.set(T0 + timedelta(minutes=10))
        assert (await dispatcher.dispatch_once()).sent == 0
        assert [d.message.plain_text for d in chat.sent] == ["check-in"]
        row = await _row(db, row_id)
        assert row.status == "sent" and row.sent_at == T0 + timedelta(seconds=30) and row.platform_ref == "ref-1"


# --------------------------------------------------------------------------
# 5xx: backoff, then success or giving up


async def test_transient_errors_back_off_then_succeed(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        mona = await _person(db, "U1")
        (row_id,) = await _queue(db, mona, "check-in")
        chat = FakeChat()
        chat.fail("U1", TransientError("502 bad gateway"), TransientError("503 unavailable"))
        clock = FixedClock(T0)
        dispatcher = Dispatcher(db.store, {"test": chat}, clock)

        for attempt in (1, 2):
            report = await dispatcher.dispatch_once()
            assert (report.sent, report.retried) == (0, 1)
            row = await _row(db, row_id)
            assert row.status == "pending" and row.attempts == attempt
            assert "50" in (row.last_error or "")
            wait = row.not_before - clock.now()
            assert timedelta(seconds=1) <= wait <= timedelta(seconds=2**attempt)  # backed off
            assert (await dispatcher.dispatch_once()).sent == 0  # not before the backoff is over
            assert len(chat.attempts) == attempt
            clock.set(row.not_before)

        assert (await dispatcher.dispatch_once()).sent == 1
        row = await _row(db, row_id)
        assert row.status == "sent" and row.attempts == 3
        assert len(chat.sent) == 1 and len(chat.attempts) == 3


async def test_gives_up_after_max_attempts(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        mona = await _person(db, "U1")
        (row_id,) = await _queue(db, mona, "check-in")
        chat = FakeChat()
        chat.fail("U1", *[TransientError("500") for _ in range(MAX_ATTEMPTS * 3)])
        clock = FixedClock(T0)
        dispatcher = Dispatcher(db.store, {"test": chat}, clock)

        for _ in range(MAX_ATTEMPTS * 2):
            await dispatcher.dispatch_once()
            clock.set(clock.now() + timedelta(minutes=11))  # past the longest backoff
        row = await _row(db, row_id)
        assert row.status == "failed"
        assert row.attempts == MAX_ATTEMPTS
        assert len(chat.attempts) == MAX_ATTEMPTS
        assert chat.sent == []


# --------------------------------------------------------------------------
# unreachable people


@pytest.mark.parametrize("url_fixture", ["sqlite_database_url", "pg_database_url"])
async def test_unreachable_person_is_marked_and_not_sent_to_again_in_the_pass(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue(url_fixture))
    await migrate(url)
    async with Database(url) as db:
        mona = await _person(db, "U1")
        nils = await _person(db, "U2")
        mona_rows = await _queue(db, mona, "m1", "m2", "m3")
        nils_rows = await _queue(db, nils, "n1", "n2")
        chat = FakeChat()
        chat.fail("U1", Unreachable("user_not_found"))
        dispatcher = Dispatcher(db.store, {"test": chat}, FixedClock(T0))

        report = await dispatcher.dispatch_once()
        assert report.unreachable == 1 and report.sent == 2
        assert [a.user_id for a in chat.attempts].count("U1") == 1  # m2, m3 were not tried
        assert chat.texts_to("U1") == []
        assert chat.texts_to("U2") == ["n1", "n2"]  # others are unaffected
        first = await _row(db, mona_rows[0])
        assert first.status == "dead" and "user_not_found" in (first.last_error or "")
        for row_id in mona_rows[1:]:
            assert (await _row(db, row_id)).status != "sent"
        for row_id in nils_rows:
            assert (await _row(db, row_id)).status == "sent"
        async with db.sessions() as s:
            assert (await s.get(Person, mona)).reachable is False
            assert (await s.get(Person, nils)).reachable is True


# --------------------------------------------------------------------------
# order per recipient


async def test_messages_to_one_recipient_go_in_creation_order(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        mona = await _person(db, "U1")
        nils = await _person(db, "U2")
        for i in range(6):  # interleaved with another recipient's
            await _queue(db, mona, f"m{i}")
            await _queue(db, nils, f"n{i}")
        chat = FakeChat()
        await Dispatcher(db.store, {"test": chat}, FixedClock(T0), concurrency=4).drain(real_sleep=False)
        assert chat.texts_to("U1") == [f"m{i}" for i in range(6)]
        assert chat.texts_to("U2") == [f"n{i}" for i in range(6)]


async def test_order_holds_when_a_message_is_rate_limited(sqlite_database_url: str) -> None:
    """m2 gets a 429 with Retry-After 30s: m3 and m4 must not overtake it, even when the
    dispatcher runs again (as the scheduler does every minute) before the 30s are up."""
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        mona = await _person(db, "U1")
        await _queue(db, mona, "m1", "m2", "m3", "m4")
        chat = FakeChat()
        chat.fail("U1", None, RateLimited(30))
        clock = FixedClock(T0)
        dispatcher = Dispatcher(db.store, {"test": chat}, clock)

        await dispatcher.dispatch_once()
        assert chat.texts_to("U1") == ["m1"]
        clock.set(T0 + timedelta(seconds=10))
        await dispatcher.dispatch_once()
        clock.set(T0 + timedelta(seconds=30))
        await dispatcher.drain(real_sleep=False)
        await dispatcher.drain(real_sleep=False)
        assert chat.texts_to("U1") == ["m1", "m2", "m3", "m4"]


# --------------------------------------------------------------------------
# per-workspace rate limits


async def test_rate_limit_is_per_workspace_and_paces_sends(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        for i in range(16):
            await _queue(db, await _person(db, f"A{i}", workspace="T1"), f"a{i}")
        for i in range(3):
            await _queue(db, await _person(db, f"B{i}", workspace="T2"), f"b{i}")
        chat = FakeChat(rates={"T1": 10.0})  # T1: 10/s (a burst of 10, then one per 0.1s)
        dispatcher = Dispatcher(db.store, {"test": chat}, FixedClock(T0), concurrency=32)
        loop = asyncio.get_running_loop()
        start = loop.time()
        report = await dispatcher.dispatch_once()
        assert report.sent == 19
        assert sorted(set(chat.rate_asked)) == ["T1", "T2"]
        assert len(chat.rate_asked) == 2  # one limiter per workspace, kept across sends
        t1_times = [t for d, t in zip(chat.sent, chat.send_times) if d.to.workspace_id == "T1"]
        assert max(t1_times) - start >= 0.4  # the 6 sends over the burst waited ~0.1s each


async def test_a_throttled_workspace_does_not_hold_up_another(sqlite_database_url: str) -> None:
    """T1 is at its limit; T2's messages should not wait behind T1's in the concurrency pool."""
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        for i in range(20):
            await _queue(db, await _person(db, f"A{i}", workspace="T1"), f"a{i}")
        for i in range(4):
            await _queue(db, await _person(db, f"B{i}", workspace="T2"), f"b{i}")
        chat = FakeChat(rates={"T1": 10.0})
        dispatcher = Dispatcher(db.store, {"test": chat}, FixedClock(T0))  # default concurrency
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert (await dispatcher.dispatch_once()).sent == 24
        t1_done = max(t for d, t in zip(chat.sent, chat.send_times) if d.to.workspace_id == "T1") - start
        t2_done = max(t for d, t in zip(chat.sent, chat.send_times) if d.to.workspace_id == "T2") - start
        assert t1_done >= 0.8  # T1 really was throttled (10 over its burst of 10)
        # Ordering, not a stopwatch: every T2 message went out before T1's throttled tail
        # (its sends past the burst of 10), so T2 never queued behind T1's limit.
        t1_throttled_tail = sorted(t for d, t in zip(chat.sent, chat.send_times) if d.to.workspace_id == "T1")[10:]
        assert t2_done - start < min(t1_throttled_tail) - start, "T2 waited behind T1's throttled sends"


async def test_a_rate_below_one_per_second_still_sends(sqlite_database_url: str) -> None:
    """A platform may allow less than one message a second (Slack: ~1/s per channel)."""
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        (row_id,) = await _queue(db, await _person(db, "U1"), "check-in")
        chat = FakeChat(rate=0.5)
        report = await Dispatcher(db.store, {"test": chat}, FixedClock(T0)).dispatch_once()
        row = await _row(db, row_id)
        assert (report.sent, row.status, row.last_error) == (1, "sent", None)
        assert chat.texts_to("U1") == ["check-in"]


# --------------------------------------------------------------------------
# a named partner who can't be reached: the rep hears it


async def _name_partner(db: Database, rep: str, partner: str) -> None:
    from handlers.context import Context
    from handlers.contract.incoming import Actor, Command
    from handlers.router import handle

    await _person(db, partner)
    result = await handle(
        Context(store=db.store, clock=FixedClock(T0)),
        Command(Actor(Address("test", "T1", rep), rep, BERLIN), "accountability", f"manager @{partner}", (Address("test", "T1", partner),)),
    )
    assert "is now your accountability partner" in result.items[-1].message.plain_text  # type: ignore[union-attr]


async def test_partner_notice_that_cannot_be_delivered_tells_the_rep(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        await _name_partner(db, "U1", "U2")
        chat = FakeChat()
        chat.fail("U2", Unreachable("MessageWritesBlocked"))
        dispatcher = Dispatcher(db.store, {"test": chat}, FixedClock(T0))

        await dispatcher.drain(real_sleep=False)
        await dispatcher.drain(real_sleep=False)

        assert chat.texts_to("U2") == []
        (told,) = [t for t in chat.texts_to("U1") if "couldn't reach" in t]
        assert told.startswith("I couldn't reach U2, so they don't know you named them")
        assert "must install Follow-Through first (in Teams: add the app)" in told
        (notice,) = await db.all(Outbox, Outbox.message_key.like("link:%"))
        assert notice.status == "dead"


async def test_partner_already_unreachable_tells_the_rep_once(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        partner = await _person(db, "U2")
        async with db.sessions() as s, s.begin():
            person = await s.get(Person, partner)
            assert person is not None
            person.reachable = False
        await _name_partner(db, "U1", "U2")
        chat = FakeChat()
        dispatcher = Dispatcher(db.store, {"test": chat}, FixedClock(T0))
        await dispatcher.drain(real_sleep=False)
        await dispatcher.drain(real_sleep=False)

        assert [a.user_id for a in chat.attempts].count("U2") == 0
        assert len([t for t in chat.texts_to("U1") if "couldn't reach U2" in t]) == 1


async def test_other_undeliverable_messages_tell_nobody(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        mona = await _person(db, "U1")
        await _queue(db, mona, "check-in")
        chat = FakeChat()
        chat.fail("U1", Unreachable("MessageWritesBlocked"))
        await Dispatcher(db.store, {"test": chat}, FixedClock(T0)).drain(real_sleep=False)
        assert chat.sent == [] and await db.count(Outbox) == 1
