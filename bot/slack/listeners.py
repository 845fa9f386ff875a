"""bolt listeners: each reads one Slack payload into a neutral incoming action and hands it to
the core's pipeline with a `SlackRenderer` (ephemeral replies, in-place edits, modals), then
refreshes the person's App Home.

Slash commands and clicks are acknowledged first, so Slack always has its answer within
3 seconds; modal submissions are checked before the ack, because an invalid form must be
answered with `response_action: errors` on the ack itself. Payload fields are read with
`text_of` (a string or ""): a payload that does not say who acted, in which workspace, or
(for a form) what was submitted is acknowledged and goes no further.

The work a listener does after its ack goes into a bounded queue run by a fixed number of
workers (`after_ack.AfterAck`); when it is full the person is told at once that the bot is
busy and to try again (on the ack itself for a command), and nothing is saved. `SlackBot`
counts listener work and queued work while in flight, and `wait_idle` waits until there is
none: a clean shutdown waits on it before closing the Web API client.
"""

from __future__ import annotations

import logging
import re
from contextlib import AbstractContextManager
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.adapter import PLATFORM
from bot.slack.after_ack import AfterAck
from bot.slack.files import FILE_SHARE, from_the_bot, shared_files
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
from handlers.contract.messages import Address, FormValue
from handlers.help import HELP

log = logging.getLogger(__name__)

COMMANDS = {"/commit": "commit", "/accountability": "accountability"}
_ESCAPED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_PLAIN_MENTION = re.compile(r"(?<![<\w])@([A-Za-z0-9][\w.\-]{0,79})")
_FORM_ERROR_LIMIT = 300
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
BUSY = "I'm a little swamped right now, so I didn't take that in and nothing was saved. Please try again in a moment."
UNREADABLE_COMMAND = "Sorry, Slack didn't tell me who sent that command, so I couldn't act on it. Nothing was changed."


def text_of(data: object, key: str) -> str:
    """A string field of a payload object; "" when the object or the field is missing or not a
    string. A lone surrogate (JSON can carry one; no UTF-8 text can) becomes U+FFFD."""
    value = data.get(key) if isinstance(data, dict) else None
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""


def team_of(body: dict[str, Any]) -> str:
    """The workspace a payload comes from, wherever its kind of payload says it; "" if it doesn't."""
    return (text_of(body.get("team"), "id") or text_of(body, "team") or text_of(body.get("user"), "team_id")
            or text_of(body, "team_id") or text_of(body, "enterprise_id"))


def clicker_of(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """(team, user id, user name) of the person behind an interactivity payload, or None if it doesn't say."""
    user = body.get("user")
    team, user_id = team_of(body), text_of(user, "id")
    if not team or not user_id:
        return None
    return team, user_id, text_of(user, "name") or text_of(user, "username")


def submitted_values(view: dict[str, Any]) -> dict[str, FormValue] | None:
    """A submitted modal's values (`blocks.submitted_values`), or None if its `state` is missing or
    not shaped as Slack sends it, so a form is never half read."""
    state = view.get("state")
    if not isinstance(state, dict) or not isinstance(state.get("values"), dict):
        return None
    try:
        return bk.submitted_values(view)
    except (AttributeError, KeyError, TypeError):  # a block, an input or an option that is not an object
        return None


def responder(respond: Any) -> Any:
    """bolt's `respond`, or None (we DM instead) when the payload had no `response_url` for it to answer on."""
    return None if isinstance(respond, AsyncRespond) and not respond.response_url else respond


class SlackBot:
    """The listeners and what they share: the handlers' context, the Web API and the directory."""

    def __init__(self, ctx: Context, client: AsyncWebClient, directory: Directory, work: AfterAck | None = None) -> None:
        self.ctx = ctx
        self.client = client
        self.directory = directory
        self.work = work or AfterAck(capacity=200, workers=4)
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

    # -- work in flight -----------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """How many listener bodies are running now, plus the after-ack work accepted and not finished."""
        return self.work.pending

    def _working(self) -> AbstractContextManager[None]:
        """Counts one listener body as in flight (enter it before the listener's first await)."""
        return self.work.working()

    async def wait_idle(self, timeout: float) -> None:
        """Return once no listener work is in flight; `TimeoutError` if some still is after `timeout` seconds."""
        await self.work.wait_idle(timeout)

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
            team, user_id = team_of(body), text_of(body, "user_id")
            if not team or not user_id:
                log.info("a /command without its team or user; answered, not handled")
                await ack(response_type="ephemeral", text=UNREADABLE_COMMAND)
                return
            if not self.work.has_room("command"):
                await ack(response_type="ephemeral", text=BUSY)
                return
            await ack()
            await self.work.offer("command", lambda: self._command(body, respond, team, user_id),
                                  lambda: respond(response_type="ephemeral", text=BUSY))

    async def _command(self, body: dict[str, Any], respond: Any, team: str, user_id: str) -> None:
        text = text_of(body, "text")
        mentions, mentioned = await self.mentioned(team, text)
        actor = await self.actor(team, user_id, text_of(body, "user_name"))
        command = Command(actor, COMMANDS[text_of(body, "command")], text, mentions, mentioned)
        await self.run(command, trigger_id=text_of(body, "trigger_id") or None, respond=responder(respond))

    async def on_unknown_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=f"I don't know the command `{body.get('command', '')}`.\n{HELP}")

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        with self._working():
            await ack()
            clicker = clicker_of(body)
            if clicker is None or not isinstance(action.get("value", ""), str):
                log.info("a click without its team, user or a readable value; not handled")
                return
            await self.work.offer("action", lambda: self._action(body, action, respond, *clicker),
                                  lambda: respond(response_type="ephemeral", replace_original=False, text=BUSY))

    async def _action(self, body: dict[str, Any], action: dict[str, Any], respond: Any, team: str, user_id: str, name: str) -> None:
        actor = await self.actor(team, user_id, name)
        click = ButtonClick(actor, bk.neutral_action(text_of(action, "action_id")), text_of(action, "value"))
        in_message = text_of(body.get("container"), "type") == "message"
        respond = responder(respond) if in_message else None
        await self.run(click, trigger_id=text_of(body, "trigger_id") or None, respond=respond)

    async def on_form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        with self._working():
            await self._form(ack, body, view)

    async def _form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        clicker, values = clicker_of(body), submitted_values(view)
        if clicker is None or values is None:
            log.info("a form submission without its team, user or readable values; closed, not handled")
            await ack()
            return
        actor = await self.actor(*clicker)
        form_id = text_of(view, "callback_id")[len(bk.FORM_CALLBACK_PREFIX):]
        renderer = SlackRenderer(self.client, self.directory, actor.address, trigger_id=None, respond=None)
        # An invalid form must be answered on the ack itself, so the replies wait until after it.
        renderer.hold_replies = True
        await pipeline.deliver(self.ctx, FormSubmit(actor, form_id, values), renderer)
        if renderer.errors:
            await ack(response_action="errors", errors={k: v[:_FORM_ERROR_LIMIT] for k, v in renderer.errors.items()})
            return
        await ack()
        await renderer.release_replies()
        await self.publish_home(actor.address)

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        team, user_id = team_of(body), text_of(event, "user")
        if event.get("tab") not in (None, "home") or not team or not user_id:
            return
        with self._working():
            async def opened() -> None:
                actor = await self.actor(team, user_id)
                await self.run(OpenedHome(actor), trigger_id=None, respond=None, delivery_id=text_of(body, "event_id") or None)

            await self.work.offer("home", opened, None)  # when busy, the page is refreshed next time

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") not in (None, FILE_SHARE) or event.get("bot_id") or from_the_bot(body, event):
            return
        team, user_id = team_of(body) or text_of(event, "team"), text_of(event, "user")
        text = text_of(event, "text")
        if not team or not user_id or not isinstance(event.get("text", ""), str):
            log.info("a message event without its team, user or text; not handled")
            return
        with self._working():
            async def message() -> None:
                mentions, mentioned = await self.mentioned(team, text)
                actor = await self.actor(team, user_id)
                await self.run(
                    TextMessage(actor, text, mentions, mentioned, shared_files(event)), trigger_id=None, respond=None,
                    delivery_id=text_of(body, "event_id") or None,
                )

            async def busy() -> None:
                token, channel = await self.directory.token(team), text_of(event, "channel") or user_id
                await self.client.chat_postMessage(token=token, channel=channel, text=BUSY)

            await self.work.offer("message", message, busy)

    async def on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user")
        self.directory.forget(team_of(body) or text_of(user, "team_id"), text_of(user, "id"))

    # -- plumbing ----------------------------------------------------------------------

    async def run(self, incoming: Incoming, *, trigger_id: str | None, respond: Any, delivery_id: str | None = None) -> None:
        renderer = SlackRenderer(self.client, self.directory, incoming.actor.address, trigger_id=trigger_id, respond=respond)
        handled = await pipeline.deliver(self.ctx, incoming, renderer, platform=PLATFORM, delivery_id=delivery_id)
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
