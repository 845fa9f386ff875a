"""Benchmark: one scheduler tick's cost grows with what is due, not with how many reps exist.

For several population sizes (reps whose next check-in is spread over a week) with the
same number due now, time `run_due(now)` and then the outbox drain through a no-op
adapter. Prints the figures; runs on a throwaway SQLite file.

    .venv/bin/python benchmarks/tick.py [--due 200] [--sizes 2000 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from handlers.contract.messages import Address, Message  # noqa: E402
from handlers.contract.ports import FixedClock  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from scheduler.jobs import run_due  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, Commitment, Person  # noqa: E402
from storage.store import Store  # noqa: E402

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # Monday 16:30 in Berlin


class NullChat:
    platform = "bench"

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, to: Address, message: Message) -> str:
        self.sent += 1
        return str(self.sent)

    async def update(self, to: Address, ref: str, message: Message) -> None:
        return None

    def rate_per_second(self, workspace_id: str) -> float:
        return 1_000_000.0

    def conversation_rate_per_second(self) -> float:
        return 0.0



async def populate(url: str, size: int, due: int) -> None:
    sessions = make_sessionmaker(make_engine(url))
    created = NOW - timedelta(days=1)
    people = []
    for i in range(size):
        if i < due:
            next_at = NOW
        else:  # spread over the coming week, never due now
            next_at = NOW + timedelta(minutes=1 + (i * 7919) % (7 * 24 * 60))
        people.append(
            dict(platform="bench", workspace_id="T1", user_id=f"U{i}", display_name=f"Rep {i}", tz="Europe/Berlin",
                 created_at=created, reachable=True, greeted=True, next_checkin_at=next_at, digest_weekday=0,
                 digest_time="08:00", digest_enabled=True)
        )
    async with sessions() as s, s.begin():
        for start in range(0, size, 5000):
            await s.execute(insert(Person), people[start:start + 5000])
        ids = list(await s.scalars(select(Person.id).order_by(Person.id)))
        rows = [
            dict(person_id=pid, seq=1, text="20 calls every weekday", title="20 calls", cadence="days:0,1,2,3,4",
                 status="active", created_at=created, updated_at=created, miss_run=0, yes_run=0, escalated_in_run=False)
            for pid in ids
        ]
        for start in range(0, size, 5000):
            await s.execute(insert(Commitment), rows[start:start + 5000])
    await sessions.kw["bind"].dispose()


async def measure(url: str, size: int, due: int) -> dict[str, float]:
    await populate(url, size, due)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    started = time.perf_counter()
    store = Store(sessions)
    report = await run_due(store, NOW)
    tick_seconds = time.perf_counter() - started
    chat = NullChat()
    dispatcher = Dispatcher(store, {"bench": chat}, FixedClock(NOW), concurrency=8)
    started = time.perf_counter()
    await dispatcher.drain(real_sleep=False)
    drain_seconds = time.perf_counter() - started
    async with sessions() as s:
        checkins = await s.scalar(select(func.count()).select_from(CheckIn))
    started = time.perf_counter()
    again = await run_due(store, NOW)
    idle_seconds = time.perf_counter() - started
    await engine.dispose()
    assert report.prompts == due and checkins == due and chat.sent == due and again.prompts == 0
    return {"tick": tick_seconds, "drain": drain_seconds, "idle": idle_seconds}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    args = parser.parse_args()
    print(f"reps due now: {args.due}; one commitment each")
    print(f"{'reps':>8} {'tick s':>8} {'ms/due rep':>11} {'drain s':>8} {'msgs/s':>8} {'idle tick ms':>13}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await asyncio.to_thread(upgrade, url)
            figures = await measure(url, size, args.due)
        print(
            f"{size:>8} {figures['tick']:>8.2f} {1000 * figures['tick'] / args.due:>11.2f} "
            f"{figures['drain']:>8.2f} {args.due / figures['drain']:>8.0f} {1000 * figures['idle']:>13.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
