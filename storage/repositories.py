"""Queries the handlers and jobs share: people, terms, manager links, commitments, outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import Address, Message
from storage.models import CheckIn, Commitment, ManagerLink, Outbox, Person, Terms


async def find_person(s: AsyncSession, address: Address) -> Person | None:
    return await s.scalar(
        select(Person).where(
            Person.platform == address.platform,
            Person.workspace_id == address.workspace_id,
            Person.user_id == address.user_id,
        )
    )


async def get_or_create_person(
    s: AsyncSession, address: Address, display_name: str, tz: str | None, now: datetime
) -> tuple[Person, bool]:
    """The person for `address`, created on first contact; returns (person, created)."""
    person = await find_person(s, address)
    if person is not None:
        return person, False
    person = Person(
        platform=address.platform,
        workspace_id=address.workspace_id,
        user_id=address.user_id,
        display_name=display_name,
        tz=tz or "UTC",
        created_at=now,
        reachable=True,
        greeted=False,
        digest_weekday=0,
        digest_time="08:00",
        digest_enabled=True,
    )
    s.add(person)
    await s.flush()
    return person, True


def address_of(person: Person) -> Address:
    return Address(platform=person.platform, workspace_id=person.workspace_id, user_id=person.user_id)


async def latest_terms(s: AsyncSession, person_id: int) -> Terms | None:
    return await s.scalar(select(Terms).where(Terms.person_id == person_id).order_by(Terms.version.desc()).limit(1))


async def next_terms_version(s: AsyncSession, person_id: int) -> int:
    current = await s.scalar(select(func.max(Terms.version)).where(Terms.person_id == person_id))
    return (current or 0) + 1


async def active_manager_link(s: AsyncSession, rep_id: int) -> ManagerLink | None:
    return await s.scalar(
        select(ManagerLink)
        .where(ManagerLink.rep_id == rep_id, ManagerLink.status == "active")
        .order_by(ManagerLink.id.desc())
        .limit(1)
    )


async def reps_of(s: AsyncSession, manager_id: int) -> list[Person]:
    rows = await s.scalars(
        select(Person)
        .join(ManagerLink, ManagerLink.rep_id == Person.id)
        .where(ManagerLink.manager_id == manager_id, ManagerLink.status == "active")
        .order_by(Person.display_name)
    )
    return list(rows)


async def commitments_of(s: AsyncSession, person_id: int, statuses: tuple[str, ...]) -> list[Commitment]:
    rows = await s.scalars(
        select(Commitment)
        .where(Commitment.person_id == person_id, Commitment.status.in_(statuses))
        .order_by(Commitment.seq)
    )
    return list(rows)


async def commitment_by_seq(s: AsyncSession, person_id: int, seq: int) -> Commitment | None:
    return await s.scalar(select(Commitment).where(Commitment.person_id == person_id, Commitment.seq == seq))


async def lock_person(s: AsyncSession, person_id: int) -> None:
    """Hold this person's row until the transaction ends, so that their concurrent requests
    take turns. A no-op UPDATE takes the lock on both databases (SQLite: the write lock)."""
    await s.execute(
        update(Person).where(Person.id == person_id).values(id=Person.id).execution_options(synchronize_session=False)
    )


async def next_commitment_seq(s: AsyncSession, person_id: int) -> int:
    """The next commitment number for this person; their row stays locked to the end of the transaction."""
    await lock_person(s, person_id)
    current = await s.scalar(select(func.max(Commitment.seq)).where(Commitment.person_id == person_id))
    return (current or 0) + 1


async def enqueue(
    s: AsyncSession,
    recipient: Person,
    message: Message,
    now: datetime,
    *,
    message_key: str | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    operation: str = "send",
) -> Outbox | None:
    """Queue a message in the same transaction as the change that caused it.
    With a `dedupe_key` already queued, nothing is added and None is returned."""
    if dedupe_key is not None:
        existing = await s.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    row = Outbox(
        recipient_id=recipient.id,
        platform=recipient.platform,
        workspace_id=recipient.workspace_id,
        operation=operation,
        message_json=message.to_json(),
        message_key=message_key,
        dedupe_key=dedupe_key,
        status="pending",
        not_before=not_before or now,
        attempts=0,
        created_at=now,
    )
    s.add(row)
    await s.flush()
    return row


async def sent_ref(s: AsyncSession, message_key: str) -> str | None:
    """The platform's reference for the message sent under `message_key` (to edit it in place)."""
    return await s.scalar(
        select(Outbox.platform_ref)
        .where(Outbox.message_key == message_key, Outbox.operation == "send", Outbox.status == "sent")
        .order_by(Outbox.id.desc())
        .limit(1)
    )


async def compare_and_set_next_checkin(
    s: AsyncSession, person_id: int, expected: datetime, new: datetime | None
) -> bool:
    """Atomically move a rep's next check-in from `expected` to `new`; False if someone else did."""
    result = await s.execute(
        update(Person)
        .where(Person.id == person_id, Person.next_checkin_at == expected)
        .values(next_checkin_at=new)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def compare_and_set_next_digest(
    s: AsyncSession, person_id: int, expected: datetime, new: datetime | None
) -> bool:
    result = await s.execute(
        update(Person)
        .where(Person.id == person_id, Person.digest_next_at == expected)
        .values(digest_next_at=new)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def recent_checkins(s: AsyncSession, person_id: int, limit: int = 8) -> list[tuple[CheckIn, Commitment]]:
    """The rep's latest check-ins that have an answer (or were closed without one), newest first."""
    rows = await s.execute(
        select(CheckIn, Commitment)
        .join(Commitment, CheckIn.commitment_id == Commitment.id)
        .where(Commitment.person_id == person_id, CheckIn.status != "pending")
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
        .limit(limit)
    )
    return [(checkin, commitment) for checkin, commitment in rows.all()]
