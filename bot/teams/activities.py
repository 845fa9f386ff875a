"""Bot Framework activity -> one neutral incoming action (`handlers.contract.incoming`).

Who acted: `Address("teams", <tenant id>, <Teams user id>)`, with the display name Teams sends
and the time zone of the client when it says. What they did: a typed message (with its
mentions), a card button, a submitted form card, or installing the bot.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import Activity, ActivityTypes

from bot.teams.cards import Click, Submitted, read_submit, valid_text
from handlers.contract.incoming import (
    Actor,
    ButtonClick,
    FormSubmit,
    Incoming,
    OpenedHome,
    SharedFile,
    TextMessage,
)
from handlers.contract.messages import Address

PLATFORM = "teams"
DEFAULT_NAME = "there"
"""Used when Teams does not send the person's name (some install events): "Hi there!"."""


def _entities(activity: Activity) -> list[dict[str, Any]]:
    found = []
    for entity in activity.entities or []:
        extra = getattr(entity, "additional_properties", None) or {}
        found.append({"type": str(entity.type or ""), **extra})
    return found


def tenant_of(activity: Activity) -> str:
    """The tenant id: Teams sends it in `channelData.tenant.id` (the schema's own field stays empty).
    The Emulator sends none; its channel id stands in so local use still works."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") if isinstance(channel_data.get("tenant"), dict) else {}
    tenant_id = tenant.get("id") if tenant else None
    if not tenant_id and activity.conversation is not None:
        tenant_id = activity.conversation.tenant_id
    return str(tenant_id or activity.channel_id or "")


def timezone_of(activity: Activity) -> str | None:
    """The IANA zone of the person's Teams client (`clientInfo.timezone`, else `localTimezone`), if valid."""
    candidates = [e.get("timezone") for e in _entities(activity) if e["type"].lower() == "clientinfo"]
    candidates.append(activity.local_timezone)
    for name in candidates:
        if isinstance(name, str) and name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return None


def address_of(activity: Activity) -> Address:
    return Address(PLATFORM, tenant_of(activity), str(activity.from_property.id))


def actor_of(activity: Activity) -> Actor:
    name = valid_text(activity.from_property.name).strip() or DEFAULT_NAME
    return Actor(address_of(activity), name, timezone_of(activity))


def read_text(activity: Activity) -> tuple[str, tuple[Address, ...]]:
    """The typed text with the bot's own mention removed and other mentions as `@Name`,
    and the people mentioned, in the order they appear."""
    text = valid_text(activity.text)
    bot_id = activity.recipient.id if activity.recipient is not None else None
    tenant = tenant_of(activity)
    placed: list[tuple[int, Address]] = []
    for entity in _entities(activity):
        if entity["type"].lower() != "mention" or not isinstance(entity.get("mentioned"), dict):
            continue
        mentioned = entity["mentioned"]
        name = valid_text(mentioned.get("name"))
        markup = valid_text(entity.get("text")) or f"<at>{name}</at>"
        position = text.find(markup)
        if mentioned.get("id") == bot_id:
            text = text.replace(markup, "", 1) if position >= 0 else text
            continue
        label = re.sub(r"</?at>", "", markup) or name
        if position >= 0:
            text = text[:position] + f"@{label}" + text[position + len(markup):]
        placed.append((position if position >= 0 else len(text), Address(PLATFORM, tenant, str(mentioned.get("id")))))
    text = re.sub(r"<at>(.*?)</at>", r"\1", text)
    text = re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip()
    mentions = tuple(address for _, address in sorted(placed, key=lambda item: item[0]))
    return text, mentions


def bot_was_added(activity: Activity) -> bool:
    """A conversationUpdate that adds the bot itself: the app was installed for this person."""
    bot_id = activity.recipient.id if activity.recipient is not None else None
    return any(member.id == bot_id for member in activity.members_added or [])


ANSWERED_TYPES = (ActivityTypes.message, ActivityTypes.conversation_update, ActivityTypes.invoke)
"""Activities the bot may answer in their conversation."""


def unanswerable(activity: Activity) -> str | None:
    """Why an activity cannot be handled at all (no type, or an activity the bot answers that does
    not say where: no `serviceUrl` or no conversation id), or None if it can be."""
    if not isinstance(activity.type, str) or not activity.type:
        return "it has no type"
    if activity.type not in ANSWERED_TYPES:
        return None
    if not isinstance(activity.service_url, str) or not activity.service_url.strip():
        return "it has no serviceUrl to answer on"
    conversation = activity.conversation
    if conversation is None or not isinstance(conversation.id, str) or not conversation.id:
        return "it has no conversation to answer in"
    return None


def to_incoming(activity: Activity) -> Incoming | None:
    """The one neutral incoming action an activity stands for, or None if it asks nothing of us."""
    if activity.from_property is None or not activity.from_property.id:
        return None
    actor = actor_of(activity)
    if activity.type == ActivityTypes.conversation_update:
        return OpenedHome(actor) if bot_was_added(activity) else None
    if activity.type != ActivityTypes.message:
        return None
    if activity.value is not None:
        submit = read_submit(activity.value)
        if isinstance(submit, Click):
            return ButtonClick(actor, submit.action, submit.value)
        if isinstance(submit, Submitted):
            return FormSubmit(actor, submit.form_id, submit.values)
        return None
    text, mentions = read_text(activity)
    files = shared_files(activity)
    return TextMessage(actor, text, mentions, mentioned_people(activity, mentions), files) if text or files else None


FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
"""What Teams sends for a file attached in a personal chat (its real type is in the name)."""


def shared_files(activity: Activity) -> tuple[SharedFile, ...]:
    """The files attached to a message (each with a `contentUrl`; the HTML copy of the text Teams
    sometimes attaches has none and is left out)."""
    found = []
    for attachment in activity.attachments or []:
        url, kind = valid_text(getattr(attachment, "content_url", None)), valid_text(getattr(attachment, "content_type", None))
        if not url:
            continue
        name = valid_text(getattr(attachment, "name", None)).strip() or "a file"
        if kind == FILE_DOWNLOAD_INFO or not kind:
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.append(SharedFile(name, kind, url))
    return tuple(found)


def mentioned_people(activity: Activity, mentions: tuple[Address, ...]) -> tuple[Actor, ...]:
    """What the mention entities tell of each person mentioned (their name), so a manager
    who has never talked to the bot can still be named and reached."""
    names: dict[str, str] = {}
    for entity in _entities(activity):
        mentioned = entity.get("mentioned")
        if entity["type"].lower() == "mention" and isinstance(mentioned, dict) and mentioned.get("id"):
            names.setdefault(str(mentioned["id"]), valid_text(mentioned.get("name")).strip())
    return tuple(Actor(address, names.get(address.user_id) or "your partner", None) for address in mentions)
