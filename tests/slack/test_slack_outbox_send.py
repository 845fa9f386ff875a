"""The Slack adapter's send path under a fan-out, against the fake Slack on 127.0.0.1: every
message is posted, the outbox's calls reuse their HTTP connections instead of opening one a
call, and App Home refreshes after deliveries stay within a budget per workspace (Slack takes
`views.publish` about 100 times a minute), while every message still goes out."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.adapter import SlackChat
from bot.slack.home_refresh import RefreshBudget
from bot.slack.web import Directory, make_client
from handlers.contract.messages import Address, Message
from tests.slack.fake_slack import FakeSlack

TOKEN = "xoxb-fanout"


class CountingSlack(FakeSlack):
    """The fake Slack, noting which client connection (its port) made each Web API call."""

    def __init__(self) -> None:
        super().__init__()
        self.connections: Counter[int] = Counter()

    async def _api(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.connections[int(peer[1]) if peer else 0] += 1
        return await super()._api(request)


@pytest.fixture
async def fake() -> AsyncIterator[CountingSlack]:
    server = CountingSlack()
    await server.start()
    server.tokens[TOKEN] = "T1"
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(fake: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    web_client = make_client(fake.api_url, TOKEN, retries=0)
    yield web_client
    if web_client.session is not None:
        await web_client.session.close()


class Clock:
    """A monotonic timer the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def adapter(client: AsyncWebClient, refreshed: list[Address], budget: RefreshBudget) -> SlackChat:
    async def token_for(team_id: str) -> str | None:
        return TOKEN

    async def delivered(to: Address) -> None:
        refreshed.append(to)

    return SlackChat(
        client, Directory(client, token_for), workspace_rate=100.0, channel_rate=0.0, delivered=delivered, refreshes=budget,
    )


async def test_a_fanout_posts_every_message_over_a_few_kept_connections(fake: CountingSlack, client: AsyncWebClient) -> None:
    chat = adapter(client, [], RefreshBudget())
    try:
        for n in range(40):
            await chat.send(Address("slack", "T1", f"U{n}"), Message.text(f"check-in #{n}"))
    finally:
        await chat.close()
    posted = [c.params["channel"] for c in fake.calls_to("chat.postMessage")]
    assert posted == [f"DU{n}" for n in range(40)], "each person got their message, in order"
    assert len(fake.calls_to("conversations.open")) == 40
    assert sum(fake.connections.values()) == 80
    assert len(fake.connections) <= 2, f"80 calls over {len(fake.connections)} connections: they are kept, not reopened"


async def test_deliveries_refresh_app_homes_within_each_workspaces_budget(fake: CountingSlack, client: AsyncWebClient) -> None:
    timer = Clock()
    refreshed: list[Address] = []
    chat = adapter(client, refreshed, RefreshBudget(rate=1.0, burst=5.0, timer=timer))
    try:
        for n in range(30):
            await chat.send(Address("slack", "T1", f"U{n}"), Message.text(f"check-in #{n}"))
        assert [a.user_id for a in refreshed] == [f"U{n}" for n in range(5)], "a burst of 5, then nothing in the same instant"

        await chat.send(Address("slack", "T2", "UOTHER"), Message.text("hello"))
        assert refreshed[-1].workspace_id == "T2", "another workspace has a budget of its own"

        timer.now += 3.0
        for n in range(30, 36):
            await chat.send(Address("slack", "T1", f"U{n}"), Message.text(f"check-in #{n}"))
        assert [a.user_id for a in refreshed[6:]] == ["U30", "U31", "U32"], "three seconds buy three more refreshes"
    finally:
        await chat.close()
    assert len(fake.calls_to("chat.postMessage")) == 37, "every message was posted, refreshed or not"
