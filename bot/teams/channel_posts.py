"""Posting into a Teams channel (kudos, where the rep's terms allow it): a new thread in the
channel, started with the connector's "create conversation" call whose `channelData` names the
channel (`isGroup`, the message as its first activity), as Bot Framework documents for
proactive channel messages. The bot must be installed in that channel's team.
"""

from __future__ import annotations

from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient

from bot.teams.references import References
from handlers.contract.ports import Rejected


async def reference_for(references: References, tenant_id: str, channel_id: str, app_id: str) -> ConversationReference:
    """Where a channel lives, from any conversation the bot has in the same tenant (its service
    url and bot account are the tenant's)."""
    known = await references.any_in_tenant(tenant_id)
    if known is None or not known.service_url:
        raise Rejected(f"nobody in tenant {tenant_id} has talked to the bot, so channel {channel_id} can't be reached")
    return ConversationReference(
        bot=known.bot or ChannelAccount(id=app_id),
        conversation=ConversationAccount(id=channel_id, is_group=True, conversation_type="channel", tenant_id=tenant_id),
        channel_id=known.channel_id or "msteams",
        service_url=known.service_url,
    )


async def start_thread(
    connector: ConnectorClient, reference: ConversationReference, activities: list[Activity]
) -> tuple[str, list[str]]:
    """Post a message's `activities` as a new thread in the reference's channel: (the thread's
    conversation id, the id of each card posted), the first card starting the thread, the rest in it."""
    channel_id, tenant_id = str(reference.conversation.id), str(reference.conversation.tenant_id or "")
    first, *rest = activities
    parameters = ConversationParameters(
        is_group=True,
        bot=reference.bot,
        tenant_id=tenant_id,
        channel_data={"channel": {"id": channel_id}, "tenant": {"id": tenant_id}},
        activity=first,
    )
    created = await connector.conversations.create_conversation(parameters)
    thread = str(created.id)
    ids = [str(created.activity_id or "")]
    for activity in rest:
        activity.conversation = ConversationAccount(id=thread, is_group=True, tenant_id=tenant_id)
        response = await connector.conversations.send_to_conversation(thread, activity)
        ids.append(str(getattr(response, "id", "") or ""))
    return thread, ids
