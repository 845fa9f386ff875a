"""A burst of Slack requests far larger than anything held in memory: every request is acked
well within Slack's 3 seconds with an empty ack (no "busy, try again"), written first to the
durable inbox; every command is then stored and answered exactly once, each person's in the
order they sent them, while at most `SLACK_WORKERS` requests are worked on at a time. With the
database gone at ack time, the person is told to try again in a minute and nothing is kept."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from urllib.parse import urlencode

from sqlalchemy import text

from handlers.router import DATABASE_DOWN
from storage.inbox_models import InboxEntry
from storage.models import Commitment, Person
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SECRET, TEAM, SlackHarness, signature

ACK_LIMIT = 3.0


async def burst(harness: SlackHarness, users: list[str], text: str = "20 calls every weekday", tag: str = "") -> list[tuple[str, float, str]]:
    """Every user sends `/commit text` at once; (user, ack seconds, ack body) for each, as Slack
    would see them (no waiting for the work after the acks)."""
    assert harness._http is not None
    http = harness._http

    async def one(user: str) -> tuple[str, float, str]:
        body = urlencode({
            "team_id": TEAM, "user_id": user, "user_name": user.lower(), "command": "/commit", "text": text,
            "response_url": harness.fake.response_url(f"burst-{user}{tag}"), "trigger_id": f"t.{user}",
        }).encode()
        ts = str(int(harness.clock.now().timestamp()))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": signature(SECRET, ts, body)}
        started = time.perf_counter()
        async with http.post(harness.url + "/slack/events", data=body, headers=headers) as response:
            answer = await response.text()
            assert response.status == 200, (response.status, answer)
        return user, time.perf_counter() - started, answer

    return list(await asyncio.gather(*(one(u) for u in users)))


def add_reps(fake: FakeSlack, count: int) -> list[str]:
    users = [f"UBURST{n:03d}" for n in range(count)]
    for n, user in enumerate(users):
        fake.add_user(TEAM, user, f"Rep{n}", "America/New_York")
    return users


async def commitments_by_user(harness: SlackHarness) -> dict[str, list[tuple[int, str]]]:
    """Each person's commitments as (seq, title), in seq order."""
    people = {p.id: p.user_id for p in await harness.db.all(Person)}
    found: dict[str, list[tuple[int, str]]] = {}
    for c in sorted(await harness.db.all(Commitment), key=lambda c: (c.person_id, c.seq)):
        found.setdefault(people[c.person_id], []).append((c.seq, c.title))
    return found


def logged(fake: FakeSlack) -> Counter[str]:
    """Each "Logged #N: TITLE" reply posted to a response URL, with how often it was posted."""
    return Counter(m.group(0) for c in fake.calls_to("response_url")
                   if (m := re.search(r"Logged #\d+: \d+ calls", FakeSlack.blocks_text(c))))


async def test_a_burst_far_bigger_than_memory_is_all_stored_and_answered_once_in_order(
    fake_slack: FakeSlack, slack_small_queue: SlackHarness,
) -> None:
    harness, rounds = slack_small_queue, 3
    users = add_reps(fake_slack, 40)
    workers = harness.settings.slack_workers
    fake_slack.response_gate = asyncio.Event()  # Slack is slow to take replies: the workers are held
    acks = []
    for n in range(1, rounds + 1):  # each person sends "1 calls", then "2 calls", then "3 calls"
        acks += await burst(harness, users, f"{n} calls every weekday", tag=f"-{n}")
    assert max(seconds for _, seconds, _ in acks) < ACK_LIMIT
    assert [answer for _, _, answer in acks] == [""] * len(users) * rounds, "every request acked, none turned away"
    await asyncio.sleep(0.2)
    bot = harness.platform.bot
    assert bot.inbox.working == workers, "only SLACK_WORKERS requests are worked on at a time"
    assert await harness.db.count(InboxEntry) == len(users) * rounds, "the rest wait on disk"
    assert len(users) * rounds > harness.settings.slack_work_queue + workers

    fake_slack.response_gate.set()
    await harness.settle(timeout=60)
    stored = await commitments_by_user(harness)
    expected = [(n, f"{n} calls") for n in range(1, rounds + 1)]
    assert stored == {user: expected for user in users}, "every command stored, each person's in the order sent"
    answers = logged(fake_slack)
    assert answers == Counter({f"Logged #{n}: {n} calls": len(users) for n in range(1, rounds + 1)}), "each answered once"
    assert await harness.db.count(InboxEntry) == 0


async def test_a_database_gone_at_ack_time_gets_a_friendly_reply_and_keeps_nothing(
    fake_slack: FakeSlack, slack: SlackHarness,
) -> None:
    users = add_reps(fake_slack, 3)
    async with slack.db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE inbox RENAME TO inbox_away"))  # the write at ack time fails
    try:
        acks = await burst(slack, users)
        await slack.settle()
    finally:
        async with slack.db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE inbox_away RENAME TO inbox"))
    assert max(seconds for _, seconds, _ in acks) < ACK_LIMIT and all(answer == "" for _, _, answer in acks)
    replies = [FakeSlack.blocks_text(c) for c in fake_slack.calls_to("response_url")]
    assert len(replies) == len(users) and all(DATABASE_DOWN in r for r in replies), replies
    assert await slack.db.count(Person) == 0 and await slack.db.count(Commitment) == 0, "nothing half-written"
    assert await slack.db.count(InboxEntry) == 0

    again = await burst(slack, users, tag="-again")  # trying again once it is back works
    assert all(answer == "" for _, _, answer in again)
    await slack.settle()
    assert sorted(await commitments_by_user(slack)) == users
    assert logged(fake_slack) == Counter({"Logged #1: 20 calls": len(users)})


async def test_a_clean_shutdown_finishes_the_acked_work(fake_slack: FakeSlack, slack_small_queue: SlackHarness) -> None:
    harness = slack_small_queue
    users = add_reps(fake_slack, 10)
    fake_slack.response_gate = asyncio.Event()
    acks = await burst(harness, users)
    assert all(answer == "" for _, _, answer in acks)
    closing = asyncio.create_task(harness.platform.close())  # what `serve` does on SIGTERM, after the server stopped
    await asyncio.sleep(0.2)
    assert not closing.done(), "close waits while acked work is still running"
    fake_slack.response_gate.set()
    await asyncio.wait_for(closing, 10)
    assert sorted(await commitments_by_user(harness)) == users
    assert logged(fake_slack) == Counter({"Logged #1: 20 calls": len(users)})
    assert await harness.db.count(InboxEntry) == 0
