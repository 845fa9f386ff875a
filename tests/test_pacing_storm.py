"""Adaptive pacing against a fake Slack that enforces its limits (1 message a second per
channel, L a minute per workspace, 429 with Retry-After beyond them) and, on top of that,
answers a burst of 429s and a burst of 500s mid fan-out: the bot, started well above L and
not told L, loses nothing, sends nothing twice, settles under L, and remembers the rate it
found across a restart (table send_rate).

The real adapter (bot/slack/adapter.py on an AsyncWebClient), the real dispatcher and pump,
a real SQLite file; the pace is real time, as pacing is the thing under test.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from benchmarks.fanout_world import queue_fanout
from bot.slack.adapter import SlackChat
from bot.slack.web import Directory, make_client
from handlers.contract.ports import SystemClock
from scheduler.dispatcher import Dispatcher
from storage.models import Outbox
from storage.pacing_models import SendRate
from storage.states import OutboxStatus
from tests.slack.fake_slack import FakeSlack
from tests.support import Database, drain_outbox, migrate

TEAM = "T1"
LIMIT_PER_MINUTE = 600  # 10 a second
START_RATE = 25.0  # what the bot is configured to start from: well over the limit


def adapter(fake: FakeSlack) -> SlackChat:
    client = make_client(fake.api_url)

    async def token_for(team: str) -> str | None:
        return "xoxb-storm"

    return SlackChat(client, Directory(client, token_for), workspace_rate=START_RATE, channel_rate=1.0)


async def test_a_429_storm_and_a_500_burst_lose_nothing_and_the_rate_settles_under_the_limit(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/storm.db"
    await migrate(url)
    fake = FakeSlack(channel_rate=1.0, workspace_per_minute=LIMIT_PER_MINUTE)
    fake.tokens["xoxb-storm"] = TEAM
    await fake.start()
    people, each = 40, 2  # 80 messages: 8 s at the limit; two per person, so the channel limit counts
    try:
        async with Database(url) as db:
            await queue_fanout(db.sessions, "slack", TEAM, people, SystemClock().now(), per_person=each)
            fake.fail("chat.postMessage", status=429, times=6, retry_after=1, after=15)  # a storm on top of the limit
            fake.fail("chat.postMessage", status=500, times=4)  # then a burst of server errors
            dispatcher = Dispatcher(db.store, {"slack": adapter(fake)}, SystemClock())
            await drain_outbox(dispatcher, db, timeout=40.0, pause=0.2)
            await asyncio.sleep(0.5)

            delivered = Counter((c.params["channel"], c.params["text"]) for c in fake.calls_to("chat.postMessage"))
            assert len(delivered) == people * each and set(delivered.values()) == {1}, "nothing lost, nothing twice"
            statuses = Counter(c.status for c in fake.calls_to("chat.postMessage", ok_only=False))
            assert statuses[500] >= 4 and statuses[429] >= 6 + 1, f"the storm and the limit were met: {statuses}"
            assert await db.count(Outbox, Outbox.status == OutboxStatus.FAILED) == 0

            pace = dispatcher.pacing.pace("slack", TEAM)
            assert pace.refused is not None
            assert pace.rate < LIMIT_PER_MINUTE / 60, f"settled at {pace.rate:.2f}/s, over the limit"
            await asyncio.sleep(0.2)  # the save after the last 429 runs in the background
            (saved,) = await db.all(SendRate)
            assert (saved.platform, saved.workspace_id) == ("slack", TEAM)
            assert saved.rate_per_second < LIMIT_PER_MINUTE / 60 and saved.refused_per_second == pace.refused

        async with Database(url) as db:  # a restart: a new process, a new engine
            restarted = Dispatcher(db.store, {"slack": adapter(fake)}, SystemClock())
            await restarted.pacing.load()
            again = restarted.pacing.pace("slack", TEAM)
            assert (again.rate, again.refused) == (saved.rate_per_second, saved.refused_per_second)
    finally:
        await fake.stop()
