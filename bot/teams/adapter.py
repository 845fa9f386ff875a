"""The Teams ChatAdapter for the outbox: proactive sends and in-place card updates.

A send continues the person's saved conversation (`continue_conversation`); someone the bot
has no conversation with yet is reached with `create_conversation` in their tenant, when
the tenant allows it. A send returns a JSON reference (conversation id, activity id, service
url) that a later `update` edits in place. Connector failures become the outbox's delivery
errors (see `bot.teams.errors`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
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
from botframework.connector.aio import ConnectorClient
from urllib3.util import Retry

from bot.teams.cards import CARD_CONTENT_TYPE, message_card
from bot.teams.errors import ConnectorError, translate
from bot.teams.references import References
from handlers.contract.messages import Address, Message
from handlers.contract.ports import Clock, Rejected, Unreachable

TEAMS_CHANNEL = "msteams"
INSTALL_HINT = "they need to add Follow-Through in Teams (Apps > Follow-Through > Add) first"


def card_activity(card: dict[str, Any], summary: str = "") -> Activity:
    """A message activity carrying one Adaptive Card; `summary` is what notifications show."""
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
        summary=summary or None,
    )


def message_activity(message: Message) -> Activity:
    return card_activity(message_card(message), message.summary or message.plain_text.split("\n", 1)[0])


@dataclass(frozen=True)
class SentRef:
    """Where a sent card lives, so it can be edited later."""

    conversation_id: str
    activity_id: str
    service_url: str

    def dump(self) -> str:
        return json.dumps({"conversation_id": self.conversation_id, "activity_id": self.activity_id, "service_url": self.service_url})

    @classmethod
    def load(cls, raw: str) -> SentRef:
        """The reference `dump` made; `Rejected` for anything else."""
        try:
            data = json.loads(raw)
            conversation_id, activity_id = data["conversation_id"], data["activity_id"]
            service_url = data.get("service_url", "")
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise Rejected(f"not a Teams message reference: {raw[:80]!r}") from error
        if not all(isinstance(v, str) and v for v in (conversation_id, activity_id)):
            raise Rejected(f"not a Teams message reference: {raw[:80]!r}")
        return cls(conversation_id, activity_id, str(service_url or ""))


def without_retries(policy: Retry) -> None:
    """Switch off the connector's own HTTP retries, in place (its HTTP session holds this very
    object). msrest retries a throttled or failed PUT (an edit) by itself, up to 3 times, waiting
    out Retry-After in a worker thread, so the outbox never heard of the throttling; pacing and
    retrying are the outbox's."""
    policy.total = policy.connect = policy.read = policy.status = 0
    policy.status_forcelist = frozenset()
    policy.respect_retry_after_header = False
    policy.raise_on_status = False


def connector_of(context: TurnContext) -> ConnectorClient:
    client: ConnectorClient = context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
    without_retries(client.config.retry_policy.policy)
    return client


async def post(context: TurnContext, reference: ConversationReference, activity: Activity) -> str:
    """Post a new activity into the reference's conversation; returns the new activity's id."""
    TurnContext.apply_conversation_reference(activity, reference)
    activity.reply_to_id = None
    response = await connector_of(context).conversations.send_to_conversation(reference.conversation.id, activity)
    return str(getattr(response, "id", "") or "")


async def replace(context: TurnContext, reference: ConversationReference, activity_id: str, activity: Activity) -> None:
    """Replace the content of an activity the bot sent in the reference's conversation."""
    TurnContext.apply_conversation_reference(activity, reference)
    activity.id = activity_id
    activity.reply_to_id = None
    await connector_of(context).conversations.update_activity(reference.conversation.id, activity_id, activity)


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
    ) -> None:
        self._cloud = cloud
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

    async def send(self, to: Address, message: Message) -> str:
        reference = await self._references.find(to)
        if reference is None:
            reference = await self._open_conversation(to)
        sent: list[str] = []

        async def logic(context: TurnContext) -> None:
            sent.append(await post(context, reference, message_activity(message)))

        await self._continue(reference, logic)
        return SentRef(str(reference.conversation.id), sent[0], str(reference.service_url)).dump()

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

        async def logic(context: TurnContext) -> None:
            await replace(context, reference, where.activity_id, message_activity(message))

        await self._continue(reference, logic)

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
