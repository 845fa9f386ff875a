"""A fake Microsoft identity platform token endpoint, for the bot's own calls to the connector.

`POST /{tenant}/oauth2/v2.0/token` takes the client-credentials grant a bot uses to call the
Bot Framework connector (form fields `grant_type=client_credentials`, `client_id`,
`client_secret`, `scope=https://api.botframework.com/.default`) and answers as the real one
does: `{"token_type": "Bearer", "expires_in": ..., "ext_expires_in": ..., "access_token": <JWT>}`,
the JWT carrying `exp`, `aud` and `appid`. It counts its requests (`requests`), and `valid`
says whether a bearer token is one it issued that has not expired, which the fake connector
checks on every call when it is given this login (`FakeConnector.login`).

`LoginCredentials` is botframework's `AppCredentials` getting its token from here with that
grant (what MSAL does against login.microsoftonline.com, which tests can't reach).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import jwt
import requests
from aiohttp import web
from botframework.connector.auth import AppCredentials

SCOPE = "https://api.botframework.com/.default"
SIGNING_KEY = "fake-login-signing-key-only-for-tests"


@dataclass
class FakeLogin:
    app_id: str
    password: str
    lifetime: int = 3599
    """Seconds an issued token lasts."""
    requests: int = 0
    """Token requests answered (granted or not)."""
    url: str = ""
    _issued: dict[str, float] = field(default_factory=dict)

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)

    def token_url(self, tenant: str = "botframework.com") -> str:
        return f"{self.url.rstrip('/')}/{tenant}/oauth2/v2.0/token"

    def valid(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        return scheme == "Bearer" and self._issued.get(token, 0.0) > time.time()

    def expire_all(self) -> None:
        """Every token issued so far expires now (as if their hour had passed)."""
        self._issued = dict.fromkeys(self._issued, 0.0)

    async def _token(self, request: web.Request) -> web.Response:
        self.requests += 1
        form = await request.post()
        if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
            return web.json_response({"error": "invalid_request", "error_description": "unsupported grant or scope"}, status=400)
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.password:
            return web.json_response({"error": "invalid_client", "error_description": "bad client credentials"}, status=401)
        expires = int(time.time()) + self.lifetime
        claims = {"aud": "https://api.botframework.com", "appid": self.app_id, "exp": expires, "jti": uuid.uuid4().hex}
        token = jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
        self._issued[token] = float(expires)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": self.lifetime, "ext_expires_in": self.lifetime, "access_token": token}
        )


class LoginCredentials(AppCredentials):  # type: ignore[misc]
    """App credentials that fetch their token from a `FakeLogin` with the client-credentials grant."""

    def __init__(self, login: FakeLogin, app_id: str, password: str) -> None:
        super().__init__(app_id=app_id, oauth_scope="https://api.botframework.com")
        self._login = login
        self._password = password

    def get_access_token(self, force_refresh: bool = False) -> str:
        response = requests.post(
            self._login.token_url(),
            data={"grant_type": "client_credentials", "client_id": self.microsoft_app_id,
                  "client_secret": self._password, "scope": SCOPE},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])
