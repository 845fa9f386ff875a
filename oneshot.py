"""The operator commands that run once and exit: `tick` (one scheduler pass, then send what it
queued), `report` (the leader report) and `teams-package` (the Teams app package). app.py
parses the command line and hands them the settings and, where needed, its platform builder."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from handlers.context import Context
from handlers.contract.ports import ChatAdapter
from settings import Settings
from storage.store import Store

log = logging.getLogger("followthrough")


class Sender(Protocol):
    """What `tick` needs of a configured chat platform (app.Platform has more)."""

    @property
    def adapter(self) -> ChatAdapter: ...

    async def close(self) -> None: ...


PlatformBuilder = Callable[[Settings, Context], Sequence[Sender]]


async def run_tick(settings: Settings, at: datetime | None, build_platforms: PlatformBuilder) -> int:
    """One scheduler pass now (or as if at `at`), then send everything it queued."""
    from bot.console.adapter import ConsoleChat, ConsoleOutput, machine_zone
    from handlers.contract.ports import FixedClock, SystemClock
    from scheduler.dispatcher import Dispatcher
    from scheduler.jobs import run_due
    from storage.db import make_engine, make_sessionmaker

    clock = FixedClock(at) if at is not None else SystemClock()
    engine = make_engine(settings.database_url)
    store = Store(make_sessionmaker(engine))
    platforms = build_platforms(settings, Context(store=store, clock=clock, forms=True))
    try:
        report = await run_due(store, clock.now())
        output = ConsoleOutput(sys.stdout, FixedClock(clock.now()), machine_zone())
        adapters: dict[str, ChatAdapter] = {"console": ConsoleChat(output)}
        adapters.update({p.adapter.platform: p.adapter for p in platforms})
        dispatcher = Dispatcher(store, adapters, clock, settings.outbox_concurrency, lease=settings.outbox_lease)
        sent = await dispatcher.drain(real_sleep=at is None)
        log.info(
            "tick at %s: %s; sent %s, retried %s, failed %s, lost to another sender %s",
            clock.now().isoformat(), report, sent.sent, sent.retried, sent.failed, sent.lost,
        )
    finally:
        for platform in platforms:
            await platform.close()
        await engine.dispose()
    return 0


def run_teams_package(settings: Settings, out: str) -> int:
    """Write the Teams app package (manifest and icons) to upload in Teams."""
    from pathlib import Path

    from bot.teams.package import build_package

    try:
        path = build_package(settings, Path(out))
    except ValueError as error:
        print(f"can't build the Teams package: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


async def run_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the leader report (`handlers.report.run` says what, and the exit status)."""
    from handlers.report import run
    from storage.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        status, text = await run(Store(make_sessionmaker(engine)), datetime.now(UTC), args.since, args.until, args.team, args.format)
    finally:
        await engine.dispose()
    (sys.stdout if status == 0 else sys.stderr).write(text)
    return status
