"""bolt listeners: each reads one Slack payload into a neutral incoming action and hands it to
the core's pipeline with a `SlackRenderer` (ephemeral replies, in-place edits, modals), then
refreshes the person's App Home.

Slash commands and clicks are acknowledged first, so Slack always has its answer within
3 seconds; modal submissions are checked before the ack, because an invalid form must be
answered with `response_action: errors` on the ack itself.

The work a listener does after its ack runs in bolt's own task, after Slack already has its
HTTP answer. `SlackBot` counts that work while it is in flight, and `wait_idle` waits until
there is none: a clean shutdown waits on it before closing the Web API client.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.adapter import PLATFORM
from bot.slack.renderer import SlackRenderer
from bot.slack.web import Directory, SlackUser
from handlers import pipeline
from handlers.context import Context
from handlers.contract.incoming import (
    Actor,
    ButtonClick,
    Command,
    FormSubmit,
    Incoming,
    OpenedHome,
    TextMessage,
)
from handlers.contract.messages import Address
from handlers.help import HELP

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
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def register(self, app: AsyncApp) -> None:
        for name in COMMANDS:
            app.command(name)(self.on_command)
        app.command(re.compile(r".*"))(self.on_unknown_command)
        app.action(re.compile(r".*"))(self.on_action)
        app.view_submission(re.compile("^" + re.escape(bk.FORM_CALLBACK_PREFIX)))(self.on_form)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_message)
        app.event("user_change")(self.on_user_change)

    # -- work in flight -----------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """How many listener bodies are running now (their after-ack work included)."""
        return self._in_flight

    @contextmanager
    def _working(self) -> Iterator[None]:
        """Counts one listener body as in flight. Entered synchronously, before the listener's
        first await, so the work is counted from the moment bolt's task starts it."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> None:
        """Return once no listener work is in flight; `TimeoutError` if some still is after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while self._in_flight:
                await self._idle.wait()

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
        with self._working():
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
        with self._working():
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
        with self._working():
            await self._form(ack, body, view)

    async def _form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = team_of(body), body["user"]
        actor = await self.actor(team, str(user["id"]), str(user.get("name") or ""))
        form_id = str(view.get("callback_id", ""))[len(bk.FORM_CALLBACK_PREFIX):]
        renderer = SlackRenderer(self.client, self.directory, actor.address, trigger_id=None, respond=None)
        # An invalid form must be answered on the ack itself, so the replies wait until after it.
        renderer.hold_replies = True
        await pipeline.deliver(self.ctx, FormSubmit(actor, form_id, bk.submitted_values(view)), renderer)
        if renderer.errors:
            await ack(response_action="errors", errors={k: v[:_FORM_ERROR_LIMIT] for k, v in renderer.errors.items()})
            return
        await ack()
        await renderer.release_replies()
        await self.publish_home(actor.address)

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home"):
            return
        with self._working():
            async with self._after_ack:
                actor = await self.actor(team_of(body), str(event["user"]))
                await self.run(OpenedHome(actor), trigger_id=None, respond=None, delivery_id=body.get("event_id"))

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        team = team_of(body) or str(event.get("team") or "")
        text = str(event.get("text") or "")
        with self._working():
            async with self._after_ack:
                mentions, mentioned = await self.mentioned(team, text)
                actor = await self.actor(team, str(event["user"]))
                await self.run(
                    TextMessage(actor, text, mentions, mentioned), trigger_id=None, respond=None, delivery_id=body.get("event_id")
                )

    async def on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user") or {}
        self.directory.forget(team_of(body) or str(user.get("team_id") or ""), str(user.get("id", "")))

    # -- plumbing ----------------------------------------------------------------------

    async def run(self, incoming: Incoming, *, trigger_id: str | None, respond: Any, delivery_id: str | None = None) -> None:
        renderer = SlackRenderer(self.client, self.directory, incoming.actor.address, trigger_id=trigger_id, respond=respond)
        handled = await pipeline.deliver(
            self.ctx, incoming, renderer, platform=PLATFORM, delivery_id=str(delivery_id) if delivery_id else None
        )
        if handled is not None:
            await self.publish_home(incoming.actor.address)

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
            page = await pipeline.home_page(self.ctx, to)
            if page is not None:
                await self.client.views_publish(
                    token=await self.directory.token(to.workspace_id), user_id=to.user_id, view=bk.home_view(page)
                )
        except Exception:
            log.warning("App Home publish failed for %s/%s", to.workspace_id, to.user_id, exc_info=True)
