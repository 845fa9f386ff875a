"""The Teams bot: an ActivityHandler that saves where each person can be reached, hands one
neutral incoming action to the core's pipeline, and renders the result as cards.

Replies go into the conversation; updates replace a card in place; a form with errors is
shown again on the submitted card, with what the person typed and each error under its field.
A message too big for one card is several cards, in order (`bot.teams.adapter.message_activities`),
and an update edits each card of the message it replaces (`bot.teams.adapter.edit_cards`).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount

from bot.teams import files
from bot.teams.activities import PLATFORM, address_of, tenant_of, to_incoming
from bot.teams.adapter import SentRef, card_activity, edit_cards, message_activities
from bot.teams.cards import KNOWN_FORMS, form_card
from bot.teams.references import References
from handlers import pipeline
from handlers.context import Context
from handlers.contract.incoming import FormSubmit, Incoming
from handlers.contract.messages import Message
from handlers.contract.outcomes import FormErrors, OpenForm

log = logging.getLogger(__name__)


class TeamsRenderer:
    """A `handlers.contract.ports.Renderer` for one Teams turn."""

    def __init__(self, turn_context: TurnContext, incoming: Incoming) -> None:
        self._turn = turn_context
        self._incoming = incoming
        activity = turn_context.activity
        self._clicked: str | None = activity.reply_to_id if activity.value is not None else None

    async def reply(self, message: Message) -> None:
        for activity in message_activities(message):
            await self._turn.send_activity(activity)

    async def open_form(self, form: OpenForm) -> None:
        await self._turn.send_activity(card_activity(form_card(form.form, form.values), form.form.title))

    async def update(self, ref: str | None, message: Message) -> None:
        here = self._turn.activity.conversation.id
        where = SentRef.load(ref) if ref else None
        targets = where.activity_ids if where else (self._clicked,) if self._clicked else ()
        conversation_id = where.conversation_id if where else here
        if not targets or conversation_id != here:
            log.warning("no card in this conversation to update; sending it as a new message")
            await self.reply(message)
            return
        await edit_cards(self._replace, self._turn.send_activity, targets, message)

    async def form_errors(self, errors: FormErrors) -> None:
        incoming = self._incoming
        form = KNOWN_FORMS.get(incoming.form_id) if isinstance(incoming, FormSubmit) else None
        if form is None or not isinstance(incoming, FormSubmit):
            text = "\n".join(f"{name}: {problem}" for name, problem in errors.errors.items())
            await self._turn.send_activity(card_activity({"type": "AdaptiveCard", "version": "1.4", "body": [
                {"type": "TextBlock", "text": text, "wrap": True, "color": "attention"}]}, "Nothing was saved"))
            return
        card = card_activity(form_card(form, incoming.values, errors.errors), form.title)
        if self._clicked:
            await self._replace(self._clicked, card)
        else:
            await self._turn.send_activity(card)

    async def _replace(self, activity_id: str, activity: Any) -> None:
        activity.id = activity_id
        await self._turn.update_activity(activity)


class FollowThroughBot(ActivityHandler):
    """Translates Teams activities to the neutral core and its results back to Teams."""

    def __init__(self, ctx: Context, references: References) -> None:
        self._ctx = ctx
        self._references = references

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.from_property is not None and activity.from_property.id and activity.conversation is not None:
            reference = TurnContext.get_conversation_reference(activity)
            reference.activity_id = None
            reference.conversation.tenant_id = tenant_of(activity)
            try:
                await self._references.save(address_of(activity), reference, self._ctx.clock.now())
            except Exception:  # the database is down: still answer; the reference is saved next time
                log.warning("could not save the conversation reference of %s", activity.from_property.id, exc_info=True)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._run(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name == files.CONSENT_INVOKE:
            return await files.on_consent(turn_context)
        return await super().on_invoke_activity(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        await self._run(turn_context)

    async def _run(self, turn_context: TurnContext) -> None:
        await self._fill_in_name(turn_context)
        activity = turn_context.activity
        incoming = to_incoming(activity)
        if incoming is None:
            return
        delivery_id = None
        if activity.id and activity.conversation is not None:
            delivery_id = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
        await pipeline.deliver(self._ctx, incoming, TeamsRenderer(turn_context, incoming), platform=PLATFORM, delivery_id=delivery_id)

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
