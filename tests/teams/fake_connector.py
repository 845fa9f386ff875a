"""A fake Bot Framework connector: the Teams side of the wire, on 127.0.0.1.

It is the `serviceUrl` of every activity the tests send, so botbuilder's own connector
client talks to it for replies, proactive sends, card updates and new conversations. It
records every call (`/v3/conversations`, a new thread in a channel included, and `/v3/conversations/{id}/activities[/{id}]`,
POST, PUT and DELETE, and the member look-up `GET /v3/conversations/{id}/members/{user id}`)
and answers an error on demand: `fail(...)` queues, for one conversation (or for
conversation creation), a status such as 429 with Retry-After or 403 with
`MessageWritesBlocked`, used once per queued entry.

Like the real service, it refuses an activity whose JSON is over `MAX_ACTIVITY_BYTES`
with 413 `RequestEntityTooLarge`, so tests prove the bot's cards stay within Teams' size
limit, and it keeps each activity as it now reads (`activities`): a PUT must name one that
exists (else 404 `ActivityNotFoundInConversation`) and a DELETE removes it.

Given a `login` (tests/teams/fake_login.py), it also serves that token endpoint and, like the
real connector, answers 401 to any call without a bearer token the login issued.

Files reach a person the Teams way: after they accept a file consent card, the bot PUTs the
bytes to the upload URL of `upload_info(name)` (served here, kept in `files`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.teams.fake_login import FakeLogin

MAX_ACTIVITY_BYTES = 28_000
"""The biggest activity (its JSON body, in bytes) the connector takes, as Teams does (about 28 KB)."""

CREATE = "<create>"
"""The key `fail` uses for `POST /v3/conversations` (starting a conversation)."""

UPLOAD = "<upload>"
"""The conversation id file uploads are recorded under (they belong to no conversation)."""


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    status: int
    answered_id: str | None = None

    @property
    def card(self) -> dict[str, Any] | None:
        attachments = self.body.get("attachments") or (self.body.get("activity") or {}).get("attachments") or []
        return attachments[0]["content"] if attachments else None

    @property
    def texts(self) -> list[str]:
        """Every TextBlock's text in the card, in order."""
        return [block["text"] for block in walk(self.card) if block.get("type") == "TextBlock"]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def actions(self) -> list[dict[str, Any]]:
        """Every Action.Submit in the card, in order."""
        return [block for block in walk(self.card) if block.get("type") == "Action.Submit"]

    def inputs(self) -> dict[str, dict[str, Any]]:
        return {block["id"]: block for block in walk(self.card) if str(block.get("type", "")).startswith("Input.")}

    def action(self, title: str, index: int = 0) -> dict[str, Any]:
        return [a for a in self.actions if a["title"] == title][index]


def walk(node: Any) -> list[dict[str, Any]]:
    """Every dict in a card, depth first, in document order."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value))
    return found


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    after: int = 0
    """Calls to let through before this failure is answered."""


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    _failures: dict[str, list[Failure]] = field(default_factory=lambda: defaultdict(list))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    url: str = ""
    names: dict[str, str] = field(default_factory=dict)
    """Display names by user id, for `GET /v3/conversations/{id}/members/{user id}`."""
    activities: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Activities posted by the bot, by (conversation id, activity id), as they read now."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Files the bot PUT to an upload URL from `upload_info` (the person's OneDrive), by name."""
    conversation_rate: float | None = None
    """If set, a new activity (POST) is taken at this many a second per conversation (Teams: 7),
    and 429 with Retry-After beyond it (a token bucket holding one second's worth)."""
    tenant_rate: float | None = None
    """If set, the same per tenant (the activity's conversation tenant; Teams: 50 a second per app)."""
    throttled: int = 0
    """How many calls the limits above refused."""
    login: FakeLogin | None = None
    """If set, calls must carry a token this login issued (else 401), and it is served here too."""
    _buckets: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def fail(
        self, conversation_id: str, status: int, code: str = "", retry_after: str | None = None, times: int = 1, after: int = 0,
    ) -> None:
        """Answer `times` calls for `conversation_id` (or `CREATE`) with `status`, once `after` calls have gone through."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        body = {"error": {"code": code or f"HTTP{status}", "message": f"fake connector says {status}"}}
        failures = [Failure(status, body, headers) for _ in range(times)]
        if failures:
            failures[0].after = after
        self._failures[conversation_id].extend(failures)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_delete("/v3/conversations/{conversation}/activities/{activity}", self._delete)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_put("/onedrive/upload/{name}", self._upload)
        if self.login is not None:
            self.login.mount(app)
        return app

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        """401, as the connector answers a call without a valid token (None: the call may go on)."""
        if self.login is None or self.login.valid(request.headers.get("Authorization")):
            return None
        self.calls.append(Call(request.method, request.path, request.match_info.get("conversation"), None, {}, 401))
        return web.json_response({"message": "Authorization has been denied for this request."}, status=401)

    def _failure(self, key: str) -> Failure | None:
        pending = self._failures.get(key)
        if pending and pending[0].after > 0:
            pending[0].after -= 1
            return None
        return pending.pop(0) if pending else None

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        body = await request.json()
        failure = self._failure(CREATE)
        if failure is not None:
            self.calls.append(Call("POST", request.path, None, None, body, failure.status))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        if channel and body.get("isGroup") and isinstance(body.get("activity"), dict):
            # A new thread in a channel: its conversation id is the channel's plus the first message's.
            activity_id = f"act-{next(self._ids)}"
            thread = f"{channel};messageid={activity_id}"
            self.calls.append(Call("POST", request.path, None, None, body, 201, thread))
            self.activities[(thread, activity_id)] = body["activity"]
            return web.json_response({"id": thread, "activityId": activity_id, "serviceUrl": self.url}, status=201)
        conversation_id = f"a:new-{next(self._ids)}"
        self.calls.append(Call("POST", request.path, None, None, body, 201, conversation_id))
        return web.json_response({"id": conversation_id, "serviceUrl": self.url}, status=201)

    async def _activity(self, request: web.Request) -> web.Response:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        raw = await request.read()
        body = await request.json()
        conversation_id = request.match_info["conversation"]
        activity_id = request.match_info.get("activity")
        failure = self._failure(conversation_id)
        if failure is None and len(raw) > MAX_ACTIVITY_BYTES:
            failure = Failure(413, {"error": {"code": "RequestEntityTooLarge", "message": f"activity of {len(raw)} bytes"}}, {})
        if failure is None and request.method == "POST" and (wait := self._over_limit(conversation_id, body)):
            self.throttled += 1
            failure = Failure(429, {"error": {"code": "Throttled", "message": "too many requests"}}, {"Retry-After": str(math.ceil(wait))})
        if failure is None and request.method == "PUT" and (conversation_id, str(activity_id)) not in self.activities:
            failure = Failure(404, {"error": {"code": "ActivityNotFoundInConversation", "message": "no such activity"}}, {})
        if failure is not None:
            self.calls.append(Call(request.method, request.path, conversation_id, activity_id, body, failure.status))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        answered = activity_id if request.method == "PUT" and activity_id else f"act-{next(self._ids)}"
        self.calls.append(Call(request.method, request.path, conversation_id, activity_id, body, 200, answered))
        self.activities[(conversation_id, str(answered))] = body
        return web.json_response({"id": answered}, status=200)

    def _over_limit(self, conversation_id: str, body: dict[str, Any]) -> float:
        """0 if a new activity is within the limits (and takes its tokens); else the seconds until it would be."""
        conversation = body.get("conversation") or {}
        tenant = str(conversation.get("tenantId") or conversation.get("tenantID")  # botbuilder writes tenantID
                     or ((body.get("channelData") or {}).get("tenant") or {}).get("id") or "")
        limits = [(key, rate) for key, rate in ((("c", conversation_id), self.conversation_rate), (("t", tenant), self.tenant_rate)) if rate]
        now = time.monotonic()
        levels = {}
        for key, rate in limits:
            tokens, then = self._buckets.get(key, (rate, now))
            levels[key] = min(rate, tokens + (now - then) * rate)
            if levels[key] < 1:
                return (1 - levels[key]) / rate
        for key, _ in limits:
            self._buckets[key] = (levels[key] - 1, now)
        return 0.0

    async def _delete(self, request: web.Request) -> web.Response:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        conversation_id, activity_id = request.match_info["conversation"], request.match_info["activity"]
        known = self.activities.pop((conversation_id, activity_id), None) is not None
        status = 200 if known else 404
        self.calls.append(Call("DELETE", request.path, conversation_id, activity_id, {}, status))
        if not known:
            return web.json_response({"error": {"code": "ActivityNotFoundInConversation", "message": "no such activity"}}, status=404)
        return web.Response(status=200)

    async def _member(self, request: web.Request) -> web.Response:
        member = request.match_info["member"]
        self.calls.append(Call("GET", request.path, request.match_info["conversation"], None, {}, 200))
        if member not in self.names:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "no such member"}}, status=404)
        return web.json_response({"id": member, "name": self.names[member], "aadObjectId": f"aad-{member}"})

    def upload_info(self, name: str) -> dict[str, Any]:
        """What Teams puts in a `fileConsent/invoke` when the person accepts a file named `name`:
        an upload URL (here) and where the file will live."""
        return {
            "name": name, "uploadUrl": f"{self.url}onedrive/upload/{name}",
            "contentUrl": f"https://example.invalid/personal/Documents/Applications/{name}",
            "uniqueId": f"unique-{name}", "fileType": name.rpartition(".")[2],
        }

    async def _upload(self, request: web.Request) -> web.Response:
        """The OneDrive upload session: the whole file in one PUT, with a Content-Range that
        matches it (`bytes 0-{n-1}/{n}`), as a bot's upload of a small file is."""
        name, content = request.match_info["name"], await request.read()
        expected = f"bytes 0-{len(content) - 1}/{len(content)}"
        status = 201 if content and request.headers.get("Content-Range") == expected else 400
        self.calls.append(Call("PUT", request.path, UPLOAD, None, {"bytes": len(content)}, status))
        if status == 201:
            self.files[name] = content
            return web.json_response({"id": f"unique-{name}", "name": name, "size": len(content)}, status=201)
        return web.json_response({"error": {"code": "invalidRange", "message": "Content-Range does not match"}}, status=400)

    # ------------------------------------------------------------------ queries

    def posts(self, conversation_id: str, *, ok: bool = True) -> list[Call]:
        """New messages posted into a conversation (replies and proactive sends), in order."""
        return [
            c for c in self.calls
            if c.method == "POST" and c.conversation_id == conversation_id and (c.status < 300 or not ok)
        ]

    def puts(self, conversation_id: str) -> list[Call]:
        """Card updates in a conversation, in order."""
        return [c for c in self.calls if c.method == "PUT" and c.conversation_id == conversation_id and c.status < 300]

    def channel_posts(self, channel_id: str | None = None) -> list[Call]:
        """Threads the bot started in a channel (`channel_id`, or any), in order; each call's
        `card` is the first activity's."""
        return [
            c for c in self.calls
            if c.conversation_id is None and c.status < 300 and c.body.get("isGroup")
            and (channel_id is None or (c.body.get("channelData") or {}).get("channel", {}).get("id") == channel_id)
        ]

    def creates(self) -> list[Call]:
        return [c for c in self.calls if c.conversation_id is None]

    def last_post(self, conversation_id: str) -> Call:
        return self.posts(conversation_id)[-1]

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]
