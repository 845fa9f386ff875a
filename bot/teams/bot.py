"""The Teams bot: an ActivityHandler that saves where each person can be reached, hands one
neutral incoming action to `handlers.router.handle`, and renders the result as cards.

Replies go into the conversation; updates replace a card in place; a form with errors is
shown again on the submitted card, with what the person typed and each error under its field.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount

from handlers.contract.messages import FormErrors, OpenForm, Reply, Result, Update
from bot.teams import references
from bot.teams.activities import address_of, tenant_of, to_incoming
from bot.teams.adapter import SentRef, card_activity, message_activity
from bot.teams.cards import KNOWN_FORMS, form_card
from handlers.context import Context
from handlers.contract.incoming import FormSubmit, Incoming
from handlers.router import handle
from storage.repositories import sent_ref

log = logging.getLogger(__name__)


class FollowThroughBot(ActivityHandler):
    """Translates Teams activities to the neutral handlers and their results back to Teams."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        now = self._ctx.clock.now()
        if activity.from_property is not None and activity.from_property.id and activity.conversation is not None:
            reference = TurnContext.get_conversation_reference(activity)
            reference.activity_id = None
            reference.conversation.tenant_id = tenant_of(activity)
            await references.save(self._ctx.sessions, address_of(activity), reference, now)
        if activity.id and activity.conversation is not None:
            key = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
            if not await references.first_delivery(self._ctx.sessions, key, now):
                log.info("dropping a repeated delivery of activity %s", activity.id)
                return
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._run(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        await self._run(turn_context)

    async def _run(self, turn_context: TurnContext) -> None:
        await self._fill_in_name(turn_context)
        incoming = to_incoming(turn_context.activity)
        if incoming is None:
            return
        result = await handle(self._ctx, incoming)
        await self._render(turn_context, incoming, result)

    @staticmethod
    async def _fill_in_name(turn_context: TurnContext) -> None:
        """Teams leaves the name out of some activities (the install event): ask the connector."""
        person = turn_context.activity.from_property
        if person is None or not person.id or (person.name or "").strip():
            return
        try:
            member = await TeamsInfo.get_member(turn_context, person.id)
        except Exception as error:  # the greeting still works without a name
            log.info("could not look up the name of %s: %s", person.id, error)
            return
        person.name = member.name

    async def _render(self, turn_context: TurnContext, incoming: Incoming, result: Result) -> None:
        clicked = turn_context.activity.reply_to_id if turn_context.activity.value is not None else None
        for item in result.items:
            if isinstance(item, Reply):
                await turn_context.send_activity(message_activity(item.message))
            elif isinstance(item, OpenForm):
                await turn_context.send_activity(card_activity(form_card(item.form, item.values), item.form.title))
            elif isinstance(item, FormErrors):
                await self._show_errors(turn_context, incoming, item, clicked)
            elif isinstance(item, Update):
                await self._update(turn_context, item, clicked)

    async def _update(self, turn_context: TurnContext, update: Update, clicked: str | None) -> None:
        async with self._ctx.sessions() as s:
            raw = await sent_ref(s, update.message_key)
        target = SentRef.load(raw).activity_id if raw else clicked
        conversation_id = SentRef.load(raw).conversation_id if raw else turn_context.activity.conversation.id
        if target is None or conversation_id != turn_context.activity.conversation.id:
            log.warning("no card in this conversation to update for %s; sending it as a new message", update.message_key)
            await turn_context.send_activity(message_activity(update.message))
            return
        await self._replace(turn_context, target, message_activity(update.message))

    async def _show_errors(
        self, turn_context: TurnContext, incoming: Incoming, errors: FormErrors, clicked: str | None
    ) -> None:
        form = KNOWN_FORMS.get(incoming.form_id) if isinstance(incoming, FormSubmit) else None
        if form is None or not isinstance(incoming, FormSubmit):
            text = "\n".join(f"{name}: {problem}" for name, problem in errors.errors.items())
            await turn_context.send_activity(card_activity({"type": "AdaptiveCard", "version": "1.4", "body": [
                {"type": "TextBlock", "text": text, "wrap": True, "color": "attention"}]}, "Nothing was saved"))
            return
        card = card_activity(form_card(form, incoming.values, errors.errors), form.title)
        if clicked:
            await self._replace(turn_context, clicked, card)
        else:
            await turn_context.send_activity(card)

    @staticmethod
    async def _replace(turn_context: TurnContext, activity_id: str, activity: Any) -> None:
        activity.id = activity_id
        await turn_context.update_activity(activity)
