"""bolt listeners: each reads one Slack payload into a neutral incoming action and hands it to
the core's pipeline with a `SlackRenderer` (ephemeral replies, in-place edits, modals), then
refreshes the person's App Home.

Slash commands and clicks are acknowledged first, so Slack always has its answer within
3 seconds; modal submissions are checked before the ack, because an invalid form must be
answered with `response_action: errors` on the ack itself. Payload fields are read with
`text_of` (a string or ""): a payload that does not say who acted, in which workspace, or
(for a form) what was submitted is acknowledged and goes no further.

Slash commands, clicks and direct messages go through the durable inbox
(`inbox_work.InboxWork`): the request is written there, then acked (a DM is acked by bolt
itself, so its row follows the ack), and a worker does the work. With the database down the
person is told at once to try again in a minute and nothing is kept. App Home refreshes stay in
the small in-memory queue (`after_ack.AfterAck`): one that is dropped is redone at the next open.
`SlackBot` counts listener work, inbox rows it wrote and queued work while in flight, and
`wait_idle` waits until there is none.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.adapter import PLATFORM
from bot.slack.after_ack import AfterAck
from bot.slack.files import FILE_SHARE, from_the_bot, shared_files
from bot.slack.home import HomePages
from bot.slack.inbox_work import InboxWork, Outcome
from bot.slack.payloads import clicker_of, responder, submitted_values, team_of, text_of
from bot.slack.people import actor_of, mentioned_in
from bot.slack.renderer import SlackRenderer
from bot.slack.web import Directory
from handlers import pipeline
from handlers.context import Context
from handlers.contract.incoming import (
    ButtonClick,
    Command,
    FormSubmit,
    Incoming,
    OpenedHome,
    TextMessage,
)
from handlers.contract.messages import Address, Message
from handlers.contract.metrics import NO_METRICS, Metrics
from handlers.contract.outcomes import Reply
from handlers.help import HELP
from handlers.inbox import Inbox, InboxItem
from handlers.router import DATABASE_DOWN

log = logging.getLogger(__name__)

COMMANDS = {"/commit": "commit", "/accountability": "accountability"}
_FORM_ERROR_LIMIT = 300
NOT_DONE = ("Sorry, something went wrong on my side and I couldn't get that done, even after a few tries. "
            "Please try again in a few minutes.")
ACK_WRITE_LIMIT = 2.0
"""Seconds the ack waits for the request to be written to the inbox (Slack wants its ack within 3)."""
TRIGGER_SECONDS = 2.5
"""How long after the request a `trigger_id` can still open a modal (Slack: 3 seconds)."""
UNREADABLE_COMMAND = "Sorry, Slack didn't tell me who sent that command, so I couldn't act on it. Nothing was changed."


class SlackBot:
    """The listeners and what they share: the handlers' context, the Web API and the directory."""

    def __init__(
        self, ctx: Context, client: AsyncWebClient, directory: Directory, work: AfterAck | None = None, *,
        inbox: Inbox | None = None, workers: int = 4, ack_first: bool = False, metrics: Metrics = NO_METRICS,
    ) -> None:
        """`ack_first`: ack before the inbox write instead of after it (faster by one commit; an ack
        whose process dies before the write loses that request)."""
        self.ctx = ctx
        self.client = client
        self.directory = directory
        self.work = work or AfterAck(capacity=200, workers=4)
        inbox = inbox or Inbox(ctx.store, ctx.clock, PLATFORM, timedelta(seconds=60))
        self.inbox = InboxWork(inbox, self.run_item, self.tell_failed, workers=workers, metrics=metrics)
        self.ack_first = ack_first
        self.home = HomePages(ctx, client, directory)
        self._later: set[asyncio.Task[None]] = set()

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
        """Listener bodies running now, inbox rows written here and not yet done, and queued App Home work."""
        return self.work.pending + self.inbox.pending

    def _working(self) -> AbstractContextManager[None]:
        """Counts one listener body as in flight (enter it before the listener's first await)."""
        return self.work.working()

    async def wait_idle(self, timeout: float) -> None:
        """Return once no listener work is in flight; `TimeoutError` if some still is after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while self.in_flight:
                await self.work.wait_idle(timeout)
                await self.inbox.wait_idle(timeout)

    # -- listeners ---------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        with self._working():
            team, user_id = team_of(body), text_of(body, "user_id")
            if not team or not user_id:
                log.info("a /command without its team or user; answered, not handled")
                await ack(response_type="ephemeral", text=UNREADABLE_COMMAND)
                return
            await self.accept(ack, "command", team, user_id, {"body": body}, responder(respond))

    async def _command(self, body: dict[str, Any], team: str, user_id: str) -> Command:
        text = text_of(body, "text")
        mentions, mentioned = await mentioned_in(self.directory, team, text)
        actor = await actor_of(self.directory, team, user_id, text_of(body, "user_name"))
        return Command(actor, COMMANDS.get(text_of(body, "command"), "accountability"), text, mentions, mentioned)

    async def on_unknown_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=f"I don't know the command `{body.get('command', '')}`.\n{HELP}")

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        with self._working():
            clicker = clicker_of(body)
            if clicker is None or not isinstance(action.get("value", ""), str):
                await ack()
                log.info("a click without its team, user or a readable value; not handled")
                return
            in_message = text_of(body.get("container"), "type") == "message"
            await self.accept(ack, "action", clicker[0], clicker[1], {"body": body, "action": action},
                              responder(respond) if in_message else None)

    async def _action(self, body: dict[str, Any], action: dict[str, Any]) -> ButtonClick | None:
        clicker = clicker_of(body)
        if clicker is None:
            return None
        actor = await actor_of(self.directory, *clicker)
        return ButtonClick(actor, bk.neutral_action(text_of(action, "action_id")), text_of(action, "value"))

    async def on_form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        with self._working():
            await self._form(ack, body, view)

    async def _form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        clicker, values = clicker_of(body), submitted_values(view)
        if clicker is None or values is None:
            log.info("a form submission without its team, user or readable values; closed, not handled")
            await ack()
            return
        actor = await actor_of(self.directory, *clicker)
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
                if (channel := text_of(event, "channel")).startswith("D"):  # the App Home's DM with them
                    await self.directory.dms.remember(team, user_id, channel)
                actor = await actor_of(self.directory, team, user_id)
                await self.run(OpenedHome(actor), trigger_id=None, respond=None, delivery_id=text_of(body, "event_id") or None)

            await self.work.offer("home", opened, None)  # when busy, the page is refreshed next time

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") not in (None, FILE_SHARE) or event.get("bot_id") or from_the_bot(body, event):
            return
        team, user_id = team_of(body) or text_of(event, "team"), text_of(event, "user")
        if not team or not user_id or not isinstance(event.get("text", ""), str):
            log.info("a message event without its team, user or text; not handled")
            return
        with self._working():  # bolt acked the event already: the row follows the ack
            payload = {"body": body, "event": event, "delivery_id": text_of(body, "event_id")}  # Slack's retries share it
            await self.accept(None, "message", team, user_id, payload, None)

    async def _message(self, body: dict[str, Any], event: dict[str, Any], team: str, user_id: str) -> TextMessage:
        text = text_of(event, "text")
        mentions, mentioned = await mentioned_in(self.directory, team, text)
        actor = await actor_of(self.directory, team, user_id)
        return TextMessage(actor, text, mentions, mentioned, shared_files(event))

    async def on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user")
        self.directory.forget(team_of(body) or text_of(user, "team_id"), text_of(user, "id"))

    # -- plumbing ----------------------------------------------------------------------

    async def accept(self, ack: Any, kind: str, team: str, user_id: str, payload: dict[str, Any], respond: Any) -> None:
        """Write the request to the inbox and ack it (`ack` None: bolt acked it already). If it
        can't be written in time, it is acked all the same and the person is told to try again."""
        if ack is not None and self.ack_first:
            await ack()
        response_url = text_of(payload["body"], "response_url") if respond is not None else ""
        writing = asyncio.ensure_future(self.inbox.put(kind, team, user_id, payload, response_url or None))
        try:
            async with asyncio.timeout(ACK_WRITE_LIMIT):
                await asyncio.shield(writing)
        except Exception:  # the database is down, or too slow for Slack's 3 seconds
            log.warning("could not keep a Slack %s from %s/%s; asked them to try again", kind, team, user_id, exc_info=True)
            if not writing.done():
                self._run_later(self.inbox.withdraw_when_written(writing))
            if ack is not None and not self.ack_first:
                await ack()
            await self.tell(team, user_id, respond, DATABASE_DOWN)
            return
        if ack is not None and not self.ack_first:
            await ack()

    def _run_later(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def run_item(self, item: InboxItem) -> Outcome:
        """The work after the ack, for one inbox row: the request read back and handed to the core."""
        body, payload = item.payload.get("body"), item.payload
        body = body if isinstance(body, dict) else {}
        respond = AsyncRespond(response_url=item.response_url) if item.response_url else None
        fresh = (self.ctx.clock.now() - item.received_at).total_seconds() < TRIGGER_SECONDS
        trigger_id = (text_of(body, "trigger_id") or None) if fresh else None  # a stale one can't open a modal
        incoming: Incoming | None = None
        if item.kind == "command":
            incoming = await self._command(body, item.workspace_id, item.user_id)
        elif item.kind == "action" and isinstance(payload.get("action"), dict):
            incoming = await self._action(body, payload["action"])
        elif item.kind == "message" and isinstance(payload.get("event"), dict):
            incoming = await self._message(body, payload["event"], item.workspace_id, item.user_id)
            trigger_id = None
        if incoming is None:
            log.warning("inbox row %s holds an unreadable Slack %s; dropped", item.id, item.kind)
            return Outcome.DONE
        if (named := text_of(payload.get("event"), "channel") if item.kind == "message" else "").startswith("D"):
            await self.directory.keep_dm(item.workspace_id, item.user_id, named)  # the DM they wrote in: replies go there
        outcome = await self.run(incoming, trigger_id=trigger_id, respond=respond, delivery_id=item.delivery_id)
        if item.kind == "command":  # their DM opened now, not at their first check-in
            self._run_later(self.directory.keep_dm(item.workspace_id, item.user_id))
        return outcome

    async def tell_failed(self, item: InboxItem, store_down: bool) -> None:
        respond = AsyncRespond(response_url=item.response_url) if item.response_url else None
        await self.tell(item.workspace_id, item.user_id, respond, DATABASE_DOWN if store_down else NOT_DONE)

    async def tell(self, team: str, user_id: str, respond: Any, text: str) -> None:
        """Say `text` to the person, on the request's response_url if it has one, else in their DM."""
        renderer = SlackRenderer(self.client, self.directory, Address(PLATFORM, team, user_id), trigger_id=None, respond=respond)
        try:
            await renderer.reply(Message.text(text))
        except Exception:
            log.warning("could not tell %s/%s: %s", team, user_id, text, exc_info=True)

    async def run(self, incoming: Incoming, *, trigger_id: str | None, respond: Any, delivery_id: str | None = None) -> Outcome:
        """Hand `incoming` to the core and show the result; STORE_DOWN (and nothing shown) when the
        database was down, so the work can be tried again shortly."""
        renderer = SlackRenderer(self.client, self.directory, incoming.actor.address, trigger_id=trigger_id, respond=respond)
        renderer.hold_replies = True
        handled = await pipeline.deliver(self.ctx, incoming, renderer, platform=PLATFORM, delivery_id=delivery_id)
        if handled is not None and handled.nothing_saved and Reply(Message.text(DATABASE_DOWN)) in handled.items:
            return Outcome.STORE_DOWN
        await renderer.release_replies()
        if handled is not None:
            await self.publish_home(incoming.actor.address)
        return Outcome.DONE

    async def publish_home(self, to: Address) -> None:
        """Keep the person's App Home current (`home.HomePages`)."""
        await self.home.publish(to)
