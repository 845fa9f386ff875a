"""The JSON the Bot Framework connector gets for an activity the bot posts or replaces: what
botbuilder sends (`Activity.serialize()` after `TurnContext.apply_conversation_reference`),
built without msrest's walk over every node of every card, which was most of a send's CPU.

Our activities set a few text fields and attachments; those are written straight from msrest's
own attribute maps (so the keys are botbuilder's), the card content as it is. An activity with
anything else set goes through `Activity.serialize()`. The addressing comes from the saved
reference as JSON (`bot.teams.references.dump`, itself msrest's serialization), copied as it is.
tests/teams/test_wire.py holds both to botbuilder's output.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

Json = dict[str, Any]

_TEXT_FIELDS = {name: spec["key"] for name, spec in Activity._attribute_map.items() if spec["type"] == "str"}
_ATTACHMENT_FIELDS = {name: spec["key"] for name, spec in Attachment._attribute_map.items()}
_ADDRESSING = (("channelId", "channelId"), ("locale", "locale"), ("serviceUrl", "serviceUrl"),
               ("conversation", "conversation"), ("from", "bot"), ("recipient", "user"))
"""(activity key, reference key): what `apply_conversation_reference` copies for an outgoing activity."""


def _keys(model: type[Any]) -> frozenset[str]:
    return frozenset(spec["key"] for spec in model._attribute_map.values())


_REFERENCE_KEYS = _keys(ConversationReference)
_ACCOUNT_KEYS = {"bot": _keys(ChannelAccount), "user": _keys(ChannelAccount), "conversation": _keys(ConversationAccount)}


def _text(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _attachment(attachment: Attachment) -> Json | None:
    if type(attachment) is not Attachment or attachment.additional_properties:
        return None
    body: Json = {}
    for name, value in vars(attachment).items():
        if value is None or name == "additional_properties":
            continue
        key = _ATTACHMENT_FIELDS.get(name)
        if key is None:
            return None
        body[key] = value if name == "content" else _text(value)
    return body


def activity_json(activity: Activity) -> Json:
    """The activity as `activity.serialize()` writes it."""
    body: Json = {}
    for name, value in vars(activity).items():
        if value is None or name == "additional_properties" and not value:
            continue
        if name in _TEXT_FIELDS and isinstance(value, str):
            body[_TEXT_FIELDS[name]] = _text(value)
            continue
        if name == "attachments" and isinstance(value, list):
            attachments = [_attachment(a) for a in value]
            if all(a is not None for a in attachments):
                body["attachments"] = attachments
                continue
        serialized: Json = activity.serialize()
        return serialized
    return body


def saved_reference(raw: str) -> Json:
    """A saved reference's JSON in msrest's form (what `dump` wrote); anything else is read and
    rewritten by botbuilder, so its keys are the ones `addressed_json` copies."""
    data = json.loads(raw)
    if isinstance(data, dict) and set(data) <= _REFERENCE_KEYS and all(
        isinstance(data.get(part, {}), dict) and set(data.get(part, {})) <= keys for part, keys in _ACCOUNT_KEYS.items()
    ):
        return data
    rewritten: Json = ConversationReference.deserialize(data).serialize()
    return rewritten


def addressed_json(activity: Activity, reference: Json, activity_id: str | None = None) -> Json:
    """The activity's JSON as posted into the reference's conversation (`bot.teams.proactive.addressed`)."""
    body = activity_json(activity)
    body.pop("replyToId", None)
    for key, source in _ADDRESSING:
        value = reference.get(source)
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    if activity_id is not None:
        body["id"] = activity_id
    return body
