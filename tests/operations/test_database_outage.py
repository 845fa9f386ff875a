"""The database goes away during a run and comes back: a real PostgreSQL cluster of this test's
own is stopped (`pg_ctl stop -m fast`) and started again on the same port while signed Slack
commands keep arriving and the scheduler's real tick and outbox jobs keep running.

Throughout, Slack gets every ack within 3 seconds; while the database is gone each command is
answered "try again in a minute" and saves nothing, `/readyz` says 503 naming the database;
once it is back the jobs resume by themselves, the tick catches up the check-ins that fell
due meanwhile, and each is sent exactly once; every command answered "Logged" is stored.

The outage lasts OUTAGE_SECONDS (default 8; `OUTAGE_SECONDS=30` runs the full 30 s): the
code path is the same whatever its length, since every request and job meets a refused
connection from its start to its end.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from handlers.contract.ports import FixedClock
from handlers.router import DATABASE_DOWN
from storage.models import CheckIn, Commitment, Outbox
from tests.conftest import (
    _admin_execute,
    _as_postgres,
    _Cluster,
    _pg_bin_dir,
    _run,
    run_coroutine_blocking,
)
from tests.operations.harness import METRICS_TOKEN, OpsHarness, figure
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SECRET, TEAM, signature

OUTAGE_SECONDS = float(os.environ.get("OUTAGE_SECONDS", "8"))
ACK_LIMIT = 3.0
REPS = [f"UOUT{n}" for n in range(5)]
BEFORE_DUE = datetime(2026, 11, 23, 21, 29, tzinfo=UTC)  # Monday 16:29 in New York; check-ins are due at 16:30


class RestartableCluster(_Cluster):
    """The conftest's throwaway cluster, stopped and started again on the same port."""

    def options(self) -> str:
        return (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")

    def pg_ctl(self, *args: str) -> None:
        result = _run(_as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args]), "pg_ctl", self.root)
        assert result.returncode == 0, f"{result.stdout}{result.stderr}"

    def stop_fast(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        self.pg_ctl("-o", self.options(), "-l", str(self.log), "-w", "-t", "60", "start")


@pytest.fixture
def cluster() -> Iterator[RestartableCluster]:
    root = Path(tempfile.mkdtemp(prefix="followthrough-outage-"))
    own = RestartableCluster(root=root, bin_dir=_pg_bin_dir())
    try:
        own.init()
        own.start()
        run_coroutine_blocking(_admin_execute(f"postgresql+asyncpg://postgres@127.0.0.1:{own.port}/postgres",
                                              "CREATE DATABASE outage"))
        yield own
    finally:
        own.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def ops_pg(cluster: RestartableCluster, fake_slack: FakeSlack) -> AsyncIterator[OpsHarness]:
    for n, user in enumerate(REPS):
        fake_slack.add_user(TEAM, user, f"Rep{n}", "America/New_York")
    harness = OpsHarness(f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/outage", fake_slack,
                         FixedClock(BEFORE_DUE), metrics_token=METRICS_TOKEN)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class Traffic:
    """Signed `/commit N calls every weekday` requests, one every `gap` seconds, each numbered."""

    def __init__(self, harness: OpsHarness, gap: float = 0.1) -> None:
        self.harness = harness
        self.gap = gap
        self.acks: list[tuple[int, float, int]] = []
        """(request number, ack seconds, HTTP status) for each request."""
        self.sent = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def one(self, n: int) -> None:
        user = REPS[n % len(REPS)]
        body = urlencode({"team_id": TEAM, "user_id": user, "user_name": user.lower(), "command": "/commit",
                          "text": f"{n} calls every weekday", "response_url": self.harness.fake.response_url(f"out{n}")}).encode()
        ts = str(int(self.harness.clock.now().timestamp()))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": signature(SECRET, ts, body)}
        assert self.harness._http is not None
        started = time.perf_counter()
        async with self.harness._http.post(self.harness.url + "/slack/events", data=body, headers=headers) as response:
            await response.read()
            self.acks.append((n, time.perf_counter() - started, response.status))

    async def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sent += 1
            task = asyncio.create_task(self.one(self.sent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(self.gap)

    async def finish(self) -> None:
        await asyncio.gather(*self._tasks)


async def jobs_running(harness: OpsHarness, stop: asyncio.Event, every: float = 0.25) -> int:
    """Call the scheduler's tick and outbox jobs over and over, as APScheduler would, until `stop`;
    returns how many rounds ran (a job that raised would end the test here)."""
    rounds = 0
    while not stop.is_set():
        await harness.tick_job()
        await harness.outbox_job()
        rounds += 1
        await asyncio.sleep(every)
    return rounds


async def test_a_database_outage_loses_nothing_and_sends_nothing_twice(
    ops_pg: OpsHarness, cluster: RestartableCluster,
) -> None:
    harness = ops_pg
    for user in REPS:  # each rep has a commitment due at 16:30 today
        await harness.command(user, "/commit", "20 calls every weekday")
    assert (await harness.ready())[0] == 200
    replies_before = len(harness.fake.calls_to("response_url"))

    traffic, stop = Traffic(harness), asyncio.Event()
    jobs = asyncio.create_task(jobs_running(harness, stop))
    await traffic.run_for(1.0)

    await asyncio.to_thread(cluster.stop_fast)
    harness.clock.set(BEFORE_DUE + timedelta(minutes=1, seconds=30))  # the check-ins fall due while it is down
    outage = asyncio.create_task(traffic.run_for(OUTAGE_SECONDS))
    await asyncio.sleep(min(2.0, OUTAGE_SECONDS / 2))
    status, report = await harness.ready()
    assert status == 503 and "database" in report["failing"], report
    down = await harness.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert down[0] == 200 and "followthrough_database_up 0.0" in down[1]
    await outage
    await asyncio.to_thread(cluster.start_again)

    await traffic.run_for(3.0)
    await traffic.finish()
    await harness.settle(timeout=30)
    for _ in range(40):  # the jobs catch up by themselves
        posted = {c.params["channel"] for c in harness.fake.calls_to("chat.postMessage")}
        if len(posted) == len(REPS) and await harness.db.count(Outbox, Outbox.status != "sent") == 0:
            break
        await asyncio.sleep(0.25)
    stop.set()
    rounds = await jobs

    # Slack had every ack in time, before, during and after.
    assert len(traffic.acks) == traffic.sent
    assert all(status == 200 for _, _, status in traffic.acks)
    worst = max(seconds for _, seconds, _ in traffic.acks)
    assert worst < ACK_LIMIT, worst

    # Each command was answered once: "Logged" (and stored) or "try again in a minute" (and not).
    replies = [FakeSlack.blocks_text(c) for c in harness.fake.calls_to("response_url")[replies_before:]]
    logged = {int(m.group(1)) for r in replies if (m := re.search(r"Logged #\d+: (\d+) calls", r))}
    refused = sum(DATABASE_DOWN in r for r in replies)
    assert refused >= 1, "the outage was met by commands"
    assert len(logged) + refused == traffic.sent, (len(logged), refused, traffic.sent)
    titles = {c.title for c in await harness.db.all(Commitment)}
    assert titles == {f"{n} calls" for n in logged} | {"20 calls"}

    # The tick that fell in the outage was caught up once; each rep's check-in went out exactly once.
    first = {c.id for c in await harness.db.all(Commitment, Commitment.title == "20 calls")}
    assert len(first) == len(REPS)
    assert first <= {c.commitment_id for c in await harness.db.all(CheckIn)}, "the check-ins due in the outage were opened"
    checkin_posts = Counter(c.params["channel"] for c in harness.fake.calls_to("chat.postMessage"))
    assert checkin_posts == Counter({"D" + user: 1 for user in REPS})
    assert await harness.db.count(Outbox, Outbox.status != "sent") == 0

    figures = await harness.figures()
    assert figure(figures, "followthrough_ticks_total", result="database_unavailable") >= 1
    assert figure(figures, "followthrough_ticks_total", result="ok") >= 1
    assert figure(figures, "followthrough_database_up") == 1
    status, report = await harness.ready()
    assert status == 200, report
    assert rounds > 0
