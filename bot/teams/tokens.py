"""The bearer token the bot shows the Bot Framework connector on its own calls (proactive sends).

The token comes from the app's credentials, made by the same factory botbuilder uses
(`ConfigurationServiceClientCredentialFactory`: multi-tenant, single-tenant or managed
identity, as `MICROSOFT_APP_TYPE` says) for the public cloud's "bot to channel" scope. It is
fetched once (in a worker thread: the credentials' token call blocks) and reused until
`REFRESH_BEFORE` seconds before it expires (the token's `exp` claim; `DEFAULT_LIFETIME` for a
token that carries none). A 401 from the connector drops it, so the next call fetches a new one.
Without an app id (local use) there is no token and calls go without `Authorization`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

import jwt
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import AuthenticationConstants

REFRESH_BEFORE = 300.0
"""Seconds before a token's expiry at which a new one is fetched."""
DEFAULT_LIFETIME = 1800.0
"""Seconds a token without an `exp` claim is kept."""


class Credentials(Protocol):
    """What botframework's `AppCredentials` offer: a token for the app (blocking)."""

    def get_access_token(self, force_refresh: bool = False) -> str: ...


async def app_credentials(configuration: Any) -> Credentials | None:
    """The credentials botbuilder itself would use to call the connector (None without an app id)."""
    app_id = getattr(configuration, "APP_ID", "")
    if not app_id:
        return None
    factory = ConfigurationServiceClientCredentialFactory(configuration)
    credentials: Credentials = await factory.create_credentials(
        app_id,
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
        True,
    )
    return credentials


def expires_at(token: str, now: float, wall: float) -> float:
    """When `token` expires on the `now` timer: its `exp` claim (read, not verified: it is ours
    to show, not to trust), else `DEFAULT_LIFETIME` from now."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        exp = None
    if not isinstance(exp, int | float):
        return now + DEFAULT_LIFETIME
    return now + (float(exp) - wall)


class Tokens:
    """The connector token, cached. `credentials` is None when there is no app id; `make` builds
    them on first use (from botbuilder's configuration) when they aren't given."""

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        make: Callable[[], Any] | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = credentials
        self._make = make
        self._timer = timer
        self._token: tuple[str, float] | None = None  # the token and when to fetch the next one
        self._fetching: asyncio.Lock | None = None

    async def authorization(self) -> dict[str, str]:
        """The `Authorization` header for a connector call ({} without an app id)."""
        token = await self.token()
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def token(self) -> str | None:
        if self._token is not None and self._timer() < self._token[1]:
            return self._token[0]
        self._fetching = self._fetching or asyncio.Lock()
        async with self._fetching:  # one fetch however many sends are waiting for it
            if self._token is not None and self._timer() < self._token[1]:
                return self._token[0]
            if self._credentials is None and self._make is not None:
                self._credentials = await self._make()
                self._make = None
            if self._credentials is None:
                return None
            token = await asyncio.to_thread(self._credentials.get_access_token)
            now = self._timer()
            expiry = expires_at(token, now, time.time())
            self._token = (token, expiry - min(REFRESH_BEFORE, (expiry - now) / 2))
            return token

    def forget(self, header: dict[str, str]) -> None:
        """The connector refused the token in `header` (401): fetch a new one next time."""
        if self._token is not None and header.get("Authorization") == f"Bearer {self._token[0]}":
            self._token = None
