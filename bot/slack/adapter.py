"""The outbox's way into Slack: DMs with `conversations.open` + `chat.postMessage`, edits
with `chat.update`, and Slack's errors translated into what the outbox should do."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import blocks, fallback_text
from bot.slack.web import Directory
from handlers.contract.messages import Address, Message
from handlers.contract.ports import RateLimited, Rejected, TransientError, Unreachable

PLATFORM = "slack"
log = logging.getLogger(__name__)

# Errors that mean this person can't be messaged by this app at all.
UNREACHABLE_ERRORS = frozenset({
    "account_inactive", "user_not_found", "user_disabled", "cannot_dm_bot", "user_not_visible",
    "team_access_not_granted", "token_revoked", "invalid_auth", "not_authed", "app_uninstalled", "team_not_found",
})
# Errors that mean this one message can't be delivered, however often we try.
REJECTED_ERRORS = frozenset({
    "message_not_found", "cant_update_message", "edit_window_closed", "invalid_blocks", "msg_too_long",
    "channel_not_found", "is_archived", "invalid_arguments",
})

Delivered = Callable[[Address], Awaitable[None]]


def message_ref(channel: str, ts: str) -> str:
    """Where a sent message lives, as the opaque reference the outbox keeps."""
    return json.dumps({"channel": channel, "ts": ts})


def read_ref(ref: str) -> tuple[str, str]:
    """(channel, ts) of a reference made by `message_ref`; `Rejected` for anything else."""
    try:
        where = json.loads(ref)
        channel, ts = where["channel"], where["ts"]
    except (ValueError, KeyError, TypeError) as error:
        raise Rejected(f"not a Slack message reference: {ref[:80]!r}") from error
    if not isinstance(channel, str) or not isinstance(ts, str):
        raise Rejected(f"not a Slack message reference: {ref[:80]!r}")
    return channel, ts


def translate(error: Exception) -> Exception:
    """The outbox's view of a failed Web API call."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error", "")) if isinstance(error.response.data, dict) else ""
        if status == 429 or code == "ratelimited":
            retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after") or "1"
            return RateLimited(float(retry_after), f"Slack rate limit ({code or status})")
        if status >= 500:
            return TransientError(f"Slack answered {status}")
        if code in UNREACHABLE_ERRORS:
            return Unreachable(f"Slack: {code}")
        if code in REJECTED_ERRORS:
            return Rejected(f"Slack: {code}")
        return TransientError(f"Slack: {code or status}")
    if isinstance(error, LookupError):
        return Unreachable(str(error))
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return TransientError(f"connection to Slack failed: {error!r}")
    return error


class SlackChat:
    """A ChatAdapter for Slack. After each delivery `delivered(address)` runs (App Home refresh)."""

    platform = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        directory: Directory,
        *,
        workspace_rate: float,
        channel_rate: float,
        delivered: Delivered | None = None,
    ) -> None:
        self._client = client
        self._directory = directory
        self._workspace_rate = workspace_rate
        self._channel_rate = channel_rate
        self._delivered = delivered

    def rate_per_second(self, workspace_id: str) -> float:
        return self._workspace_rate

    def conversation_rate_per_second(self) -> float:
        return self._channel_rate

    async def send(self, to: Address, message: Message) -> str:
        try:
            token = await self._directory.token(to.workspace_id)
            channel = await self._directory.dm_channel(to.workspace_id, to.user_id)
            response = await self._client.chat_postMessage(
                token=token, channel=channel, blocks=blocks(message), text=fallback_text(message)
            )
        except Exception as error:
            raise translate(error) from error
        await self._after(to)
        return message_ref(str(response["channel"]), str(response["ts"]))

    async def update(self, to: Address, ref: str, message: Message) -> None:
        channel, ts = read_ref(ref)
        try:
            await self._client.chat_update(
                token=await self._directory.token(to.workspace_id),
                channel=channel, ts=ts, blocks=blocks(message), text=fallback_text(message),
            )
        except Exception as error:
            raise translate(error) from error
        await self._after(to)

    async def _after(self, to: Address) -> None:
        if self._delivered is None:
            return
        try:
            await self._delivered(to)
        except Exception:  # the message went out; a stale App Home is not worth failing it for
            log.warning("App Home refresh for %s/%s failed", to.workspace_id, to.user_id, exc_info=True)
