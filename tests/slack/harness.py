"""The real server with Slack on, driven by signed HTTP requests, against the fake Slack.

`SlackHarness` builds the app exactly as `python app.py serve` does (`build_platforms`,
`build_web_app`) on a migrated SQLite file and a pinned clock, serves it on 127.0.0.1,
and offers what Slack would send: slash commands, button clicks, modal submissions and
events, each signed with the signing secret at the clock's time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from app import build_platforms, build_web_app
from bot.slack.platform import SlackPlatform
from handlers.context import Context
from handlers.contract.ports import FixedClock
from handlers.dashboard_sign_in import links_for
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.jobs import run_due
from settings import Settings
from storage.store import Store
from tests.slack.fake_slack import FakeSlack, free_port
from tests.support import Database, migrate

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-secret-bot-token"
TEAM = "T1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


QUIET_YIELDS = 5
"""Turns of the event loop with no Slack work in flight before `settle` calls it settled."""


class SlackHarness:
    def __init__(self, db_url: str, fake: FakeSlack, clock: FixedClock, **settings: Any) -> None:
        self.fake = fake
        self.clock = clock
        self.db_url = db_url
        options: dict[str, Any] = {
            "database_url": db_url,
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": fake.api_url,
            "slack_channel_rate": 0.0,
            "slack_workspace_rate": 1000.0,
        }
        options.update(settings)
        self.settings = Settings(_env_file=None, **options)  # type: ignore[call-arg]
        self.db = Database(db_url)
        self.ctx = Context(store=Store(self.db.sessions), clock=clock, forms=True,
                           sign_in=links_for(self.settings.session_secret, self.settings.dashboard_base, clock))
        self.platform: SlackPlatform
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.url = ""
        self._response_urls = 0
        self.ctx_platforms: list[Any] = []

    async def start(self) -> SlackHarness:
        await migrate(self.db_url)
        platforms = build_platforms(self.settings, self.ctx)
        self.ctx_platforms = platforms
        slack = [p for p in platforms if p.adapter.platform == "slack"]
        assert slack, "Slack should be configured"
        self.platform = slack[0]  # type: ignore[assignment]
        self._runner = web.AppRunner(build_web_app(self.settings, self.ctx, platforms))
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        return self

    async def stop(self) -> None:
        await self.settle()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.platform.close()
        await self.db.engine.dispose()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until the work bolt runs after each ack has finished (`SlackBot.wait_idle`).

        bolt starts each listener in a task of its own; the HTTP answer can arrive before that
        task has taken its first step (where the bot starts counting it). So the loop is given
        a few turns, and it is settled only when no work was in flight across all of them."""
        bot = self.platform.bot
        deadline = time.monotonic() + timeout
        while True:
            try:
                await bot.wait_idle(max(deadline - time.monotonic(), 0.0))
            except TimeoutError:
                raise AssertionError(f"Slack work still in flight after {timeout}s: {bot.in_flight}") from None
            for _ in range(QUIET_YIELDS):
                await asyncio.sleep(0)
                if bot.in_flight:
                    break
            else:
                return

    # -- requests -------------------------------------------------------------------------

    async def post(
        self, body: bytes, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
        sign: bool = True, headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        assert self._http is not None
        ts = str(timestamp if timestamp is not None else int(self.clock.now().timestamp()))
        sent_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            sent_headers["X-Slack-Request-Timestamp"] = ts
            sent_headers["X-Slack-Signature"] = signature(secret, ts, body)
        async with self._http.post(self.url + "/slack/events", data=body, headers=sent_headers) as response:
            text = await response.text()
            status = response.status
        await self.settle()
        return status, text

    async def command(self, user: str, command: str, text: str, *, team: str = TEAM, **kw: Any) -> tuple[int, str]:
        self._response_urls += 1
        form = {
            "token": "legacy", "team_id": team, "team_domain": "acme", "channel_id": "D" + user, "channel_name": "directmessage",
            "user_id": user, "user_name": user.lower(), "command": command, "text": text,
            "api_app_id": "A1", "response_url": self.fake.response_url(f"cmd{self._response_urls}"),
            "trigger_id": f"trigger.{self._response_urls}",
        }
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **kw)

    async def interactive(self, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def click(
        self, user: str, action_id: str, value: str, *, channel: str | None = None, ts: str | None = None,
        team: str = TEAM, in_home: bool = False,
    ) -> tuple[int, str]:
        self._response_urls += 1
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": team, "domain": "acme"}, "user": {"id": user, "name": user.lower(), "team_id": team},
            "api_app_id": "A1", "trigger_id": f"trigger.click{self._response_urls}",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
        }
        if in_home:
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home"}
        else:
            payload["container"] = {"type": "message", "channel_id": channel or "D" + user, "message_ts": ts or "1.0", "is_ephemeral": False}
            payload["channel"] = {"id": channel or "D" + user}
            payload["message"] = {"ts": ts or "1.0", "text": ""}
            payload["response_url"] = self.fake.response_url(f"click{self._response_urls}")
        return await self.interactive(payload)

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, Any], *, team: str = TEAM) -> tuple[int, str]:
        submitted = {**view, "id": "V9", "state": {"values": values}}
        payload = {
            "type": "view_submission", "team": {"id": team}, "user": {"id": user, "name": user.lower(), "team_id": team},
            "api_app_id": "A1", "view": submitted,
        }
        return await self.interactive(payload)

    async def event(self, event: dict[str, Any], *, event_id: str, team: str = TEAM, **kw: Any) -> tuple[int, str]:
        body = {
            "token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id, "event_time": int(self.clock.now().timestamp()), "event": event,
        }
        return await self.post(json.dumps(body).encode(), "application/json", **kw)

    # -- the scheduler --------------------------------------------------------------------

    async def tick(self, at: datetime | None = None) -> DispatchReport:
        if at is not None:
            self.clock.set(at)
        await run_due(self.db.store, self.clock.now())
        return await self.drain()

    async def drain(self) -> DispatchReport:
        dispatcher = Dispatcher(self.db.store, {"slack": self.platform.adapter}, self.clock)
        report = await dispatcher.drain(real_sleep=False)
        await self.settle()
        return report

    # -- what Slack saw -------------------------------------------------------------------

    def replies(self) -> list[str]:
        """Ephemeral replies posted to response URLs, as text."""
        return [FakeSlack.blocks_text(c) for c in self.fake.calls_to("response_url")]

    def last_reply(self) -> str:
        replies = self.replies()
        assert replies, "no ephemeral reply was posted"
        return replies[-1]

    def dms(self, user: str) -> list[dict[str, Any]]:
        """Messages posted to `user`'s DM, with their ts, channel and block text."""
        return [
            {"ts": c.response.get("ts"), "channel": c.params["channel"], "text": FakeSlack.blocks_text(c), "blocks": c.params.get("blocks")}
            for c in self.fake.calls_to("chat.postMessage") if c.params.get("channel") == "D" + user
        ]
