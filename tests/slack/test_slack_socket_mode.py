"""Socket Mode (`python app.py socket`): the same bolt app over a websocket, no public URL."""

from __future__ import annotations

import asyncio
import time

from storage.models import Commitment
from tests.slack.harness import SlackHarness


async def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_slash_command_over_socket_mode_is_acked_and_answered(slack: SlackHarness) -> None:
    handler = slack.platform.socket_mode("xapp-1-socket-token")
    await handler.connect_async()
    try:
        await wait_until(lambda: slack.fake.sockets)
        opened = slack.fake.calls_to("apps.connections.open")
        assert opened and opened[0].token == "xapp-1-socket-token"
        payload = {
            "team_id": "T1", "user_id": "URITA", "user_name": "rita", "command": "/commit", "text": "20 calls every weekday",
            "channel_id": "DURITA", "response_url": slack.fake.response_url("socket1"), "trigger_id": "trigger.socket",
            "api_app_id": "A1",
        }
        await slack.fake.sockets[0].send_json(
            {"envelope_id": "env-1", "type": "slash_commands", "payload": payload, "accepts_response_payload": True}
        )
        await wait_until(lambda: any(a.get("envelope_id") == "env-1" for a in slack.fake.socket_acks))
        await slack.settle()  # the reply comes after the ack, from the listener's own task
        assert slack.fake.calls_to("response_url")
        assert "Logged #1: 20 calls, weekdays" in slack.last_reply()
        assert [c.title for c in await slack.db.all(Commitment)] == ["20 calls"]
    finally:
        await handler.close_async()
