"""The manager's digest: built for many managers at once (`build_many`), shown on request, set
by `/accountability digest ...`, and queued when each manager's time comes (`send_due`).
What it gathers is in digest_facts, how it reads in digest_text, when it comes in digest_schedule."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from handlers import digest_schedule
from handlers.contract.messages import Message
from handlers.contract.outcomes import Reply, Result
from handlers.delivery import queue
from handlers.digest_facts import gather
from handlers.digest_schedule import TITLES, WEEK
from handlers.digest_text import compose
from handlers.rules.due_times import local_date_of
from storage.models import Person
from storage.store import Store, Tx

__all__ = ["WEEK", "build", "build_many", "send_due", "set_cadence", "show"]

STALE = timedelta(days=1)
"""A digest more than this late is not sent; the next one covers its period."""
BATCH = 200
"""Due digests taken per `send_due` call."""
GROUP = 50
"""Due managers whose digests are gathered by one set of batched reads."""
NO_TEAM = "Digest: nobody has named you as their accountability partner yet."
EXAMPLES = (
    "`/accountability digest daily 08:30`, `digest weekly monday 8:00`, `digest every 2 weeks friday 16:00`, "
    "`digest off` or `digest on`"
)


async def build_many(tx: Tx, manager_ids: Collection[int], now: datetime, title: str | None = None) -> dict[int, Message]:
    """The digest as of `now` of each of `manager_ids` that somebody names as partner (the others
    are absent), in seven queries whatever the number of managers or the size of their teams.
    `title`: the first words (default: the manager's cadence, e.g. "Your weekly digest.")."""
    facts = await gather(tx, manager_ids, now)
    return {
        manager_id: compose(team, title or TITLES[team.manager.digest_cadence]) for manager_id, team in facts.items()
    }


async def build(tx: Tx, manager: Person, now: datetime, title: str | None = None) -> Message:
    """The manager's digest as of `now` (a line saying so when nobody names them)."""
    return (await build_many(tx, [manager.id], now, title)).get(manager.id) or Message.text(NO_TEAM)


async def show(tx: Tx, manager: Person, now: datetime, title: str, *, roster: bool = False) -> Result:
    """The digest as of now, asked for by hand (`/accountability digest`, `team`), with its buttons.
    `roster`: name everyone on the team even when all is on track (the `team` view)."""
    facts = await gather(tx, [manager.id], now)
    team = facts.get(manager.id)
    return Result().add(Reply(compose(team, title, roster=roster) if team else Message.text(NO_TEAM)))


async def set_cadence(manager: Person, text: str, now: datetime) -> Result:
    """`digest daily 08:30`, `digest weekly monday 8:00` (or `digest monday 08:00`), `digest every
    2 weeks friday 16:00`, `digest off`, `digest on`: when the manager's digest comes."""
    low = text.strip().lower()
    if low == "off":
        manager.digest_enabled = False
        manager.digest_next_at = None
        kind = TITLES[manager.digest_cadence].removeprefix("Your ").removesuffix(" digest.").capitalize()
        return Result().reply(f"{kind} digest off. `/accountability digest` still shows it any time; `digest on` brings it back.")
    if low != "on":
        choice = digest_schedule.read_choice(low)
        if choice is None:
            return Result().reply(f"I didn't understand “{text.strip()[:60]}”. Try {EXAMPLES}. Nothing changed.")
        digest_schedule.apply(manager, choice)
    manager.digest_enabled = True
    manager.digest_next_at = digest_schedule.next_digest_at(manager, now)
    return Result().reply(digest_schedule.describe(manager, manager.digest_next_at))


async def send_due(store: Store, now: datetime) -> int:
    """Queue the digest of every manager whose digest time has come (each once per slot); a
    batch per call. The digests of a group of managers are read together; each is then queued
    in its own transaction, which first moves the manager's slot (so two ticks never both send).
    A manager nobody names as partner any more gets nothing, and no further digest is scheduled
    until someone names them again (`partners.name_partner` sets it)."""
    sent = 0
    async with store.reading() as tx:
        due = await tx.people.due_for_digest(now, BATCH)
    for start in range(0, len(due), GROUP):
        group = due[start:start + GROUP]
        async with store.reading() as tx:
            digests = await build_many(tx, [person_id for person_id, expected in group if now - expected <= STALE], now)
        for person_id, expected in group:
            if await _send_one(store, person_id, expected, digests.get(person_id), now):
                sent += 1
    return sent


async def _send_one(store: Store, person_id: int, expected: datetime, message: Message | None, now: datetime) -> bool:
    """Move one manager's digest slot on from `expected` and queue `message` (None: it was not
    composed, because the digest is stale or nobody named them when the group was read)."""
    async with store.transaction() as tx:
        manager = await tx.people.get(person_id)
        if manager is None:
            return False
        next_at = digest_schedule.next_digest_at(manager, now, last=expected)
        # Moving the slot first takes the manager's row lock before their team is read again.
        if not await tx.people.move_next_digest(person_id, expected, next_at):
            return False
        if message is None:
            if not await tx.people.reps_of(person_id):
                if next_at is not None:
                    await tx.people.move_next_digest(person_id, next_at, None)
                return False
            if now - expected > STALE:
                return False
            built = (await build_many(tx, [person_id], now)).get(person_id)
            if built is None:
                return False
            message = built
        local_day = local_date_of(expected, digest_schedule.zone(manager))
        return await queue(tx, manager, message, now, once=f"digest:{manager.id}:{local_day.isoformat()}")
