"""Replicas on one PostgreSQL, for real: `python app.py serve` processes (scheduler on) and a
`python app.py tick` at once drain a fan-out of thousands of check-ins to a fake Slack, each
delivered once and each person's in queue order; and a `serve` killed with SIGKILL mid
fan-out, then restarted, delivers every remaining message, duplicating at most those that
were in flight when it died.

Leases are 3 seconds here (OUTBOX_LEASE_SECONDS), so a dead process's rows come back fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks.fanout_world import queue_fanout
from handlers.contract.ports import SystemClock
from storage.models import Outbox
from storage.states import OutboxStatus
from tests.replicas_support import TEAM, deliveries, in_order, senders, start
from tests.slack.fake_slack import FakeSlack
from tests.support import Database, migrate


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def until(condition: Callable[[], bool], timeout: float, what: str, fake: FakeSlack) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}: {sum(deliveries(fake).values())} delivered"
        await asyncio.sleep(0.1)


async def sent(db: Database) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == OutboxStatus.SENT)) or 0)


async def test_two_replicas_and_a_tick_deliver_a_fanout_once_in_order(pg_database_url: str, fake: FakeSlack, tmp_path: Path) -> None:
    people, each = 1000, 2  # 2,000 check-ins, two per person
    await migrate(pg_database_url)
    async with Database(pg_database_url) as db:
        await queue_fanout(db.sessions, "slack", TEAM, people, SystemClock().now(), per_person=each)
        processes = [start("serve", pg_database_url, fake, name, tmp_path) for name in ("serve-a", "serve-b")]
        tick = start("tick", pg_database_url, fake, "tick", tmp_path)
        try:
            await until(lambda: sum(deliveries(fake).values()) >= people * each, 150, "every check-in to arrive", fake)
            assert await tick.exited(60) == 0, tick.log()
            await asyncio.sleep(1.0)  # anything sent twice would arrive now
            assert await sent(db) == people * each
        finally:
            codes = [await p.stop() for p in processes]
    delivered = deliveries(fake)
    assert len(delivered) == people * each and set(delivered.values()) == {1}, "each check-in exactly once"
    assert in_order(fake), "each person's check-ins in queue order"
    assert codes == [0, 0], "the replicas shut down cleanly"
    assert len(senders(fake)) >= 2, f"the work was shared: {senders(fake)}"


async def test_a_replica_killed_mid_fanout_loses_nothing_and_duplicates_at_most_its_in_flight(
    pg_database_url: str, fake: FakeSlack, tmp_path: Path,
) -> None:
    people, each = 300, 2
    await migrate(pg_database_url)
    async with Database(pg_database_url) as db:
        await queue_fanout(db.sessions, "slack", TEAM, people, SystemClock().now(), per_person=each)
        doomed = start("serve", pg_database_url, fake, "doomed", tmp_path)
        await until(lambda: sum(deliveries(fake).values()) >= 150, 120, "the fan-out to be under way", fake)
        doomed.kill()
        await asyncio.sleep(0.5)  # requests already on the wire reach the fake
        taken_by_fake = set(deliveries(fake))
        recorded = await sent(db)
        in_flight = len(taken_by_fake) - recorded  # delivered to Slack, not yet recorded as sent
        assert 0 < len(taken_by_fake) < people * each, "killed mid fan-out"
        assert in_flight >= 0

        survivor = start("serve", pg_database_url, fake, "survivor", tmp_path)
        try:
            await until(lambda: len(deliveries(fake)) >= people * each, 150, "every check-in to arrive", fake)
            await asyncio.sleep(1.0)
            assert await sent(db) == people * each
        finally:
            assert await survivor.stop() == 0
    delivered = deliveries(fake)
    duplicates = sum(delivered.values()) - len(delivered)
    assert len(delivered) == people * each, "nothing lost"
    assert duplicates <= in_flight, f"{duplicates} duplicates, but only {in_flight} were in flight at the kill"
    assert in_order(fake)
