"""Benchmark: 1, 2 and 4 `python app.py serve` processes (scheduler on) on one PostgreSQL
draining the same queue of messages to a fake Slack without a limit.

For each count it prints messages a second (over the steady middle: from 10% to 90%
delivered), the time to deliver all, and the duplicates (target 0); and the speed-up of 2
processes over 1 (target: at least 1.6). Each count gets a fresh database. PostgreSQL is
--database-url's server (a URL whose user may create databases) or else a throwaway cluster
started from the Debian binaries, as the tests do. The machine may be shared: figures from a
busy one are noisy, and processes can't go faster than the free cores allow.

    .venv/bin/python benchmarks/replicas.py                    # 10,000 messages
    .venv/bin/python benchmarks/replicas.py --messages 2000    # a shorter run
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.fanout_world import queue_fanout  # noqa: E402
from handlers.contract.ports import SystemClock  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.conftest import (  # noqa: E402
    POSTGRES_OS_USER,
    _admin_execute,
    _Cluster,
    _pg_bin_dir,
    normalise_pg_url,
)
from tests.replicas_support import TEAM, deliveries, start  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402


async def one_run(admin_url: str, processes: int, messages: int, logs: Path) -> tuple[float, float, int, int]:
    """(messages a second in the steady middle, seconds for all, duplicates, delivered)."""
    name = f"replicas_{uuid.uuid4().hex[:12]}"
    await _admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    await queue_fanout(make_sessionmaker(engine), "slack", TEAM, messages, SystemClock().now())
    await engine.dispose()
    fake = FakeSlack()
    await fake.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    running = [start("serve", url, fake, f"p{processes}-{n}", logs) for n in range(processes)]
    marks: dict[int, float] = {}
    try:
        while True:
            done = len(deliveries(fake))
            for share in (10, 90, 100):
                if share not in marks and done >= messages * share // 100:
                    marks[share] = loop.time()
            if done >= messages or loop.time() - started > 900:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
    finally:
        for process in running:
            await process.stop()
        await fake.stop()
    delivered = deliveries(fake)
    steady = messages * 0.8 / (marks[90] - marks[10]) if 10 in marks and 90 in marks else 0.0
    total = marks.get(100, float("nan")) - started
    return steady, total, sum(delivered.values()) - len(delivered), len(delivered)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--database-url", help="a PostgreSQL server URL whose user may create databases")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="replicas-logs-"))
    cluster = None
    if args.database_url:
        admin_url = normalise_pg_url(args.database_url)
    else:
        cluster = _Cluster(root=Path(tempfile.mkdtemp(prefix="replicas-pg-")), bin_dir=_pg_bin_dir())
        cluster.init()
        cluster.start()
        admin_url = f"postgresql+asyncpg://{POSTGRES_OS_USER}@127.0.0.1:{cluster.port}/postgres"
    rates: dict[int, float] = {}
    ok = True
    try:
        for count in args.processes:
            steady, total, duplicates, delivered = await one_run(admin_url, count, args.messages, logs)
            rates[count] = steady
            print(f"{count} serve process(es): {steady:7.1f} messages/s (10%..90%), all {delivered} of {args.messages}"
                  f" in {total:6.1f} s, duplicates {duplicates}", flush=True)
            ok = ok and duplicates == 0 and delivered == args.messages
    finally:
        if cluster is not None:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)
    if 1 in rates and 2 in rates and rates[1]:
        speedup = rates[2] / rates[1]
        print(f"2 processes / 1 process: {speedup:.2f}x (target >= 1.6)")
        ok = ok and speedup >= 1.6
    print(f"(figures from a shared machine: noisy; process logs in {logs})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
