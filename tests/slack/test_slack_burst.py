"""A burst of `/commit` larger than the work queue: every request is acked well within Slack's
3 seconds, every accepted commitment is stored and answered, and the ones that found the
queue full were told at once to try again and left nothing behind."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

from bot.slack.listeners import BUSY
from storage.models import Commitment, Person
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SECRET, TEAM, SlackHarness, signature

ACK_LIMIT = 3.0


async def burst(harness: SlackHarness, users: list[str], text: str = "20 calls every weekday") -> list[tuple[str, float, str]]:
    """Every user sends `/commit text` at once; (user, ack seconds, ack body) for each, as Slack
    would see them (no waiting for the work after the acks)."""
    assert harness._http is not None
    http = harness._http

    async def one(user: str) -> tuple[str, float, str]:
        body = urlencode({
            "team_id": TEAM, "user_id": user, "user_name": user.lower(), "command": "/commit", "text": text,
            "response_url": harness.fake.response_url(f"burst-{user}"), "trigger_id": f"t.{user}",
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


def busy(answer: str) -> bool:
    return bool(answer) and json.loads(answer).get("text") == BUSY


async def stored_for(harness: SlackHarness) -> set[str]:
    people = {p.id: p.user_id for p in await harness.db.all(Person)}
    return {people[c.person_id] for c in await harness.db.all(Commitment)}


async def test_a_burst_bigger_than_the_queue_is_acked_in_time_and_every_accepted_commitment_is_stored(
    fake_slack: FakeSlack, slack_small_queue: SlackHarness,
) -> None:
    harness = slack_small_queue
    users = add_reps(fake_slack, 40)
    fake_slack.response_gate = asyncio.Event()  # Slack is slow to take replies: the workers are held
    acks = await burst(harness, users)
    assert max(seconds for _, seconds, _ in acks) < ACK_LIMIT
    accepted = {user for user, _, answer in acks if not answer}
    turned_away = {user for user, _, answer in acks if busy(answer)}
    assert accepted | turned_away == set(users), [a for _, _, a in acks if a and not busy(a)]
    capacity, workers = harness.settings.slack_work_queue, harness.settings.slack_workers
    assert capacity <= len(accepted) <= capacity + workers
    assert harness.platform.bot.in_flight <= capacity + workers

    fake_slack.response_gate.set()
    await harness.settle()
    assert await stored_for(harness) == accepted, "every accepted commitment stored, none of the others"
    answered = {c.params.get("text", "") for c in fake_slack.calls_to("response_url")}
    assert sum("Logged #1: 20 calls" in FakeSlack.blocks_text(c) for c in fake_slack.calls_to("response_url")) == len(accepted)
    assert BUSY not in answered, "the busy answer came on the ack itself"

    # Trying again once the bot has caught up works, and nothing was half-written meanwhile.
    again = await burst(harness, sorted(turned_away)[: capacity])
    assert not any(answer for _, _, answer in again)
    await harness.settle()
    assert await stored_for(harness) == accepted | set(sorted(turned_away)[: capacity])
    assert len(await harness.db.all(Commitment)) == len(accepted) + capacity


async def test_a_burst_the_queue_can_hold_is_all_stored(slack: SlackHarness, fake_slack: FakeSlack) -> None:
    users = add_reps(fake_slack, 60)
    acks = await burst(slack, users)
    assert max(seconds for _, seconds, _ in acks) < ACK_LIMIT
    assert all(answer == "" for _, _, answer in acks), "the default queue holds a burst of 60"
    await slack.settle()
    assert await stored_for(slack) == set(users)
    assert len(await slack.db.all(Commitment)) == 60


async def test_a_message_that_finds_the_queue_full_gets_a_busy_reply(
    fake_slack: FakeSlack, slack_small_queue: SlackHarness,
) -> None:
    harness = slack_small_queue
    users = add_reps(fake_slack, 24)
    fake_slack.response_gate = asyncio.Event()
    await burst(harness, users[:12])  # holds the workers...
    for _ in range(100):
        if len(fake_slack.calls_to("users.info")) >= harness.settings.slack_workers:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    second = await burst(harness, users[12:])  # ...and fills the queue again behind them
    assert any(busy(answer) for _, _, answer in second)
    event = {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "list", "ts": "5.0"}
    body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback", "event_id": "Ev-busy",
            "event_time": int(harness.clock.now().timestamp()), "event": event}
    raw = json.dumps(body).encode()
    ts = str(int(harness.clock.now().timestamp()))
    assert harness._http is not None
    async with harness._http.post(harness.url + "/slack/events", data=raw, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(SECRET, ts, raw),
    }) as response:
        assert response.status == 200
    for _ in range(50):
        if harness.dms("URITA"):
            break
        await asyncio.sleep(0.02)
    assert [c.params.get("text") for c in fake_slack.calls_to("chat.postMessage")] == [BUSY]
    assert [c.params.get("channel") for c in fake_slack.calls_to("chat.postMessage")] == ["DURITA"]
    fake_slack.response_gate.set()
    await harness.settle()
    assert "URITA" not in {p.user_id for p in await harness.db.all(Person)}, "nothing of the message was kept"


async def test_a_clean_shutdown_waits_for_the_accepted_work(fake_slack: FakeSlack, slack_small_queue: SlackHarness) -> None:
    harness = slack_small_queue
    users = add_reps(fake_slack, 10)
    fake_slack.response_gate = asyncio.Event()
    acks = await burst(harness, users)
    accepted = {user for user, _, answer in acks if not answer}
    assert accepted
    closing = asyncio.create_task(harness.platform.close())  # what `serve` does on SIGTERM, after the server stopped
    await asyncio.sleep(0.2)
    assert not closing.done(), "close waits while accepted work is still running"
    fake_slack.response_gate.set()
    await asyncio.wait_for(closing, 10)
    assert await stored_for(harness) == accepted
    assert sum("Logged #1" in FakeSlack.blocks_text(c) for c in fake_slack.calls_to("response_url")) == len(accepted)
