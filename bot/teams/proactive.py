"""Reaching a saved Teams conversation without an incoming activity: post, replace and delete
the bot's activities in it.

`Connector` calls the Bot Framework REST API directly, over one shared aiohttp session:
`POST {serviceUrl}/v3/conversations/{conversationId}/activities`, `PUT` and `DELETE`
`.../activities/{activityId}`, with the app's bearer token (`bot.teams.tokens`) and the JSON
botbuilder would send (`bot.teams.wire`), addressed from the saved reference's JSON. It is
what the outbox's sends and edits use: botbuilder's `continue_conversation` builds a connector
client (msrest) for every send, which costs several milliseconds of CPU each.

`ClientConversation` does the same through botbuilder's connector client inside a
`continue_conversation` turn (the channel posts still go that way, and the fan-out benchmark
measures it beside `Connector`). Either way a failed call raises the outbox's delivery errors
(`bot.teams.errors`).
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference
from botframework.connector.aio import ConnectorClient
from msrest.universal_http.requests import ClientRetryPolicy
from urllib3.util import Retry

from bot.teams.errors import for_status, translate
from bot.teams.tokens import Tokens
from bot.teams.wire import Json, addressed_json
from handlers.contract.ports import TransientError

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
CONNECTIONS = 200
"""Connections the shared session keeps open at most (all hosts)."""


class Conversation(Protocol):
    """One saved conversation the bot may write into."""

    async def post(self, activity: Activity) -> str: ...
    async def replace(self, activity_id: str, activity: Activity) -> None: ...
    async def delete(self, activity_id: str) -> None: ...


def addressed(activity: Activity, reference: ConversationReference, activity_id: str | None = None) -> Activity:
    """The activity as sent into the reference's conversation (as botbuilder fills it in)."""
    TurnContext.apply_conversation_reference(activity, reference)
    activity.reply_to_id = None
    if activity_id is not None:
        activity.id = activity_id
    return activity


class Connector:
    """The Bot Framework connector's REST API, called directly, with one shared HTTP session."""

    def __init__(self, tokens: Tokens) -> None:
        self._tokens = tokens
        self._session: aiohttp.ClientSession | None = None

    def into(self, reference: Json) -> Conversation:
        """The conversation of a saved reference, as JSON (`bot.teams.wire.saved_reference`)."""
        return DirectConversation(self, reference)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=TIMEOUT, connector=aiohttp.TCPConnector(limit=CONNECTIONS, limit_per_host=0),
            )
        return self._session

    async def call(self, method: str, service_url: str, path: str, activity: Json | None = None) -> dict[str, Any]:
        """One call: the answer's JSON on success, else the delivery error it stands for."""
        try:
            headers = await self._tokens.authorization()
        except Exception as error:  # the identity platform is down, or refused the app's secret
            raise TransientError(f"could not get a token for the Bot Framework connector: {error!r}") from error
        url = f"{service_url.rstrip('/')}/v3/{path}"
        body = None
        if activity is not None:
            headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
            body = json.dumps(activity).encode()
        try:
            async with self._http().request(method, url, data=body, headers=headers) as response:
                raw = await response.read()
                status, retry_after = response.status, response.headers.get("Retry-After")
        except Exception as error:
            raise translate(error) from error
        answer = parse(raw)
        if status < 300:
            return answer
        if status == 401:
            self._tokens.forget(headers)
        detail: dict[str, Any] = answer["error"] if isinstance(answer.get("error"), dict) else {}
        message = str(detail.get("message") or answer.get("message") or raw[:200].decode(errors="replace"))
        raise for_status(status, str(detail.get("code") or ""), message, retry_after)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def parse(raw: bytes) -> dict[str, Any]:
    """A connector answer's JSON object ({} for an empty or non-JSON one)."""
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


class DirectConversation:
    """A conversation reached through `Connector`."""

    def __init__(self, connector: Connector, reference: Json) -> None:
        self._connector = connector
        self._reference = reference
        self._service_url = str(reference.get("serviceUrl") or "")
        self._path = f"conversations/{quote(str(reference['conversation']['id']), safe='')}/activities"

    async def post(self, activity: Activity) -> str:
        answer = await self._connector.call("POST", self._service_url, self._path, addressed_json(activity, self._reference))
        return str(answer.get("id") or "")

    async def replace(self, activity_id: str, activity: Activity) -> None:
        path = f"{self._path}/{quote(activity_id, safe='')}"
        await self._connector.call("PUT", self._service_url, path, addressed_json(activity, self._reference, activity_id))

    async def delete(self, activity_id: str) -> None:
        await self._connector.call("DELETE", self._service_url, f"{self._path}/{quote(activity_id, safe='')}")


# msrest builds a retry policy for every connector client (one per `continue_conversation`),
# testing 999 status codes against this 500-item list: about 3 ms of CPU a send. The same codes, as a set.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]


def without_retries(policy: Retry) -> None:
    """Switch off the connector client's own HTTP retries, in place (its HTTP session holds this
    very object). msrest retries a throttled or failed PUT (an edit) by itself, up to 3 times,
    waiting out Retry-After in a worker thread, so the outbox never heard of the throttling;
    pacing and retrying are the outbox's."""
    policy.total = policy.connect = policy.read = policy.status = 0
    policy.status_forcelist = frozenset()
    policy.respect_retry_after_header = False
    policy.raise_on_status = False


def connector_of(context: TurnContext) -> ConnectorClient:
    """The turn's connector client, with its own retries off."""
    client: ConnectorClient = context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
    without_retries(client.config.retry_policy.policy)
    return client


class ClientConversation:
    """A conversation reached through botbuilder's connector client, inside a turn."""

    def __init__(self, context: TurnContext, reference: ConversationReference) -> None:
        self._context = context
        self._reference = reference
        self._id = str(reference.conversation.id)

    async def post(self, activity: Activity) -> str:
        conversations = connector_of(self._context).conversations
        response = await conversations.send_to_conversation(self._id, addressed(activity, self._reference))
        return str(getattr(response, "id", "") or "")

    async def replace(self, activity_id: str, activity: Activity) -> None:
        conversations = connector_of(self._context).conversations
        await conversations.update_activity(self._id, activity_id, addressed(activity, self._reference, activity_id))

    async def delete(self, activity_id: str) -> None:
        await connector_of(self._context).conversations.delete_activity(self._id, activity_id)
