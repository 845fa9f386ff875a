"""The scheduler's side of check-ins: open every due rep's slot in one pass (create its
check-ins and queue the message), and close days that have ended (`no answer`).

A pass takes the due reps in batches of `BATCH`, each batch in one transaction
(`checkin_batch.open_batch`), until none is left: overlapping ticks never double up (each rep
is claimed atomically; on PostgreSQL a batch also skips the reps another tick holds). A batch
that fails (a rep whose data breaks, a row deleted under it) is rolled back and retried in
halves, down to single reps, so the others of the batch still open in this pass; a rep that
fails alone is logged and left due, and the next tick tries it again."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from handlers import checkin_batch, checkin_message, escalation
from handlers.conversation_state import stop_awaiting_note
from handlers.current_terms import current_spec
from handlers.delivery import prompt_key, queue
from storage.models import CheckIn, Person
from storage.states import CheckInStatus
from storage.store import Store, StoreUnavailable, Tx

BATCH = 500
"""Reps opened per transaction (and check-ins closed per close pass)."""

log = logging.getLogger(__name__)


async def open_due(store: Store, now: datetime, batch: int = BATCH) -> int:
    """For every rep whose next check-in is at or before `now`, create that slot's check-ins and
    queue its message, in one pass. Returns how many check-in messages were queued."""
    queued = 0
    failed: set[int] = set()
    seen: set[int] = set()
    while True:
        taken: list[int] = []
        try:
            queued += await _open(store, now, batch, taken, skip=failed)
        except StoreUnavailable:
            raise
        except Exception:
            if not taken:
                raise
            queued += await _open_apart(store, now, taken, failed)
        if not taken:
            return queued
        # A rep taken twice in a pass was not moved on (someone else's change): the next tick sees to it.
        failed.update(seen.intersection(taken))
        seen.update(taken)


async def _open(
    store: Store, now: datetime, limit: int, taken: list[int], *, among: Collection[int] | None = None,
    skip: Collection[int] = (),
) -> int:
    """One batch in one transaction; the ids of the reps it took are put in `taken` first."""
    async with store.transaction() as tx:
        due = await tx.people.lock_due_for_checkin(now, limit, among=among, skip=skip)
        taken.extend(person.id for person, _ in due)
        opened = await checkin_batch.open_batch(tx, due, now) if due else 0
    return opened


async def _open_apart(store: Store, now: datetime, ids: list[int], failed: set[int]) -> int:
    """Retry a failed batch in halves, so that only the reps that fail alone are left out
    (added to `failed`; they stay due for the next tick)."""
    if len(ids) == 1:
        log.exception("could not open the check-in of person %s; the next tick tries again", ids[0])
        failed.add(ids[0])
        return 0
    opened = 0
    middle = len(ids) // 2
    for half in (ids[:middle], ids[middle:]):
        taken: list[int] = []
        try:
            opened += await _open(store, now, len(half), taken, among=half)
        except StoreUnavailable:
            raise
        except Exception:
            opened += await _open_apart(store, now, taken or half, failed)
    return opened


async def close_days(store: Store, now: datetime) -> int:
    """Settle every check-in whose day has ended: unanswered ones become `no answer`. The check-ins
    of one message close together, and the message is edited once to show them closed."""
    async with store.reading() as tx:
        found = await tx.checkins.closing_by(now, BATCH)
    by_message: dict[int | None, list[int]] = {}
    for checkin_id, prompt_id in found:
        by_message.setdefault(prompt_id, []).append(checkin_id)
    groups = [ids for prompt_id, ids in by_message.items() if prompt_id is not None]
    groups += [[checkin_id] for checkin_id in by_message.get(None, [])]
    closed = 0
    for ids in groups:
        async with store.transaction() as tx:
            closed += await _close(tx, ids, now)
    return closed


async def _close(tx: Tx, checkin_ids: list[int], now: datetime) -> int:
    """Close these check-ins (all of one message) in one transaction; edit their message once."""
    closed = 0
    unanswered: CheckIn | None = None
    person: Person | None = None
    for checkin_id in checkin_ids:
        checkin = await tx.checkins.get_locked(checkin_id)
        if checkin is None or checkin.settled_at is not None:
            continue
        commitment = await tx.commitments.get(checkin.commitment_id)
        person = await tx.people.get(commitment.person_id) if commitment else None
        if person is None:
            continue
        if checkin.status == CheckInStatus.PENDING:
            if await tx.checkins.settle_status(checkin, CheckInStatus.NO_ANSWER, None):
                unanswered = checkin
            elif checkin.settled_at is not None:
                continue
        if checkin.awaiting_note:
            stop_awaiting_note(person, checkin.id)
        spec, _ = await current_spec(tx, person)
        await escalation.settle(tx, checkin, now, spec)
        closed += 1
    if unanswered is not None and person is not None:
        await _show_closed(tx, person, unanswered, now)
    return closed


async def _show_closed(tx: Tx, person: Person, checkin: CheckIn, now: datetime) -> None:
    """Queue one in-place edit of the check-in message so its closed buttons show `no answer`."""
    prompt = await tx.prompts.get(checkin.prompt_id) if checkin.prompt_id is not None else None
    if prompt is None:
        return
    await tx.flush()
    spec, _ = await current_spec(tx, person)
    message = await checkin_message.render(tx, person, prompt, spec)
    await queue(tx, person, message, now, key=prompt_key(prompt.id), once=f"closed:{prompt.id}", edit=True)
