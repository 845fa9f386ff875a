"""A fake Bot Framework connector: the Teams side of the wire, on 127.0.0.1.

It is the `serviceUrl` of every activity the tests send, so botbuilder's own connector
client talks to it for replies, proactive sends, card updates and new conversations. It
records every call (`/v3/conversations` and `/v3/conversations/{id}/activities[/{id}]`,
POST and PUT, and the member look-up `GET /v3/conversations/{id}/members/{user id}`) and answers an error on demand: `fail(...)` queues, for one conversation (or
for conversation creation), a status such as 429 with Retry-After or 403 with
`MessageWritesBlocked`, used once per queued entry.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CREATE = "<create>"
"""The key `fail` uses for `POST /v3/conversations` (starting a conversation)."""


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
        attachments = self.body.get("attachments") or []
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


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    _failures: dict[str, list[Failure]] = field(default_factory=lambda: defaultdict(list))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    url: str = ""
    names: dict[str, str] = field(default_factory=dict)
    """Display names by user id, for `GET /v3/conversations/{id}/members/{user id}`."""

    def fail(self, conversation_id: str, status: int, code: str = "", retry_after: str | None = None, times: int = 1) -> None:
        """Answer the next `times` calls for `conversation_id` (or `CREATE`) with `status`."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        body = {"error": {"code": code or f"HTTP{status}", "message": f"fake connector says {status}"}}
        self._failures[conversation_id].extend(Failure(status, body, headers) for _ in range(times))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    def _failure(self, key: str) -> Failure | None:
        pending = self._failures.get(key)
        return pending.pop(0) if pending else None

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        failure = self._failure(CREATE)
        if failure is not None:
            self.calls.append(Call("POST", request.path, None, None, body, failure.status))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        conversation_id = f"a:new-{next(self._ids)}"
        self.calls.append(Call("POST", request.path, None, None, body, 201, conversation_id))
        return web.json_response({"id": conversation_id, "serviceUrl": self.url}, status=201)

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation_id = request.match_info["conversation"]
        activity_id = request.match_info.get("activity")
        failure = self._failure(conversation_id)
        if failure is not None:
            self.calls.append(Call(request.method, request.path, conversation_id, activity_id, body, failure.status))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        answered = activity_id if request.method == "PUT" and activity_id else f"act-{next(self._ids)}"
        self.calls.append(Call(request.method, request.path, conversation_id, activity_id, body, 200, answered))
        return web.json_response({"id": answered}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        member = request.match_info["member"]
        self.calls.append(Call("GET", request.path, request.match_info["conversation"], None, {}, 200))
        if member not in self.names:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "no such member"}}, status=404)
        return web.json_response({"id": member, "name": self.names[member], "aadObjectId": f"aad-{member}"})

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

    def creates(self) -> list[Call]:
        return [c for c in self.calls if c.conversation_id is None]

    def last_post(self, conversation_id: str) -> Call:
        return self.posts(conversation_id)[-1]

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]
