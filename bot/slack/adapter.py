"""The outbox's way into Slack: DMs with `chat.postMessage` into each person's DM channel
(opened once with `conversations.open`, then kept: `bot.slack.dm_channels`; the outbox hands
over the kept one with each send), edits with `chat.update`, and Slack's errors translated
into what the outbox should do. A kept DM channel that Slack no longer knows
(`channel_not_found`) is opened again, once, and the message posted there. A 429 from
`conversations.open` (its own, much lower limit) puts the message back until its Retry-After
without slowing the workspace's messages.

A neutral message too big for one Slack message (more than 50 blocks) goes out as several,
in order (`bot.slack.blocks.messages`); its one reference names them all. An edit re-renders
the message over the same Slack messages, in place. The reference can't change after the
send, so an edit that needs fewer messages turns the ones left over into "(continued above)"
(kept, not deleted: a later edit that needs them again still finds them), and one that needs
more posts the extra ones after the others; those extras are not in the reference, so later
edits don't reach them (a check-in only ever shrinks as it is answered, so ours never do).

The outbox's calls share one HTTP session, so they reuse their connections to Slack (slack-sdk
otherwise opens and closes a session, and a connection, for every call): the session of the
client the adapter was built with, or if that has none, one made on the first send (inside the
running loop) and given to that client too, whose DM lookups then reuse connections as well and
whose owner closes it (`SlackPlatform.close`); `close()` closes it for an adapter used alone.
After a delivery the recipient's App Home is refreshed within a budget per workspace
(`bot.slack.home_refresh`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.dm_channels import dm_channel_of
from bot.slack.home_refresh import RefreshBudget
from bot.slack.open_turns import OpenLater
from bot.slack.web import Directory, without_429_waits
from handlers.contract.messages import Address, Attachment, Message
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
    "channel_not_found", "is_archived", "invalid_arguments", "not_in_channel",
})

Delivered = Callable[[Address], Awaitable[None]]


def message_ref(channel: str, stamps: Sequence[str]) -> str:
    """Where a sent message lives (the channel and the ts of each of its Slack messages, in
    order), as the opaque reference the outbox keeps."""
    return json.dumps({"channel": channel, "ts": list(stamps)})


def read_ref(ref: str) -> tuple[str, tuple[str, ...]]:
    """(channel, every ts) of a reference made by `message_ref`, or by its one-message form
    before messages were split (`{"channel": ..., "ts": "..."}`, still in the database);
    `Rejected` for anything else."""
    try:
        where = json.loads(ref)
        channel, ts = where["channel"], where["ts"]
    except (ValueError, KeyError, TypeError) as error:
        raise Rejected(f"not a Slack message reference: {ref[:80]!r}") from error
    stamps = (ts,) if isinstance(ts, str) else tuple(ts) if isinstance(ts, list) else ()
    if not isinstance(channel, str) or not channel or not stamps or not all(isinstance(t, str) and t for t in stamps):
        raise Rejected(f"not a Slack message reference: {ref[:80]!r}")
    return channel, stamps


async def post_message(client: AsyncWebClient, token: str, channel: str, message: Message) -> tuple[str, list[str]]:
    """Post `message` as one or more Slack messages, in order: (channel, their ts). If one fails,
    those already posted are deleted again (as far as Slack lets us), so that a retry of the whole
    send doesn't show them twice."""
    parts = bk.messages(message)
    stamps: list[str] = []
    try:
        for number, part in enumerate(parts):
            response = await client.chat_postMessage(
                token=token, channel=channel, blocks=part or None, text=bk.fallback_text(message, number, len(parts))
            )
            channel = str(response["channel"])
            stamps.append(str(response["ts"]))
    except Exception:
        for ts in stamps:
            try:
                await client.chat_delete(token=token, channel=channel, ts=ts)
            except Exception:
                log.warning("could not delete part %s of a message that failed to send", ts, exc_info=True)
        raise
    return channel, stamps


async def edit_message(client: AsyncWebClient, token: str, channel: str, stamps: Sequence[str], message: Message) -> None:
    """Re-render `message` over the Slack messages `stamps` names, each edited in place; those left
    over say "(continued above)", and parts beyond them are posted after them (see the module doc)."""
    parts = bk.messages(message, at_least=len(stamps))
    for number, ts in enumerate(stamps):
        if number < len(parts):
            blocks, text = parts[number], bk.fallback_text(message, number, len(parts))
        else:
            blocks, text = bk.continued(), bk.CONTINUED
        await client.chat_update(token=token, channel=channel, ts=ts, blocks=blocks, text=text)
    for number in range(len(stamps), len(parts)):
        await client.chat_postMessage(
            token=token, channel=channel, blocks=parts[number] or None, text=bk.fallback_text(message, number, len(parts))
        )


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
        refreshes: RefreshBudget | None = None,
    ) -> None:
        self._shared = client
        self._client = without_429_waits(client)
        self._directory = directory
        self._workspace_rate = workspace_rate
        self._channel_rate = channel_rate
        self._delivered = delivered
        self._refreshes = refreshes or RefreshBudget()

    def _keep_alive(self) -> AsyncWebClient:
        """The outbox's client, on the HTTP session it shares with the client it was built with
        (see the module doc)."""
        if self._client.session is None or self._client.session.closed:
            if self._shared.session is None or self._shared.session.closed:
                self._shared.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._client.timeout))
            self._client.session = self._shared.session
        return self._client

    async def close(self) -> None:
        """Close the HTTP session the outbox's calls used, if it is open (the client it was built
        with shares it)."""
        if self._client.session is not None and not self._client.session.closed:
            await self._client.session.close()

    def rate_per_second(self, workspace_id: str) -> float:
        return self._workspace_rate

    def conversation_rate_per_second(self) -> float:
        return self._channel_rate

    async def send(self, to: Address, message: Message) -> str:
        if message.attachment is not None and to.channel_id is None:
            return await self._send_file(to, message, message.attachment)
        try:
            client = self._keep_alive()
            token = await self._directory.token(to.workspace_id)
            if to.channel_id is not None:
                channel, stamps = await post_message(client, token, to.channel_id, message)
            else:
                channel, stamps = await self._post_in_dm(client, token, to, message)
        except Exception as error:
            raise translate(error) from error
        await self._after(to)
        return message_ref(channel, stamps)

    async def _post_in_dm(self, client: AsyncWebClient, token: str, to: Address, message: Message) -> tuple[str, list[str]]:
        """Post into the person's kept DM channel (reopened once if Slack lost it), or one opened now."""
        kept = dm_channel_of(to.saved_reference)
        if kept is not None:
            self._directory.dms.learn(to.workspace_id, to.user_id, kept)
        else:
            kept = await self._dm_channel(to)
        try:
            return await post_message(client, token, kept, message)
        except SlackApiError as error:
            if not isinstance(error.response.data, dict) or error.response.data.get("error") != "channel_not_found":
                raise
        self._directory.dms.forget(to.workspace_id, to.user_id)
        return await post_message(client, token, await self._dm_channel(to, reopen=True), message)

    async def _dm_channel(self, to: Address, *, reopen: bool = False) -> str:
        try:
            return await self._directory.dm_channel(to.workspace_id, to.user_id, reopen=reopen)
        except OpenLater as later:
            raise RateLimited(later.after, str(later), of_messages=False) from later
        except SlackApiError as error:
            limited = translate(error)
            if isinstance(limited, RateLimited):
                raise RateLimited(limited.retry_after, f"{limited} (conversations.open)", of_messages=False) from error
            raise

    async def update(self, to: Address, ref: str, message: Message) -> None:
        channel, stamps = read_ref(ref)
        try:
            await edit_message(self._keep_alive(), await self._directory.token(to.workspace_id), channel, stamps, message)
        except Exception as error:
            raise translate(error) from error
        await self._after(to)

    async def _send_file(self, to: Address, message: Message, file: Attachment) -> str:
        """Upload `file` into the person's DM with the message's text as its comment (Slack's
        external upload: files.getUploadURLExternal, the bytes to the upload URL, then
        files.completeUploadExternal sharing it in the DM). The reference names the file."""
        try:
            client = self._keep_alive()
            token = await self._directory.token(to.workspace_id)
            channel = await self._directory.dm_channel(to.workspace_id, to.user_id)
            done = await client.files_upload_v2(
                token=token, channel=channel, filename=file.name, title=file.name,
                content=file.content.encode("utf-8"), initial_comment=message.plain_text,
            )
        except SlackRequestError as error:  # the upload URL refused the bytes
            raise TransientError(f"Slack file upload failed: {error}") from error
        except Exception as error:
            raise translate(error) from error
        await self._after(to)
        file_id = str((done.get("file") or {}).get("id") or "")
        return json.dumps({"channel": channel, "file": file_id})

    async def _after(self, to: Address) -> None:
        if self._delivered is None or not self._refreshes.take(to.workspace_id):
            return
        try:
            await self._delivered(to)
        except Exception:  # the message went out; a stale App Home is not worth failing it for
            log.warning("App Home refresh for %s/%s failed", to.workspace_id, to.user_id, exc_info=True)
