"""Showing the core's outcomes to the Slack user who acted: replies as ephemeral messages
(through `response_url`) or DMs, updates with `chat.update`, forms as modals, form errors
kept for the view submission's ack.

A reply too big for one Slack message goes out as several (`bot.slack.blocks.messages`),
in order. A `response_url` takes at most 5 posts, so parts beyond those go to the person's
DM instead; an update edits every Slack message of the one it replaces, as the outbox's
edits do (`bot.slack.adapter.edit_message`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.adapter import edit_message, read_ref
from bot.slack.web import Directory
from handlers.contract.messages import Address, Message
from handlers.contract.outcomes import FormErrors, OpenForm

RESPONSE_URL_USES = 5
"""Slack takes up to 5 posts to one `response_url` (within 30 minutes)."""

log = logging.getLogger(__name__)


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
        self._responses = 0
        self.errors: dict[str, str] = {}
        self.hold_replies = False
        self._held: list[Message] = []

    async def reply(self, message: Message) -> None:
        if self.hold_replies:
            self._held.append(message)
            return
        parts = bk.messages(message)
        for number, part in enumerate(parts):
            text = bk.fallback_text(message, number, len(parts))
            if self._respond is not None and self._responses < RESPONSE_URL_USES:
                self._responses += 1
                answer = await self._respond(response_type="ephemeral", replace_original=False, blocks=part, text=text)
                if getattr(answer, "status_code", 200) != 200:
                    log.warning("Slack refused a reply through response_url: %s", getattr(answer, "body", ""))
                continue
            token = await self._directory.token(self._to.workspace_id)
            channel = await self._directory.dm_channel(self._to.workspace_id, self._to.user_id)
            await self._client.chat_postMessage(token=token, channel=channel, blocks=part or None, text=text)

    async def release_replies(self) -> None:
        """Send the replies held back while a view submission waited for its ack."""
        self.hold_replies = False
        held, self._held = self._held, []
        for message in held:
            await self.reply(message)

    async def update(self, ref: str | None, message: Message) -> None:
        if ref is None:
            return
        channel, stamps = read_ref(ref)
        await edit_message(self._client, await self._directory.token(self._to.workspace_id), channel, stamps, message)

    async def open_form(self, form: OpenForm) -> None:
        # A modal opens only from a click or a command (a trigger id); without one, the
        # message that came with the form carries the button that opens it.
        if self._trigger_id:
            await self._client.views_open(
                token=await self._directory.token(self._to.workspace_id), trigger_id=self._trigger_id, view=bk.modal(form)
            )

    async def form_errors(self, errors: FormErrors) -> None:
        self.errors.update(errors.errors)
