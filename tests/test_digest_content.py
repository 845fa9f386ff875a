"""The digest's content on seeded teams: reflections quoted only where the rep allows, reps on a
pause named, and a batch of managers on different cadences read in the same seven queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from handlers import digest
from handlers.contract.messages import Message
from storage.models import Person
from storage.states import DigestCadence
from tests.support import Database, migrate
from tests.test_digest import (
    NOW,
    N,
    Plan,
    Rep,
    Y,
    counting,
    digest_of,
    seed,
    team_of,
    week,
)


async def test_reflections_are_quoted_only_where_the_rep_allows_and_away_reps_are_named(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        manager = await seed(db, "Dana", [
            Rep("Lea", no_answer_is_miss=True, share_reflections=False, plans=[
                Plan("demos", miss_run=2, escalated=True, checkins=[(1, N, "my own business"), (2, N, None), (3, Y, None)]),
            ]),
            Rep("Max", no_answer_is_miss=True, plans=[
                Plan("calls", miss_run=2, escalated=True, checkins=[(1, N, "the demo kit broke"), (2, N, None), (3, Y, None)]),
            ]),
            Rep("Ole", paused_until=date(2026, 12, 4), plans=[Plan("CRM", checkins=week(Y, Y))]),
        ])
        text = await digest_of(db, manager)

    assert text == "\n".join([
        "Your weekly digest. Needs your help: Lea and Max.",
        "• Lea: “demos”, missed 2 in a row.",
        "• Max: “calls”, missed 2 in a row. In their words: “the demo kit broke”",
        "Coaching prompt: Ask Lea: what would make this commitment easier to keep next week, and what support do they need from you?",
        "Team follow-through this week: 50%.",
        "By person: Lea 1/3, Max 1/3, Ole 2/2.",
        "Can't be reached or away:",
        "• Ole is away until Fri 4 Dec: nothing is due till then.",
    ])


async def test_a_batch_of_managers_on_different_cadences_takes_seven_queries_however_many(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        managers = []
        for m, cadence in enumerate([DigestCadence.WEEKLY, DigestCadence.DAILY, DigestCadence.FORTNIGHTLY] * 4):
            manager = await seed(db, f"M{m:02}", [Rep(f"{r.name}-{m}", r.no_answer_is_miss, r.reachable, r.plans) for r in team_of(3 + m)])
            async with db.sessions() as s, s.begin():
                await s.execute(update(Person).where(Person.id == manager).values(digest_cadence=cadence))
            managers.append(manager)
        built: list[dict[int, Message]] = []
        counted: list[int] = []
        for batch in (managers[:3], managers):
            async with db.store.reading() as tx:
                with counting(db) as statements:
                    built.append(await digest.build_many(tx, batch, NOW))
            counted.append(len(statements))

    assert counted == [7, 7], "the same reads for 3 managers as for 12, daily, weekly and two-weekly mixed"
    assert [built[1][m].plain_text.split(" Needs")[0] for m in managers[:3]] == [
        "Your weekly digest.", "Your daily digest.", "Your two-weekly digest."
    ]
    assert all(built[0][m] == built[1][m] for m in managers[:3]), "a digest doesn't depend on its batch"
