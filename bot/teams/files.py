"""Sending a file in Teams, the way a bot may in a one-to-one chat: a file consent card first;
when the person accepts, Teams sends a `fileConsent/invoke` with an upload URL in their
OneDrive, the bot PUTs the bytes there and posts a file info card that opens the file. Declined:
the bot says so and nothing is uploaded. (The app manifest must say `"supportsFiles": true`.)

The file waits inside the consent card itself (gzip, base64, in `acceptContext`, which Teams
hands back on accept), so nothing about it is kept on our side. A file too big for a card even
compressed is sent as text in the chat instead, in as many cards as it takes.
"""

from __future__ import annotations

import base64
import gzip
import logging
from pathlib import PurePath
from typing import Any

import aiohttp
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment
from botbuilder.schema.teams import FileConsentCardResponse

from bot.teams.cards import CARD_CONTENT_TYPE, message_cards
from handlers.contract.messages import Message

log = logging.getLogger(__name__)

CONSENT_INVOKE = "fileConsent/invoke"
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
CONTEXT_BYTES = 24_000
"""The most the consent card may carry of the file (compressed, base64), so the activity stays
within Teams' size limit (about 28 KB)."""
DECLINED = "No problem: I didn't send the file. Ask again whenever you like."
UPLOAD_FAILED = "Sorry, I couldn't put the file in your OneDrive just now. Please ask for it again in a minute."


def file_activities(message: Message) -> list[Activity]:
    """What sends the message's file: a consent card, or (too big for one) the file as text."""
    file = message.attachment
    if file is None:
        return []
    packed = base64.b64encode(gzip.compress(file.content.encode("utf-8"))).decode("ascii")
    if len(packed) > CONTEXT_BYTES:
        text = Message.text(f"{file.name} is too big to offer as a file here, so here it is as text:\n{file.content}")
        return [_card_activity(card) for card in message_cards(text)]
    consent = {
        "description": f"{file.name}: {message.summary or 'a file from Follow-Through'}"[:250],
        "sizeInBytes": len(file.content.encode("utf-8")),
        "acceptContext": {"name": file.name, "media_type": file.media_type, "gzip_base64": packed},
        "declineContext": {"name": file.name},
    }
    return [Activity(type=ActivityTypes.message, attachments=[Attachment(content_type=CONSENT_CARD, name=file.name, content=consent)])]


async def on_consent(turn_context: TurnContext) -> InvokeResponse:
    """The person's answer to a consent card: on accept, upload the file and show it."""
    try:
        answer = FileConsentCardResponse().deserialize(turn_context.activity.value or {})
    except Exception:  # a malformed invoke: the sender's mistake, answered with 400
        return InvokeResponse(status=400)
    if answer.action == "decline":
        await turn_context.send_activity(DECLINED)
        return InvokeResponse(status=200)
    info, content = answer.upload_info, _content(answer.context)
    if answer.action != "accept" or info is None or not info.upload_url or content is None:
        return InvokeResponse(status=400)
    headers = {"Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
    try:
        async with aiohttp.ClientSession() as http, http.put(info.upload_url, data=content, headers=headers) as response:
            response.raise_for_status()
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("uploading a file to OneDrive failed: %s", error)
        await turn_context.send_activity(UPLOAD_FAILED)
        return InvokeResponse(status=200)
    name = info.name or str((answer.context or {}).get("name") or "file")
    card = Attachment(
        content_type=INFO_CARD, content_url=info.content_url, name=name,
        content={"uniqueId": info.unique_id, "fileType": info.file_type or PurePath(name).suffix.lstrip(".")},
    )
    await turn_context.send_activity(Activity(type=ActivityTypes.message, attachments=[card]))
    return InvokeResponse(status=200)


def _content(context: Any) -> bytes | None:
    """The file the consent card carried, or None if the context is not one we made."""
    if not isinstance(context, dict) or not isinstance(context.get("gzip_base64"), str):
        return None
    try:
        return gzip.decompress(base64.b64decode(context["gzip_base64"], validate=True))
    except (ValueError, OSError, EOFError):
        return None


def _card_activity(card: dict[str, Any]) -> Activity:
    return Activity(type=ActivityTypes.message, attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)])

