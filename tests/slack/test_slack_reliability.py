"""Slack's retries, double clicks, old buttons and rate-limit storms: exactly one answer
or message each, nothing lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond

from storage.inbox_models import InboxEntry
from storage.models import CheckIn, Commitment, Outbox, Person
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import TEAM, SlackHarness
from tests.slack.test_slack_flows import button

MONDAY_1630_NY = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)


async def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    event = {"type": "app_home_opened", "user": "URITA", "channel": "DURITA", "tab": "home"}
    await slack.event(event, event_id="Ev-same")
    status, _ = await slack.event(event, event_id="Ev-same", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert status == 200
    assert len(slack.dms("URITA")) == 1, "one invitation, not two"

    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.tick(MONDAY_1630_NY)
    no = button(slack.dms("URITA")[-1]["blocks"], "No")
    await slack.click("URITA", no["action_id"], no["value"])
    note = {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "Travel day.", "ts": "9.0"}
    await slack.event(note, event_id="Ev-note")
    posts_before = len(slack.fake.calls_to("chat.postMessage"))
    await slack.event(note, event_id="Ev-note", headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})
    assert len(slack.fake.calls_to("chat.postMessage")) == posts_before
    assert [c.note for c in await slack.db.all(CheckIn)] == ["Travel day."]


async def test_a_double_click_records_one_answer(slack: SlackHarness) -> None:
    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.tick(MONDAY_1630_NY)
    checkin = slack.dms("URITA")[-1]
    yes = button(checkin["blocks"], "Yes")
    results = await asyncio.gather(*(slack.click("URITA", yes["action_id"], yes["value"], ts=checkin["ts"]) for _ in range(2)))
    assert [status for status, _ in results] == [200, 200]
    rows = await slack.db.all(CheckIn)
    assert [r.status for r in rows] == ["yes"]
    replies = slack.replies()[-2:]
    assert sum("Already recorded" in r for r in replies) == 1, slack.replies()
    assert sum("20 calls" in r and "Already" not in r for r in replies) == 1


async def test_clicks_on_old_or_unknown_checkins_answer_harmlessly(slack: SlackHarness) -> None:
    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.tick(MONDAY_1630_NY)
    monday = slack.dms("URITA")[-1]
    yes = button(monday["blocks"], "Yes")
    await slack.tick(datetime(2026, 11, 24, 5, 5, tzinfo=UTC))  # Tuesday 00:05 in New York: Monday closed
    await slack.click("URITA", yes["action_id"], yes["value"], ts=monday["ts"])
    assert "no answer" in slack.last_reply()
    assert [c.status for c in await slack.db.all(CheckIn)] == ["no_answer"]

    # The same button, garbled to point at a check-in that doesn't exist.
    _, _, answer = yes["value"].partition(":")
    await slack.click("URITA", yes["action_id"], f"424242:{answer}", ts=monday["ts"])
    assert "couldn't find that check-in" in slack.last_reply()
    # A button in its place from an older version of the bot, whose action no longer exists.
    _, _, index = yes["action_id"].rpartition(":")
    await slack.click("URITA", f"retired_action:{index}", "x", ts=monday["ts"])
    assert "older version" in slack.last_reply()
    assert [c.status for c in await slack.db.all(CheckIn)] == ["no_answer"]


async def test_a_429_storm_during_fan_out_sends_each_checkin_exactly_once(slack: SlackHarness) -> None:
    reps = [f"UREP{n}" for n in range(6)]
    for n, user in enumerate(reps):
        slack.fake.add_user(TEAM, user, f"Rep{n}", "America/New_York")
        await slack.command(user, "/commit", "20 calls every weekday")
    slack.fake.fail("chat.postMessage", status=429, times=14, retry_after=1)
    slack.fake.fail("chat.postMessage", status=500, times=2)

    report = await slack.tick(MONDAY_1630_NY)
    for _ in range(10):
        if await slack.db.count(Outbox, Outbox.status != "sent") == 0:
            break
        slack.clock.set(slack.clock.now() + timedelta(seconds=3))
        report = await slack.drain()
    assert await slack.db.count(Outbox, Outbox.status != "sent") == 0, report

    delivered = Counter(c.params["channel"] for c in slack.fake.calls_to("chat.postMessage"))
    assert delivered == Counter({"D" + user: 1 for user in reps})
    refused = [c for c in slack.fake.calls_to("chat.postMessage", ok_only=False) if c.status != 200]
    assert len(refused) == 16, "every injected failure was met and retried"
    assert await slack.db.count(Person, Person.reachable.is_(False)) == 0


async def test_a_database_that_is_briefly_gone_gets_a_clear_reply_and_the_form_stays_open(slack: SlackHarness) -> None:
    from sqlalchemy import text

    await slack.command("URITA", "/accountability", "terms")
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    async with slack.db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE terms RENAME TO terms_away"))  # the table is gone for a moment
    try:
        await slack.command("URITA", "/accountability", "")
        assert "couldn't reach my database" in slack.last_reply()
        from tests.slack.test_slack_flows import terms_values

        status, body = await slack.submit("URITA", view, terms_values())
        assert status == 200 and '"response_action": "errors"' in body and "press Save again" in body
    finally:
        async with slack.db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE terms_away RENAME TO terms"))
    status, body = await slack.submit("URITA", view, terms_values())
    assert status == 200 and body == ""
    assert "Your terms (version 1)" in slack.dms("URITA")[-1]["text"]


async def test_wait_idle_waits_for_the_work_after_the_ack(slack: SlackHarness) -> None:
    """The bot counts a listener's work from its first step to its last: the listener, then the
    inbox row it wrote (before its ack), until that row's work is done."""
    bot = slack.platform.bot
    acked, release = asyncio.Event(), asyncio.Event()
    slack.fake.response_gate = asyncio.Event()  # the reply waits: the row's work can't finish yet

    async def ack(**_: Any) -> None:
        acked.set()
        await release.wait()  # Slack has its answer; the listener is held here

    body = {"team_id": TEAM, "user_id": "URITA", "user_name": "rita", "command": "/commit", "text": "20 calls every weekday",
            "response_url": slack.fake.response_url("held")}
    respond = AsyncRespond(response_url=body["response_url"])
    work = asyncio.ensure_future(bot.on_command(ack, body, respond))
    await acked.wait()
    assert await slack.db.count(InboxEntry) == 1, "the request was written before the ack"
    assert bot.in_flight == 2, "the listener and its inbox row"
    with pytest.raises(TimeoutError):
        await bot.wait_idle(0.05)
    assert not work.done()

    release.set()
    await asyncio.wait_for(work, 5.0)
    assert bot.in_flight == 1, "the listener is done; its row's work is not"
    with pytest.raises(TimeoutError):
        await bot.wait_idle(0.05)
    slack.fake.response_gate.set()
    await bot.wait_idle(5.0)
    assert bot.in_flight == 0 and await slack.db.count(InboxEntry) == 0
    assert [c.title for c in await slack.db.all(Commitment)] == ["20 calls"]
    assert sum("Logged #1: 20 calls" in FakeSlack.blocks_text(c) for c in slack.fake.calls_to("response_url")) == 1
