"""Benchmark: one scheduler pass opens every due check-in, and its cost grows with what is due,
not with how many reps exist.

For each population size (by default 10,000 and 100,000 reps, one commitment each, in
Europe/Berlin) the same number of reps (default 1,000) is due now and the rest fall due over
the coming week. It times `run_due(now)` (the scheduler pass; it must open all the due reps
at once), then a second, idle one, a few rounds (the due reps are put back between rounds;
the median is shown: the machine may be busy), after one unshown warm-up pass, and prints the
times, reps opened per second, this process's CPU time in the pass (the database server's is
not in it), and the ratio of the largest population's pass to the
smallest's. On SQLite (a throwaway file) and on
PostgreSQL: TEST_DATABASE_URL's server, or a throwaway cluster started as tests/conftest.py
does (PG_BIN overrides where its binaries are). Rows are seeded with bulk inserts, and
PostgreSQL's tables are analysed after seeding, as a live database's would be.

    .venv/bin/python benchmarks/tick.py [--due 1000] [--sizes 10000 100000] [--rounds 3]
        [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select, text, update  # noqa: E402

from scheduler.jobs import run_due  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, Commitment, Outbox, Person, Prompt  # noqa: E402
from storage.store import Store  # noqa: E402

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # Monday 16:30 in Berlin: the default check-in
CHUNK = 5_000


async def populate(url: str, size: int, due: int) -> None:
    """`size` reps, the first `due` due at NOW, the others over the coming week (never now)."""
    engine = make_engine(url)
    created = NOW - timedelta(days=1)
    people = [
        dict(platform="bench", workspace_id="T1", user_id=f"U{i}", display_name=f"Rep {i}", tz="Europe/Berlin",
             created_at=created, reachable=True, greeted=True, digest_weekday=0, digest_time="08:00",
             digest_enabled=True,
             next_checkin_at=NOW if i < due else NOW + timedelta(minutes=1 + (i * 7919) % (7 * 24 * 60)))
        for i in range(size)
    ]
    async with make_sessionmaker(engine)() as s, s.begin():
        for start in range(0, size, CHUNK):
            await s.execute(insert(Person), people[start:start + CHUNK])
        ids = list(await s.scalars(select(Person.id).order_by(Person.id)))
        rows = [
            dict(person_id=pid, seq=1, text="20 calls every weekday", title="20 calls", cadence="days:0,1,2,3,4",
                 status="active", created_at=created, updated_at=created, miss_run=0, yes_run=0, escalated_in_run=False)
            for pid in ids
        ]
        for start in range(0, size, CHUNK):
            await s.execute(insert(Commitment), rows[start:start + CHUNK])
    if not url.startswith("sqlite"):
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def measure(url: str, size: int, due: int, rounds: int) -> dict[str, float]:
    """The median time of `rounds` passes that each open the `due` reps (put back between rounds),
    and of an idle pass right after one."""
    await asyncio.to_thread(upgrade, url)
    await populate(url, size, due)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    store = Store(sessions)
    ticks, cpus, idles = [], [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        report = await run_due(store, NOW)
        ticks.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        started = time.perf_counter()
        again = await run_due(store, NOW)
        idles.append(time.perf_counter() - started)
        async with sessions() as s, s.begin():
            counts = [await s.scalar(select(func.count()).select_from(model)) for model in (Prompt, CheckIn, Outbox)]
            assert report.prompts == due and counts == [due] * 3 and again.prompts == 0, (report, counts, again)
            await s.execute(update(Person).where(Person.id.in_(select(Prompt.person_id))).values(next_checkin_at=NOW))
            for model in (Outbox, CheckIn, Prompt):
                await s.execute(delete(model))
    await engine.dispose()
    return {"tick": statistics.median(ticks), "cpu": statistics.median(cpus), "idle": statistics.median(idles)}


Databases = Callable[[], Awaitable[str]]
"""Makes a fresh, empty database and returns its URL."""


@asynccontextmanager
async def sqlite_databases() -> AsyncIterator[Databases]:
    with tempfile.TemporaryDirectory() as tmp:
        async def fresh() -> str:
            return f"sqlite+aiosqlite:///{tmp}/bench-{uuid.uuid4().hex}.db"

        yield fresh


@asynccontextmanager
async def postgresql_databases() -> AsyncIterator[Databases]:
    """Fresh databases on TEST_DATABASE_URL's server or on a throwaway local cluster."""
    from tests.conftest import (
        PgServer,
        _admin_execute,
        _Cluster,
        _pg_bin_dir,
        normalise_pg_url,
    )

    root: Path | None = None
    cluster: _Cluster | None = None
    external = os.environ.get("TEST_DATABASE_URL", "").strip()
    if external:
        server = PgServer(admin_url=normalise_pg_url(external), external=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="followthrough-bench-pg-"))
        cluster = _Cluster(root=root, bin_dir=_pg_bin_dir())
        await asyncio.to_thread(cluster.init)
        await asyncio.to_thread(cluster.start)
        server = PgServer(admin_url=f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/postgres", external=False)
    made: list[str] = []

    async def fresh() -> str:
        made.append(f"bench_{uuid.uuid4().hex}")
        await _admin_execute(server.admin_url, f'CREATE DATABASE "{made[-1]}" TEMPLATE template0')
        return server.url_for(made[-1])

    try:
        yield fresh
    finally:
        for name in made:
            await _admin_execute(server.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


async def run_backend(backend: str, sizes: list[int], due: int, rounds: int) -> None:
    opener = sqlite_databases if backend == "sqlite" else postgresql_databases
    times: dict[int, float] = {}
    async with opener() as fresh:
        await measure(await fresh(), due, due // 10, 1)  # warm-up (imports, compiled statements): not shown
        for size in sizes:
            figures = await measure(await fresh(), size, due, rounds)
            times[size] = figures["tick"]
            print(
                f"{backend:>10} {size:>8} {due:>6} {figures['tick']:>8.2f} {due / figures['tick']:>10.0f} "
                f"{figures['cpu']:>11.2f} {1000 * figures['idle']:>13.1f}",
                flush=True,
            )
    smallest, largest = min(sizes), max(sizes)
    print(f"{backend:>10} pass with {largest:,} reps / pass with {smallest:,} reps: "
          f"{times[largest]:.2f} s / {times[smallest]:.2f} s = {times[largest] / times[smallest]:.2f}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3, help="passes per size; the median is shown")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(f"reps due now: {args.due} (one commitment each), all opened in one scheduler pass; "
          f"median of {args.rounds} passes")
    print(f"{'backend':>10} {'reps':>8} {'due':>6} {'pass s':>8} {'opened/s':>10} {'our cpu s':>11} {'idle pass ms':>13}")
    for backend in args.backends:
        await run_backend(backend, args.sizes, args.due, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
