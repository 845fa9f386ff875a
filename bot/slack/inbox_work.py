"""The work after Slack's ack, from the durable inbox (`handlers.inbox`): listeners `put` a
request (the payload bolt parsed, its response_url) and ack; a few workers on the same event
loop claim rows in arrival order, each sender's one at a time, run the work, and take each row
out when it is done. A burst therefore waits on disk, not in memory, however long it lasts;
and what Slack was told we took survives a crash (a claimed row whose process died is claimed
again once its lease runs out; its delivery id drops a replay of work that was finished).

A row whose work raised is tried again a few times, a little later each time, then dropped with
a log line and a reply to the person that it didn't go through. When the database is down during
the work, the worker tries again for a few seconds (a blip goes unnoticed); after that the person
hears "try again in a minute" and the row is taken out as soon as the database lets it.

Usage::

    work = InboxWork(inbox, run, failed, workers=4)
    row_id = await work.put("command", team, user, {"body": body}, response_url)
    await work.wait_idle(10.0)     # tests: until every row this process wrote is done
    await work.close(10.0)         # shutdown: finish what runs, drain what is waiting, then stop
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from enum import StrEnum
from typing import Any

from handlers.contract.metrics import NO_METRICS, Metrics
from handlers.inbox import Inbox, InboxItem, InboxUnavailable

log = logging.getLogger(__name__)

ATTEMPTS = 3
"""Tries of a row whose work raises, before it is dropped (and the person told)."""
POLL_SECONDS = 1.0
"""How often idle workers look for rows another process wrote, or whose lease ran out."""
DOWN_BACKOFF = (0.5, 1.0, 2.0, 4.0)
"""Seconds between tries while the database is down (the last one repeats)."""
DOWN_PATIENCE = 3.0
"""Seconds a row's work is retried while the database is down before the person is told."""
ACKS_FIRST_WAIT = 5.0
"""While requests wait for their ack, workers start at most one row at a time, each after
waiting up to this many seconds for a gap in the requests: the acks come first (a row's work
on the same loop would hold up every ack that arrives meanwhile), the backlog waits on disk,
and it still moves under a flood that never pauses."""
ACKS_FIRST_STEP = 0.005


class Outcome(StrEnum):
    DONE = "done"
    STORE_DOWN = "store_down"
    """The database was down: nothing was saved and nothing was said; try again later."""


Run = Callable[[InboxItem], Awaitable[Outcome]]
Failed = Callable[[InboxItem, bool], Awaitable[None]]
"""Tells the person their request didn't go through (the flag: because the database is down)."""


class InboxWork:
    """The inbox rows this process writes and the workers that claim and run them."""

    def __init__(self, inbox: Inbox, run: Run, failed: Failed, *, workers: int, metrics: Metrics = NO_METRICS) -> None:
        self.acking: Callable[[], int] = lambda: 0
        """How many requests are waiting for their ack now (the platform sets it)."""
        self.inbox = inbox
        self._run = run
        self._failed = failed
        self._limit = max(workers, 1)
        self._metrics = metrics
        self._putting = 0
        self._written: set[int] = set()
        self._active: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pending(self) -> int:
        """Rows being written, written here and not yet done, and rows being worked on."""
        return self._putting + len(self._written | self._active.keys())

    @property
    def working(self) -> int:
        """Rows being worked on now (at most `workers`): all the after-ack work held in memory."""
        return len(self._active)

    def start(self) -> None:
        """Start claiming (at start-up: rows left by a process that stopped are picked up)."""
        if self._loop is None and not self._stopping:
            self._loop = asyncio.create_task(self._claiming(), name="slack-inbox")

    async def put(self, kind: str, workspace_id: str, user_id: str, payload: dict[str, Any], response_url: str | None) -> int:
        """Write a request to the inbox; its row id. `InboxUnavailable` when the database is down."""
        self._putting += 1
        self._idle.clear()
        try:
            row_id = await self.inbox.put(kind, workspace_id, user_id, payload, response_url)
        finally:
            self._putting -= 1
        self._written.add(row_id)
        self._changed()
        self.start()
        self._wake.set()
        return row_id

    async def withdraw_when_written(self, writing: asyncio.Future[int]) -> None:
        """A write that was given up on (too slow for the ack) and may still land: take it back out."""
        with suppress(Exception):
            row_id = await writing
            await self.inbox.withdraw(row_id)
            self._written.discard(row_id)
            self._changed()

    def _changed(self) -> None:
        self._metrics.queued(self.inbox.platform, self.pending)
        if self.pending == 0:
            self._idle.set()
        else:
            self._idle.clear()

    async def _claiming(self) -> None:
        while True:
            try:
                await self._claim_and_run()
                return
            except Exception:  # a bug must not stop the workers for good
                log.exception("the Slack inbox's claim loop failed; starting it again")
                await asyncio.sleep(POLL_SECONDS)

    async def _claim_and_run(self) -> None:
        down = 0
        while True:
            if self.acking() and not self._stopping:
                await self._acks_first()
            self._wake.clear()
            room = (1 if self.acking() else self._limit) - len(self._active)
            claimed: list[InboxItem] = []
            if room > 0 and not (self._stopping and not self._written):
                try:
                    claimed = await self.inbox.claim(room)
                    down = 0
                except InboxUnavailable:
                    log.warning("the inbox can't be read (database unavailable); trying again shortly")
                    await asyncio.sleep(DOWN_BACKOFF[min(down, len(DOWN_BACKOFF) - 1)])
                    down += 1
                    continue
            for item in claimed:
                task = asyncio.create_task(self._one(item), name=f"slack-inbox-{item.id}")
                self._active[item.id] = task
                self._changed()
            if claimed:
                continue
            if self._stopping and not self._active:
                return
            with suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()

    async def _acks_first(self) -> None:
        """Wait (up to `ACKS_FIRST_WAIT`) until no request waits for its ack and no row is worked on."""
        until = time.monotonic() + ACKS_FIRST_WAIT
        while (self.acking() or self._active) and time.monotonic() < until:
            await asyncio.sleep(ACKS_FIRST_STEP)

    async def _one(self, item: InboxItem) -> None:
        try:
            await self._work(item)
        finally:
            self._active.pop(item.id, None)
            self._changed()
            self._wake.set()

    async def _work(self, item: InboxItem) -> None:
        started = time.monotonic()
        while True:
            try:
                outcome = await self._run(item)
            except Exception:
                log.exception("work on Slack %s (inbox row %s, try %s of %s) failed", item.kind, item.id, item.attempts + 1, ATTEMPTS)
                await self._after_failure(item)
                return
            if outcome is Outcome.DONE or not await self._may_run_again(item, started):
                await self._finish(item)
                return

    async def _may_run_again(self, item: InboxItem, started: float) -> bool:
        """The database was down mid-work: wait for it and run again (work that did commit before
        the failure is then dropped as a replay: its delivery id was recorded in the same
        transaction); after `DOWN_PATIENCE` seconds, tell the person to try again instead (False)."""
        tries = 0
        while time.monotonic() - started < DOWN_PATIENCE:
            await asyncio.sleep(DOWN_BACKOFF[min(tries, len(DOWN_BACKOFF) - 1)])
            tries += 1
            try:
                await self.inbox.depth()
                return True
            except InboxUnavailable:
                continue
        await self._tell(item, store_down=True)
        return False

    async def _tell(self, item: InboxItem, *, store_down: bool) -> None:
        try:
            await self._failed(item, store_down)
        except Exception:
            log.warning("could not tell %s/%s that their request didn't go through", item.workspace_id, item.user_id, exc_info=True)

    async def _finish(self, item: InboxItem) -> None:
        """Take the row out, trying while the database is down for up to half the lease (after the
        lease, the row would be claimed again)."""
        tries, deadline = 0, time.monotonic() + self.inbox.lease.total_seconds() / 2
        while True:
            try:
                await self.inbox.done(item)
                break
            except InboxUnavailable:
                if time.monotonic() >= deadline:
                    log.warning("could not take inbox row %s out; it will be claimed again after its lease", item.id)
                    break
                await asyncio.sleep(DOWN_BACKOFF[min(tries, len(DOWN_BACKOFF) - 1)])
                tries += 1
        self._written.discard(item.id)

    async def _after_failure(self, item: InboxItem) -> None:
        if item.attempts + 1 < ATTEMPTS:
            with suppress(InboxUnavailable):
                await self.inbox.retry_later(item, timedelta(seconds=2 ** item.attempts))
                return
        log.error("gave up on Slack %s from %s/%s (inbox row %s) after %s tries; the person was told",
                  item.kind, item.workspace_id, item.user_id, item.id, item.attempts + 1,
                  extra={"workspace": item.workspace_id, "action": item.kind})
        await self._tell(item, store_down=False)
        await self._finish(item)

    async def wait_idle(self, timeout: float) -> None:
        """Return once every row this process wrote is done; `TimeoutError` after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while self.pending:
                self._idle.clear()
                await self._idle.wait()

    async def close(self, grace: float) -> None:
        """Stop taking new rows once those this process wrote are done (for up to `grace`
        seconds); what is left waits in the inbox for the next process."""
        self._stopping = True
        self._wake.set()
        deadline = time.monotonic() + grace
        if self._loop is not None:
            with suppress(TimeoutError):
                async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
                    await asyncio.shield(self._loop)
            self._loop.cancel()
        for task in list(self._active.values()):
            task.cancel()
        if self._active:
            await asyncio.wait(list(self._active.values()))
