"""One reminder for a follow-up nobody acted on within three working days: a scheduler job.

A claim on the row (`reminded_at`, set only where it is still empty and the manager has not
acted) and the outbox's dedupe key make it exactly one, however many ticks overlap."""

from __future__ import annotations

from datetime import datetime

from handlers import reschedule
from handlers.contract.messages import Message
from handlers.delivery import queue
from handlers.escalation import MissingRow
from handlers.follow_ups import (
    commitment_title,
    how_they_asked,
    manager_buttons,
    reminder_key,
)
from storage.store import Store, StoreUnavailable, Tx, WriteConflict

BATCH = 200


async def remind_due(store: Store, now: datetime) -> int:
    """Queue the reminders that fell due by `now`; returns how many were queued."""
    async with store.reading() as tx:
        due = await tx.follow_ups.due_for_reminder(now, BATCH)
    sent = 0
    for follow_up_id in due:
        try:
            async with store.transaction() as tx:
                sent += await _remind(tx, follow_up_id, now)
        except (WriteConflict, MissingRow):
            continue  # another tick got there first; its reminder is the one
        except StoreUnavailable:
            break
    return sent


async def _remind(tx: Tx, follow_up_id: int, now: datetime) -> int:
    if not await tx.follow_ups.claim_reminder(follow_up_id, now):
        return 0
    follow_up = await tx.follow_ups.get(follow_up_id)
    if follow_up is None:
        return 0
    manager = await tx.people.get(follow_up.manager_id)
    rep = await tx.people.get(follow_up.rep_id)
    link = await tx.links.active_for_rep(follow_up.rep_id)
    if manager is None or rep is None or link is None or link.manager_id != manager.id:
        return 0  # the rep named someone else since: nothing to remind this manager of
    notice = await tx.follow_ups.notice(follow_up.notice_id)
    told = follow_up.created_at.astimezone(reschedule.zone(manager))
    text = (
        f"A gentle reminder: on {told:%a %-d %b} I passed on, as {rep.display_name} asked, "
        f"that “{await commitment_title(tx, notice)}” had slipped.\n"
        f"How {rep.display_name} asked to be followed up: “{await how_they_asked(tx, rep)}”\n"
        "A short conversation in the way they asked is often all it takes."
    )
    queued = await queue(
        tx, manager, Message.text(text, *manager_buttons(rep.id, follow_up.notice_id)), now,
        key=reminder_key(follow_up.id), once=reminder_key(follow_up.id),
    )
    return 1 if queued else 0
