"""bolt listeners: each reads one Slack payload into a neutral incoming action, calls the
router once, and renders the Result (ephemeral replies, in-place edits, modals, App Home).

Slash commands and clicks are acknowledged first, so Slack always has its answer within
3 seconds; modal submissions are checked before the ack, because an invalid form must be
answered with `response_action: errors` on the ack itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import DBAPIError, IntegrityError

from handlers.contract.messages import Address, FormErrors, Message, OpenForm, Reply, Result, Update
from bot.slack import blocks as bk
from bot.slack.adapter import PLATFORM
from bot.slack.web import Directory, SlackUser
from handlers import home
from handlers.context import Context
from handlers.help import HELP
from handlers.contract.incoming import (
    Actor,
    ButtonClick,
    Command,
    FormSubmit,
    Incoming,
    Opened,
    TextMessage,
)
from handlers.router import handle
from storage.models import ProcessedEvent
from storage.repositories import sent_ref

log = logging.getLogger(__name__)

COMMANDS = {"/commit": "commit", "/accountability": "accountability"}
_ESCAPED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_PLAIN_MENTION = re.compile(r"(?<![<\w])@([A-Za-z0-9][\w.\-]{0,79})")
_FORM_ERROR_LIMIT = 300


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or body.get("enterprise_id") or "")


class SlackBot:
    """The listeners and what they share: the handlers' context, the Web API and the directory."""

    def __init__(self, ctx: Context, client: AsyncWebClient, directory: Directory, after_ack_limit: int = 4) -> None:
        self.ctx = ctx
        self.client = client
        self.directory = directory
        # The work after an ack waits its turn here, so a burst of commands can never keep
        # the event loop from acking the next request in time.
        self._after_ack = asyncio.Semaphore(after_ack_limit)
        self._home_running: set[Address] = set()
        self._home_again: set[Address] = set()

    def register(self, app: AsyncApp) -> None:
        for name in COMMANDS:
            app.command(name)(self.on_command)
        app.command(re.compile(r".*"))(self.on_unknown_command)
        app.action(re.compile(r".*"))(self.on_action)
        app.view_submission(re.compile("^" + re.escape(bk.FORM_CALLBACK_PREFIX)))(self.on_form)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_message)
        app.event("user_change")(self.on_user_change)

    # -- who ---------------------------------------------------------------------------

    async def actor(self, team: str, user_id: str, fallback_name: str = "") -> Actor:
        try:
            user = await self.directory.user(team, user_id, fallback_name)
        except Exception:  # users.info down: act on what we have, the zone stays as stored
            log.warning("users.info failed for %s/%s", team, user_id, exc_info=True)
            user = SlackUser(user_id=user_id, display_name=fallback_name or user_id, tz=None)
        return Actor(address=Address(PLATFORM, team, user_id), display_name=user.display_name, tz=user.tz)

    async def mentioned(self, team: str, text: str) -> tuple[tuple[Address, ...], tuple[Actor, ...]]:
        """People named in a command, in order: escaped `<@U123|name>` and plain `@name`."""
        found: list[tuple[int, str, str]] = [(m.start(), m.group(1), m.group(2) or "") for m in _ESCAPED_MENTION.finditer(text)]
        for m in _PLAIN_MENTION.finditer(text):
            try:
                user = await self.directory.find_by_name(team, m.group(1))
            except Exception:
                log.warning("users.list failed in %s", team, exc_info=True)
                user = None
            if user is not None:
                found.append((m.start(), user.user_id, user.display_name))
        actors = [await self.actor(team, user_id, name) for _, user_id, name in sorted(found)]
        return tuple(a.address for a in actors), tuple(actors)

    # -- listeners ---------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        async with self._after_ack:
            await self._command(body, respond)

    async def _command(self, body: dict[str, Any], respond: Any) -> None:
        team, user_id = team_of(body), str(body["user_id"])
        text = str(body.get("text") or "")
        mentions, mentioned = await self.mentioned(team, text)
        actor = await self.actor(team, user_id, str(body.get("user_name") or ""))
        command = Command(actor, COMMANDS[str(body["command"])], text, mentions, mentioned)
        await self.run(command, trigger_id=body.get("trigger_id"), respond=respond)

    async def on_unknown_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=f"I don't know the command `{body.get('command', '')}`.\n{HELP}")

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        async with self._after_ack:
            await self._action(body, action, respond)

    async def _action(self, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        team, user = team_of(body), body["user"]
        actor = await self.actor(team, str(user["id"]), str(user.get("name") or user.get("username") or ""))
        click = ButtonClick(actor, bk.neutral_action(str(action.get("action_id", ""))), str(action.get("value", "")))
        in_message = (body.get("container") or {}).get("type") == "message"
        await self.run(click, trigger_id=body.get("trigger_id"), respond=respond if in_message else None)

    async def on_form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = team_of(body), body["user"]
        actor = await self.actor(team, str(user["id"]), str(user.get("name") or ""))
        form_id = str(view.get("callback_id", ""))[len(bk.FORM_CALLBACK_PREFIX):]
        result = await handle(self.ctx, FormSubmit(actor, form_id, bk.submitted_values(view)))
        errors = next((item.errors for item in result.items if isinstance(item, FormErrors)), None)
        if errors is None and result.unavailable:
            first_field = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "")
            errors = {first_field: "I couldn't save just now (my database is briefly unavailable). Please press Save again in a minute."}
        if errors:
            await ack(response_action="errors", errors={k: v[:_FORM_ERROR_LIMIT] for k, v in errors.items()})
            return
        await ack()
        await self.render(result, actor.address, trigger_id=None, respond=None)
        await self.publish_home(actor.address)

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home") or not await self.first_delivery(body):
            return
        async with self._after_ack:
            actor = await self.actor(team_of(body), str(event["user"]))
            await self.run(Opened(actor), trigger_id=None, respond=None)

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not await self.first_delivery(body):
            return
        team = team_of(body) or str(event.get("team") or "")
        text = str(event.get("text") or "")
        async with self._after_ack:
            mentions, mentioned = await self.mentioned(team, text)
            actor = await self.actor(team, str(event["user"]))
            await self.run(TextMessage(actor, text, mentions, mentioned), trigger_id=None, respond=None)

    async def on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user") or {}
        self.directory.forget(team_of(body) or str(user.get("team_id") or ""), str(user.get("id", "")))

    # -- plumbing ----------------------------------------------------------------------

    async def first_delivery(self, body: dict[str, Any]) -> bool:
        """False when this event was handled before (Slack retries a delivery it thinks failed)."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        try:
            async with self.ctx.sessions() as s, s.begin():
                s.add(ProcessedEvent(platform=PLATFORM, event_id=str(event_id), received_at=self.ctx.clock.now()))
        except IntegrityError:
            log.info("dropping repeated delivery of event %s", event_id)
            return False
        except (DBAPIError, OSError):
            # The database is down: handle it anyway, so the person hears that nothing was saved.
            log.warning("could not record event %s; handling it without retry protection", event_id, exc_info=True)
        return True

    async def run(self, incoming: Incoming, *, trigger_id: str | None, respond: Any) -> None:
        result = await handle(self.ctx, incoming)
        await self.render(result, incoming.actor.address, trigger_id=trigger_id, respond=respond)
        await self.publish_home(incoming.actor.address)

    async def render(self, result: Result, to: Address, *, trigger_id: str | None, respond: Any) -> None:
        token = await self.directory.token(to.workspace_id)
        for item in result.items:
            if isinstance(item, Reply):
                await self._reply(item.message, to, token, respond)
            elif isinstance(item, Update):
                await self._update(item, token)
            elif isinstance(item, OpenForm) and trigger_id:
                await self.client.views_open(token=token, trigger_id=trigger_id, view=bk.modal(item))
            # A modal opens only from a click or a command (a trigger id); without one, the
            # message that came with the form carries the button that opens it.

    async def _reply(self, message: Message, to: Address, token: str, respond: Any) -> None:
        rendered, text = bk.blocks(message), bk.fallback_text(message)
        if respond is not None:
            await respond(response_type="ephemeral", replace_original=False, blocks=rendered, text=text)
            return
        channel = await self.directory.dm_channel(to.workspace_id, to.user_id)
        await self.client.chat_postMessage(token=token, channel=channel, blocks=rendered, text=text)

    async def _update(self, item: Update, token: str) -> None:
        async with self.ctx.sessions() as s:
            ref = await sent_ref(s, item.message_key)
        if ref is None:
            return
        where = json.loads(ref)
        await self.client.chat_update(
            token=token, channel=where["channel"], ts=where["ts"],
            blocks=bk.blocks(item.message), text=bk.fallback_text(item.message),
        )

    async def publish_home(self, to: Address) -> None:
        """Keep the person's App Home current. Refreshes for one person never overlap: one that
        comes in while another runs makes that one run once more. A failure never undoes anything."""
        if to in self._home_running:
            self._home_again.add(to)
            return
        self._home_running.add(to)
        try:
            while True:
                self._home_again.discard(to)
                await self._publish_home(to)
                if to not in self._home_again:
                    return
        finally:
            self._home_running.discard(to)

    async def _publish_home(self, to: Address) -> None:
        try:
            page = await home.for_address(self.ctx, to)
            if page is not None:
                await self.client.views_publish(
                    token=await self.directory.token(to.workspace_id), user_id=to.user_id, view=bk.home_view(page)
                )
        except Exception:
            log.warning("App Home publish failed for %s/%s", to.workspace_id, to.user_id, exc_info=True)
