"""The Slack Web API as the adapter uses it: one retrying client, each workspace's bot
token, small caches of who people are (name, time zone) and who a plain `@name` is, and
each person's DM channel (opened once, then kept: `bot.slack.dm_channels`).

Every call goes through slack-sdk's retry handlers: connection errors, 429 (waiting out
`Retry-After`) and 5xx. What still fails after those retries reaches the caller as
`SlackApiError` / `aiohttp.ClientError` for the outbox to retry later.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.dm_channels import DmChannels
from bot.slack.open_turns import TIER_3_PER_SECOND, OpenTurns, retry_after_of
from handlers.contract.ports import SystemClock

USER_TTL_SECONDS = 15 * 60
NAME_FOUND_TTL_SECONDS = 15 * 60
"""How long a plain `@name` stays resolved to the member it named."""
NAME_MISSING_TTL_SECONDS = 5 * 60
"""How long a plain `@name` that named nobody stays unknown (someone may join or be renamed)."""
LISTING_TTL_SECONDS = 60
"""How long one `users.list` pass answers further names: those in the same command, and bursts."""
NAME_CACHE_SIZE = 10_000
"""Names kept per outcome (found, missing), least recently used dropped first."""
_CACHE_LIMIT = 10_000

TokenLookup = Callable[[str], Awaitable[str | None]]

log = logging.getLogger(__name__)


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


def without_429_waits(client: AsyncWebClient) -> AsyncWebClient:
    """`client` without its own waiting out of 429s: the outbox paces each workspace and must
    hear every 429 (its Retry-After pauses the whole workspace, and tells the pace the limit),
    and a worker must not sleep through one."""
    quiet = copy.copy(client)
    quiet.retry_handlers = [h for h in client.retry_handlers if not isinstance(h, AsyncRateLimitErrorRetryHandler)]
    return quiet


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    display_name: str
    tz: str | None


class Directory:
    """Who is who in each workspace, fetched with `users.info` (and `users.list` for a plain
    `@name`) and kept for a while."""

    def __init__(
        self, client: AsyncWebClient, token_for: TokenLookup, ttl: float = USER_TTL_SECONDS, *,
        name_cache_size: int = NAME_CACHE_SIZE, timer: Callable[[], float] = time.monotonic,
        dms: DmChannels | None = None, open_rate: float = TIER_3_PER_SECOND,
    ) -> None:
        self._client = client
        self._turns = OpenTurns(open_rate)
        self._opener = without_429_waits(client)  # conversations.open: its 429 goes to the caller
        self._token_for = token_for
        self._ttl = ttl
        self._users: dict[tuple[str, str], tuple[float, SlackUser]] = {}
        self.dms = dms if dms is not None else DmChannels(None, SystemClock())
        # (team, lowercased name) -> who it names; a name that named nobody is cached too, for less long.
        self._names_found: TTLCache[tuple[str, str], SlackUser] = TTLCache(name_cache_size, NAME_FOUND_TTL_SECONDS, timer)
        self._names_missing: TTLCache[tuple[str, str], bool] = TTLCache(name_cache_size, NAME_MISSING_TTL_SECONDS, timer)
        # team -> every member by each of their lowercased names, from one users.list pass
        self._listings: TTLCache[str, dict[str, SlackUser]] = TTLCache(64, LISTING_TTL_SECONDS, timer)
        self._listing_locks: dict[str, asyncio.Lock] = {}

    async def token(self, team_id: str) -> str:
        token = await self._token_for(team_id)
        if not token:
            raise LookupError(f"no bot token for workspace {team_id}: is the app installed there?")
        return token

    def forget(self, team_id: str, user_id: str) -> None:
        """The member changed (a new name, left): forget what we knew, names included."""
        self._users.pop((team_id, user_id), None)
        for key in [k for k in self._names_found if k[0] == team_id]:
            found = self._names_found.get(key)  # (None if it expired meanwhile)
            if found is not None and found.user_id == user_id:
                self._names_found.pop(key, None)
        for key in [k for k in self._names_missing if k[0] == team_id]:  # their new name may be one of these
            self._names_missing.pop(key, None)
        self._listings.pop(team_id, None)

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

    async def dm_channel(self, team_id: str, user_id: str, *, reopen: bool = False) -> str:
        """The person's DM channel with the app: the one kept, or else (or if `reopen`: the kept
        one is gone) opened with `conversations.open` and kept."""
        if not reopen and (channel := await self.dms.find(team_id, user_id)) is not None:
            return channel
        self._turns.take(team_id)  # `OpenLater` while Slack is refusing this workspace's opens
        self._opener.session = self._client.session  # the connections the client keeps (the outbox gives it one)
        try:
            response = await self._opener.conversations_open(token=await self.token(team_id), users=user_id)
        except SlackApiError as error:
            if (retry_after := retry_after_of(error)) is not None:
                self._turns.refused(team_id, retry_after)
            raise
        channel = str(response["channel"]["id"])
        await self.dms.remember(team_id, user_id, channel)
        return channel

    async def keep_dm(self, team_id: str, user_id: str, named: str | None = None) -> None:
        """After a person's request: keep their DM (`named`, when they wrote in it), or open and
        keep it now if it isn't kept, so that their first check-in needn't (a fan-out to people
        whose DMs aren't kept is held to Slack's `conversations.open` limit, about 50 a minute).
        Best effort: a refusal (a 429 among them) is left for the outbox to meet."""
        try:
            if named is not None:
                await self.dms.remember(team_id, user_id, named)
            elif self._turns.paused(team_id):
                return  # a turn is for a message waiting on it
            else:
                await self.dm_channel(team_id, user_id)
        except Exception as error:
            log.info("could not open the DM of %s/%s ahead of their check-ins: %r", team_id, user_id, error)

    async def find_by_name(self, team_id: str, name: str) -> SlackUser | None:
        """A plain `@name`: the workspace member whose handle, display or real name it is.

        Each answer, found or not, is kept per (team, name); a name not kept is looked up in
        the team's member list, fetched with one `users.list` pass (all its pages) and shared
        by every name asked for while it is fresh. A failed listing is not kept."""
        key = (team_id, name.lower().lstrip("@"))
        if key in self._names_found:
            return self._names_found[key]
        if key in self._names_missing:
            return None
        user = (await self._listing(team_id)).get(key[1])
        if user is None:
            self._names_missing[key] = True
            return None
        self._names_found[key] = user
        self._remember((team_id, user.user_id), user)
        return user

    async def _listing(self, team_id: str) -> dict[str, SlackUser]:
        """Every active human member of the team by each of their lowercased names (one pass;
        callers that come while it runs wait for it instead of listing again)."""
        lock = self._listing_locks.setdefault(team_id, asyncio.Lock())
        async with lock:
            listing = self._listings.get(team_id)
            if listing is None:
                listing = await self._list_members(team_id)
                self._listings[team_id] = listing
            return listing

    async def _list_members(self, team_id: str) -> dict[str, SlackUser]:
        by_name: dict[str, SlackUser] = {}
        cursor: str | None = None
        while True:
            response = await self._client.users_list(token=await self.token(team_id), cursor=cursor, limit=200)
            for member in response.get("members") or []:
                if not isinstance(member, dict) or member.get("deleted") or member.get("is_bot"):
                    continue
                profile = member.get("profile") or {}
                user = _user_from(member, str(member.get("name", "")))
                for raw in (member.get("name"), profile.get("display_name"), profile.get("real_name")):
                    if isinstance(raw, str) and raw:
                        by_name.setdefault(raw.lower(), user)  # the first member to bear a name keeps it
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return by_name


def _user_from(data: dict[str, Any], fallback_name: str) -> SlackUser:
    profile = data.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or data.get("real_name") or data.get("name") or fallback_name
    tz = data.get("tz") or None
    return SlackUser(user_id=str(data.get("id", "")), display_name=str(name), tz=str(tz) if tz else None)
