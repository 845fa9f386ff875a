"""Parts of the fake Slack Web API (`tests.slack.fake_slack`): the calls it records, the limits
Slack holds a message to, token buckets for its rate limits, and files uploaded the way Slack takes them now."""

from __future__ import annotations

import json
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
ACTIONS_ELEMENTS = 25
MESSAGE_TEXT = 40_000
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
VIEW_METHODS = frozenset({"views.open", "views.publish", "views.update"})


def blocks_of(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        raw = json.loads(raw) if raw else []
    return list(raw or [])


def limits_error(params: dict[str, Any]) -> str | None:
    """The error Slack answers a message with that breaks one of its limits, or None."""
    blocks = blocks_of(params.get("blocks"))
    if len(blocks) > MESSAGE_BLOCKS:
        return "invalid_blocks"
    for block in blocks:
        if block.get("type") == "section" and "text" in block:
            text = str(block["text"].get("text", ""))
            if not text.strip() or len(text) > SECTION_TEXT:
                return "invalid_blocks"
        if block.get("type") == "actions" and not 0 < len(block.get("elements") or []) <= ACTIONS_ELEMENTS:
            return "invalid_blocks"
    if len(str(params.get("text") or "")) > MESSAGE_TEXT:
        return "msg_too_long"
    return None


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
    after: int = 0
    """Calls to let through before this failure is answered."""


class Buckets:
    """Token buckets by key, each `rate` tokens a second and holding `burst`."""

    def __init__(self) -> None:
        self._levels: dict[Hashable, tuple[float, float]] = {}

    def take(self, limits: list[tuple[Hashable, float, float]]) -> float:
        """0 if every (key, rate, burst) bucket has a token (and each gives one); else the
        seconds until the first that has none would."""
        now = time.monotonic()
        levels = {}
        for key, rate, burst in limits:
            tokens, then = self._levels.get(key, (burst, now))
            levels[key] = min(burst, tokens + (now - then) * rate)
            if levels[key] < 1:
                return (1 - levels[key]) / rate
        for key, _, _ in limits:
            self._levels[key] = (levels[key] - 1, now)
        return 0.0


class FakeUploads:
    """Files by id from `files.getUploadURLExternal`: `filename`, `length`, and once POSTed to
    their upload URL, `content` (bytes); once completed, `channel_id` and `initial_comment`."""

    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}

    def shared(self, channel: str) -> list[dict[str, Any]]:
        """Files completed into `channel` (`files.completeUploadExternal`), in order."""
        return [f for f in self.files.values() if f.get("channel_id") == channel]

    async def upload(self, request: web.Request) -> web.Response:
        """An upload URL: takes the file's bytes (raw, or a multipart `file` field) once."""
        file = self.files.get(request.match_info["file_id"])
        if file is None or "content" in file:
            return web.Response(status=404, text="upload url not found")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = form.get("file")
            content = part.file.read() if isinstance(part, web.FileField) else str(part or "").encode()
        else:
            content = await request.read()
        file["content"] = content
        return web.Response(text=f"OK - {len(content)}")

    def answer(self, method: str, params: dict[str, Any], base: str) -> dict[str, Any]:
        """files.getUploadURLExternal and files.completeUploadExternal, as Slack checks them: a
        filename and a positive length first; then only ids it issued whose bytes arrived."""
        if method == "files.getUploadURLExternal":
            length = str(params.get("length") or "")
            if not params.get("filename") or not length.isdigit() or int(length) <= 0:
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{len(self.files) + 1:08d}"
            self.files[file_id] = {"filename": params["filename"], "length": int(length)}
            return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}
        try:
            wanted = json.loads(params.get("files") or "")
            ids = [str(entry["id"]) for entry in wanted]
        except (ValueError, TypeError, KeyError):
            return {"ok": False, "error": "invalid_arguments"}
        if not ids or any("content" not in self.files.get(file_id, {}) for file_id in ids):
            return {"ok": False, "error": "file_not_found"}
        for file_id in ids:
            self.files[file_id].update(channel_id=params.get("channel_id"), initial_comment=params.get("initial_comment"))
        files = [{"id": file_id, "name": self.files[file_id]["filename"], "title": self.files[file_id]["filename"]} for file_id in ids]
        return {"ok": True, "files": files}
