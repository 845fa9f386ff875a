"""The tick opens every due rep's check-in in one pass, in batches, exactly once, on both
back ends:

- overlapping ticks over a few thousand due reps: every prompt, check-in and message once;
- a pass with more due reps than a batch opens them all;
- a rep whose check-in cannot be written (their commitment deleted under the tick, or a time
  zone no one knows) is left out of its batch, which is retried in halves without them: the
  others open in the same pass, and the next tick tries the rep again.

Many reps are cloned in bulk from one rep made through the real handlers (same rows, other
addresses), so the scale tests take seconds. 2026-11-23 is a Monday; the default check-in is
16:30 in Berlin, 15:30Z.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from handlers import checkin_tick
from scheduler.jobs import run_due
from storage.models import CheckIn, Commitment, Outbox, Person, Prompt
from tests.support import Database, actor, commit, migrate, utc

MONDAY_MORNING = utc(2026, 11, 23, 7, 0)
MONDAY_SLOT = utc(2026, 11, 23, 15, 30)
TUESDAY_SLOT = MONDAY_SLOT + timedelta(days=1)
AT = MONDAY_SLOT + timedelta(minutes=1)

_CLONED_PERSON = ("platform", "workspace_id", "tz", "created_at", "reachable", "greeted", "digest_weekday",
                  "digest_time", "digest_enabled", "next_checkin_at")
_CLONED_COMMITMENT = ("seq", "text", "title", "cadence", "due_date", "status", "created_at", "updated_at",
                      "miss_run", "yes_run", "escalated_in_run")


async def _reps(db: Database, due: int, later: int = 0, *, second_commitment_every: int = 0) -> list[int]:
    """`due` reps due at MONDAY_SLOT plus `later` whose next check-in is next week, each a copy of
    a rep who logged "20 calls every weekday" through the router (every `second_commitment_every`th
    due rep also has a second commitment). Returns the due reps' ids."""
    reply = await commit(db.sessions, actor(1), "20 calls every weekday", MONDAY_MORNING)
    assert "Logged #1" in reply, reply
    (model,) = await db.all(Person)
    (promise,) = await db.all(Commitment)
    assert model.next_checkin_at == MONDAY_SLOT
    person = {column: getattr(model, column) for column in _CLONED_PERSON}
    people = [
        {**person, "user_id": f"C{i}", "display_name": f"Rep {i}",
         "next_checkin_at": MONDAY_SLOT if i < due else MONDAY_SLOT + timedelta(days=7, minutes=i % 600)}
        for i in range(1, due + later)
    ]
    async with db.sessions() as s, s.begin():
        for start in range(0, len(people), 2000):
            await s.execute(insert(Person), people[start:start + 2000])
        ids = list(await s.scalars(select(Person.id).order_by(Person.id)))
        row = {column: getattr(promise, column) for column in _CLONED_COMMITMENT}
        commitments = [{**row, "person_id": pid} for pid in ids[1:]]
        if second_commitment_every:
            commitments += [
                {**row, "person_id": pid, "seq": 2, "text": "update CRM daily", "title": "update CRM"}
                for pid in ids[:due:second_commitment_every]
            ]
        for start in range(0, len(commitments), 2000):
            await s.execute(insert(Commitment), commitments[start:start + 2000])
    return ids[:due]


async def _per_rep(db: Database) -> tuple[Counter[int], Counter[int], Counter[int]]:
    """Prompts, check-ins and queued check-in messages, counted per rep."""
    async with db.sessions() as s:
        prompts = Counter(await s.scalars(select(Prompt.person_id)))
        checkins = Counter(
            await s.scalars(select(Commitment.person_id).join(CheckIn, CheckIn.commitment_id == Commitment.id))
        )
        messages = Counter(await s.scalars(select(Outbox.recipient_id).where(Outbox.operation == "send")))
    return prompts, checkins, messages


async def test_overlapping_ticks_open_thousands_of_reps_each_exactly_once(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as setup:
        due = await _reps(setup, 3000, later=1000, second_commitment_every=10)
    # four "processes", each with its own engine, all ticking at once in batches of 200
    processes = [Database(database_url) for _ in range(4)]
    try:
        first = await asyncio.gather(*(checkin_tick.open_due(p.store, AT, batch=200) for p in processes))
        again = await asyncio.gather(*(checkin_tick.open_due(p.store, AT, batch=200) for p in processes))
    finally:
        for p in processes:
            await p.engine.dispose()

    assert sum(first) == 3000 and sum(again) == 0
    async with Database(database_url) as db:
        prompts, checkins, messages = await _per_rep(db)
        two = set(due[::10])
        assert prompts == Counter(due)  # every due rep once, nobody else
        assert checkins == Counter({pid: 2 if pid in two else 1 for pid in due})
        assert messages == Counter(due)
        rows = await db.all(Outbox)
        assert sorted(r.dedupe_key for r in rows) == sorted(f"prompt:{p.id}" for p in await db.all(Prompt))
        assert len({(c.commitment_id, c.period) for c in await db.all(CheckIn)}) == 3300
        people = {p.id: p for p in await db.all(Person)}
        assert all(people[pid].next_checkin_at == TUESDAY_SLOT for pid in due)
        assert sum(p.next_checkin_at != TUESDAY_SLOT for p in people.values()) == 1000  # not due: untouched


async def test_a_pass_opens_more_due_reps_than_fit_in_a_batch(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        due = await _reps(db, checkin_tick.BATCH * 2 + 37, later=50)
        report = await run_due(db.store, AT)
        assert report.prompts == len(due)
        prompts, checkins, messages = await _per_rep(db)
        assert prompts == checkins == messages == Counter(due)
        mona = await db.all(Outbox, Outbox.recipient_id == due[0])
        assert "20 calls" in mona[0].message_json and '"Yes"' in mona[0].message_json
        assert (await run_due(db.store, AT)).prompts == 0


_DELETE_UNDER_THE_TICK = {
    # When the tick writes the prompt of one rep, their commitment vanishes before its check-in is written.
    "sqlite": [
        "CREATE TRIGGER vanish AFTER INSERT ON prompt WHEN NEW.person_id = {pid} "
        "BEGIN DELETE FROM commitment WHERE person_id = {pid}; END",
    ],
    "postgresql": [
        "CREATE FUNCTION vanish() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM commitment WHERE person_id = NEW.person_id; RETURN NEW; END $$",
        "CREATE TRIGGER vanish AFTER INSERT ON prompt FOR EACH ROW WHEN (NEW.person_id = {pid}) "
        "EXECUTE FUNCTION vanish()",
    ],
}


async def test_a_commitment_deleted_under_the_tick_leaves_only_that_rep_for_the_next_tick(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        due = await _reps(db, 60)
        broken = due[17]
        backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        async with db.sessions() as s, s.begin():
            for statement in _DELETE_UNDER_THE_TICK[backend]:
                await s.execute(text(statement.format(pid=broken)))

        with caplog.at_level(logging.ERROR, logger="handlers.checkin_tick"):
            assert (await run_due(db.store, AT)).prompts == 59
        prompts, checkins, messages = await _per_rep(db)
        others = [pid for pid in due if pid != broken]
        assert prompts == checkins == messages == Counter(others)
        (stuck,) = await db.all(Person, Person.id == broken)
        assert stuck.next_checkin_at == MONDAY_SLOT  # still due: nothing of it was kept
        assert await db.count(Commitment, Commitment.person_id == broken) == 1  # the deletion rolled back too
        assert [r.getMessage() for r in caplog.records] == [
            f"could not open the check-in of person {broken}; the next tick tries again"
        ]

        async with db.sessions() as s, s.begin():
            await s.execute(text("DROP TRIGGER vanish" + (" ON prompt" if backend == "postgresql" else "")))
        assert (await run_due(db.store, AT + timedelta(minutes=1))).prompts == 1
        prompts, checkins, messages = await _per_rep(db)
        assert prompts == checkins == messages == Counter(due)


async def test_a_rep_with_an_unknown_time_zone_does_not_stop_the_others(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        due = await _reps(db, 40)
        async with db.sessions() as s, s.begin():
            (lost,) = await s.scalars(select(Person).where(Person.id == due[3]))
            lost.tz = "Mars/Olympus_Mons"

        with caplog.at_level(logging.ERROR, logger="handlers.checkin_tick"):
            assert (await run_due(db.store, AT)).prompts == 39
            assert (await run_due(db.store, AT + timedelta(minutes=1))).prompts == 0  # tried again, still broken
        prompts, _, messages = await _per_rep(db)
        assert prompts == messages == Counter(pid for pid in due if pid != due[3])
        assert [r.getMessage() for r in caplog.records] == [
            f"could not open the check-in of person {due[3]}; the next tick tries again"
        ] * 2
