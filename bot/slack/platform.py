"""Slack's entry for the composition root: the bolt AsyncApp, its routes on our aiohttp
server (`POST /slack/events`, and `/slack/install` + `/slack/oauth_redirect` with OAuth),
the outbox adapter, and Socket Mode.

Requests are verified here, before bolt sees them, with slack-sdk's `SignatureVerifier`
on our own clock: a bad, missing or stale signature gets 401 and nothing else happens.
Then the body is read once, here (`read_body`): a signed body that is not a payload Slack
sends (not UTF-8, not a JSON object, a field bolt indexes in the wrong shape) gets 400, and
bolt is handed exactly what was read, so it never trips over a shape it assumes.
Each answered request is reported to `Metrics` (by kind, with how long its ack took).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.signature import Clock as SignatureClock
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.slack.adapter import PLATFORM, SlackChat
from bot.slack.after_ack import AfterAck
from bot.slack.dm_channels import DmChannels
from bot.slack.listeners import SlackBot
from bot.slack.observed import CountThrottles, kind_of
from bot.slack.web import Directory, make_client
from handlers.context import Context
from handlers.contract.messages import Address
from handlers.contract.metrics import NO_METRICS, Metrics
from handlers.contract.ports import Clock
from handlers.inbox import Inbox
from settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
BOT_SCOPES = ("chat:write", "chat:write.public", "commands", "files:write", "im:history", "im:read", "im:write", "users:read")
SHUTDOWN_GRACE = 10.0
"""Seconds `close` waits for the work after the acks this process took (inbox rows it wrote, App Home refreshes)."""
STOP_GRACE = 0.5
"""Seconds the inbox workers then get to finish a row; one cut short is claimed again after its lease."""

_ID_OR_OBJECT = ("user", "team", "channel", "enterprise")
"""Fields bolt reads as an id string or as an object with an `id`."""
_STRINGS = ("type", "command", "callback_id", "action_id", "block_id")
"""Fields bolt matches listeners on, as strings."""
_OBJECTS = ("event", "view", "message", "previous_message", "container", "item", "assistant_thread", "function_data")
"""Fields bolt reads as objects when they are present."""
_REQUIRED = {"block_actions": "actions", "interactive_message": "actions", "view_submission": "view",
             "view_closed": "view", "event_callback": "event"}
"""What each payload type cannot do without (bolt indexes it unchecked)."""


def read_body(raw: bytes, content_type: str) -> dict[str, Any] | None:
    """The payload of a Slack request, read as bolt reads it (a JSON body; a form with a JSON
    `payload`; or a plain form, as slash commands come), or None if it is not one Slack sends."""
    try:
        text = raw.decode("utf-8")
        if content_type == "application/json" or text.startswith("{"):
            body = json.loads(text)
        else:
            params = dict(parse_qsl(text, keep_blank_values=True))
            body = json.loads(params["payload"]) if "payload" in params else params
    except ValueError:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        return None
    return body if isinstance(body, dict) and _well_shaped(body) else None


def _well_shaped(data: dict[str, Any], depth: int = 0) -> bool:
    """Every field bolt reads or matches on without checking has the shape it assumes."""
    if any(data.get(key) is not None and not isinstance(data[key], str | dict) for key in _ID_OR_OBJECT):
        return False
    if any(data.get(key) is not None and not isinstance(data[key], str) for key in _STRINGS):
        return False
    kind = data.get("type") if depth == 0 else None
    if kind in _REQUIRED and not data.get(_REQUIRED[kind]):
        return False
    actions = data.get("actions")
    if actions is not None and not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
        return False
    if kind == "block_actions" and not all(isinstance(a.get("action_id"), str) for a in actions or []):
        return False
    authorizations = data.get("authorizations")
    if authorizations is not None and not (isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)):
        return False
    objects = [data[key] for key in _OBJECTS if data.get(key) is not None] + list(actions or [])
    if not all(isinstance(o, dict) for o in objects):
        return False
    return depth > 2 or all(_well_shaped(o, depth + 1) for o in objects if isinstance(o, dict))


@dataclass(frozen=True)
class OAuthTables:
    """Where slack-sdk keeps installations when the app is installed in many workspaces: the
    database engine and the names of its tables (made by our migrations)."""

    engine: AsyncEngine
    installations: str
    bots: str
    states: str


class _SignatureClock(SignatureClock):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


@dataclass
class SlackPlatform:
    """Everything Slack needs at run time; `mount` adds the HTTP routes."""

    app: AsyncApp
    adapter: SlackChat
    bot: SlackBot
    client: AsyncWebClient
    verifier: SignatureVerifier | None
    oauth: bool = False
    metrics: Metrics = NO_METRICS
    _closed: bool = field(default=False, repr=False)
    answering: int = field(default=0, repr=False)
    """Requests being answered now (the inbox workers give way to them)."""

    def __post_init__(self) -> None:
        self.bot.inbox.acking = lambda: self.answering

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(EVENTS_PATH, self.handle_events)
        web_app.on_startup.append(self._start)
        if self.oauth:
            web_app.router.add_get(INSTALL_PATH, self.handle_install)
            web_app.router.add_get(REDIRECT_PATH, self.handle_oauth_redirect)

    def signed_by_slack(self, body: bytes, timestamp: str, signature: str) -> bool:
        """True only for a well-formed signature over this body, made within the last 5 minutes."""
        # isascii: "²" passes isdigit() but not int(), which the verifier calls on it
        if self.verifier is None or not (timestamp.isascii() and timestamp.isdigit()) or not signature.startswith("v0="):
            return False
        return self.verifier.is_valid(body, timestamp, signature)

    async def handle_events(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        self.answering += 1
        try:
            response, kind, team = await self._answer(request)
        finally:
            self.answering -= 1
        latency = time.perf_counter() - started
        self.metrics.request("slack", kind, latency)
        log.debug("answered a Slack %s in %.1f ms", kind, latency * 1000,
                  extra={"workspace": team, "action": kind, "latency_ms": round(latency * 1000, 1)})
        return response

    async def _answer(self, request: web.Request) -> tuple[web.Response, str, str]:
        response, payload = await self._dispatch(request)
        if payload is None:
            return response, "refused", ""
        team = payload.get("team_id") or payload.get("team")
        return response, kind_of(payload), (team.get("id") if isinstance(team, dict) else team) or ""

    async def _dispatch(self, request: web.Request) -> tuple[web.Response, dict[str, Any] | None]:
        body = await request.read()
        try:
            body.decode("utf-8")  # slack-sdk's verifier decodes it unguarded
        except UnicodeDecodeError:
            return web.json_response({"error": "the body is not UTF-8"}, status=400), None
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "").strip()
        if not self.signed_by_slack(body, timestamp, request.headers.get("X-Slack-Signature", "")):
            return web.json_response({"error": "invalid request signature"}, status=401), None
        payload = read_body(body, request.content_type)
        if payload is None:
            log.info("refused a signed Slack request whose body is not a Slack payload")
            return web.json_response({"error": "unreadable payload"}, status=400), None
        # bolt gets what was read, as JSON, so it reads exactly that (its own form reader
        # drops a slash command whose text mentions the word "payload").
        headers: dict[str, str | Sequence[str]] = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = "application/json"
        bolt_request = AsyncBoltRequest(body=json.dumps(payload), query=request.query_string, headers=headers)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request)), payload

    async def handle_install(self, request: web.Request) -> web.StreamResponse:
        flow = self.app.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def handle_oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self.app.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    async def _start(self, _app: web.Application) -> None:
        """Start the inbox workers: rows left by a process that stopped are worked on at once."""
        self.bot.inbox.start()

    def socket_mode(self, app_token: str) -> AsyncSocketModeHandler:
        """A Socket Mode connection for this app (`await handler.connect_async()` to start)."""
        return AsyncSocketModeHandler(self.app, app_token, web_client=self.client)

    async def close(self) -> None:
        """Let the work after acks finish (for up to `SHUTDOWN_GRACE` seconds), then close the client."""
        if not self._closed:
            self._closed = True
            try:
                await self.bot.wait_idle(SHUTDOWN_GRACE)
            except TimeoutError:
                log.warning("Slack work still running after %.0fs; closing anyway (the inbox keeps what was not done)",
                            SHUTDOWN_GRACE)
            await self.bot.inbox.close(STOP_GRACE)
            await self.bot.work.close()
            session = getattr(self.client, "session", None)
            if session is not None:
                await session.close()


def build(settings: Settings, ctx: Context, tables: OAuthTables, metrics: Metrics = NO_METRICS) -> SlackPlatform | None:
    """Slack, if configured: a bot token (one workspace) or OAuth client credentials (many,
    installations kept in `tables`), with a signing secret for HTTP or an app token for Socket Mode."""
    oauth = bool(settings.slack_client_id and settings.slack_client_secret)
    if not (settings.slack_bot_token or oauth) or not (settings.slack_signing_secret or settings.slack_app_token):
        if settings.slack_bot_token or oauth:
            log.warning("Slack needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode); Slack stays off")
        return None
    client = make_client(settings.slack_api_url, None if oauth else settings.slack_bot_token)
    client.retry_handlers.insert(0, CountThrottles(metrics))
    installation_store: AsyncSQLAlchemyInstallationStore | None = None
    oauth_settings: AsyncOAuthSettings | None = None
    if settings.slack_client_id and settings.slack_client_secret:
        installation_store = AsyncSQLAlchemyInstallationStore(
            client_id=settings.slack_client_id, engine=tables.engine,
            bots_table_name=tables.bots, installations_table_name=tables.installations,
        )
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=installation_store,
            installation_store_bot_only=True,
            state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=tables.engine, table_name=tables.states),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        )

    async def token_for(team_id: str) -> str | None:
        if installation_store is None:
            return settings.slack_bot_token
        bot = await installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None

    directory = Directory(client, token_for, dms=DmChannels(ctx.store.conversation_refs, ctx.clock))
    inbox = Inbox(ctx.store, ctx.clock, PLATFORM, timedelta(seconds=settings.slack_inbox_lease_seconds))
    bot = SlackBot(ctx, client, directory, AfterAck(settings.slack_work_queue, settings.slack_workers, metrics),
                   inbox=inbox, workers=settings.slack_workers, ack_first=settings.slack_ack_first, metrics=metrics)

    async def delivered(to: Address) -> None:
        await bot.publish_home(to)

    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        oauth_settings=oauth_settings,
        request_verification_enabled=False,
        process_before_response=False,
        logger=logging.getLogger("slack_bolt"),
    )
    bot.register(app)
    adapter = SlackChat(
        client, directory,
        workspace_rate=settings.slack_workspace_rate, channel_rate=settings.slack_channel_rate, delivered=delivered,
    )
    verifier = (
        SignatureVerifier(settings.slack_signing_secret, clock=_SignatureClock(ctx.clock))
        if settings.slack_signing_secret else None
    )
    return SlackPlatform(app=app, adapter=adapter, bot=bot, client=client, verifier=verifier, oauth=oauth, metrics=metrics)
