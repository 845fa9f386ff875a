"""The Teams ChatAdapter for the outbox: proactive sends and in-place card updates.

A send posts into the person's saved conversation straight through the connector's REST API
(`bot.teams.proactive.Connector`; an adapter built without one uses botbuilder's
`continue_conversation`, as channel posts always do); someone the bot has no conversation with yet is reached with `create_conversation` in their tenant, when
the tenant allows it. Connector failures become the outbox's delivery errors (see
`bot.teams.errors`).

A message too big for one card goes out as several (`bot.teams.cards.message_cards`), in
order; the send returns one JSON reference (conversation id, every activity id, service url)
that a later `update` edits in place, card by card (`edit_cards`). The reference can't change
after the send, so an edit that needs fewer cards turns the ones left over into "(continued
above)", and one that needs more posts the extra cards after the others (later edits don't
reach those; a check-in only shrinks as it is answered, so ours never need them). If a send
fails part way, the cards already posted are deleted again, so its retry doesn't repeat them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.teams import channel_posts
from bot.teams.cards import CARD_CONTENT_TYPE, continued_card, message_cards
from bot.teams.errors import ConnectorError, translate
from bot.teams.files import file_activities
from bot.teams.proactive import (
    ClientConversation,
    Connector,
    Conversation,
    connector_of,
)
from bot.teams.references import References
from bot.teams.wire import Json, saved_reference
from handlers.contract.messages import Address, Message
from handlers.contract.ports import Clock, Rejected, Unreachable

log = logging.getLogger(__name__)

TEAMS_CHANNEL = "msteams"
SUMMARY_LIMIT = 200
"""Characters of a message's summary an activity carries (what notifications show)."""
INSTALL_HINT = "they need to add Follow-Through in Teams (Apps > Follow-Through > Add) first"


def card_activity(card: dict[str, Any], summary: str = "") -> Activity:
    """A message activity carrying one Adaptive Card; `summary` is what notifications show."""
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
        summary=summary or None,
    )


def message_activities(message: Message, at_least: int = 1) -> list[Activity]:
    """The message as one activity per card (`message_cards`); a split message's cards say which part they are."""
    cards = message_cards(message, at_least)
    summary = (message.summary or message.plain_text.split("\n", 1)[0])[:SUMMARY_LIMIT]
    if len(cards) == 1:
        return [card_activity(cards[0], summary)]
    return [card_activity(card, f"{summary} ({n + 1}/{len(cards)})") for n, card in enumerate(cards)]


Put = Callable[[str, Activity], Awaitable[None]]
Post = Callable[[Activity], Awaitable[object]]


async def edit_cards(put: Put, post: Post, activity_ids: Sequence[str], message: Message) -> None:
    """Re-render `message` over the cards `activity_ids` names, each replaced in place (`put`);
    those left over say "(continued above)", and cards beyond them are posted after them (`post`)."""
    activities = message_activities(message, at_least=len(activity_ids))
    for n, activity_id in enumerate(activity_ids):
        await put(activity_id, activities[n] if n < len(activities) else card_activity(continued_card()))
    for activity in activities[len(activity_ids):]:
        await post(activity)


@dataclass(frozen=True)
class SentRef:
    """Where a sent message's cards live, so they can be edited later."""

    conversation_id: str
    activity_ids: tuple[str, ...]
    service_url: str

    def dump(self) -> str:
        return json.dumps(
            {"conversation_id": self.conversation_id, "activity_ids": list(self.activity_ids), "service_url": self.service_url}
        )

    @classmethod
    def load(cls, raw: str) -> SentRef:
        """The reference `dump` made, or its one-card form from before messages were split
        (`activity_id`, still in the database); `Rejected` for anything else."""
        try:
            data = json.loads(raw)
            conversation_id = data["conversation_id"]
            ids = data["activity_ids"] if "activity_ids" in data else [data["activity_id"]]
            service_url = data.get("service_url", "")
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise Rejected(f"not a Teams message reference: {raw[:80]!r}") from error
        if not isinstance(conversation_id, str) or not conversation_id or not isinstance(ids, list) or not ids:
            raise Rejected(f"not a Teams message reference: {raw[:80]!r}")
        if not all(isinstance(v, str) and v for v in ids):
            raise Rejected(f"not a Teams message reference: {raw[:80]!r}")
        return cls(conversation_id, tuple(ids), str(service_url or ""))


async def withdraw(conversation: Conversation, activity_ids: Sequence[str]) -> None:
    """Delete activities the bot posted, as far as the connector lets it (a failed send's first cards)."""
    for activity_id in activity_ids:
        try:
            await conversation.delete(activity_id)
        except Exception:
            log.warning("could not delete card %s of a message that failed to send", activity_id, exc_info=True)


class TeamsChat:
    """Delivers neutral messages to Teams users for the outbox (`handlers.contract.ports.ChatAdapter`)."""

    platform = "teams"

    def __init__(
        self,
        cloud: CloudAdapter,
        references: References,
        clock: Clock,
        app_id: str,
        tenant_rate: float,
        conversation_rate: float,
        connector: Connector | None = None,
    ) -> None:
        self._cloud = cloud
        self._connector = connector  # None: sends and edits go through `continue_conversation` too
        self._references = references
        self._clock = clock
        self._app_id = app_id
        self._tenant_rate = tenant_rate
        self._conversation_rate = conversation_rate

    def rate_per_second(self, workspace_id: str) -> float:
        return self._tenant_rate

    def conversation_rate_per_second(self) -> float:
        return self._conversation_rate

    async def _continue(self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[None]]) -> None:
        try:
            await self._cloud.continue_conversation(reference, logic, self._app_id)
        except Exception as error:
            failure = translate(error)
            if failure is error:
                raise
            raise failure from error

    async def _in(self, reference: Json, work: Callable[[Conversation], Awaitable[None]]) -> None:
        """Run `work` on the saved reference's conversation: straight through the connector's REST
        API, or in a `continue_conversation` turn when the adapter has no `Connector`."""
        if self._connector is None:
            turn_reference = ConversationReference.deserialize(reference)
            await self._continue(turn_reference, lambda context: work(ClientConversation(context, turn_reference)))
            return
        try:
            await work(self._connector.into(reference))
        except Exception as error:
            failure = translate(error)
            if failure is error:
                raise
            raise failure from error

    async def send(self, to: Address, message: Message) -> str:
        if to.channel_id is not None:
            return await self._post_in_channel(to, to.channel_id, message)
        reference = saved_reference(to.saved_reference) if to.saved_reference else await self._references.find_json(to)
        if reference is None:
            reference = (await self._open_conversation(to)).serialize()
        sent: list[str] = []

        async def work(conversation: Conversation) -> None:
            try:
                for activity in [*message_activities(message), *file_activities(message)]:
                    sent.append(await conversation.post(activity))
            except Exception:
                await withdraw(conversation, sent)
                raise

        await self._in(reference, work)
        return SentRef(str(reference["conversation"]["id"]), tuple(sent), str(reference.get("serviceUrl") or "")).dump()

    async def _post_in_channel(self, to: Address, channel_id: str, message: Message) -> str:
        reference = await channel_posts.reference_for(self._references, to.workspace_id, channel_id, self._app_id)
        posted: list[tuple[str, list[str]]] = []

        async def logic(context: TurnContext) -> None:
            posted.append(await channel_posts.start_thread(connector_of(context), reference, message_activities(message)))

        try:
            await self._continue(reference, logic)
        except Unreachable as error:  # the channel can't be reached, not the rep: never give up on them for it
            raise Rejected(str(error)) from error
        return SentRef(posted[0][0], tuple(posted[0][1]), str(reference.service_url)).dump()

    async def update(self, to: Address, ref: str, message: Message) -> None:
        where = SentRef.load(ref)
        reference = await self._references.find(to)
        if reference is None:
            raise Unreachable(f"no saved Teams conversation with {to.user_id}; {INSTALL_HINT}")
        reference.conversation = ConversationAccount(
            id=where.conversation_id, tenant_id=reference.conversation.tenant_id, conversation_type="personal"
        )
        if where.service_url:
            reference.service_url = where.service_url

        async def work(conversation: Conversation) -> None:
            await edit_cards(conversation.replace, conversation.post, where.activity_ids, message)

        await self._in(reference.serialize(), work)

    async def _open_conversation(self, to: Address) -> ConversationReference:
        """Start a one-to-one chat with someone who never wrote to the bot, in their tenant."""
        known = await self._references.any_in_tenant(to.workspace_id)
        if known is None or not known.service_url:
            raise Unreachable(
                f"Teams user {to.user_id} has no conversation with the bot and nobody in tenant "
                f"{to.workspace_id} has talked to it yet; {INSTALL_HINT}"
            )
        bot = ChannelAccount(id=known.bot.id if known.bot else self._app_id, name=known.bot.name if known.bot else None)
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=to.user_id)],
            tenant_id=to.workspace_id,
            channel_data={"tenant": {"id": to.workspace_id}},
        )
        created: list[ConversationReference] = []

        async def logic(context: TurnContext) -> None:
            created.append(
                ConversationReference(
                    bot=bot,
                    user=ChannelAccount(id=to.user_id),
                    conversation=ConversationAccount(id=context.activity.conversation.id, tenant_id=to.workspace_id, conversation_type="personal"),
                    channel_id=known.channel_id or TEAMS_CHANNEL,
                    service_url=known.service_url,
                )
            )

        try:
            await self._cloud.create_conversation(
                self._app_id, logic, parameters, known.channel_id or TEAMS_CHANNEL, known.service_url
            )
        except Exception as error:
            failure = translate(error)
            if isinstance(failure, ConnectorError):
                raise Unreachable(
                    f"Teams would not start a chat with {to.user_id} ({failure.status} {failure.code}); {INSTALL_HINT}"
                ) from error
            if failure is error:
                raise
            raise failure from error
        await self._references.save(to, created[0], self._clock.now())
        return created[0]
