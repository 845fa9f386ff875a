"""The manager's digest names a rep the bot can no longer reach (app removed or blocked)."""

from __future__ import annotations

from handlers import digest
from handlers.context import Context
from handlers.contract.incoming import Actor, Command
from handlers.contract.messages import Address
from handlers.contract.ports import FixedClock
from handlers.router import handle
from storage.models import Person
from storage.store import Store
from tests.support import BERLIN, Database, find_person, migrate, utc

T0 = utc(2026, 11, 23, 7, 0)
MONA = Actor(Address("test", "T1", "U1"), "Mona", BERLIN)
DANA = Actor(Address("test", "T1", "U2"), "Dana", BERLIN)


async def _team(db: Database) -> None:
    ctx = Context(store=Store(db.sessions), clock=FixedClock(T0))
    await handle(ctx, Command(DANA, "accountability", "help"))
    await handle(ctx, Command(MONA, "commit", "20 calls every weekday"))
    await handle(ctx, Command(MONA, "accountability", "manager @Dana", (DANA.address,)))


async def _digest(db: Database) -> str:
    async with db.store.reading() as tx:
        manager = await tx.people.find(*_parts(DANA.address))
        assert manager is not None
        return (await digest.build(tx, manager, T0)).plain_text


def _parts(address: Address) -> tuple[str, str, str]:
    return address.platform, address.workspace_id, address.user_id


async def test_an_unreachable_rep_shows_in_the_digest(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        await _team(db)
        assert "All on track" in await _digest(db)
        async with db.sessions() as s, s.begin():
            mona = await find_person(s, MONA.address)
            assert isinstance(mona, Person)
            mona.reachable = False

        text = await _digest(db)

        assert "Can't be reached or away:" in text
        assert (
            "• Mona can't be reached by Follow-Through (the app was removed or blocked); check in with them directly."
            in text
        )
