"""Keeps a dispatcher sending while the outbox has work: passes overlap, so a fan-out of
thousands goes out at each workspace's pace without a pause between batches.

`run()` claims a batch (whole recipients, scheduler/dispatcher.py), starts sending it, and
claims the next one at once, until every workspace has at least half of `AHEAD` seconds of
sends held (`REFILL`; a claim then tops it up by up to a batch) or `MAX_HELD` rows are held in
all; a workspace that has enough is left out of the next claim, so one slow workspace never
takes every slot from the others. Seconds of sends are counted at
the pace this process really sends at (the lower of the workspace's pace and the sends that
succeeded over the last two seconds; one batch until it has sent any): a pace far above what
the process achieves would otherwise hold minutes of sends, which other replicas could have
sent and whose leases must be renewed all the while. When a claim finds nothing it waits a
moment (`IDLE`) or until a pass ends, and once nothing is held and nothing is due it returns;
a claim that would leave out the same workspaces as one that found nothing less than `IDLE`
ago is not made (each claim reads the queue). Rows held while they wait for their turn keep
their lease (each pass renews its own); a process killed meanwhile only delays them by a lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from scheduler.dispatcher import Dispatcher, DispatchReport
from storage.models import Outbox

log = logging.getLogger(__name__)

AHEAD = 10.0
"""Seconds of sends, at the pace this process sends at, to hold claimed ahead of time."""
MIN_AHEAD_ROWS = 20
FIRST_AHEAD_ROWS = 200
"""Rows a workspace may have held before this process has any sends of its own to go by."""
MAX_HELD = 10_000
"""Rows held in all at most: ten tenants at Teams' 50 a second hold 5,000 (below this, a cap
starves the workspaces claimed last)."""
REFILL = 0.5
"""A workspace is claimed for again once it holds less than this share of its `AHEAD` seconds:
fewer, fuller claims (each one reads the queue), not one claim for every row that settles."""
IDLE = 0.5


class Pump:
    """Runs overlapping dispatch passes for one dispatcher."""

    def __init__(self, dispatcher: Dispatcher, *, idle: float = IDLE) -> None:
        self._dispatcher = dispatcher
        self._idle = idle
        self._held: Counter[tuple[str, str]] = Counter()
        self._passes: set[asyncio.Task[DispatchReport]] = set()
        self._wake = asyncio.Event()
        self._found_nothing: tuple[frozenset[tuple[str, str]], float] | None = None
        self.report = DispatchReport()

    def _full(self) -> set[tuple[str, str]]:
        """The workspaces that have enough rows held (more than `REFILL` of `_enough`)."""
        return {key for key, held in self._held.items() if held >= self._enough(key) * REFILL}

    def _enough(self, key: tuple[str, str]) -> float:
        """Rows to hold for a workspace: `AHEAD` seconds at the pace it really goes at here."""
        pace = self._dispatcher.pacing.pace(*key)
        observed = pace.observed()
        if observed is None:
            return max(MIN_AHEAD_ROWS, min(FIRST_AHEAD_ROWS, pace.rate * AHEAD))
        return max(MIN_AHEAD_ROWS, min(pace.rate, observed) * AHEAD)

    def _just_found_nothing(self, skip: frozenset[tuple[str, str]]) -> bool:
        if self._found_nothing is None:
            return False
        left_out, when = self._found_nothing
        return left_out == skip and asyncio.get_running_loop().time() - when < self._idle

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
                skip = frozenset(self._full())
                if sum(self._held.values()) < MAX_HELD and not self._just_found_nothing(skip):
                    try:
                        rows = await self._dispatcher.claim(skip=skip)
                    except Exception:  # the database blinked: the next round tries again
                        log.exception("claiming outbox rows failed")
                    self._found_nothing = None if rows else (skip, asyncio.get_running_loop().time())
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
