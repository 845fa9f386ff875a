"""Each person's Slack DM channel is opened once (`conversations.open`, Slack's Tier 3: about 50
calls a minute) and kept in the database, so check-ins after a restart, or from another
process, post straight into it; a DM Slack lost is opened again once; a 429 from
`conversations.open` holds back only the people still to open, never the workspace's pace;
opening the App Home keeps the DM it names.

The real adapter on an AsyncWebClient, the real dispatcher and pump, a real SQLite file and a
fake Slack that enforces its limits.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from benchmarks.fanout_world import queue_fanout
from bot.slack.adapter import SlackChat
from bot.slack.dm_channels import DmChannels
from bot.slack.web import Directory, make_client
from handlers.contract.messages import Message
from handlers.contract.ports import SystemClock
from scheduler.dispatcher import Dispatcher
from storage.models import ConversationRef, Outbox, Person
from storage.states import OutboxOperation, OutboxStatus
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackHarness
from tests.support import Database, drain_outbox, migrate

TEAM = "T1"
TOKEN = "xoxb-dms"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[FakeSlack, Database]]:
    url = f"sqlite+aiosqlite:///{tmp_path}/dms.db"
    await migrate(url)
    fake = FakeSlack()
    fake.tokens[TOKEN] = TEAM
    await fake.start()
    try:
        async with Database(url) as db:
            yield fake, db
    finally:
        await fake.stop()


def a_process(fake: FakeSlack, db: Database, *, retries: int = 2, open_rate: float = 50 / 60) -> Dispatcher:
    """What one `serve` process sends with: its own client, memory and dispatcher; the database shared."""
    client = make_client(fake.api_url, retries=retries)

    async def token_for(team: str) -> str | None:
        return TOKEN

    directory = Directory(client, token_for, dms=DmChannels(db.store.conversation_refs, SystemClock()), open_rate=open_rate)
    return Dispatcher(db.store, {"slack": SlackChat(client, directory, workspace_rate=50.0, channel_rate=0.0)}, SystemClock())


async def queue_again(db: Database, text: str) -> None:
    """One more message, due now, to everyone in the workspace."""
    now = SystemClock().now()
    async with db.sessions() as s, s.begin():
        ids = list(await s.scalars(select(Person.id).where(Person.workspace_id == TEAM).order_by(Person.id)))
        await s.execute(insert(Outbox), [
            {"recipient_id": pid, "platform": "slack", "workspace_id": TEAM, "operation": OutboxOperation.SEND,
             "message_json": Message.text(f"{text} for {pid}").to_json(), "status": OutboxStatus.PENDING,
             "not_before": now, "attempts": 0, "created_at": now}
            for pid in ids
        ])


def posts(fake: FakeSlack) -> Counter[tuple[str, str]]:
    return Counter((c.params["channel"], c.params["text"]) for c in fake.calls_to("chat.postMessage"))


async def test_a_dm_is_opened_once_and_a_restarted_process_posts_straight_into_it(world: tuple[FakeSlack, Database]) -> None:
    fake, db = world
    await queue_fanout(db.sessions, "slack", TEAM, 20, SystemClock().now())
    await drain_outbox(a_process(fake, db), db)
    assert len(fake.calls_to("conversations.open")) == 20

    await queue_again(db, "the next morning")
    await drain_outbox(a_process(fake, db), db)  # a restarted process: nothing in memory

    assert len(fake.calls_to("conversations.open")) == 20, "the kept DM channels were used"
    delivered = posts(fake)
    assert len(delivered) == 40 and set(delivered.values()) == {1}
    assert {channel for channel, _ in delivered} == {f"DU{TEAM}x{i}" for i in range(20)}
    kept = {r.user_id: json.loads(r.reference_json) for r in await db.all(ConversationRef)}
    assert kept == {f"U{TEAM}x{i}": {"channel": f"DU{TEAM}x{i}"} for i in range(20)}


async def test_a_dm_slack_no_longer_knows_is_opened_again_once_and_the_message_goes_out(world: tuple[FakeSlack, Database]) -> None:
    fake, db = world
    await queue_fanout(db.sessions, "slack", TEAM, 5, SystemClock().now())
    await drain_outbox(a_process(fake, db), db)
    fake.lost_dms.add(f"DU{TEAM}x3")

    await queue_again(db, "the next morning")
    await drain_outbox(a_process(fake, db), db)

    opened = [c.params["users"] for c in fake.calls_to("conversations.open")]
    assert opened.count(f"U{TEAM}x3") == 2 and len(opened) == 6, opened
    refused = [c for c in fake.calls_to("chat.postMessage", ok_only=False) if c.response.get("error") == "channel_not_found"]
    assert len(refused) == 1
    assert len(posts(fake)) == 10 and await db.count(Outbox, Outbox.status == OutboxStatus.FAILED) == 0


async def test_conversations_open_at_its_limit_holds_back_new_people_but_never_the_workspaces_pace(
    world: tuple[FakeSlack, Database],
) -> None:
    """After Slack's first refusal, the people still to open wait for turns at about the rate
    it takes, each once, instead of all asking again after every pause."""
    fake, db = world
    fake.open_per_minute = 180  # 3 a second, a burst of 18
    await queue_fanout(db.sessions, "slack", TEAM, 30, SystemClock().now())
    dispatcher = a_process(fake, db, retries=0, open_rate=2.5)  # every 429 reaches the outbox

    await drain_outbox(dispatcher, db)

    refused = [c for c in fake.calls if c.status == 429]
    assert refused and all(c.method == "conversations.open" for c in refused)
    assert len(refused) <= 8, f"{len(refused)} refusals: only the opens already on their way when the first came"
    delivered = posts(fake)
    assert len(delivered) == 30 and set(delivered.values()) == {1}, "nothing lost, nothing twice"
    pace = dispatcher.pacing.pace("slack", TEAM)
    assert pace.refused is None and pace.rate >= 50.0, f"the workspace's pace learnt a limit it never met: {pace.rate:.1f}/s"


async def kept_dm(slack: SlackHarness, user: str) -> dict[str, str] | None:
    """The DM channel kept for `user` (the keeping runs in the background after the request)."""
    for _ in range(100):
        rows = [r for r in await slack.db.all(ConversationRef) if r.user_id == user]
        if rows:
            kept: dict[str, str] = json.loads(rows[0].reference_json)
            return kept
        await asyncio.sleep(0.02)
    return None


async def test_opening_the_app_home_keeps_the_dm_it_names(slack: SlackHarness) -> None:
    status, _ = await slack.event({"type": "app_home_opened", "user": "URITA", "channel": "DHOME7", "tab": "home"}, event_id="Ev-home-1")

    assert status == 200
    assert await kept_dm(slack, "URITA") == {"channel": "DHOME7"}
    assert slack.fake.calls_to("conversations.open") == []


async def test_a_dm_the_person_writes_in_is_kept_without_opening_it(slack: SlackHarness) -> None:
    await slack.event({"type": "message", "channel_type": "im", "user": "URITA", "channel": "DRITA9", "text": "hello", "ts": "5.0"},
                      event_id="Ev-hello")
    await slack.settle()

    assert await kept_dm(slack, "URITA") == {"channel": "DRITA9"}
    assert slack.fake.calls_to("conversations.open") == []


async def test_a_first_command_opens_the_dm_once_so_the_first_check_in_needs_no_open(slack: SlackHarness) -> None:
    status, _ = await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.settle()

    assert status == 200
    assert await kept_dm(slack, "URITA") == {"channel": "DURITA"}
    assert [c.params["users"] for c in slack.fake.calls_to("conversations.open")] == ["URITA"]

    await slack.command("URITA", "/commit", "2 demos every week")  # a known person: nothing more to open
    await slack.settle()
    await asyncio.sleep(0.1)
    assert len(slack.fake.calls_to("conversations.open")) == 1
