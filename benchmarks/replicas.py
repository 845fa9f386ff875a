"""Benchmark: 1, 2 and 4 `python app.py serve` processes (scheduler on) on one PostgreSQL
draining the same queue of messages to a fake Slack without a limit.

For each count it prints messages a second (over the steady middle: from 10% to 90%
delivered), the time to deliver all, and the duplicates (target 0); and the speed-up of 2
processes over 1 (target: at least 1.6). Each count gets a fresh database. PostgreSQL is
--database-url's server (a URL whose user may create databases) or else a throwaway cluster
started from the Debian binaries, as the tests do.

Where the CPU went, over the same steady middle, from /proc (user + system time): each serve
process's, PostgreSQL's (the postmaster, its backends, and those that ended; only for the
throwaway cluster), and this process's, which is the fake Slack (it runs here; the watching
is a cheap count of its new calls), each per message delivered; and how busy the whole
machine was (every process on it, other people's work too), against its cores. Processes
can't go faster than the free cores allow: when serve + PostgreSQL + the fake need about all
the cores, more processes can't add speed.

Everyone's DM channel is kept already (the bot has reached them before:
bot/slack/dm_channels.py), so a message is one `chat.postMessage`; with --cold each person's
DM is opened first (`conversations.open`, which this fake doesn't limit; Slack holds it to
about 50 a minute).

The processes run with the application's outbox lease (60 s, renewed every 20 s) unless
--lease says otherwise (the replica tests use 3 s, so that a killed process's rows come back
fast; renewing every second costs a little more).

--baseline DIR runs the same counts from another checkout of the code too, right beside this
one (`git archive HEAD | tar -x -C DIR`), so that a change is measured against what it
changed on the same machine at the same time. --profile DIR runs the first serve process of
each run under cProfile and prints where its time went.

    .venv/bin/python benchmarks/replicas.py                    # 10,000 messages
    .venv/bin/python benchmarks/replicas.py --messages 2000    # a shorter run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
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
from tests.replicas_support import ROOT, TEAM, Process, start  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User + system CPU seconds `pid` has used (and, `with_children`, its children that ended),
    from /proc/<pid>/stat; 0 for a process that is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if with_children else 0)
    return ticks / CLOCK_TICKS


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process's), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


@dataclass
class Sample:
    """CPU seconds used so far by each part, and when."""

    wall: float
    serve: list[float]
    postgres: float | None
    fake: float
    machine: float


def sample(running: list[Process], postmaster: int | None) -> Sample:
    postgres = None
    if postmaster is not None:
        postgres = cpu_seconds(postmaster, with_children=True) + sum(cpu_seconds(pid) for pid in children(postmaster))
    return Sample(
        time.monotonic(), [cpu_seconds(p.pid) for p in running], postgres, time.process_time(), machine_busy(),
    )


@dataclass
class Run:
    rate: float
    total: float
    duplicates: int
    delivered: int
    cpu: str
    cores: float


def breakdown(before: Sample, after: Sample, messages: float) -> tuple[str, float]:
    """Milliseconds of CPU per message delivered, by part, between two samples; and the cores
    the serve processes, PostgreSQL and the fake kept busy meanwhile."""
    def ms(seconds: float) -> str:
        return f"{seconds * 1000 / messages:5.2f}"

    serve = [b - a for a, b in zip(before.serve, after.serve, strict=True)]
    wall = after.wall - before.wall
    postgres = None if after.postgres is None or before.postgres is None else after.postgres - before.postgres
    ours = sum(serve) + (postgres or 0.0) + (after.fake - before.fake)
    machine = after.machine - before.machine
    return (
        f"    CPU ms/message: serve {ms(sum(serve))} (each: {', '.join(ms(s).strip() for s in serve)}),"
        f" PostgreSQL {ms(postgres) if postgres is not None else '  n/a'}, fake Slack {ms(after.fake - before.fake)}"
        f" ({(after.fake - before.fake) / wall:.2f} cores);"
        f" cores busy: these {ours / wall:.2f}, whole machine {machine / wall:.2f} of {os.cpu_count()}"
    ), ours / wall


class Tally:
    """Messages the fake took, counted as they arrive (only the calls new since the last look)."""

    def __init__(self, fake: FakeSlack) -> None:
        self._fake = fake
        self._seen = 0
        self.taken: Counter[tuple[str, str]] = Counter()

    def distinct(self) -> int:
        calls = self._fake.calls
        for call in calls[self._seen:]:
            if call.method == "chat.postMessage" and call.status == 200:
                self.taken[(str(call.params["channel"]), str(call.params.get("text")))] += 1
        self._seen = len(calls)
        return len(self.taken)


async def one_run(
    admin_url: str, processes: int, messages: int, logs: Path, *, root: Path, postmaster: int | None,
    profile: Path | None, lease: float, cold: bool,
) -> Run:
    name = f"replicas_{uuid.uuid4().hex[:12]}"
    await _admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    await queue_fanout(make_sessionmaker(engine), "slack", TEAM, messages, SystemClock().now(), kept_dms=not cold)
    await engine.dispose()
    fake = FakeSlack()
    await fake.start()
    tally = Tally(fake)
    loop = asyncio.get_running_loop()
    started = loop.time()
    label = f"{'base' if root != ROOT else 'this'}-p{processes}"
    running = [
        start("serve", url, fake, f"{label}-{n}", logs, root=root, profile=profile if n == 0 else None,
              OUTBOX_LEASE_SECONDS=str(lease))
        for n in range(processes)
    ]
    marks: dict[int, float] = {}
    samples: dict[int, Sample] = {}
    try:
        while True:
            for process in running:
                if process.process.poll() is not None:
                    raise RuntimeError(f"a serve process ended early:\n{process.log()}")
            done = tally.distinct()
            for share in (10, 90, 100):
                if share not in marks and done >= messages * share // 100:
                    marks[share] = loop.time()
                    samples[share] = sample(running, postmaster)
            if done >= messages or loop.time() - started > 900:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
    finally:
        for process in running:
            await process.stop()
        await fake.stop()
    tally.distinct()
    steady = messages * 0.8 / (marks[90] - marks[10]) if 10 in marks and 90 in marks else 0.0
    cpu, cores = ("    (no CPU figures)", 0.0)
    if 10 in samples and 90 in samples:
        cpu, cores = breakdown(samples[10], samples[90], messages * 0.8)
    return Run(
        steady, marks.get(100, float("nan")) - started, sum(tally.taken.values()) - len(tally.taken), len(tally.taken),
        cpu, cores,
    )


def print_profile(path: Path) -> None:
    if not path.exists():
        print(f"    (no profile written at {path})")
        return
    print(f"    profile of the first serve process ({path}), by own time:")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(25)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--database-url", help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--baseline", type=Path, help="another checkout of the code to run beside this one")
    parser.add_argument("--lease", type=float, default=60.0, help="the outbox lease in seconds (default: the app's 60)")
    parser.add_argument("--profile", type=Path, help="a directory for cProfile output of the first serve process")
    parser.add_argument("--cold", action="store_true", help="no DM channel kept yet: each person's is opened first")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="replicas-logs-"))
    cluster, postmaster = None, None
    if args.database_url:
        admin_url = normalise_pg_url(args.database_url)
    else:
        cluster = _Cluster(root=Path(tempfile.mkdtemp(prefix="replicas-pg-")), bin_dir=_pg_bin_dir())
        cluster.init()
        cluster.start()
        admin_url = f"postgresql+asyncpg://{POSTGRES_OS_USER}@127.0.0.1:{cluster.port}/postgres"
        postmaster = int((cluster.data / "postmaster.pid").read_text().split("\n", 1)[0])
    codes = [("baseline", args.baseline.resolve()), ("this code", ROOT)] if args.baseline else [("this code", ROOT)]
    rates: dict[tuple[str, int], float] = {}
    cores: dict[tuple[str, int], float] = {}
    ok = True
    try:
        for count in args.processes:
            for code, root in codes:
                profile = None
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile = (args.profile / f"{code.replace(' ', '-')}-p{count}.prof").resolve()
                run = await one_run(
                    admin_url, count, args.messages, logs, root=root, postmaster=postmaster, profile=profile,
                    lease=args.lease, cold=args.cold,
                )
                rates[(code, count)] = run.rate
                cores[(code, count)] = run.cores
                print(f"{code:9} {count} serve process(es): {run.rate:7.1f} messages/s (10%..90%), all {run.delivered}"
                      f" of {args.messages} in {run.total:6.1f} s, duplicates {run.duplicates}", flush=True)
                print(run.cpu, flush=True)
                if profile is not None:
                    print_profile(profile)
                ok = ok and run.duplicates == 0 and run.delivered == args.messages
    finally:
        if cluster is not None:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)
    for code, _ in codes:
        if rates.get((code, 1)) and (code, 2) in rates:
            speedup = rates[(code, 2)] / rates[(code, 1)]
            print(f"{code}: 2 processes / 1 process: {speedup:.2f}x (target >= 1.6); one process with PostgreSQL"
                  f" and the fake kept {cores[(code, 1)]:.2f} cores busy, so 1.6x needs {1.6 * cores[(code, 1)]:.2f}"
                  f" of the machine's {os.cpu_count()}")
            ok = ok and (speedup >= 1.6 or code == "baseline")
    print(f"(figures from a shared machine: noisy; process logs in {logs})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
