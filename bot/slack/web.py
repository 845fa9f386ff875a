"""The Slack Web API as the adapter uses it: one retrying client, each workspace's bot
token, and small caches of who people are (name, time zone) and their DM channel.

Every call goes through slack-sdk's retry handlers: connection errors, 429 (waiting out
`Retry-After`) and 5xx. What still fails after those retries reaches the caller as
`SlackApiError` / `aiohttp.ClientError` for the outbox to retry later.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

USER_TTL_SECONDS = 15 * 60
_CACHE_LIMIT = 10_000

TokenLookup = Callable[[str], Awaitable[str | None]]


def make_client(api_url: str, token: str | None = None, *, retries: int = 2) -> AsyncWebClient:
    """A Web API client on `api_url` that retries connection errors, 429s and 5xx itself."""
    base_url = api_url if api_url.endswith("/") else api_url + "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=retries),
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            AsyncServerErrorRetryHandler(max_retry_count=retries),
        ],
    )


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    display_name: str
    tz: str | None


class Directory:
    """Who is who in each workspace, fetched with `users.info` and kept for a while."""

    def __init__(self, client: AsyncWebClient, token_for: TokenLookup, ttl: float = USER_TTL_SECONDS) -> None:
        self._client = client
        self._token_for = token_for
        self._ttl = ttl
        self._users: dict[tuple[str, str], tuple[float, SlackUser]] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}

    async def token(self, team_id: str) -> str:
        token = await self._token_for(team_id)
        if not token:
            raise LookupError(f"no bot token for workspace {team_id}: is the app installed there?")
        return token

    def forget(self, team_id: str, user_id: str) -> None:
        self._users.pop((team_id, user_id), None)

    async def user(self, team_id: str, user_id: str, fallback_name: str = "") -> SlackUser:
        key = (team_id, user_id)
        cached = self._users.get(key)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        response = await self._client.users_info(token=await self.token(team_id), user=user_id)
        user = _user_from(response.get("user") or {}, fallback_name or user_id)
        self._remember(key, user)
        return user

    def _remember(self, key: tuple[str, str], user: SlackUser) -> None:
        if len(self._users) >= _CACHE_LIMIT:
            self._users.clear()
        self._users[key] = (time.monotonic(), user)

    async def dm_channel(self, team_id: str, user_id: str) -> str:
        key = (team_id, user_id)
        if key not in self._dm_channels:
            response = await self._client.conversations_open(token=await self.token(team_id), users=user_id)
            if len(self._dm_channels) >= _CACHE_LIMIT:
                self._dm_channels.clear()
            self._dm_channels[key] = str(response["channel"]["id"])
        return self._dm_channels[key]

    async def find_by_name(self, team_id: str, name: str) -> SlackUser | None:
        """A plain `@name`: the workspace member whose handle, display or real name it is."""
        wanted = name.lower().lstrip("@")
        cursor: str | None = None
        while True:
            response = await self._client.users_list(token=await self.token(team_id), cursor=cursor, limit=200)
            for member in response.get("members") or []:
                if member.get("deleted") or member.get("is_bot"):
                    continue
                profile = member.get("profile") or {}
                names = {str(member.get("name", "")), str(profile.get("display_name", "")), str(profile.get("real_name", ""))}
                if wanted in {n.lower() for n in names if n}:
                    user = _user_from(member, name)
                    self._remember((team_id, user.user_id), user)
                    return user
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None


def _user_from(data: dict[str, Any], fallback_name: str) -> SlackUser:
    profile = data.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or data.get("real_name") or data.get("name") or fallback_name
    tz = data.get("tz") or None
    return SlackUser(user_id=str(data.get("id", "")), display_name=str(name), tz=str(tz) if tz else None)
