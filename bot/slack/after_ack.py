"""The work Slack's listeners do after their ack that need not survive a crash (App Home
refreshes: a lost one is redone at the next open), bounded: a queue of at most `capacity` jobs
run by a fixed number of workers on the event loop. (Commands, clicks and DMs go through the
durable inbox instead: `inbox_work.py`. The work-queue gauge reports that one.)

Why bounded: a burst would otherwise pile up work without limit, until the work after earlier
acks keeps the loop from acking the next request within Slack's 3 seconds. When the queue is
full, `submit` says so (and the job is dropped, or `offer` runs its `busy` fallback).

Usage::

    work = AfterAck(capacity=200, workers=4)
    if not work.submit(lambda: refresh(page), kind="home"):
        ...                                   # full: refreshed at the next open instead
    await work.wait_idle(10.0)                # on shutdown: let accepted work finish
    await work.close()
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from handlers.contract.metrics import NO_METRICS, Metrics

log = logging.getLogger(__name__)

WARN_EVERY = 10.0
"""Seconds between log lines about requests turned away."""

Job = Callable[[], Awaitable[None]]


class AfterAck:
    """A bounded queue of after-ack jobs and the fixed pool of workers that run them."""

    def __init__(self, capacity: int, workers: int, metrics: Metrics = NO_METRICS, platform: str = "slack") -> None:
        self.capacity = max(capacity, 1)
        self._workers = max(workers, 1)
        self._metrics = metrics
        self._platform = platform
        self._queue: asyncio.Queue[tuple[str, Job]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0
        self._bodies = 0
        self._busy_since_warning = 0
        self._warned_at: float | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        """Listener bodies running, plus jobs accepted and not yet finished (queued or running)."""
        return (self._queue.qsize() if self._queue is not None else 0) + self._running + self._bodies

    @contextmanager
    def working(self) -> Iterator[None]:
        """Counts one listener body as in flight. Enter it synchronously, before the listener's
        first await, so the work is counted from the moment bolt's task starts it."""
        self._bodies += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._bodies -= 1
            if self.pending == 0:
                self._idle.set()

    def has_room(self, kind: str) -> bool:
        """Whether a job would be accepted now; a False is counted as a request turned away."""
        if self._queue is not None and self._queue.full():
            self._turned_away(kind)
            return False
        return True

    async def offer(self, kind: str, job: Job, busy: Job | None) -> None:
        """Queue `job`; when the queue is full, run `busy` (tell the person to try again) instead."""
        if not self.submit(job, kind) and busy is not None:
            try:
                await busy()
            except Exception:
                log.warning("could not tell the person that the bot was busy", exc_info=True)

    def submit(self, job: Job, kind: str) -> bool:
        """Queue `job`; False (and nothing queued) when the queue is full."""
        if self._queue is None:
            self._queue = asyncio.Queue(self.capacity)
            self._tasks = [asyncio.create_task(self._work(self._queue), name=f"after-ack-{n}") for n in range(self._workers)]
        try:
            self._queue.put_nowait((kind, job))
        except asyncio.QueueFull:
            self._turned_away(kind)
            return False
        self._idle.clear()
        return True

    def _turned_away(self, kind: str) -> None:
        """Count a request turned away; log it, at most once every `WARN_EVERY` seconds (a flood
        of busy answers must not become a flood of log lines)."""
        self._metrics.busy(self._platform, kind)
        self._busy_since_warning += 1
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
            log.warning("too busy: %s request(s) asked to try again (work queue of %s full)", self._busy_since_warning,
                        self.capacity, extra={"action": kind})
            self._warned_at, self._busy_since_warning = now, 0

    async def _work(self, queue: asyncio.Queue[tuple[str, Job]]) -> None:
        while True:
            kind, job = await queue.get()
            self._running += 1
            try:
                await job()
            except Exception:  # one job's failure must not stop the worker
                log.exception("work after a Slack %s ack failed", kind)
            finally:
                self._running -= 1
                queue.task_done()
                if self.pending == 0:
                    self._idle.set()

    async def wait_idle(self, timeout: float) -> None:
        """Return once every accepted job has finished; `TimeoutError` after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while self.pending:
                self._idle.clear()
                await self._idle.wait()

    async def close(self) -> None:
        """Stop the workers (jobs still queued are dropped: call `wait_idle` first)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._tasks = []
