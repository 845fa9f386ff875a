"""The inbox's workers and the acks share one event loop, so a row worked on while requests wait
for their ack holds those acks up. The policy (`bot.slack.inbox_work`): while any request waits for
its ack, no row is started until the requests pause, or until `ACKS_FIRST_WAIT` of a flood that
never pauses has passed (then one row at a time), so the backlog waits on disk but still moves.

`acking` is the platform's hook (bot/slack/platform.py sets it to the requests it is answering);
here the test sets it, as a flood of requests would, and `run` records the work."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.slack import inbox_work
from bot.slack.inbox_work import InboxWork, Outcome
from handlers.contract.ports import FixedClock
from handlers.inbox import Inbox, InboxItem
from tests.support import Database, migrate, utc

WAIT = 1.0


async def until(condition: object, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_work, "ACKS_FIRST_WAIT", WAIT)


async def test_rows_wait_while_requests_wait_for_their_ack_and_move_once_they_pause(tmp_path: Path, short_wait: None) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await migrate(url)
    async with Database(url) as db:
        done: list[str] = []

        async def run(item: InboxItem) -> Outcome:
            done.append(item.user_id)
            return Outcome.DONE

        async def failed(item: InboxItem, store_down: bool) -> None:
            raise AssertionError(f"nothing fails here: {item}")

        work = InboxWork(Inbox(db.store, FixedClock(utc(2026, 12, 7, 9)), "slack", timedelta(seconds=60)), run, failed, workers=4)
        waiting_for_ack = [1]
        work.acking = lambda: waiting_for_ack[0]
        for user in ("U1", "U2", "U3"):
            await work.put("command", "T1", user, {"body": {}}, None)

        await asyncio.sleep(WAIT / 3)
        assert done == [], "no row starts while a request waits for its ack"

        await until(lambda: len(done) >= 1, timeout=WAIT * 10)
        assert len(done) < 3, "a flood that never pauses still moves the backlog, one row at a time"

        waiting_for_ack[0] = 0  # the requests pause
        await until(lambda: len(done) == 3, timeout=10)
        assert sorted(done) == ["U1", "U2", "U3"]
        await work.wait_idle(10)
        assert await work.inbox.depth() == 0
        await work.close(5)
