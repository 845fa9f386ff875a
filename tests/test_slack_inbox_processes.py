"""The durable Slack inbox across real `python app.py serve` processes: a process killed with
SIGKILL after it acked commands and before it did their work leaves them in the inbox, and the
restarted process does that work, each command answered once, in order per person; and two
processes on one PostgreSQL drain one inbox, each row once, each person's commands in order
even when they were sent to different processes.

Inbox leases are 2 seconds here (SLACK_INBOX_LEASE_SECONDS), so a dead process's rows come back fast.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from storage.inbox_models import InboxEntry
from storage.models import Commitment, Person
from tests.replicas_support import TEAM, Process, start
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import signature
from tests.support import Database, migrate

SECRET = "replica-test-signing-secret"
LEASE = "2"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def commit(process: Process, fake: FakeSlack, user: str, text: str, tag: str) -> tuple[int, str]:
    """A signed `/commit text` from `user` to the process; (HTTP status, ack body)."""
    body = urlencode({"team_id": TEAM, "user_id": user, "user_name": user.lower(), "command": "/commit", "text": text,
                      "response_url": fake.response_url(tag), "trigger_id": f"t.{tag}"}).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": signature(SECRET, ts, body)}
    async with aiohttp.ClientSession() as http, http.post(f"http://127.0.0.1:{process.port}/slack/events",
                                                          data=body, headers=headers) as response:
        return response.status, await response.text()


def logged(fake: FakeSlack) -> Counter[str]:
    return Counter(m.group(0) for c in fake.calls_to("response_url")
                   if (m := re.search(r"Logged #\d+: \d+ calls", FakeSlack.blocks_text(c))))


async def until_logged(fake: FakeSlack, count: int, timeout: float, *logs: Process) -> None:
    deadline = time.monotonic() + timeout
    while sum(logged(fake).values()) < count:
        assert time.monotonic() < deadline, f"{sum(logged(fake).values())} of {count} answered\n" + "\n".join(p.log() for p in logs)
        await asyncio.sleep(0.1)


async def by_person(db: Database) -> dict[str, list[tuple[int, str]]]:
    people = {p.id: p.user_id for p in await db.all(Person)}
    found: dict[str, list[tuple[int, str]]] = {}
    for c in sorted(await db.all(Commitment), key=lambda c: (c.person_id, c.seq)):
        found.setdefault(people[c.person_id], []).append((c.seq, c.title))
    return found


async def test_acked_commands_survive_a_sigkill_and_are_answered_once_by_the_restarted_process(
    fake: FakeSlack, tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
    users = [f"UCRASH{n}" for n in range(6)]
    for user in users:
        fake.add_user(TEAM, user, user.title(), "America/New_York")
    await migrate(url)
    fake.method_gates["users.info"] = asyncio.Event()  # the work after the ack hangs before it saves anything
    doomed = start("serve", url, fake, "doomed", tmp_path, SLACK_INBOX_LEASE_SECONDS=LEASE)
    async with Database(url) as db:
        try:
            await doomed.healthy()
            for n in (1, 2):
                acks = await asyncio.gather(*(commit(doomed, fake, u, f"{n} calls every weekday", f"{u}-{n}") for u in users))
                assert acks == [(200, "")] * len(users)
            deadline = time.monotonic() + 20
            while fake.waiting == 0:
                assert time.monotonic() < deadline, doomed.log()
                await asyncio.sleep(0.05)
            doomed.kill()
            await doomed.stop()
            assert await db.count(InboxEntry) == 2 * len(users), "every acked command is still in the inbox"
            assert await db.count(Commitment) == 0 and not logged(fake)

            fake.method_gates["users.info"].set()
            again = start("serve", url, fake, "again", tmp_path, SLACK_INBOX_LEASE_SECONDS=LEASE)
            try:
                await again.healthy()
                await until_logged(fake, 2 * len(users), 60, again)
                await asyncio.sleep(1.0)  # anything answered twice would arrive now
                assert await again.stop() == 0
            finally:
                await again.stop()
        finally:
            await doomed.stop()
        assert logged(fake) == Counter({"Logged #1: 1 calls": len(users), "Logged #2: 2 calls": len(users)})
        assert await by_person(db) == {u: [(1, "1 calls"), (2, "2 calls")] for u in users}, "in the order each person sent them"
        assert await db.count(InboxEntry) == 0


async def test_two_processes_on_one_postgresql_drain_one_inbox_each_row_once(
    pg_database_url: str, fake: FakeSlack, tmp_path: Path,
) -> None:
    users, rounds = [f"UPAIR{n:02d}" for n in range(30)], 3
    for user in users:
        fake.add_user(TEAM, user, user.title(), "America/New_York")
    await migrate(pg_database_url)
    processes = [start("serve", pg_database_url, fake, name, tmp_path, SLACK_INBOX_LEASE_SECONDS=LEASE)
                 for name in ("serve-a", "serve-b")]
    try:
        await asyncio.gather(*(p.healthy() for p in processes))
        for n in range(1, rounds + 1):  # a person's commands go to one process, then the other
            acks = await asyncio.gather(*(commit(processes[(i + n) % 2], fake, u, f"{n} calls every weekday", f"{u}-{n}")
                                          for i, u in enumerate(users)))
            assert acks == [(200, "")] * len(users)
        await until_logged(fake, rounds * len(users), 90, *processes)
        await asyncio.sleep(1.0)  # anything answered twice would arrive now
        codes = [await p.stop() for p in processes]
    finally:
        for p in processes:
            await p.stop()
    assert codes == [0, 0]
    assert logged(fake) == Counter({f"Logged #{n}: {n} calls": len(users) for n in range(1, rounds + 1)}), "each row once"
    async with Database(pg_database_url) as db:
        assert await by_person(db) == {u: [(n, f"{n} calls") for n in range(1, rounds + 1)] for u in users}
        assert await db.count(InboxEntry) == 0
    workers = Counter(str(c.token) for c in fake.calls_to("users.info"))
    assert set(workers) == {"xoxb-serve-a", "xoxb-serve-b"}, f"both processes did work: {workers}"
