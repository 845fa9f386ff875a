"""The scheduler tick on both back ends: idempotent, safe to overlap, catches up once after
downtime, and the `tick` CLI sends a check-in once per instant.

2026-11-23 is a Monday; Europe/Berlin is UTC+1 then, so the default 16:30 check-in is 15:30Z.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from handlers.contract.incoming import Actor
from handlers.contract.messages import Address
from handlers.contract.ports import FixedClock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import run_due
from storage.models import CheckIn, Outbox, Person, Prompt
from tests.support import BERLIN, Database, FakeChat, actor, commit, migrate, utc

ROOT = Path(__file__).resolve().parent.parent
MONDAY_MORNING = utc(2026, 11, 23, 7, 0)  # 08:00 in Berlin
MONDAY_SLOT = utc(2026, 11, 23, 15, 30)  # 16:30 in Berlin


async def _counts(db: Database) -> tuple[int, int, int]:
    """Prompts, check-ins, and messages queued to be sent (edits of sent messages aside)."""
    return await db.count(Prompt), await db.count(CheckIn), await db.count(Outbox, Outbox.operation == "send")


async def _setup_reps(db: Database, n: int, at: datetime = MONDAY_MORNING) -> list[Actor]:
    """n reps in Berlin with one weekday commitment each (rep 1, Mona, has two)."""
    reps = [actor(i) for i in range(1, n + 1)]
    for rep in reps:
        reply = await commit(db.sessions, rep, "20 calls every weekday", at)
        assert "Logged #1" in reply, reply
    reply = await commit(db.sessions, reps[0], "update CRM daily", at)
    assert "Logged #2" in reply, reply
    return reps


# --------------------------------------------------------------------------
# idempotence


async def test_run_due_twice_at_one_instant_then_later_then_next_day(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        await _setup_reps(db, 2)
        assert await _counts(db) == (0, 0, 0)

        # before the slot: nothing is due
        await run_due(db.store, MONDAY_SLOT - timedelta(minutes=1))
        assert await _counts(db) == (0, 0, 0)

        at = MONDAY_SLOT + timedelta(minutes=1)
        first = await run_due(db.store, at)
        second = await run_due(db.store, at)
        assert first.prompts == 2 and second.prompts == 0
        # one prompt per rep, one check-in per due commitment (Mona has two), one message per prompt
        assert await _counts(db) == (2, 3, 2)
        checkins = await db.all(CheckIn, order_by=CheckIn.id)
        assert {c.period for c in checkins} == {"2026-11-23"}
        assert all(c.due_at == MONDAY_SLOT for c in checkins)
        outbox = await db.all(Outbox, order_by=Outbox.id)
        assert len(outbox) == 2  # nothing else was queued
        prompts = await db.all(Prompt, order_by=Prompt.id)
        assert sorted(r.dedupe_key for r in outbox) == sorted(f"prompt:{p.id}" for p in prompts)

        # an hour later: nothing new
        await run_due(db.store, at + timedelta(hours=1))
        assert await _counts(db) == (2, 3, 2)

        # the next day (Tuesday): the next day's, once
        tuesday = at + timedelta(days=1)
        assert (await run_due(db.store, tuesday)).prompts == 2
        assert (await run_due(db.store, tuesday)).prompts == 0
        assert await _counts(db) == (4, 6, 4)
        periods = sorted(c.period for c in await db.all(CheckIn))
        assert periods == ["2026-11-23"] * 3 + ["2026-11-24"] * 3
        # Monday's unanswered check-ins were closed when Monday ended
        monday = await db.all(CheckIn, CheckIn.period == "2026-11-23")
        assert all(c.status == "no_answer" and c.settled_at is not None for c in monday)
        # ... and anything else queued since is an edit of Monday's messages, not a new message
        edits = await db.all(Outbox, Outbox.operation != "send")
        assert {(e.operation, e.message_key) for e in edits} <= {("update", f"prompt:{p.id}") for p in prompts}


async def test_overlapping_ticks_create_each_row_once(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as setup:
        await _setup_reps(setup, 5)
    at = MONDAY_SLOT + timedelta(minutes=1)
    # four "processes", each with its own engine and session factory
    processes = [Database(database_url) for _ in range(4)]
    try:
        first = await asyncio.gather(*(run_due(p.store, at) for p in processes))
        again = await asyncio.gather(*(run_due(p.store, at) for p in processes))
    finally:
        for p in processes:
            await p.engine.dispose()
    assert sum(r.prompts for r in first) == 5 and sum(r.prompts for r in again) == 0
    async with Database(database_url) as db:
        assert await _counts(db) == (5, 6, 5)
        prompts = await db.all(Prompt)
        assert len({p.person_id for p in prompts}) == 5
        checkins = await db.all(CheckIn)
        assert len({(c.commitment_id, c.period) for c in checkins}) == 6
        people = await db.all(Person)
        assert all(p.next_checkin_at == MONDAY_SLOT + timedelta(days=1) for p in people)


async def test_two_dispatchers_send_each_message_once(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as setup:
        reps = [actor(i) for i in range(1, 21)]
        for rep in reps:
            await commit(setup.sessions, rep, "20 calls every weekday", MONDAY_MORNING)
        at = MONDAY_SLOT + timedelta(minutes=1)
        await run_due(setup.store, at)
        assert await setup.count(Outbox, Outbox.status == "pending") == 20

    chats = [FakeChat(), FakeChat()]
    replicas = [Database(database_url) for _ in chats]
    try:
        dispatchers = [
            Dispatcher(r.store, {"test": chat}, FixedClock(at), concurrency=4) for r, chat in zip(replicas, chats)
        ]
        await asyncio.gather(*(d.drain(real_sleep=False) for d in dispatchers))
    finally:
        for r in replicas:
            await r.engine.dispose()

    delivered = [d.to.user_id for chat in chats for d in chat.sent]
    assert sorted(delivered) == sorted(rep.address.user_id for rep in reps)  # each exactly once
    assert all(len(chat.attempts) == len(chat.sent) for chat in chats)  # no failed sends
    async with Database(database_url) as db:
        rows = await db.all(Outbox)
        assert [r.status for r in rows] == ["sent"] * 20
        assert all(r.attempts == 1 and r.platform_ref for r in rows)


# --------------------------------------------------------------------------
# catch-up after downtime


@pytest.mark.parametrize(
    ("tick_at", "expected_periods"),
    [
        # Thursday 17:00 Berlin: today's slot has passed and the day goes on -> today's only
        (utc(2026, 11, 26, 16, 0), ["2026-11-26"]),
        # Thursday 10:00 Berlin: Mon-Wed are over, today's slot is still ahead -> nothing
        (utc(2026, 11, 26, 9, 0), []),
        # Thursday 23:59 Berlin: last minute of the day -> today's still
        (utc(2026, 11, 26, 22, 59), ["2026-11-26"]),
        # Saturday noon: the last slot (Friday) is on a day that has ended -> nothing
        (utc(2026, 11, 28, 11, 0), []),
    ],
    ids=["thu-after-slot", "thu-before-slot", "thu-last-minute", "saturday"],
)
async def test_catch_up_after_downtime_asks_once_and_only_about_today(
    database_url: str, tick_at: datetime, expected_periods: list[str]
) -> None:
    await migrate(database_url)
    chat = FakeChat()
    async with Database(database_url) as db:
        await commit(db.sessions, actor(1), "20 calls every weekday", MONDAY_MORNING)
        clock = FixedClock(tick_at)
        dispatcher = Dispatcher(db.store, {"test": chat}, clock)

        await run_due(db.store, tick_at)
        await dispatcher.drain(real_sleep=False)
        assert len(chat.sent) == len(expected_periods)
        assert sorted(c.period for c in await db.all(CheckIn)) == expected_periods
        if expected_periods:
            day = date.fromisoformat(expected_periods[0])
            assert f"{day:%-d %b}" in chat.sent[0].message.plain_text

        # a second tick (same instant, or a minute later) sends nothing more
        for again in (tick_at, tick_at + timedelta(minutes=1)):
            clock.set(again)
            await run_due(db.store, again)
            await dispatcher.drain(real_sleep=False)
        assert len(chat.sent) == len(expected_periods)
        assert await db.count(Prompt) == len(expected_periods)

        # and the schedule resumes: the next slot is the next weekday's 16:30 after the tick
        mona = (await db.all(Person))[0]
        assert mona.next_checkin_at is not None and mona.next_checkin_at > tick_at
        assert mona.next_checkin_at - tick_at <= timedelta(days=3)


# --------------------------------------------------------------------------
# the `tick` command line


def _run_tick(database_url: str, at: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "TZ": BERLIN}
    return subprocess.run(
        [sys.executable, "app.py", "tick", "--at", at],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


async def test_tick_cli_sends_a_check_in_once(database_url: str) -> None:
    await migrate(database_url)
    mona = Actor(Address("console", "local", "mona"), "Mona", BERLIN)
    async with Database(database_url) as db:
        reply = await commit(db.sessions, mona, "20 calls every weekday", MONDAY_MORNING)
        assert "Logged #1" in reply, reply

    first = await asyncio.to_thread(_run_tick, database_url, "2026-11-23T15:31:00Z")
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stdout.splitlines() if line.startswith("bot → ")]
    assert len(lines) == 1 and lines[0].startswith("bot → mona:"), first.stdout
    assert "20 calls" in first.stdout and "Yes" in first.stdout and "No" in first.stdout

    second = await asyncio.to_thread(_run_tick, database_url, "2026-11-23T15:31:00Z")
    assert second.returncode == 0, second.stderr
    assert "bot →" not in second.stdout, second.stdout

    async with Database(database_url) as db:
        rows = await db.all(Outbox)
        assert [r.status for r in rows] == ["sent"]
        assert await db.count(CheckIn) == 1


async def test_a_tick_forgets_delivery_ids_older_than_two_days(sqlite_database_url: str) -> None:
    from storage.models import ProcessedEvent

    await migrate(sqlite_database_url)
    now = utc(2026, 11, 23, 12, 0)
    async with Database(sqlite_database_url) as db:
        async with db.sessions() as s, s.begin():
            s.add(ProcessedEvent(platform="slack", event_id="Ev-old", received_at=now - timedelta(days=2, minutes=1)))
            s.add(ProcessedEvent(platform="teams", event_id="recent", received_at=now - timedelta(hours=47)))
        await run_due(db.store, now)
        assert [e.event_id for e in await db.all(ProcessedEvent)] == ["recent"]
