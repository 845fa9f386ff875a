"""Keeps a dispatcher sending while the outbox has work: passes overlap, so a fan-out of
thousands goes out at each workspace's pace without a pause between batches.

`run()` claims a batch (whole recipients, scheduler/dispatcher.py), starts sending it, and
claims the next one at once, until every workspace has about `AHEAD` seconds of sends held
(at its current pace) or `MAX_HELD` rows are held in all; a workspace that has enough is left
out of the next claim, so one slow workspace never takes every slot from the others. When a
claim finds nothing it waits a moment (`IDLE`) or until a pass ends, and once nothing is held
and nothing is due it returns. Rows held while they wait for their turn keep their lease
(each pass renews its own); a process killed meanwhile only delays them by a lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from scheduler.dispatcher import Dispatcher, DispatchReport
from storage.models import Outbox

log = logging.getLogger(__name__)

AHEAD = 10.0
"""Seconds of sends, at a workspace's pace, to hold claimed ahead of time."""
MIN_AHEAD_ROWS = 20
MAX_HELD = 4000
IDLE = 0.5


class Pump:
    """Runs overlapping dispatch passes for one dispatcher."""

    def __init__(self, dispatcher: Dispatcher, *, idle: float = IDLE) -> None:
        self._dispatcher = dispatcher
        self._idle = idle
        self._held: Counter[tuple[str, str]] = Counter()
        self._passes: set[asyncio.Task[DispatchReport]] = set()
        self._wake = asyncio.Event()
        self.report = DispatchReport()

    def _full(self) -> set[tuple[str, str]]:
        """The workspaces that have enough rows held."""
        pacing = self._dispatcher.pacing
        return {
            key for key, held in self._held.items()
            if held >= max(MIN_AHEAD_ROWS, pacing.pace(*key).rate * AHEAD)
        }

    def _settled(self, row: Outbox) -> None:
        key = (row.platform, row.workspace_id)
        self._held[key] -= 1
        if self._held[key] <= 0:
            del self._held[key]

    def _ended(self, task: asyncio.Task[DispatchReport]) -> None:
        self._passes.discard(task)
        if not task.cancelled() and task.exception() is None:
            self.report += task.result()
        elif not task.cancelled():
            log.error("an outbox pass failed", exc_info=task.exception())
        self._wake.set()

    async def run(self) -> DispatchReport:
        """Send until nothing is held and nothing is due; returns what happened."""
        try:
            while True:
                rows: list[Outbox] = []
                if sum(self._held.values()) < MAX_HELD:
                    try:
                        rows = await self._dispatcher.claim(skip=self._full())
                    except Exception:  # the database blinked: the next round tries again
                        log.exception("claiming outbox rows failed")
                if rows:
                    for row in rows:
                        self._held[(row.platform, row.workspace_id)] += 1
                    task = asyncio.create_task(self._dispatcher.send_claimed(rows, self._settled))
                    self._passes.add(task)
                    task.add_done_callback(self._ended)
                    continue
                if not self._passes:
                    return self.report
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle)
                except TimeoutError:
                    pass
        finally:
            for task in list(self._passes):
                task.cancel()
            if self._passes:
                await asyncio.wait(list(self._passes))
