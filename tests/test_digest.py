"""The manager's digest: a fixed number of queries whatever the team's size (counted with a
`before_cursor_execute` listener on the engine), the same text as ever for the same data, void
check-ins out of the rate, and no digest for a manager nobody names any more. The batched
queries run on SQLite and on PostgreSQL (`database_url`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from handlers import digest
from handlers.contract.messages import Message
from storage.models import CheckIn, Commitment, ManagerLink, Outbox, Person, Terms
from storage.states import CheckInStatus, CommitmentStatus, LinkStatus
from tests.flow_world import berlin, button, onboard_with_defaults, open_world
from tests.support import Database, migrate, utc

NOW = utc(2026, 11, 30, 7, 0)  # Monday 08:00 in Berlin
Y, N, NA, V, P = CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER, CheckInStatus.VOID, CheckInStatus.PENDING


@dataclass
class Plan:
    """One commitment: its runs and its check-ins as (days before NOW, status, note)."""

    title: str
    miss_run: int = 0
    yes_run: int = 0
    escalated: bool = False
    """The run was told to the manager (`Commitment.escalated_in_run`)."""
    checkins: list[tuple[int, CheckInStatus, str | None]] = field(default_factory=list)


@dataclass
class Rep:
    name: str
    no_answer_is_miss: bool | None = None
    """None: the rep never chose terms (the defaults apply)."""
    reachable: bool = True
    plans: list[Plan] = field(default_factory=list)
    share_reflections: bool = True
    paused_until: date | None = None


def week(*statuses: CheckInStatus, start: int = 1) -> list[tuple[int, CheckInStatus, str | None]]:
    """Check-ins on consecutive days from `start` days before NOW (days 1-7: this week, 8-14: last)."""
    return [(start + i, status, None) for i, status in enumerate(statuses)]


async def seed(db: Database, manager_name: str, reps: list[Rep]) -> int:
    """A manager and their team, stored directly; returns the manager's id."""
    async with db.sessions() as s, s.begin():
        def person(name: str, reachable: bool = True) -> Person:
            return Person(platform="test", workspace_id="T1", user_id=name, display_name=name, tz="Europe/Berlin",
                          created_at=NOW - timedelta(days=60), reachable=reachable, greeted=True)

        manager = person(manager_name)
        s.add(manager)
        await s.flush()
        for rep in reps:
            row = person(rep.name, rep.reachable)
            row.paused_until = rep.paused_until
            s.add(row)
            await s.flush()
            s.add(ManagerLink(rep_id=row.id, manager_id=manager.id, status=LinkStatus.ACTIVE, created_at=NOW - timedelta(days=30)))
            if rep.no_answer_is_miss is not None:
                for version, no_answer_is_miss in ((1, not rep.no_answer_is_miss), (2, rep.no_answer_is_miss)):
                    s.add(Terms(person_id=row.id, version=version, created_at=NOW - timedelta(days=40 - version),
                                checkin_days="0,1,2,3,4", checkin_time="16:30", tone="encouraging", reflect_on_miss=True,
                                nudge_later=False, escalate_after=2, no_answer_is_miss=no_answer_is_miss,
                                share_streak_every=5, share_oneoff_wins=True, support_words=None, followup_words=None,
                                share_reflections=rep.share_reflections))
            for seq, plan in enumerate(rep.plans, start=1):
                c = Commitment(person_id=row.id, seq=seq, text=plan.title, title=plan.title, cadence="days:0,1,2,3,4",
                               status=CommitmentStatus.ACTIVE, created_at=NOW - timedelta(days=30),
                               updated_at=NOW - timedelta(days=30), miss_run=plan.miss_run, yes_run=plan.yes_run,
                               escalated_in_run=plan.escalated)
                s.add(c)
                await s.flush()
                for days, status, note in plan.checkins:
                    due = NOW - timedelta(days=days) + timedelta(hours=9)
                    s.add(CheckIn(commitment_id=c.id, period=f"{due:%Y-%m-%d}", due_at=due, closes_at=due + timedelta(hours=6),
                                  status=status, settled_at=None if status == P else due + timedelta(hours=1), note=note))
            s.add(Commitment(person_id=row.id, seq=len(rep.plans) + 1, text="old", title="old", cadence="days:0",
                             status=CommitmentStatus.DONE, created_at=NOW - timedelta(days=30),
                             updated_at=NOW - timedelta(days=30), miss_run=4, yes_run=0, escalated_in_run=False))
        return manager.id


TEAM = [
    Rep("Eve", no_answer_is_miss=True, plans=[
        Plan("20 calls", miss_run=2, escalated=True, checkins=[(1, N, "Acme again"), (2, N, None), (3, Y, None), (4, NA, None), (5, Y, None),
                                               (6, N, "older words"), (9, Y, None), (10, N, None), (11, N, None), (12, N, None), (13, N, None)]),
        Plan("update CRM", yes_run=4, checkins=[(1, Y, None), (20, N, "too old to count")]),
    ]),
    Rep("Ann", reachable=False, plans=[Plan("2 demos", checkins=[(1, P, None)])]),
    Rep("Cat", no_answer_is_miss=False, plans=[
        Plan("send the deck", miss_run=1, checkins=[*week(Y, Y, NA, NA, V, V), *week(Y, Y, N, N, start=8)]),
    ]),
    Rep("Dan", no_answer_is_miss=True, plans=[Plan("log visits", yes_run=3, checkins=[*week(Y, N), *week(Y, N, start=8)])]),
    Rep("Bob", plans=[Plan("follow up leads", checkins=[*week(N, NA), *week(Y, Y, start=8)])]),
]
TEAM_TEXT = "\n".join([
    "Your weekly digest. Needs your help: Cat and Eve.",
    "• Cat: “send the deck”, missed 1 in a row.",
    "• Eve: “20 calls”, missed 2 in a row. In their words: “Acme again”",
    "Coaching prompt: Ask Cat: what would make this commitment easier to keep next week, and what support do they need from you?",
    "Worth praising:",
    "• Dan: “log visits”, 3 in a row.",
    "• Eve: “update CRM”, 4 in a row.",
    "Team follow-through this week: 46% (the same as the week before).",
    "By person: Ann no check-ins, Bob 0/2 ↓, Cat 2/2 ↑ (2 void, not counted), Dan 1/2 →, Eve 3/7 ↑.",
    "Can't be reached or away:",
    "• Ann can't be reached by Follow-Through (the app was removed or blocked); check in with them directly.",
])
"""Cat's miss is listed although no message went to Dana (below Cat's threshold of 2), without
words; Eve's words are from the ongoing run (after the last Yes), quoted because that run was
told to Dana (escalated)."""
ON_TRACK = [Rep("Kim", plans=[Plan("10 calls", yes_run=5, checkins=week(Y, Y, Y, Y, Y))])]
ON_TRACK_TEXT = "\n".join([
    "Your weekly digest. All on track: nothing slipped and nothing is sliding. Team follow-through this week: 100%.",
    "Worth praising:",
    "• Kim: “10 calls”, 5 in a row.",
])


async def digest_of(db: Database, manager_id: int) -> str:
    async with db.store.reading() as tx:
        manager = await tx.people.get(manager_id)
        assert manager is not None
        return (await digest.build(tx, manager, NOW)).plain_text


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def built_counting(db: Database, manager_id: int) -> tuple[str, list[str]]:
    """The manager's digest, and the statements `digest.build` sent to make it."""
    async with db.store.reading() as tx:
        manager = await tx.people.get(manager_id)
        assert manager is not None
        with counting(db) as statements:
            text = (await digest.build(tx, manager, NOW)).plain_text
    return text, statements


def team_of(size: int) -> list[Rep]:
    return [
        Rep(f"Rep {i:02}", no_answer_is_miss=None if i % 3 == 0 else bool(i % 2), reachable=i % 7 != 5, plans=[
            Plan("calls", miss_run=(i + 2) % 3, escalated=(i + 2) % 3 == 2, checkins=[(1, N, f"note {i}"), (2, Y, None), (9, NA, None)]),
            Plan("CRM", yes_run=i % 5, checkins=week(Y, V, N, Y)),
        ])
        for i in range(size)
    ]


async def due_now(db: Database, *manager_ids: int) -> None:
    async with db.sessions() as s, s.begin():
        await s.execute(update(Person).where(Person.id.in_(manager_ids)).values(digest_next_at=NOW))


async def test_a_digest_takes_as_many_queries_for_20_reps_as_for_2(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        small = await seed(db, "Small", team_of(2))
        large = await seed(db, "Large", [Rep(f"{r.name}b", r.no_answer_is_miss, r.reachable, r.plans) for r in team_of(20)])
        small_text, for_small = await built_counting(db, small)
        large_text, for_large = await built_counting(db, large)
        sent_queries = []
        for manager in (small, large):
            await due_now(db, manager)
            with counting(db) as statements:
                assert await digest.send_due(db.store, NOW) == 1
            sent_queries.append(len(statements))

    assert small_text.count("In their words") == 1 and large_text.count("In their words") == 7, "every query runs in both"
    assert len(for_small) == len(for_large) <= 7, (for_small, for_large)
    assert sent_queries[0] == sent_queries[1] <= 12, sent_queries


async def test_digest_text_is_unchanged_for_the_same_data(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        team = await seed(db, "Dana", TEAM)
        on_track = await seed(db, "Zed", ON_TRACK)
        alone = await seed(db, "Lone", [])

        assert await digest_of(db, team) == TEAM_TEXT
        assert await digest_of(db, on_track) == ON_TRACK_TEXT
        assert await digest_of(db, alone) == "Digest: nobody has named you as their accountability partner yet."


async def test_void_checkins_are_neither_kept_nor_counted(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        manager = await seed(db, "Dana", [
            Rep("Mona", plans=[Plan("calls", checkins=week(Y, V, N, V, V))]),
            Rep("Otto", plans=[Plan("CRM", checkins=[*week(V, V), *week(Y, start=8)])]),
            Rep("Pia", plans=[Plan("demos", checkins=week(NA, NA, NA))]),
        ])
        async with db.store.reading() as tx:
            team = (await tx.people.teams_of([manager]))[manager]
            this_week, _ = await tx.checkins.settled_counts_for([p.id for p, _ in team], [(NOW - digest.WEEK, NOW), (NOW - 2 * digest.WEEK, NOW - digest.WEEK)])
        text = await digest_of(db, manager)

    assert this_week[team[0][0].id] == {Y: 1, N: 1, V: 3}, "storage counts every status; the digest decides"
    assert "• Pia hasn't answered the last 3 check-ins; a friendly hello may help." in text, "so the digest is not all clear"
    assert text.endswith("By person: Mona 1/2 (3 void, not counted), Otto no check-ins (2 void, not counted), Pia 0/3.")


async def test_batched_queries_answer_per_person_and_per_commitment(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        manager = await seed(db, "Dana", TEAM)
        async with db.store.reading() as tx:
            team = (await tx.people.teams_of([manager]))[manager]
            ids = {p.display_name: p.id for p, _ in team}
            counts = await tx.checkins.settled_counts_for(list(ids.values()), [(NOW - digest.WEEK, NOW), (NOW - 2 * digest.WEEK, NOW - digest.WEEK)])
            active = await tx.commitments.active_of(list(ids.values()))
            notes = await tx.checkins.latest_notes([c.id for cs in active.values() for c in cs])
            assert await tx.commitments.active_of([]) == {} and await tx.checkins.latest_notes([]) == {}

    assert [p.display_name for p, _ in team] == ["Ann", "Bob", "Cat", "Dan", "Eve"]
    assert [(t.version, t.no_answer_is_miss) if t else None for _, t in team] == [None, None, (2, False), (2, True), (2, True)]
    assert counts[0][ids["Eve"]] == {N: 3, Y: 3, NA: 1} and counts[1][ids["Eve"]] == {Y: 1, N: 4}
    assert ids["Ann"] not in counts[0], "a pending check-in is not settled"
    assert [c.title for c in active[ids["Eve"]]] == ["20 calls", "update CRM"] and ids["Ann"] in active
    assert sorted(notes.values()) == ["Acme again", "too old to count"]


async def test_send_due_queues_each_due_managers_own_digest_and_none_without_a_team(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        team = await seed(db, "Dana", TEAM)
        on_track = await seed(db, "Zed", ON_TRACK)
        alone = await seed(db, "Lone", [])
        await due_now(db, team, on_track, alone)

        assert await digest.send_due(db.store, NOW) == 2
        assert await digest.send_due(db.store, NOW) == 0, "each slot once"

        queued = {row.recipient_id: Message.from_json(row.message_json).plain_text for row in await db.all(Outbox)}
        next_at = {p.id: p.digest_next_at for p in await db.all(Person, Person.id.in_([team, on_track, alone]))}
    assert queued == {team: TEAM_TEXT, on_track: ON_TRACK_TEXT}
    assert next_at == {team: NOW + timedelta(days=7), on_track: NOW + timedelta(days=7), alone: None}


@pytest.mark.parametrize("leaves", ["declines", "names someone else"])
async def test_no_digest_for_a_manager_nobody_names(sqlite_database_url: str, leaves: str) -> None:
    async with open_world(sqlite_database_url) as world:
        for name in ("dana", "eve", "mona"):
            await onboard_with_defaults(world, name)
        await world.command("mona", "accountability", "manager @dana", "dana")
        assert (await world.person("dana")).digest_next_at == berlin(30, 8)
        if leaves == "declines":
            link_message = next(m for m in world.chat.inbox["dana"] if "named you" in m.plain_text)
            await world.click("dana", button(link_message, "Decline"))
        else:
            await world.command("mona", "accountability", "manager @eve", "eve")
        before = len(world.received("dana"))

        await world.at(berlin(30, 8))

        assert len(world.received("dana")) == before, "nothing is sent"
        assert (await world.person("dana")).digest_next_at is None, "and nothing more is scheduled"
        dana = await world.person("dana")
        assert await world.db.count(Outbox, Outbox.recipient_id == dana.id, Outbox.dedupe_key.like("digest:%")) == 0
        await world.command("dana", "accountability", "digest")
        assert "Nobody has named you as their accountability partner yet" in world.replies["dana"][0].plain_text, "asked by hand, it answers as before"

        await world.command("mona", "accountability", "manager @dana", "dana")
        assert (await world.person("dana")).digest_next_at == berlin(30, 8) + timedelta(days=7), "named again: back on"

