"""APScheduler 3 wiring: a few fixed in-memory interval jobs; the database holds all state.

A job that finds the database unreachable logs one line and ends; the next run (a minute for
the tick, a second for the outbox) tries again, so both resume by themselves when it is back,
and the tick catches up what fell due meanwhile. Each tick is reported to `Metrics`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import DBAPIError

from handlers.contract.metrics import NO_METRICS, Metrics
from handlers.contract.ports import Clock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import run_due
from scheduler.pump import Pump
from storage.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


def build_scheduler(
    store: Store, dispatcher: Dispatcher, clock: Clock, tick_seconds: int = 60, metrics: Metrics = NO_METRICS,
) -> AsyncIOScheduler:
    """An AsyncIOScheduler with the tick and the outbox jobs; call `.start()` inside a running loop."""

    async def tick() -> None:
        started, now = time.perf_counter(), clock.now()
        try:
            report = await run_due(store, now)
        except StoreUnavailable as error:
            metrics.tick(now, time.perf_counter() - started, 0, ok=False)
            log.warning("tick skipped, the database is unavailable (the next one catches up): %s", error)
            return
        metrics.tick(now, time.perf_counter() - started, report.prompts, ok=True)
        if report.prompts or report.closed or report.digests:
            log.info("tick: %s", report)

    sending: list[asyncio.Task[None]] = []

    async def pump() -> None:
        try:
            await Pump(dispatcher).run()
        except (StoreUnavailable, OSError, DBAPIError) as error:
            log.warning("outbox pass stopped, the database is unavailable (the next one resumes): %s", error)

    async def send() -> None:
        """Start a pump (scheduler/pump.py: sends until the outbox is idle) unless one runs."""
        if not sending or sending[-1].done():
            sending[:] = [asyncio.create_task(pump())]

    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(tick, "interval", seconds=tick_seconds, id="tick", next_run_time=datetime.now(UTC), **common)
    scheduler.add_job(send, "interval", seconds=1, id="outbox", **common)
    return scheduler
