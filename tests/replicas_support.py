"""Real `python app.py serve` / `tick` processes on one database, sending to a fake Slack in
this process: the replica tests and benchmarks/replicas.py share them.

Each process gets its own bot token (the fake maps every token to one workspace), so the fake
can tell which process made each call. A process may run another checkout of the code (`root`,
for a benchmark's baseline) and under cProfile (`profile`: where its profile is written at exit)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import IO

import aiohttp

from tests.slack.fake_slack import FakeSlack, free_port

ROOT = Path(__file__).resolve().parent.parent
TEAM = "T1"


def env_for(database_url: str, fake: FakeSlack, token: str, port: int, **extra: str) -> dict[str, str]:
    """The environment of one process: the database, the fake Slack, no other platform."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    fake.tokens[token] = TEAM
    env.update({
        "DATABASE_URL": database_url, "PORT": str(port), "LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": "replica-test-signing-secret",
        "SLACK_API_URL": fake.api_url, "SLACK_WORKSPACE_RATE": "1000", "SLACK_CHANNEL_RATE": "50",
        "OUTBOX_LEASE_SECONDS": "3",
    })
    env.update(extra)
    return env


class Process:
    """One `app.py` subprocess (its output in a log file next to the test's files)."""

    def __init__(self, verb: str, env: dict[str, str], log: Path, *, root: Path = ROOT, profile: Path | None = None) -> None:
        self.port = int(env["PORT"])
        self.log_path = log
        self._log: IO[str] = open(log, "w")  # noqa: SIM115  (closed in stop)
        profiling = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
        self.process = subprocess.Popen(
            [sys.executable, *profiling, "app.py", verb], cwd=root, env=env, stdout=self._log, stderr=self._log
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    async def healthy(self, timeout: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.process.poll() is None, self.log()
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                assert loop.time() < deadline, "the process never answered /healthz:\n" + self.log()
                await asyncio.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no goodbye, no cleanup, as a crash or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    async def exited(self, timeout: float) -> int:
        return await asyncio.to_thread(self.process.wait, timeout)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-4000:]


def start(
    verb: str, database_url: str, fake: FakeSlack, name: str, logs: Path, *, root: Path = ROOT,
    profile: Path | None = None, **extra: str,
) -> Process:
    env = env_for(database_url, fake, f"xoxb-{name}", free_port(), **extra)
    return Process(verb, env, logs / f"{name}.log", root=root, profile=profile)


def deliveries(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """(channel, text) of every message the fake took, with how often it took it."""
    return Counter((str(c.params["channel"]), str(c.params.get("text"))) for c in fake.calls_to("chat.postMessage"))


def senders(fake: FakeSlack) -> Counter[str]:
    return Counter(str(c.token) for c in fake.calls_to("chat.postMessage"))


def in_order(fake: FakeSlack) -> bool:
    """Every channel got its check-ins in queue order (#1 before #2 ...), counting first arrivals."""
    seen: dict[str, list[int]] = {}
    for call in fake.calls_to("chat.postMessage"):
        text = str(call.params.get("text"))
        number = int(text.split("#", 1)[1].split(" ", 1)[0]) if "#" in text else 0
        got = seen.setdefault(str(call.params["channel"]), [])
        if number not in got:
            got.append(number)
    return all(got == sorted(got) for got in seen.values())
