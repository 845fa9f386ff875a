"""A fake Slack Web API on 127.0.0.1 that speaks the wire format, records every call, and
fails on demand (429 with Retry-After, 500, or a Slack error code such as `account_inactive`
in an HTTP 200 `{"ok": false}` answer). It also takes `response_url` posts.

It holds the app to Slack's real limits: a message (`chat.postMessage`, `chat.update`,
`chat.postEphemeral`, a `response_url` post) of more than 50 blocks, with a section text
over 3,000 characters or empty, or an actions block of more than 25 elements is refused
with `invalid_blocks`, a top-level `text` over 40,000 characters with `msg_too_long`, and a
view of more than 100 blocks with `invalid_arguments`. It keeps each posted message as it
now reads (`messages`): `chat.update` edits one that exists (else `message_not_found`) and
`chat.delete` removes it.

Files go up the way Slack takes them now: `files.getUploadURLExternal` hands out a file id
and an upload URL (on this server), the bytes are POSTed there, and
`files.completeUploadExternal` shares the files in `channel_id`; a completion naming an id
it never issued, or one whose bytes never arrived, is refused with `file_not_found`
(`uploads`, `shared_files(channel)`).

Usage::

    fake = FakeSlack()
    await fake.start()
    fake.add_user("T1", "U1", "Rita", "America/New_York")
    fake.fail("chat.postMessage", status=429, times=3, retry_after=1)
    fake.refuse("chat.update", "message_not_found")   # HTTP 200, ok false
    FakeSlack(channel_rate=1, workspace_per_minute=600)  # Slack's pacing of chat.postMessage
    ...                                  # point SLACK_API_URL at fake.api_url
    fake.calls_to("chat.postMessage")     # what was sent, in order
    fake.messages[(channel, ts)]          # a message as it reads now (its last params)
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.slack.fake_slack_parts import (
    MESSAGE_METHODS,
    VIEW_BLOCKS,
    VIEW_METHODS,
    Buckets,
    Call,
    Failure,
    FakeUploads,
    blocks_of,
    limits_error,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    users: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    """bot token -> team id, as `auth.test` reports it."""
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    oauth_grant: dict[str, Any] | None = None
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Posted messages by (channel, ts), as they read now: their last `blocks` and `text`."""
    uploads: FakeUploads = field(default_factory=FakeUploads)
    """Files from `files.getUploadURLExternal` on, as Slack takes them now."""
    channel_rate: float | None = None
    """If set, `chat.postMessage` takes this many messages a second per channel (a burst of
    `channel_burst`), and answers 429 with Retry-After beyond it, as Slack does."""
    channel_burst: float = 2.0
    workspace_per_minute: float | None = None
    """If set, `chat.postMessage` takes this many messages a minute per workspace (a token bucket
    holding one second's worth), and answers 429 with Retry-After beyond it."""
    open_per_minute: float | None = None
    """If set, `conversations.open` (Slack's Tier 3) takes this many calls a minute per workspace
    (a token bucket holding a tenth of a minute's worth) and answers 429 with Retry-After beyond it."""
    lost_dms: set[str] = field(default_factory=set)
    """DM channels Slack no longer knows (a test's): a post to one is answered `channel_not_found`
    until `conversations.open` hands it out again."""
    throttled: int = 0
    """How many calls the limits above refused."""
    _buckets: Buckets = field(default_factory=Buckets)
    response_gate: asyncio.Event | None = None
    """While set to an unset Event, posts to response URLs wait for it (a slow Slack)."""
    method_gates: dict[str, asyncio.Event] = field(default_factory=dict)
    """Web API method -> an Event: while it is unset, calls to that method wait for it (a Slack
    that hangs); `waiting` counts the calls held so."""
    waiting: int = 0
    _ts: int = 0
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    def add_user(self, team: str, user_id: str, name: str, tz: str | None = "America/New_York") -> None:
        self.users[(team, user_id)] = {
            "id": user_id, "team_id": team, "name": name.lower(), "real_name": name, "tz": tz,
            "profile": {"display_name": name, "real_name": name},
        }

    def fail(
        self, method: str, status: int, times: int = 1, retry_after: int | None = None, error: str | None = None, after: int = 0,
    ) -> None:
        """Answer `times` calls to `method` with `status`, once `after` calls have gone through."""
        failures = [Failure(status, retry_after, error) for _ in range(times)]
        if failures:
            failures[0].after = after
        self.failures.setdefault(method, []).extend(failures)

    def refuse(self, method: str, error: str, times: int = 1, after: int = 0) -> None:
        """Answer `times` calls to `method` as Slack refuses a call (HTTP 200, `{"ok": false, "error": error}`),
        once `after` calls have gone through."""
        self.fail(method, status=200, times=times, error=error, after=after)

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self.uploads.upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    def _team_for(self, token: str | None) -> str:
        return self.tokens.get(token or "", "T1")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every acknowledgement the app sends back."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}, "connection_info": {"app_id": "A1"}})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws

    async def _respond(self, request: web.Request) -> web.Response:
        if self.response_gate is not None:
            await self.response_gate.wait()
        params = await request.json()
        error = limits_error(params)
        if error is not None:  # a response_url answers a refusal with HTTP 400 and the error as text
            self.calls.append(Call("response_url", params, None, 400, {"ok": False, "error": error}))
            return web.Response(status=400, text=error)
        self.calls.append(Call("response_url", params, None, 200))
        return web.Response(text="ok")

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """Files completed into `channel` (`files.completeUploadExternal`), in order."""
        return self.uploads.shared(channel)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if (gate := self.method_gates.get(method)) is not None and not gate.is_set():
            self.waiting += 1
            await gate.wait()
            self.waiting -= 1
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        pending = self.failures.get(method)
        if pending and pending[0].after > 0:
            pending[0].after -= 1
        elif pending:
            failure = pending.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            body = {"ok": False, "error": failure.error or ("ratelimited" if failure.status == 429 else "internal_error")}
            # An `ok: false` answer in HTTP 200 is recorded as 400, as `_answer`'s refusals are, so
            # `calls_to` never counts it as delivered.
            self.calls.append(Call(method, params, token, failure.status if failure.status != 200 else 400, body))
            return web.json_response(body, status=failure.status, headers=headers)
        if method == "conversations.open" and self.open_per_minute is not None:
            wait = self._buckets.take([(("open", self._team_for(token)), self.open_per_minute / 60, max(1.0, self.open_per_minute / 10))])
        elif method == "chat.postMessage":
            wait = self._over_limit(self._team_for(token), str(params.get("channel")))
        else:
            wait = 0.0
        if wait:
            self.throttled += 1
            self.calls.append(Call(method, params, token, 429, {"ok": False, "error": "ratelimited"}))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(math.ceil(wait))}
            )
        status, body = self._answer(method, params, token)
        self.calls.append(Call(method, params, token, status if body.get("ok") else 400, body))
        return web.json_response(body, status=status)

    def _over_limit(self, team: str, channel: str) -> float:
        """0 if a message to `channel` in `team` is within the limits (and takes its tokens);
        else the seconds until it would be."""
        limits: list[tuple[tuple[str, str], float, float]] = []
        if self.channel_rate is not None:
            limits.append((("channel", channel), self.channel_rate, self.channel_burst))
        if self.workspace_per_minute is not None:
            rate = self.workspace_per_minute / 60
            limits.append((("team", team), rate, max(1.0, rate)))
        return self._buckets.take(limits)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any]]:
        team = self._team_for(token)
        if method == "apps.connections.open":
            return 200, {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "auth.test":
            return 200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": team, "team": team, "url": "https://example.invalid/"}
        if method == "users.info":
            user = self.users.get((team, str(params.get("user"))))
            return 200, ({"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"})
        if method == "users.list":
            members = [u for (t, _), u in self.users.items() if t == team]
            return 200, {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
        if method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            return 200, self.uploads.answer(method, params, self.base)
        if method == "conversations.open":
            self.lost_dms.discard("D" + str(params.get("users")))
            return 200, {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}
        if method in MESSAGE_METHODS and (error := limits_error(params)) is not None:
            return 200, {"ok": False, "error": error}
        if method in VIEW_METHODS and len(blocks_of((params.get("view") or {}).get("blocks"))) > VIEW_BLOCKS:
            return 200, {"ok": False, "error": "invalid_arguments"}
        channel, ts = str(params.get("channel")), str(params.get("ts"))
        if method == "chat.postMessage" and channel in self.lost_dms:
            return 200, {"ok": False, "error": "channel_not_found"}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            self._ts += 1
            ts = f"1790000000.{self._ts:06d}"
            if method == "chat.postMessage":
                self.messages[(channel, ts)] = {"blocks": blocks_of(params.get("blocks")), "text": params.get("text")}
            return 200, {"ok": True, "channel": channel, "ts": ts, "message_ts": ts}
        if method in ("chat.update", "chat.delete"):
            if (channel, ts) not in self.messages:
                return 200, {"ok": False, "error": "message_not_found"}
            if method == "chat.delete":
                del self.messages[(channel, ts)]
            else:
                before = self.messages[(channel, ts)]
                blocks = blocks_of(params["blocks"]) if "blocks" in params else before["blocks"]
                self.messages[(channel, ts)] = {"blocks": blocks, "text": params.get("text", before["text"])}
            return 200, {"ok": True, "channel": channel, "ts": ts}
        if method in VIEW_METHODS:
            return 200, {"ok": True, "view": {"id": "V1"}}
        if method == "oauth.v2.access":
            if self.oauth_grant is None or params.get("code") != self.oauth_grant.get("code"):
                return 200, {"ok": False, "error": "invalid_code"}
            grant = dict(self.oauth_grant)
            grant.pop("code")
            self.tokens[grant["access_token"]] = grant["team"]["id"]
            return 200, {"ok": True, **grant}
        return 200, {"ok": False, "error": "unknown_method"}

    @staticmethod
    def blocks_text(call: Call) -> str:
        """All the text a recorded message or view shows (sections, buttons, inputs)."""
        raw = call.params.get("blocks") or (call.params.get("view") or {}).get("blocks") or []
        if isinstance(raw, str):
            raw = json.loads(raw)
        return json.dumps(raw, ensure_ascii=False)
