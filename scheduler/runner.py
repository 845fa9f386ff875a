"""APScheduler 3 wiring: a few fixed in-memory interval jobs; the database holds all state."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from handlers.contract.ports import Clock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import run_due
from storage.store import Store

log = logging.getLogger(__name__)


def build_scheduler(
    store: Store, dispatcher: Dispatcher, clock: Clock, tick_seconds: int = 60
) -> AsyncIOScheduler:
    """An AsyncIOScheduler with the tick and the outbox jobs; call `.start()` inside a running loop."""

    async def tick() -> None:
        report = await run_due(store, clock.now())
        if report.prompts or report.closed or report.digests:
            log.info("tick: %s", report)

    async def send() -> None:
        await dispatcher.dispatch_once()

    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(tick, "interval", seconds=tick_seconds, id="tick", next_run_time=datetime.now(UTC), **common)
    scheduler.add_job(send, "interval", seconds=5, id="outbox", **common)
    return scheduler
