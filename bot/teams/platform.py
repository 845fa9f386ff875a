"""Teams's entry for the composition root: `build(settings, ctx, book)` (see `app.Platform`).

Teams is on when `MICROSOFT_APP_ID` is set (requests must carry a valid Bot Framework token)
or when `TEAMS_ENABLED=true` without an app id (local use with the Bot Framework Emulator:
no tokens either way). `POST /api/messages` authenticates first: a request that fails gets
401 and touches nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity

from bot.teams.activities import unanswerable
from bot.teams.adapter import TeamsChat
from bot.teams.bot import FollowThroughBot
from bot.teams.proactive import Connector
from bot.teams.references import References
from bot.teams.tokens import Tokens, app_credentials
from handlers.context import Context
from handlers.contract.ports import ChatAdapter, ReferenceBook
from settings import Settings

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The configuration object botbuilder reads (`APP_ID`, `APP_PASSWORD`, `APP_TYPE`, `APP_TENANTID`)."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def bot_framework_config(settings: Settings) -> BotFrameworkConfig:
    return BotFrameworkConfig(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=settings.microsoft_app_password or "",
        APP_TYPE=settings.microsoft_app_type or "MultiTenant",
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )


class TeamsPlatform:
    """The Teams bot, its HTTP route and its outbox adapter."""

    def __init__(self, settings: Settings, ctx: Context, book: ReferenceBook) -> None:
        config = bot_framework_config(settings)
        self._auth = ConfigurationBotFrameworkAuthentication(config)
        self._cloud = CloudAdapter(self._auth)
        references = References(book)
        self._bot = FollowThroughBot(ctx, references)
        self._connector = Connector(Tokens(make=lambda: app_credentials(config)))
        self.adapter: ChatAdapter = TeamsChat(
            self._cloud,
            references,
            ctx.clock,
            settings.microsoft_app_id or "",
            settings.teams_tenant_rate,
            settings.teams_conversation_rate,
            self._connector,
        )

    def mount(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.messages)

    async def messages(self, request: web.Request) -> web.Response:
        """One Bot Framework activity in: authenticate, then run the bot on it."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except ValueError:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not activity.type:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        try:
            authenticated = await self._auth.authenticate_request(activity, request.headers.get("Authorization", ""))
        except Exception as error:  # botbuilder raises several types for a bad token; all mean "not authorized"
            log.info("rejected a request to %s: %s", ROUTE, error)
            return web.json_response({"error": "unauthorized"}, status=401)
        reason = unanswerable(activity)
        if reason is not None:
            log.info("refused an activity to %s: %s", ROUTE, reason)
            return web.json_response({"error": f"not an activity the bot can answer: {reason}"}, status=400)
        invoke_response = await self._cloud.process_activity(authenticated, activity, self._bot.on_turn)
        if invoke_response is not None:
            # botbuilder answers an invoke the bot does not handle with 501; it is the sender's
            # request that is unsupported, so it is a 4xx here (a 5xx would page someone).
            status = 400 if invoke_response.status == 501 else invoke_response.status
            return web.json_response(data=serializer_helper(invoke_response.body), status=status)
        return web.Response(status=201)

    async def close(self) -> None:
        """Close the proactive sends' HTTP session (botbuilder's clients live only as long as each request)."""
        await self._connector.close()


def build(settings: Settings, ctx: Context, book: ReferenceBook) -> TeamsPlatform | None:
    """Teams, when an app id is configured or `TEAMS_ENABLED=true` (local use without auth);
    `book` keeps each person's conversation reference."""
    if not settings.microsoft_app_id and not settings.teams_enabled:
        return None
    if not settings.microsoft_app_id:
        log.warning("Teams is on without MICROSOFT_APP_ID: requests are not authenticated (local use only)")
    return TeamsPlatform(settings, ctx, book)
