"""Benchmark: how fast Slack gets its ack for `/commit`, ours against a bare bolt app.

Starts, each in its own process on 127.0.0.1: `python app.py serve --no-scheduler` (Slack
on, SQLite or $DATABASE_URL, every `/commit` stored) and a bare bolt AsyncApp whose only
listener acks `/commit`. A fake Slack Web API (users.info, views.publish, response URLs)
runs in this process. The same signed `/commit` requests go to both at the same
concurrency; prints requests/s, p50 and p99 of the ack for each, the ratios, and for our
server how long until every commitment was stored and answered.

`--sustained SECONDS` keeps the connections busy for that long instead of a fixed count (the
scale target: 20 connections for 10 s: throughput at least 0.5 times and p99 at most 2 times the
bare app's). Our server writes each request to its inbox table before acking it, and works
through the inbox behind the acks; the figures say how many commands were acked, how many
commitments are in the database at the end (they must be equal), how long after the last ack
every one was stored and answered, and our server's peak RSS (VmHWM).

`--ack-first` runs our server with SLACK_ACK_FIRST=1 (ack, then write) for comparison.
Requests come from `--users` people (default: enough that nobody reaches 25 open commitments).

    .venv/bin/python benchmarks/slack_ack.py [--requests 2000] [--concurrency 16]
    .venv/bin/python benchmarks/slack_ack.py --sustained 10 --concurrency 20 [--ack-first]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from handlers.router import DATABASE_DOWN  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.inbox_models import InboxEntry  # noqa: E402
from storage.models import Commitment  # noqa: E402
from tests.slack.fake_slack import FakeSlack, free_port  # noqa: E402
from tests.slack.harness import signature  # noqa: E402

SECRET = "bench-signing-secret-0123456789ab"
TOKEN = "xoxb-bench-token"
USERS = 200
OPEN_LIMIT = 20
"""Commitments per person the load gives at most (a rep may have 25 open), so every /commit is stored."""

BARE_BOLT = """
import os, sys
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.adapter.aiohttp import to_bolt_request, to_aiohttp_response
from slack_sdk.web.async_client import AsyncWebClient

app = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"],
               client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]))

@app.command("/commit")
async def commit(ack):
    await ack()

async def events(request):
    return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

web_app = web.Application()
web_app.router.add_post("/slack/events", events)
async def healthz(request):
    return web.json_response({"ok": True})

web_app.router.add_get("/healthz", healthz)
web.run_app(web_app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None)
"""


def body_for(n: int, fake: FakeSlack) -> bytes:
    user = f"UB{n % USERS:05d}"
    return urlencode({
        "team_id": "T1", "user_id": user, "user_name": user.lower(), "command": "/commit",
        "text": "20 calls every weekday", "response_url": fake.response_url(f"r{n}"), "trigger_id": f"t.{n}",
    }).encode()


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                async with http.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("server did not start")


async def load(
    url: str, fake: FakeSlack, requests: int, concurrency: int, offset: int, seconds: float | None = None,
) -> tuple[float, list[float], int]:
    """Send `requests` (or, with `seconds`, as many as fit in that time); (elapsed, ack latencies,
    answers on the ack itself: none is expected)."""
    latencies: list[float] = []
    busy = 0
    counter = iter(range(offset, offset + requests) if seconds is None else itertools.count(offset))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        deadline = time.perf_counter() + (seconds or 0)

        async def worker() -> None:
            nonlocal busy
            for n in counter:
                if seconds is not None and time.perf_counter() >= deadline:
                    return
                body = body_for(n, fake)
                ts = str(int(time.time()))
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(SECRET, ts, body),
                }
                started = time.perf_counter()
                async with http.post(url + "/slack/events", data=body, headers=headers) as response:
                    answer = await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - started)
                busy += bool(answer)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, busy


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) >= 100 else max(values)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sustained", type=float, metavar="SECONDS", help="load for this long instead of --requests")
    parser.add_argument("--ack-first", action="store_true", help="our server acks before writing to its inbox")
    parser.add_argument("--users", type=int, help="how many people send commands")
    parser.add_argument("--workers", type=int, help="our server's SLACK_WORKERS (default: its own default)")
    parser.add_argument("--profile", type=Path, help="run our server under cProfile, writing its stats here")
    args = parser.parse_args()
    seconds = args.sustained
    global USERS
    USERS = args.users or max(USERS, int((seconds or 0) * 3000 / OPEN_LIMIT), args.requests // OPEN_LIMIT)

    fake = FakeSlack()
    await fake.start()
    for n in range(USERS):
        fake.add_user("T1", f"UB{n:05d}", f"Rep{n}", "America/New_York")
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
        env = {
            **os.environ, "DATABASE_URL": database_url, "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": fake.api_url, "LOG_LEVEL": "WARNING", "SLACK_ACK_FIRST": "1" if args.ack_first else "0",
            **({"SLACK_WORKERS": str(args.workers)} if args.workers else {}),
        }
        ours_port, bare_port = free_port(), free_port()
        server_log = open(Path(tempfile.gettempdir()) / "slack_ack_server.log", "w")  # noqa: SIM115  (closed below)
        profiled = ["-m", "cProfile", "-o", str(args.profile)] if args.profile else []
        ours = subprocess.Popen([sys.executable, *profiled, "app.py", "serve", "--no-scheduler"], cwd=ROOT, env={**env, "PORT": str(ours_port)},
                                stdout=server_log, stderr=server_log)
        bare = subprocess.Popen([sys.executable, "-c", BARE_BOLT], cwd=ROOT, env={**env, "PORT": str(bare_port)})
        try:
            ours_url, bare_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
            await asyncio.gather(wait_healthy(ours_url, ours), wait_healthy(bare_url, bare))
            await load(bare_url, fake, 100, args.concurrency, 10_000_000)  # warm up both
            await load(ours_url, fake, 100, args.concurrency, 20_000_000)
            await wait_for_answers(fake, 100)

            bare_time, bare_lat, _ = await load(bare_url, fake, args.requests, args.concurrency, 0, seconds)
            ours_time, ours_lat, busy = await load(ours_url, fake, args.requests, args.concurrency, 10_000_000_000, seconds)
            await asyncio.sleep(3.0 if args.ack_first else 0.0)  # ack-first: writes too slow for the ack say "try again"
            done_after = await wait_for_answers(fake, 100 + len(ours_lat) - busy - refused(fake))
            stored, waiting = await stored_now(database_url)
            peak_rss = peak_rss_kb(ours.pid)
        finally:
            for process in (ours, bare):
                process.terminate()
                process.wait(timeout=20)
            server_log.close()
    await fake.stop()

    bare_rps, ours_rps = len(bare_lat) / bare_time, len(ours_lat) / ours_time
    rows = [
        ("bare bolt (ack only)", bare_rps, quantile(bare_lat, 0.5), quantile(bare_lat, 0.99), max(bare_lat)),
        ("follow-through serve", ours_rps, quantile(ours_lat, 0.5), quantile(ours_lat, 0.99), max(ours_lat)),
    ]
    load_said = f"{seconds:g} s sustained" if seconds is not None else f"{args.requests} signed requests"
    print(f"/commit, {load_said}, concurrency {args.concurrency}, database {database_url.split(':', 1)[0]}")
    print(f"{'server':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, rps, p50, p99, worst in rows:
        print(f"{name:<24}{rps:>10.0f}{p50 * 1000:>10.1f}{p99 * 1000:>10.1f}{worst * 1000:>10.1f}")
    print(f"throughput ratio (ours / bare): {ours_rps / bare_rps:.2f}  (target >= 0.5)")
    print(f"p99 ratio (ours / bare): {quantile(ours_lat, 0.99) / quantile(bare_lat, 0.99):.2f}  (target <= 2.0)")
    acked = len(ours_lat) - busy
    print(f"requests: bare {len(bare_lat)}, ours {len(ours_lat)} ({acked} acked with an empty ack, {busy} answered on the ack; "
          f"{refused(fake)} told 'try again in a minute')")
    kept = 100 + acked - refused(fake)
    print(f"commitments stored: {stored} of {kept} acked /commit not told 'try again' (100 of them the warm-up); "
          f"{'all stored' if stored == kept else 'MISSING SOME'}; inbox rows left: {waiting}")
    print(f"every acked commitment stored and answered {done_after:.1f} s after the last ack")
    print(f"our server's peak RSS (VmHWM): {peak_rss / 1024:.0f} MB; ack {'before' if args.ack_first else 'after'} the inbox write")


class Answers:
    """Counts the "Logged" replies posted to response URLs, reading each recorded call once."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake, self.read, self.logged = fake, 0, 0

    def count(self) -> int:
        calls = self.fake.calls_to("response_url")
        self.logged += sum("Logged #" in FakeSlack.blocks_text(c) for c in calls[self.read:])
        self.read = len(calls)
        return self.logged


_answers: dict[int, Answers] = {}


async def wait_for_answers(fake: FakeSlack, expected: int, timeout: float = 900) -> float:
    """Seconds until `expected` commands in all were answered "Logged"."""
    answers = _answers.setdefault(id(fake), Answers(fake))
    started = time.perf_counter()
    while answers.count() < expected:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"only {answers.logged} of {expected} answered")
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


def refused(fake: FakeSlack) -> int:
    return sum(DATABASE_DOWN in FakeSlack.blocks_text(c) for c in fake.calls_to("response_url"))


async def stored_now(database_url: str) -> tuple[int, int]:
    """(commitments, inbox rows) in the database now."""
    from sqlalchemy import func, select

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as s:
            commitments = await s.scalar(select(func.count()).select_from(Commitment))
            waiting = await s.scalar(select(func.count()).select_from(InboxEntry))
            return int(commitments or 0), int(waiting or 0)
    finally:
        await engine.dispose()


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    asyncio.run(main())
