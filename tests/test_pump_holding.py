"""How much of the queue one process holds while it sends, through the real Pump, Dispatcher
and repositories, on SQLite and PostgreSQL: about ten seconds of the sends it really makes,
not of what the workspace's pace would allow, so that other processes find the rest of a
fan-out free (and a process renews leases only on what it will soon send)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import func, select

from benchmarks.fanout_world import queue_fanout
from handlers.contract.messages import Address, Message
from handlers.contract.ports import FixedClock
from scheduler.dispatcher import Dispatcher
from scheduler.pump import AHEAD, FIRST_AHEAD_ROWS, Pump
from storage.models import Outbox
from storage.states import OutboxStatus
from tests.support import PLATFORM, Database, FakeChat, migrate
from tests.test_outbox_fencing import AT

QUEUED = 1000
SEND_SECONDS = 0.05
"""Each send takes this long, one at a time: about 20 a second, far below the pace's 1000."""


@dataclass
class SlowChat(FakeChat):
    """A platform that takes `SEND_SECONDS` for each message."""

    async def send(self, to: Address, message: Message) -> str:
        await asyncio.sleep(SEND_SECONDS)
        return await super().send(to, message)


async def held(db: Database) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == OutboxStatus.SENDING)) or 0)


async def test_a_process_holds_seconds_of_its_own_sends_not_of_the_workspaces_pace(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        await queue_fanout(db.sessions, PLATFORM, "T1", QUEUED, AT)
        chat = SlowChat(rate=1000.0)
        pump = Pump(Dispatcher(db.store, {PLATFORM: chat}, FixedClock(AT), concurrency=1))
        running = asyncio.create_task(pump.run())
        loop = asyncio.get_running_loop()
        most, until = 0, loop.time() + 4.0
        try:
            while loop.time() < until:
                most = max(most, await held(db))
                await asyncio.sleep(0.1)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    sent = len(chat.sent)
    rate = sent / 4.0
    assert 20 <= sent < QUEUED / 4, f"the sends went at the platform's speed ({sent} in 4 s)"
    # At the pace (1000/s) it would have held all 1,000 at once; it holds one batch at first and
    # then about AHEAD seconds of what it really sends, plus the batch being sent.
    assert most <= max(FIRST_AHEAD_ROWS, rate * 2 * AHEAD) + FIRST_AHEAD_ROWS < QUEUED, f"held {most} of {QUEUED}"
