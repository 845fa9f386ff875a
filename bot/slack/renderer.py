"""Showing the core's outcomes to the Slack user who acted: replies as ephemeral messages
(through `response_url`) or DMs, updates with `chat.update`, forms as modals, form errors
kept for the view submission's ack."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.adapter import read_ref
from bot.slack.web import Directory
from handlers.contract.messages import Address, Message
from handlers.contract.outcomes import FormErrors, OpenForm


class SlackRenderer:
    """A `handlers.contract.ports.Renderer` for one Slack request."""

    def __init__(
        self, client: AsyncWebClient, directory: Directory, to: Address, *, trigger_id: str | None, respond: Any
    ) -> None:
        self._client = client
        self._directory = directory
        self._to = to
        self._trigger_id = trigger_id
        self._respond = respond
        self.errors: dict[str, str] = {}
        self.hold_replies = False
        self._held: list[Message] = []

    async def reply(self, message: Message) -> None:
        if self.hold_replies:
            self._held.append(message)
            return
        rendered, text = bk.blocks(message), bk.fallback_text(message)
        if self._respond is not None:
            await self._respond(response_type="ephemeral", replace_original=False, blocks=rendered, text=text)
            return
        token = await self._directory.token(self._to.workspace_id)
        channel = await self._directory.dm_channel(self._to.workspace_id, self._to.user_id)
        await self._client.chat_postMessage(token=token, channel=channel, blocks=rendered, text=text)

    async def release_replies(self) -> None:
        """Send the replies held back while a view submission waited for its ack."""
        self.hold_replies = False
        held, self._held = self._held, []
        for message in held:
            await self.reply(message)

    async def update(self, ref: str | None, message: Message) -> None:
        if ref is None:
            return
        channel, ts = read_ref(ref)
        await self._client.chat_update(
            token=await self._directory.token(self._to.workspace_id), channel=channel, ts=ts,
            blocks=bk.blocks(message), text=bk.fallback_text(message),
        )

    async def open_form(self, form: OpenForm) -> None:
        # A modal opens only from a click or a command (a trigger id); without one, the
        # message that came with the form carries the button that opens it.
        if self._trigger_id:
            await self._client.views_open(
                token=await self._directory.token(self._to.workspace_id), trigger_id=self._trigger_id, view=bk.modal(form)
            )

    async def form_errors(self, errors: FormErrors) -> None:
        self.errors.update(errors.errors)
