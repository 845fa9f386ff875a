"""Queueing messages to anyone but the person who acted: into the outbox, in the same
transaction as the change that caused them, so both happen or neither does.

The message keys name messages that are edited in place later (a check-in, a nudge).
"""

from __future__ import annotations

from datetime import datetime

from handlers.contract.messages import Message
from storage.models import Person
from storage.states import OutboxOperation
from storage.store import Tx


def prompt_key(prompt_id: int) -> str:
    return f"prompt:{prompt_id}"


def nudge_key(checkin_id: int) -> str:
    return f"nudge:{checkin_id}"


def proposal_key(commitment_id: int) -> str:
    return f"proposal:{commitment_id}"


def partner_key(link_id: int) -> str:
    return f"link:{link_id}"


async def queue(
    tx: Tx,
    to: Person,
    message: Message,
    now: datetime,
    *,
    key: str | None = None,
    once: str | None = None,
    not_before: datetime | None = None,
    edit: bool = False,
    if_undeliverable: tuple[Person, Message] | None = None,
    channel: str | None = None,
) -> bool:
    """Queue `message` to `to`. `key` names it for later edits; `once` is a dedupe key (queued at
    most once, ever: False when it was already); `edit` replaces the message sent under `key`;
    `if_undeliverable` is who to tell, and what, if `to` can't be reached; `channel` posts in that
    channel of `to`'s workspace instead of `to`'s direct message (kudos the rep allowed there)."""
    row = await tx.outbox.enqueue(
        to, message.to_json(), now,
        message_key=key, dedupe_key=once, not_before=not_before,
        operation=OutboxOperation.UPDATE if edit else OutboxOperation.SEND,
        fallback=(if_undeliverable[0], if_undeliverable[1].to_json()) if if_undeliverable else None,
        channel_id=channel,
    )
    return row is not None
