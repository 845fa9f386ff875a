"""A fake Slack Web API on 127.0.0.1 that speaks the wire format, records every call, and
fails on demand (429 with Retry-After, 500, or a Slack error code such as `account_inactive`
in an HTTP 200 `{"ok": false}` answer). It also takes `response_url` posts.

Usage::

    fake = FakeSlack()
    await fake.start()
    fake.add_user("T1", "U1", "Rita", "America/New_York")
    fake.fail("chat.postMessage", status=429, times=3, retry_after=1)
    fake.refuse("chat.update", "message_not_found")   # HTTP 200, ok false
    ...                                  # point SLACK_API_URL at fake.api_url
    fake.calls_to("chat.postMessage")     # what was sent, in order
    await fake.stop()
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None


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

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None, error: str | None = None) -> None:
        self.failures.setdefault(method, []).extend(Failure(status, retry_after, error) for _ in range(times))

    def refuse(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls to `method` as Slack refuses a call: HTTP 200, `{"ok": false, "error": error}`."""
        self.fail(method, status=200, times=times, error=error)

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
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
        self.calls.append(Call("response_url", await request.json(), None, 200))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        pending = self.failures.get(method)
        if pending:
            failure = pending.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            body = {"ok": False, "error": failure.error or ("ratelimited" if failure.status == 429 else "internal_error")}
            # An `ok: false` answer in HTTP 200 is recorded as 400, as `_answer`'s refusals are, so
            # `calls_to` never counts it as delivered.
            self.calls.append(Call(method, params, token, failure.status if failure.status != 200 else 400, body))
            return web.json_response(body, status=failure.status, headers=headers)
        status, body = self._answer(method, params, token)
        self.calls.append(Call(method, params, token, status if body.get("ok") else 400, body))
        return web.json_response(body, status=status)

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
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            self._ts += 1
            ts = f"1790000000.{self._ts:06d}"
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts, "message_ts": ts}
        if method == "chat.update":
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("views.open", "views.publish", "views.update"):
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
