"""Conversations end to end through the neutral entry point (`handlers.router.handle`), the
scheduler's jobs and the outbox, on a real SQLite file: proposals, pauses, the manager's
digest cadence, and a database that is gone. (Terms and what happens after a check-in are
in `test_flows_followup.py`; the world they share is `tests.flow_world`.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from handlers.context import Context
from handlers.contract.incoming import Actor, Command
from handlers.contract.messages import Address
from handlers.contract.ports import FixedClock
from handlers.router import DATABASE_DOWN, handle
from storage.db import make_engine, make_sessionmaker
from storage.models import Commitment
from storage.store import Store
from tests.flow_world import (
    BERLIN,
    MONDAY_8,
    World,
    berlin,
    button,
    onboard_with_defaults,
    open_world,
    text_of,
)


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def test_manager_proposal_must_be_accepted_before_it_is_asked_about(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "accountability", "manager @dana", "dana")
    refused = await world.command("raj", "commit", "@mona call Acme by Friday", "mona")
    assert "Only Mona's accountability partner" in text_of(refused)
    assert await world.db.count(Commitment) == 0

    sent = await world.command("dana", "commit", "@mona call Acme by Wednesday", "mona")
    assert "Sent to Mona to accept" in text_of(sent)
    mona, dana = await world.person("mona"), await world.person("dana")
    (proposed,) = await world.db.all(Commitment)
    assert (proposed.person_id, proposed.proposed_by_id, proposed.seq) == (mona.id, dana.id, 1)
    assert (proposed.title, proposed.cadence, proposed.due_date, proposed.status) == ("call Acme", None, date(2026, 11, 25), "proposed")
    proposal = world.last("mona")
    assert "It only counts if you accept it" in proposal.plain_text

    await world.at(berlin(25, 16, 31))
    assert not any("check-in" in t.lower() for t in world.received("mona")), "a proposal is not asked about"

    stranger = await world.click("raj", button(proposal, "Accept"))
    assert "isn't yours" in text_of(stranger)
    assert [c.status for c in await world.db.all(Commitment)] == ["proposed"]
    accepted = await world.click("mona", button(proposal, "Accept"))
    assert "Accepted: #1 call Acme" in text_of(accepted)
    assert "Mona accepted “call Acme”." in world.received("dana")
    assert [(c.title, c.status) for c in await world.db.all(Commitment)] == [("call Acme", "active")]
    again = await world.click("mona", button(proposal, "Decline"))
    assert "already answered" in text_of(again)
    assert [c.status for c in await world.db.all(Commitment)] == ["active"]

    await world.at(berlin(26, 16, 31))
    assert "#1 call Acme (due Wed 25 Nov)" in world.last("mona").plain_text


async def test_pause_means_nothing_is_due_and_resume_brings_checkins_back(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "commit", "20 calls every weekday")
    paused = await world.command("mona", "accountability", "pause until 2026-11-25")
    assert "Paused through Wed 25 Nov 2026" in text_of(paused)
    assert (await world.person("mona")).paused_until == date(2026, 11, 25)
    await world.at(berlin(25, 23, 59))
    assert not any("check-in" in t.lower() for t in world.received("mona"))
    await world.at(berlin(26, 16, 30))
    assert "(Thu 26 Nov)" in world.last("mona").plain_text
    past = await world.command("mona", "accountability", "pause until 2026-11-01")
    assert "in the past" in text_of(past)
    assert (await world.person("mona")).paused_until == date(2026, 11, 25)


async def test_database_gone_gets_a_clear_reply() -> None:
    engine = make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nothing")
    ctx = Context(store=Store(make_sessionmaker(engine)), clock=FixedClock(MONDAY_8))
    result = await handle(ctx, Command(Actor(Address("test", "T1", "mona"), "Mona", BERLIN), "commit", "20 calls daily"))
    assert text_of(result) == DATABASE_DOWN
    await engine.dispose()


async def test_manager_chooses_the_digest_cadence(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")
    garbled = await world.command("dana", "accountability", "digest sometimes")
    assert "Nothing changed" in text_of(garbled)
    dana = await world.person("dana")
    assert (dana.digest_weekday, dana.digest_time, dana.digest_enabled) == (0, "08:00", True)
    chosen = await world.command("dana", "accountability", "digest friday 16:00")
    assert "Fri 27 Nov at 16:00" in text_of(chosen)
    dana = await world.person("dana")
    assert (dana.digest_weekday, dana.digest_time, dana.digest_enabled) == (4, "16:00", True)
    assert dana.digest_next_at == berlin(27, 16, 0)

    def digests() -> list[str]:
        return [t for t in world.received("dana") if t.startswith("Your weekly digest.")]

    await world.at(berlin(27, 15, 59))
    assert digests() == []
    await world.at(berlin(27, 16, 0))
    assert len(digests()) == 1
    await world.at(berlin(27, 23, 0))
    assert len(digests()) == 1, "one digest per slot"

    off = await world.command("dana", "accountability", "digest off")
    assert "Weekly digest off" in text_of(off)
    assert (await world.person("dana")).digest_enabled is False
    await world.at(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    assert len(digests()) == 1


async def test_concurrent_commands_from_one_new_person_all_land(database_url: str) -> None:
    """First contact and several /commit at once: the unique keys collide, the losers run again."""
    import asyncio as aio

    from handlers.context import Context as Ctx
    from handlers.contract.incoming import Actor as Who
    from handlers.contract.incoming import Command as Cmd
    from handlers.contract.ports import FixedClock as Clock
    from handlers.router import handle as route
    from storage.models import Commitment as C
    from storage.models import Person as P
    from tests.support import Database as Db
    from tests.support import migrate as up

    await up(database_url)
    async with Db(database_url) as db:
        ctx = Ctx(store=db.store, clock=Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
        who = Who(Address("test", "T1", "URACE"), "Racer", "Europe/Berlin")
        results = await aio.gather(*(route(ctx, Cmd(who, "commit", f"{n + 10} calls every weekday")) for n in range(6)))
        assert not any(r.nothing_saved for r in results)
        assert await db.count(P) == 1
        assert sorted(c.seq for c in await db.all(C)) == [1, 2, 3, 4, 5, 6]

